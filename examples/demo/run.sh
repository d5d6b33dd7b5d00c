#!/usr/bin/env bash
# The main job (scripts/demo runs it inside the environment): the mini-protein chignolin
# (GYDPETGTWG, built from sequence) in water (1,511 atoms), simulated by an unmodified GROMACS 2025
# (gmx_mpi) on 2 MPI ranks with every force from the DPA-1 model trained on the
# AMBER99SB-ILDN/TIP3P force field (validation/README.md), through our plugin: NVT at 300 K with a
# 1 fs step, GROMACS's domain decomposition and ours both on.
#   examples/demo/run.sh OUTDIR
# Settings: DEEPMD_GROMACS_DEMO_STEPS (2000 = 2 ps), DEEPMD_GROMACS_DEMO_MODEL (the committed
# validation/model/dpa1-protein.dp, run by our native engine with tabulated embeddings; a .pth
# runs through DeePMD-kit, ~8x slower).
# Prints GROMACS's performance, the plugin's per-step time split, the temperature, and the NN
# energy next to GROMACS's energies (GROMACS itself does not include a plugin's energy).
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
steps=${DEEPMD_GROMACS_DEMO_STEPS:-2000}
model=${DEEPMD_GROMACS_DEMO_MODEL:-$repo/validation/model/dpa1-protein.dp}
case $model in *.dp) export TABULATE=yes ;; *) export TABULATE=no ;; esac  # validation/md/run.sh
mkdir -p "$out" && cd "$out"

echo "== system: chignolin in TIP3P water, validation/md/build_protein.sh (minimised, 10 ps classical at 300 K)"
[ -f chignolin/conf.gro ] || bash "$repo/validation/md/build_protein.sh" chignolin
echo "== model"
deepmd-gromacs check-model "$model" 2>&1 | grep -v '^load model'

rm -rf run
echo "== gmx_mpi mdrun: 2 MPI ranks x 1 thread, all atoms NN, NVT 300 K, dt 1 fs, $steps steps"
bash "$repo/validation/md/run.sh" run chignolin nn nvt 0.001 "$steps" 2 "$model"
sed -n '/deepmd-gromacs summary/,/owned+ghost/p' run/mdrun.out

echo "== temperature and energies (kJ/mol): GROMACS's terms with the NN energy (deepmd-gromacs energy)"
python3 - run <<'PY'
import json
import sys
from pathlib import Path

d = Path(sys.argv[1])
rows = lambda f: [[float(x) for x in l.split()] for l in open(d / f) if l[0] not in "#@"]
gmx, total = rows("gmx-energy.xvg"), rows("total.xvg")  # gmx: t Pot Kin Tot Cons T
run = json.loads((d / "run.json").read_text())
temps = [r[5] for r in gmx]
print(f"{run['natoms']} atoms, {run['nsteps']} steps on {run['ranks']} ranks: "
      f"{run['ns_per_day']} ns/day ({run['wall_s']} s wall incl. start-up)")
print(f"temperature: start {temps[0]:.0f} K, mean of the second half "
      f"{sum(temps[len(temps) // 2:]) / (len(temps) - len(temps) // 2):.1f} K, end {temps[-1]:.0f} K")
print(f"{'t (ps)':>7} {'NN energy':>12} {'GROMACS pot.':>12} {'kinetic':>10} {'total + NN':>12} "
      f"{'conserved + NN':>15} {'T (K)':>6}")
picks = sorted({*range(0, len(total), max(1, len(total) // 5)), len(total) - 1})
for i in picks:
    g, t = gmx[i], total[i]
    print(f"{t[0]:7.3f} {t[1]:12.1f} {t[2]:12.1f} {t[4]:10.1f} {t[5]:12.1f} {t[6]:15.1f} {g[5]:6.1f}")
PY
echo "outputs in $PWD/run: md.log (GROMACS), deepmd-gromacs.log (plugin), nn-energy.xvg, total.xvg, md.xtc"
