#!/usr/bin/env bash
# The machinery example (the demo before the trained model): an all-NN water box simulated by an
# unmodified GROMACS 2025 (gmx_mpi) on 2 MPI ranks, every force from a DeePMD-kit DPA-1 model
# through our plugin, with GROMACS's domain decomposition and ours both on.
#   scripts/env examples/water/run.sh OUTDIR
# Settings: DEEPMD_GROMACS_DEMO_STEPS (100), DEEPMD_GROMACS_DEMO_BOX (1.8 nm),
# DEEPMD_GROMACS_DEMO_MODEL (dpa1-small), DEEPMD_GROMACS_DEMO_RANKS (2; DeePMD-kit threads per
# rank = cores / ranks).
# Prints GROMACS's performance, the plugin's per-step time split, and the energies with the NN
# energy added (GROMACS itself does not include it).
# The example model has random weights and no short-range repulsion: free atoms fall into its
# wells and heat fast, which a 0.5 fs step cannot follow (tests/gromacs/plugin_nve.py measured
# the dt^2 error), so the demo steps 0.1 fs with a v-rescale thermostat. The numbers show the
# machinery, not water's physics; a trained model runs at the usual 0.5-1 fs.
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
steps=${DEEPMD_GROMACS_DEMO_STEPS:-100} box=${DEEPMD_GROMACS_DEMO_BOX:-1.8}
model=${DEEPMD_GROMACS_DEMO_MODEL:-$DEEPMD_GROMACS_MODELS/dpa1-small.pth}
ranks=${DEEPMD_GROMACS_DEMO_RANKS:-2}
threads=$(( $(nproc) / ranks )); [ "$threads" -ge 1 ] || threads=1
dd=(-dd "$ranks" 1 1 -npme 0); [ "$ranks" -gt 1 ] || dd=()
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out" && cd "$out"

echo "== system: all-NN water box ($box nm), examples/systems/water.sh"
bash "$here/../systems/water.sh" "$PWD" "$box"
natoms=$(sed -n 2p conf.gro | tr -d ' ')
deepmd-gromacs types -s nn.tpr -o types.dat 2>&1 | grep -v '^Reading file' || true

echo "== model"
deepmd-gromacs check-model "$model" 2>&1 | grep -v '^load model'

# NVT: the all-NN md.mdp of water.sh plus a thermostat and output every 10 steps.
{ grep -v -E '^(dt|nsteps|tcoupl|nstcalcenergy|nstenergy|nstlog)' md.mdp
  cat <<MDP
dt                      = 0.0001
nsteps                  = $steps
nstcalcenergy           = 10
nstenergy               = 10
nstlog                  = 50
tcoupl                  = v-rescale
tc-grps                 = System
tau-t                   = 0.05
ref-t                   = 300
MDP
} > demo.mdp
gmx -quiet grompp -f demo.mdp -c conf.gro -p nn.top -o demo.tpr -maxwarn 5 > grompp.log 2>&1 \
  || { cat grompp.log >&2; exit 1; }

# The plugin configuration (every key: docs/plugin.md).
cat > deepmd.dat <<DAT
# deepmd-gromacs plugin configuration for the demo
model           = $model
types           = types.dat
energy_file     = nn-energy.xvg
energy_interval = 10
log_file        = deepmd-gromacs.log
decomposition   = rcb
omp_threads     = $threads
DAT

echo "== gmx_mpi mdrun: $ranks MPI rank(s) x $threads DeePMD-kit thread(s), $natoms atoms, $steps steps, plugin $(deepmd-gromacs plugin-path)"
export PLUMED_KERNEL=$(deepmd-gromacs plugin-path)
start=$(date +%s.%N)
mpirun -np "$ranks" gmx_mpi -quiet mdrun -s demo.tpr -deffnm demo -plumed deepmd.dat "${dd[@]}" -ntomp 1 \
  > mdrun.out 2>&1 || { tail -40 mdrun.out >&2; exit 1; }
wall=$(python3 -c "import time; print('%.1f' % (time.time() - $start))")
[ "$ranks" -eq 1 ] || grep -q "Domain decomposition grid $ranks x 1 x 1" demo.log
echo "GROMACS: $(grep -E '^Performance:' demo.log | awk '{print $2" ns/day, "$3" hour/ns"}') ($wall s wall incl. start-up)"
sed -n '/deepmd-gromacs summary/,/owned+ghost/p' mdrun.out

echo "== energies (kJ/mol): GROMACS's terms plus the NN energy (deepmd-gromacs energy)"
printf 'Potential\nKinetic-En.\nTotal-Energy\nConserved-En.\nTemperature\n\n' \
  | gmx -quiet energy -f demo.edr -o gmx-energy.xvg > energy.log 2>&1
deepmd-gromacs energy --nn nn-energy.xvg --gmx gmx-energy.xvg -o total.xvg --atoms "$natoms"
python3 - <<'PY'
rows = [l.split() for l in open("total.xvg") if l[0] not in "#@"]
for label, r in (("first", rows[0]), ("last", rows[-1])):
    print(f"{label} frame t={float(r[0]):.3f} ps: NN {float(r[1]):.2f}, kinetic {float(r[4]):.2f}, "
          f"total+NN {float(r[5]):.2f}, conserved+NN {float(r[6]):.2f}")
PY
echo "outputs in $PWD: demo.log (GROMACS), deepmd-gromacs.log (plugin), nn-energy.xvg, total.xvg, demo.trr/.xtc"
