#!/usr/bin/env bash
# An all-NN water box for NVE MD: every atom left to the network (no bonds, charges or LJ).
#   examples/systems/water.sh OUTDIR [box_nm]      (default box 2.0 nm, ~780 atoms)
# Writes into OUTDIR:
#   conf.gro       water (gmx solvate, spc216 coordinates), cubic box
#   classical.top  the classical topology it came from (amber99sb-ildn TIP3P, #include lines)
#   nn.top         the all-NN topology from `deepmd-gromacs topology` (self-contained)
#   md.mdp         NVE MD, dt 0.0005 ps, velocities at 300 K, cut-off electrostatics, small cut-offs
#   nn.tpr         gmx grompp of the three, to check they go together
# Runs inside the project's environment (scripts/env): needs gmx and deepmd-gromacs on PATH
# (override with GMX=..., DEEPMD_GROMACS=...).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [box_nm]" >&2; exit 2; }
out=$1 box=${2:-2.0}
gmx=${GMX:-gmx} dgmx=${DEEPMD_GROMACS:-deepmd-gromacs}
mkdir -p "$out" && cd "$out"
rm -f conf.gro classical.top nn.top md.mdp nn.tpr

cat > classical.top <<'TOP'
#include "amber99sb-ildn.ff/forcefield.itp"
#include "amber99sb-ildn.ff/tip3p.itp"

[ system ]
water box, all atoms NN

[ molecules ]
TOP
"$gmx" -quiet solvate -cs spc216 -box "$box" "$box" "$box" -o conf.gro -p classical.top > solvate.log 2>&1 \
  || { cat solvate.log >&2; exit 1; }

cat > md.mdp <<'MDP'
; NVE MD of an all-NN system: GROMACS integrates, the network gives every force.
integrator              = md
dt                      = 0.0005
nsteps                  = 200
nstcalcenergy           = 10
nstenergy               = 10
nstlog                  = 10
nstxout-compressed      = 20
; Nothing classical is left (zero charges, zero LJ): the cheapest cut-off settings.
cutoff-scheme           = Verlet
coulombtype             = cut-off
vdwtype                 = cut-off
rcoulomb                = 0.5
rvdw                    = 0.5
verlet-buffer-tolerance = -1
rlist                   = 0.5
nstlist                 = 10
DispCorr                = no
constraints             = none
tcoupl                  = no
pcoupl                  = no
gen-vel                 = yes
gen-temp                = 300
gen-seed                = 2025
MDP

rm -f "#classical.top.1#"
"$dgmx" topology -p classical.top -c conf.gro -f md.mdp -o nn.top > topology.log
"$gmx" -quiet grompp -f md.mdp -c conf.gro -p nn.top -o nn.tpr -po mdout.mdp > grompp.log 2>&1 \
  || { cat grompp.log >&2; exit 1; }
echo "water box: $(sed -n 2p conf.gro | tr -d ' ') atoms, box ${box} nm, all NN: $PWD/{conf.gro,nn.top,md.mdp,nn.tpr}"
