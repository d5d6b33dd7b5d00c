#!/usr/bin/env bash
# A small peptide (NN, mechanically embedded) in classical TIP3P water.
#   examples/systems/peptide.sh OUTDIR [SEQUENCE] [box_nm]   (default ACGSA, 3.0 nm, ~2700 atoms)
# The peptide is built by PeptideBuilder as a helix (compact, so it fits within the
# electrostatics cut-off, which PME needs for its excluded pairs), pdb2gmx amber99sb-ildn with
# charged termini (net charge 0 for ACGSA), solvated in a cubic box.
# Writes into OUTDIR:
#   conf.gro       peptide first, then water
#   classical.top  pdb2gmx's topology (+ water from gmx solvate), #include lines
#   index.ndx      gmx make_ndx's default groups plus NN = the peptide
#   nn.top         from `deepmd-gromacs topology -n index.ndx --group NN`: the peptide keeps its
#                  charges and LJ but has no bonded terms and all its atom pairs excluded
#   md.mdp         NVE MD, dt 0.0005 ps, PME, 1.2 nm cut-offs, SETTLE water (h-bonds constraints
#                  only touch molecules with bonds: the NN peptide has none)
#   nn.tpr         gmx grompp of the above
# Runs inside the project's environment (scripts/env): gmx, deepmd-gromacs and a python3 with
# PeptideBuilder on PATH (override with GMX=..., DEEPMD_GROMACS=..., PYTHON=...).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [SEQUENCE] [box_nm]" >&2; exit 2; }
out=$1 seq=${2:-ACGSA} box=${3:-3.0}
gmx=${GMX:-gmx} dgmx=${DEEPMD_GROMACS:-deepmd-gromacs} python=${PYTHON:-python3}
mkdir -p "$out" && cd "$out"
rm -f peptide.pdb peptide.gro boxed.gro conf.gro classical.top index.ndx nn.top md.mdp nn.tpr posre.itp

"$python" - "$seq" <<'PY'
import sys
import PeptideBuilder
from PeptideBuilder import Geometry
from Bio.PDB import PDBIO
geos = []
for aa in sys.argv[1]:
    g = Geometry.geometry(aa)
    g.phi, g.psi_im1 = -57.0, -47.0  # alpha helix
    geos.append(g)
io = PDBIO()
io.set_structure(PeptideBuilder.make_structure_from_geos(geos))
io.save("peptide.pdb")
PY
run() { local log=$1; shift; "$@" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }; }
run pdb2gmx.log "$gmx" -quiet pdb2gmx -f peptide.pdb -o peptide.gro -p classical.top -i posre.itp \
  -ff amber99sb-ildn -water tip3p -ignh
run editconf.log "$gmx" -quiet editconf -f peptide.gro -o boxed.gro -c -box "$box" "$box" "$box" -bt triclinic
run solvate.log "$gmx" -quiet solvate -cp boxed.gro -cs spc216 -o conf.gro -p classical.top
rm -f "#classical.top.1#"
npep=$(sed -n 2p peptide.gro | tr -d ' ')
echo q | "$gmx" -quiet make_ndx -f conf.gro -o index.ndx > make_ndx.log 2>&1 || { cat make_ndx.log >&2; exit 1; }
{ echo "[ NN ]"; seq 1 "$npep" | paste -sd' ' | fold -s -w 75; } >> index.ndx

cat > md.mdp <<'MDP'
; NVE MD of an NN peptide in classical water (mechanical embedding).
integrator              = md
dt                      = 0.0005
nsteps                  = 200
nstcalcenergy           = 10
nstenergy               = 10
nstlog                  = 10
nstxout-compressed      = 20
cutoff-scheme           = Verlet
coulombtype             = PME
rcoulomb                = 1.2
rvdw                    = 1.2
DispCorr                = EnerPres
constraints             = h-bonds
tcoupl                  = no
pcoupl                  = no
gen-vel                 = yes
gen-temp                = 300
gen-seed                = 2025
MDP

"$dgmx" topology -p classical.top -c conf.gro -f md.mdp -n index.ndx --group NN -o nn.top > topology.log
run grompp.log "$gmx" -quiet grompp -f md.mdp -c conf.gro -p nn.top -n index.ndx -o nn.tpr -po mdout.mdp
echo "peptide $seq: $npep NN atoms in $(sed -n 2p conf.gro | tr -d ' ') atoms, box ${box} nm: $PWD/{conf.gro,index.ndx,nn.top,md.mdp,nn.tpr}"
