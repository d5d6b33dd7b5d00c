#!/usr/bin/env bash
# One MD run of the validation system (from validation/md/build_protein.sh), classical or all-NN.
#   validation/md/run.sh OUTDIR SYSTEMDIR classical|nn nve|nvt DT_PS NSTEPS [RANKS=2] [MODEL] [NSTXOUT]
# Both kinds start from SYSTEMDIR/conf.gro with its velocities (the classical 300 K equilibration)
# and integrate with leap-frog at DT_PS; nvt: v-rescale 300 K, tau 0.1 ps.
# classical: the flexible reference force field (validation/mdp/reference.mdp), gmx_mpi, no plugin.
# nn: SYSTEMDIR/nn.top (no classical term left), every force from MODEL through the plugin,
#     1 DeePMD-kit thread per rank, energy_interval = nstenergy = 10, and afterwards
#     `deepmd-gromacs energy` (total.xvg, summary.json: drift of conserved + NN);
#     TABULATE=yes: tabulate_embedding = yes (native engine, .dp models).
# Outputs in OUTDIR: md.{tpr,edr,log,xtc} (xtc every 100 steps; NSTXOUT > 0: also md.trr of x).
set -euo pipefail
out=$1 sys=$(cd "$2" && pwd) kind=$3 ens=$4 dt=$5 nsteps=$6 ranks=${7:-2}
model=${8:-} nstxout=${9:-0}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out" && cd "$out"
run() { local log=$1; shift; "$@" > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }; }

{
  if [ "$kind" = classical ]; then
    cat "$here/mdp/reference.mdp"
  else  # all NN: GROMACS keeps nothing but the integrator; cheapest pair search.
    printf 'cutoff-scheme = Verlet\ncoulombtype = cut-off\nrcoulomb = 0.5\nrvdw = 0.5\n'
    printf 'rlist = 0.5\nverlet-buffer-tolerance = -1\nnstlist = 10\nDispCorr = no\nconstraints = none\n'
  fi
  printf 'integrator = md\ndt = %s\nnsteps = %s\n' "$dt" "$nsteps"
  printf 'nstcalcenergy = 10\nnstenergy = 10\nnstlog = 1000\nnstxout-compressed = 100\n'
  printf 'nstxout = %s\ngen-vel = no\ncontinuation = yes\npcoupl = no\n' "$nstxout"
  if [ "$ens" = nvt ]; then
    printf 'tcoupl = v-rescale\ntc-grps = System\ntau-t = 0.1\nref-t = 300\n'
  else
    printf 'tcoupl = no\n'
  fi
} > md.mdp
top=$sys/topol.top; [ "$kind" = nn ] && top=$sys/nn.top
run grompp.log gmx -quiet grompp -f md.mdp -c "$sys/conf.gro" -p "$top" -o md.tpr -maxwarn 2
natoms=$(sed -n 2p "$sys/conf.gro" | tr -d ' ')
dd=(); [ "$ranks" -gt 1 ] && dd=(-dd "$ranks" 1 1 -npme 0)
start=$(date +%s.%N)
if [ "$kind" = classical ]; then
  run mdrun.out mpirun -np "$ranks" gmx_mpi -quiet mdrun -s md.tpr -deffnm md -ntomp 1 "${dd[@]}"
else
  run types.log deepmd-gromacs types -s md.tpr -o types.dat
  printf 'model = %s\ntypes = types.dat\nenergy_file = nn-energy.xvg\nenergy_interval = 10\nlog_file = deepmd-gromacs.log\nomp_threads = 1\n' \
    "$model" > deepmd.dat
  if [ "${TABULATE:-no}" = yes ]; then echo 'tabulate_embedding = yes' >> deepmd.dat; fi
  PLUMED_KERNEL=$(deepmd-gromacs plugin-path) run mdrun.out \
    mpirun -np "$ranks" gmx_mpi -quiet mdrun -s md.tpr -deffnm md -plumed deepmd.dat -ntomp 1 "${dd[@]}"
fi
wall=$(python3 -c "import time; print(round(time.time() - $start, 1))")
printf 'Potential\nKinetic-En.\nTotal-Energy\nConserved-En.\nTemperature\n\n' \
  | gmx -quiet energy -f md.edr -o gmx-energy.xvg > energy.log 2>&1
if [ "$kind" = nn ]; then
  run total.log deepmd-gromacs energy --nn nn-energy.xvg --gmx gmx-energy.xvg -o total.xvg \
    --atoms "$natoms" --json summary.json
fi
perf=$(grep -E '^Performance:' md.log | awk '{print $2}')
printf '{"kind": "%s", "ensemble": "%s", "dt_ps": %s, "nsteps": %s, "ranks": %s, "natoms": %s, "wall_s": %s, "ns_per_day": %s, "model": "%s"}\n' \
  "$kind" "$ens" "$dt" "$nsteps" "$ranks" "$natoms" "$wall" "${perf:-null}" "$model" > run.json
echo "$out: $kind $ens dt $dt ps x $nsteps steps on $ranks ranks, $natoms atoms: $wall s wall, ${perf:-?} ns/day"
