#!/usr/bin/env bash
# gmx_mpi mdrun on 2 ranks (GROMACS domain decomposition 2x1x1) on an SPC/E water box.
set -euo pipefail
gmx=$1 gmx_mpi=$2 mpiexec=$3 work=$4
rm -rf "$work"; mkdir -p "$work"; cd "$work"
"$gmx" -quiet solvate -cs spc216 -box 2.5 2.5 2.5 -o water.gro > solvate.log 2>&1
nmol=$(( ($(wc -l < water.gro) - 3) / 3 ))
cat > topol.top <<TOP
#include "oplsaa.ff/forcefield.itp"
#include "oplsaa.ff/spce.itp"
[ system ]
water
[ molecules ]
SOL $nmol
TOP
cat > md.mdp <<MDP
integrator = md
nsteps     = 50
dt         = 0.002
cutoff-scheme = Verlet
rcoulomb   = 0.9
rvdw       = 0.9
coulombtype = reaction-field
MDP
"$gmx" -quiet grompp -f md.mdp -c water.gro -p topol.top -o md.tpr > grompp.log 2>&1
"$mpiexec" -np 2 --oversubscribe "$gmx_mpi" -quiet mdrun -s md.tpr -deffnm md -dd 2 1 1 -npme 0 -ntomp 1 > mdrun.log 2>&1 \
  || { tail -30 mdrun.log; exit 1; }
grep -q "Domain decomposition grid 2 x 1 x 1" md.log || { echo "expected a 2-rank DD run"; exit 1; }
grep -q "Finished mdrun" md.log
echo "gmx_mpi ran 50 steps on 2 ranks with $nmol waters"
