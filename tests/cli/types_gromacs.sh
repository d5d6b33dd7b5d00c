#!/usr/bin/env bash
# `deepmd-gromacs types` on .tpr files that GROMACS itself builds (water box + Na/Cl pair,
# OPLS-AA/SPC/E), checked against `gmx dump -s` (types_reference.py): atomic numbers from
# the force field; heavy hydrogens (-DHEAVY_H) warn but keep the elements; a force field
# without atomic numbers falls back to the masses and says so; HMR without atomic numbers
# is refused; and the CLI's other commands still run under mpirun with libgromacs linked.
# usage: types_gromacs.sh DEEPMD_GROMACS MPIEXEC PYTHON WORKDIR
set -euo pipefail
BIN=$1 MPIEXEC=$2 PY=$3 WORK=$4
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The system: Na+ and Cl- 0.8 nm apart, solvated with SPC/E water in a 1.6 nm box.
printf 'ion pair\n2\n    1NA      NA    1   0.400   0.800   0.800\n    2CL      CL    2   1.200   0.800   0.800\n   1.60000   1.60000   1.60000\n' > ions.gro
gmx -quiet solvate -cp ions.gro -cs spc216 -o conf.gro > solvate.log 2>&1
natoms=$(sed -n 2p conf.gro | tr -d ' ')
nsol=$(( (natoms - 2) / 3 ))
[ "$nsol" -gt 50 ] || fail "solvate gave $natoms atoms"
cat > topol.top <<TOP
#include "oplsaa.ff/forcefield.itp"
#include "oplsaa.ff/spce.itp"
#include "oplsaa.ff/ions.itp"
[ system ]
NaCl in water
[ molecules ]
NA 1
CL 1
SOL $nsol
TOP
printf 'integrator = md\nnsteps = 0\ncutoff-scheme = Verlet\ncoulombtype = PME\nrcoulomb = 0.7\nrvdw = 0.7\n' > md.mdp
gmx -quiet grompp -f md.mdp -c conf.gro -p topol.top -o topol.tpr > grompp.log 2>&1 || { cat grompp.log; fail grompp; }
gmx -quiet dump -s topol.tpr > dump.txt 2> /dev/null

"$BIN" types -s topol.tpr -o types.dat > types.out 2> types.err || { cat types.err; fail "types"; }
cat types.out
grep -q "types.dat: $natoms atoms from topol.tpr; H $((2 * nsol)) O $nsol Na 1 Cl 1" types.out || fail "summary"
"$PY" "$HERE/types_reference.py" dump.txt types.dat
! grep -q "warning\|note" types.err || { cat types.err; fail "unexpected notes/warnings"; }

# Heavy hydrogens (OPLS-AA's HEAVY_H: H 4.032, O 9.9514 amu): same elements, a warning.
printf 'define = -DHEAVY_H\n' | cat - md.mdp > heavy.mdp
gmx -quiet grompp -f heavy.mdp -c conf.gro -p topol.top -o heavy.tpr > grompp-heavy.log 2>&1 || { cat grompp-heavy.log; fail grompp heavy; }
gmx -quiet dump -s heavy.tpr > dump-heavy.txt 2> /dev/null
grep -q "m= 4.03200e+00" dump-heavy.txt || fail "HEAVY_H did not change the hydrogen mass"
"$BIN" types -s heavy.tpr -o heavy.dat > heavy.out 2> heavy.err
"$PY" "$HERE/types_reference.py" dump-heavy.txt heavy.dat
grep "warning" heavy.err
grep -q "warning: mass differs .*HW1 in SOL (H, standard 1.008, 4.032 amu): $nsol atoms" heavy.err || fail "no HMR warning for HW1"
grep -q "OW in SOL (O, standard 15.999, 9.9514 amu)" heavy.err || fail "no warning for the lighter OW"

# A force field without atomic numbers: elements from the masses, with a note.
cat > noz.top <<TOP
[ defaults ]
1 2 yes 0.5 0.8333
[ atomtypes ]
; name  mass     charge ptype sigma        epsilon
  OW    15.9994  0.0    A     3.16557e-01  6.50194e-01
  HW     1.008   0.0    A     0.0          0.0
  NA    22.98977 0.0    A     3.33045e-01  1.15980e-02
  CL    35.453   0.0    A     4.41724e-01  4.92833e-01
[ moleculetype ]
SOL 2
[ atoms ]
1 OW 1 SOL OW  1 -0.8476
2 HW 1 SOL HW1 1  0.4238
3 HW 1 SOL HW2 1  0.4238
[ settles ]
1 1 0.1 0.16330
[ exclusions ]
1 2 3
2 1 3
3 1 2
[ moleculetype ]
NA 1
[ atoms ]
1 NA 1 NA NA 1 1
[ moleculetype ]
CL 1
[ atoms ]
1 CL 1 CL CL 1 -1
[ system ]
no atomic numbers
[ molecules ]
NA 1
CL 1
SOL $nsol
TOP
gmx -quiet grompp -f md.mdp -c conf.gro -p noz.top -o noz.tpr > grompp-noz.log 2>&1 || { cat grompp-noz.log; fail grompp noz; }
gmx -quiet dump -s noz.tpr > dump-noz.txt 2> /dev/null
"$BIN" types -s noz.tpr -o noz.dat > noz.out 2> noz.err || { cat noz.err; fail "types noz"; }
"$PY" "$HERE/types_reference.py" dump-noz.txt noz.dat --expect-guess
grep -q "note: element guessed from the mass .*OW in SOL (O, 15.9994 amu): $nsol atoms (index 2, 5, 8, ...)" noz.err || { cat noz.err; fail "no guess note"; }

# GROMACS's heavy hydrogens without atomic numbers: 4.032 amu is helium's mass; warned.
sed 's/HW     1.008 /HW     4.032 /' noz.top > noz-he.top
gmx -quiet grompp -f md.mdp -c conf.gro -p noz-he.top -o noz-he.tpr > grompp-nozhe.log 2>&1 || { cat grompp-nozhe.log; fail grompp nozhe; }
"$BIN" types -s noz-he.tpr -o noz-he.dat > /dev/null 2> noz-he.err || { cat noz-he.err; fail "types noz-he"; }
grep -q "warning: helium guessed from a mass near 4 amu.*HW1 in SOL (He, 4.032 amu)" noz-he.err || { cat noz-he.err; fail "no helium warning"; }

# Hydrogen mass repartitioning (3.024 amu) and no atomic numbers: refused clearly.
sed 's/HW     1.008 /HW     3.024 /' noz.top > noz-heavy.top
gmx -quiet grompp -f md.mdp -c conf.gro -p noz-heavy.top -o noz-heavy.tpr > grompp-nozh.log 2>&1 || { cat grompp-nozh.log; fail grompp nozh; }
if "$BIN" types -s noz-heavy.tpr -o nozh.dat > nozh.out 2> nozh.err; then fail "HMR without atomic numbers was accepted"; fi
grep -q "no element for 2 kind(s) of atom" nozh.err || { cat nozh.err; fail "refusal message"; }
grep -q "HW1 in SOL (3.024 amu): $nsol atoms" nozh.err || { cat nozh.err; fail "refusal lists the atoms"; }
[ ! -e nozh.dat ] || fail "a file was written despite the error"

# Bad input: clear errors, no crash inside libgromacs.
echo garbage > bad.tpr
if "$BIN" types -s bad.tpr -o bad.dat 2> bad.err; then fail "garbage accepted"; fi
grep -q "is not a GROMACS run input" bad.err || { cat bad.err; fail "garbage message"; }
head -c 1000 topol.tpr > short.tpr
if "$BIN" types -s short.tpr -o bad.dat 2> short.err; then fail "truncated accepted"; fi
grep -q "is truncated" short.err || { cat short.err; fail "truncation message"; }

# libgromacs is linked into the CLI, which also links Open MPI: other commands under mpirun.
"$MPIEXEC" -np 2 --oversubscribe "$BIN" eval --model reference --structure conf.gro --output eval.json > eval.log 2>&1 \
  || { cat eval.log; fail "eval under mpirun -np 2"; }
grep -q '"energy"' eval.json || fail "eval.json has no energy"
"$MPIEXEC" -np 1 "$BIN" types -s topol.tpr -o types-np1.dat > /dev/null 2>&1 || fail "types under mpirun -np 1"
cmp types.dat types-np1.dat || fail "types under mpirun differs"
echo "types_gromacs: all checks passed"
