#!/usr/bin/env bash
# The main job (scripts/demo runs it inside the environment): the mini-protein chignolin
# (GYDPETGTWG) in water, every atom NN, simulated by an unmodified GROMACS 2025 (gmx_mpi) on 2 MPI
# ranks with the trained DPA-1 model of validation/ (validation/README.md: trained on classical
# AMBER99SB-ILDN/TIP3P data of solvated protein fragments) through our plugin, GROMACS's domain
# decomposition and ours both on.
#   examples/demo/run.sh OUTDIR
# Settings: DEEPMD_GROMACS_DEMO_STEPS (200), DEEPMD_GROMACS_DEMO_DT (0.001 ps),
# DEEPMD_GROMACS_DEMO_MODEL (validation/model/dpa1-protein.pth), DEEPMD_GROMACS_DEMO_RANKS (2).
# Steps: build and solvate chignolin, minimise and equilibrate 1 ps classically (the reference
# force field), then NVT (v-rescale, 300 K) with every force from the network. Prints GROMACS's
# ns/day, the plugin's per-step time split, the temperature, and the NN energy next to GROMACS's
# energies (GROMACS does not include the NN energy in its own terms).
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
steps=${DEEPMD_GROMACS_DEMO_STEPS:-200} dt=${DEEPMD_GROMACS_DEMO_DT:-0.001}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
model=${DEEPMD_GROMACS_DEMO_MODEL:-$repo/validation/model/dpa1-protein.pth}
ranks=${DEEPMD_GROMACS_DEMO_RANKS:-2}
mkdir -p "$out" && cd "$out"

echo "== system: chignolin in TIP3P water, 2 Na+, all atoms NN (validation/md/build_protein.sh)"
EQUIL_STEPS=2000 bash "$repo/validation/md/build_protein.sh" "$PWD/system"

echo "== model"
deepmd-gromacs check-model "$model" 2>&1 | grep -v '^load model'

echo "== gmx_mpi mdrun: NVT 300 K, dt $dt ps x $steps steps, $ranks MPI rank(s) x 1 DeePMD-kit thread"
bash "$repo/validation/md/run.sh" "$PWD/nvt" "$PWD/system" nn nvt "$dt" "$steps" "$ranks" "$model"
cd nvt
[ "$ranks" -eq 1 ] || grep -q "Domain decomposition grid $ranks x 1 x 1" md.log
echo "GROMACS: $(grep -E '^Performance:' md.log | awk '{print $2" ns/day, "$3" hour/ns"}')"
sed -n '/deepmd-gromacs summary/,/owned+ghost/p' mdrun.out

echo "== energies (kJ/mol): GROMACS's terms (nothing classical is left) plus the NN energy"
python3 - <<'PY'
import numpy as np
rows = np.array([l.split() for l in open("total.xvg") if l[0] not in "#@"], dtype=float)
temp = np.array([l.split()[5] for l in open("gmx-energy.xvg") if l[0] not in "#@"], dtype=float)
print(f"{'t (ps)':>7} {'NN energy':>12} {'GROMACS pot.':>12} {'kinetic':>10} {'total+NN':>12} {'T (K)':>7}")
for i in sorted({0, len(rows) // 4, len(rows) // 2, 3 * len(rows) // 4, len(rows) - 1}):
    r = rows[i]
    print(f"{r[0]:7.3f} {r[1]:12.1f} {r[2]:12.1f} {r[4]:10.1f} {r[5]:12.1f} {temp[i]:7.1f}")
print(f"temperature over the run: mean {temp.mean():.1f} K, min {temp.min():.1f}, max {temp.max():.1f} (thermostat 300 K)")
PY
echo "outputs in $PWD: md.log (GROMACS), deepmd-gromacs.log (plugin), nn-energy.xvg, total.xvg, md.xtc"
