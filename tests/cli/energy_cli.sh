#!/usr/bin/env bash
# `deepmd-gromacs energy` on a real `gmx energy` .xvg (a short SPC/E water MD run by gmx) and
# a synthetic NN .xvg in the plugin's format, checked against numpy (energy_reference.py).
# usage: energy_cli.sh DEEPMD_GROMACS PYTHON WORKDIR
set -euo pipefail
BIN=$1 PY=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }

gmx -quiet solvate -cs spc216 -box 1.6 1.6 1.6 -o conf.gro > solvate.log 2>&1
nsol=$(( $(sed -n 2p conf.gro | tr -d ' ') / 3 ))
printf '#include "oplsaa.ff/forcefield.itp"\n#include "oplsaa.ff/spce.itp"\n[ system ]\nwater\n[ molecules ]\nSOL %d\n' "$nsol" > topol.top
cat > md.mdp <<MDP
integrator = md
dt = 0.002
nsteps = 40
nstcalcenergy = 2
nstenergy = 2
cutoff-scheme = Verlet
coulombtype = PME
rcoulomb = 0.7
rvdw = 0.7
tcoupl = v-rescale
tc-grps = System
tau-t = 0.1
ref-t = 300
gen-vel = yes
gen-temp = 300
MDP
gmx -quiet grompp -f md.mdp -c conf.gro -p topol.top -o md.tpr > grompp.log 2>&1 || { cat grompp.log; fail grompp; }
gmx -quiet mdrun -s md.tpr -deffnm md -ntmpi 1 -ntomp 1 -nb cpu > mdrun.log 2>&1 || { tail -30 mdrun.log; fail mdrun; }
printf 'Potential\nKinetic-En.\nTotal-Energy\nConserved-En.\n\n' | gmx -quiet energy -f md.edr -o energy.xvg > energy.log 2>&1 \
  || { cat energy.log; fail "gmx energy"; }
"$PY" "$HERE/energy_reference.py" make-nn energy.xvg nn-energy.xvg

"$BIN" energy --nn nn-energy.xvg --gmx energy.xvg -o total.xvg --json summary.json | tee energy.out
grep -q "total.xvg: 11 frames .* matched of 12 NN and 21 GROMACS rows" energy.out || fail "frame summary"
grep -q "per atom (123 atoms, from '# natoms' of nn-energy.xvg)" energy.out || fail "per-atom drift from the header"
"$PY" "$HERE/energy_reference.py" check nn-energy.xvg energy.xvg total.xvg summary.json
"$BIN" energy --nn nn-energy.xvg --gmx energy.xvg -o total2.xvg --atoms 1000 | grep -q "(1000 atoms, from --atoms)" \
  || fail "--atoms"

# Missing terms and no common times: clear errors.
printf 'Potential\n\n' | gmx -quiet energy -f md.edr -o potential.xvg > /dev/null 2>&1
if "$BIN" energy --nn nn-energy.xvg --gmx potential.xvg -o x.xvg 2> missing.err; then fail "missing terms accepted"; fi
grep -q 'no column "Kinetic En.", "Total Energy", "Conserved En." (its legends are: "Potential")' missing.err \
  || { cat missing.err; fail "missing-term message"; }
awk '/^[#@]/ {print; next} {printf "%f %f\n", $1 + 100, $2}' nn-energy.xvg > late.xvg
if "$BIN" energy --nn late.xvg --gmx energy.xvg -o x.xvg 2> late.err; then fail "disjoint times accepted"; fi
grep -q "no time is in both files" late.err || { cat late.err; fail "no-common-time message"; }
echo "energy_cli: all checks passed"
