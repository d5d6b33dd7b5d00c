#!/usr/bin/env bash
# The validation mini-protein: chignolin (GYDPETGTWG) built from sequence as a beta hairpin
# (PeptideBuilder, approximate phi/psi of the NMR structure's turn), pdb2gmx amber99sb-ildn +
# TIP3P with charged termini, rhombic dodecahedron with DIST nm of water (2 Na+ neutralise it;
# 0.5 nm keeps protein images 1.0 nm apart, beyond the 0.6 nm cut-off, and the system small
# enough for the NN runs on the 2-core machine: 1,511 atoms),
# minimised and equilibrated at 300 K with the flexible reference force field (EQUIL_STEPS x 0.5 fs,
# default 20000 = 10 ps).
#   validation/md/build_protein.sh OUTDIR [DIST_nm=0.5] [SEQUENCE=GYDPETGTWG]   (inside scripts/env)
# SEQUENCE cap-X builds a capped amino acid ACE-X-NME as the training data does (validation/data.py;
# cap-A: the alanine dipeptide), extended.
# Writes OUTDIR/{conf.gro (equilibrated), topol.top (classical), nn.top (all-NN), protein.ndx}.
set -euo pipefail
out=$1 dist=${2:-0.5} seq=${3:-GYDPETGTWG}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out" && cd "$out"
run() { local log=$1; shift; "$@" > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }; }

if [[ $seq == cap-* ]]; then
  python3 -c "import sys; sys.path.insert(0, '$here'); import data; data.write_pdb('$seq', 'protein.pdb')"
else
python3 - "$seq" <<'PY'
import sys
import PeptideBuilder
from Bio.PDB import PDBIO
from PeptideBuilder import Geometry
seq = sys.argv[1]
# (phi, psi): strands extended, D-P-E-T-G a turn (roughly chignolin's), G7 left-handed.
turn = {2: (-150, 160), 3: (-65, -30), 4: (-90, 0), 5: (-100, 10), 6: (80, 20)}
phipsi = [turn.get(i, (-130, 140)) for i in range(len(seq))]
geos = []
for i, aa in enumerate(seq):
    g = Geometry.geometry(aa)
    g.phi = phipsi[i][0]
    g.psi_im1 = phipsi[i - 1][1] if i else 140
    geos.append(g)
io = PDBIO()
io.set_structure(PeptideBuilder.make_structure_from_geos(geos))
io.save("protein.pdb")
PY
fi
run pdb2gmx.log gmx -quiet pdb2gmx -f protein.pdb -o protein.gro -p topol.top -ff amber99sb-ildn -water tip3p -ignh
run editconf.log gmx -quiet editconf -f protein.gro -o boxed.gro -c -d "$dist" -bt dodecahedron
run solvate.log gmx -quiet solvate -cp boxed.gro -cs spc216 -o solvated.gro -p topol.top
cat "$here/mdp/reference.mdp" "$here/mdp/em.mdp" > em.mdp
run grompp-ions.log gmx -quiet grompp -f em.mdp -c solvated.gro -p topol.top -o ions.tpr -maxwarn 1
echo SOL | run genion.log gmx -quiet genion -s ions.tpr -o ionised.gro -p topol.top -pname NA -nname CL -neutral -seed 1
run grompp-em.log gmx -quiet grompp -f em.mdp -c ionised.gro -p topol.top -o em.tpr
run em.out gmx -quiet mdrun -nt 1 -pin off -deffnm em
{ cat "$here/mdp/reference.mdp" "$here/mdp/sample.mdp"
  printf 'nsteps = %s\nref-t = 300\ngen-temp = 300\ngen-seed = 7\n' "${EQUIL_STEPS:-20000}"; } | sed 's/^nstxout .*/nstxout = 0/' > equil.mdp
run grompp-equil.log gmx -quiet grompp -f equil.mdp -c em.gro -p topol.top -o equil.tpr
run equil.out gmx -quiet mdrun -nt 1 -pin off -deffnm equil
cp equil.gro conf.gro
printf 'q\n' | gmx -quiet make_ndx -f conf.gro -o protein.ndx > make_ndx.log 2>&1
# All atoms NN: no classical terms left (deepmd-gromacs topology).
printf 'integrator = md\ncutoff-scheme = Verlet\ncoulombtype = cut-off\nrcoulomb = 0.5\nrvdw = 0.5\nconstraints = none\n' > nn-probe.mdp
run topology.log deepmd-gromacs topology -p topol.top -c conf.gro -f nn-probe.mdp -o nn.top
echo "chignolin $seq: $(grep -c . protein.gro | awk '{print $1-3}') protein atoms, $(sed -n 2p conf.gro | tr -d ' ') atoms, box $(tail -1 conf.gro)"
