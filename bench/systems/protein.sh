#!/usr/bin/env bash
# The benchmark's solvated protein (~15,700 atoms, the size of the published 15,668-atom case),
# built reproducibly with GROMACS tools from a real structure:
#   adenylate kinase, closed state (E. coli AdK, PDB 1AKE), 214 residues, as shipped by the
#   MDAnalysisTests package (MDAnalysisTests/data/adk_closed.pdb, CHARMM names; HSD -> HIS);
#   pdb2gmx amber99sb-ildn + TIP3P (-ignh: hydrogens rebuilt), 3,341 protein atoms, charge -4;
#   editconf: centred, principal axes, rhombic dodecahedron of image distance BOX nm (default 6.06);
#   solvate with spc216 water; genion -neutral: 4 Na+ replace 4 waters.
#   bench/systems/protein.sh OUTDIR [BOX_nm]
# Writes OUTDIR/{conf.gro,topol.top,ions.tpr}. Runs inside scripts/env (gmx, the venv's python).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [box_nm]" >&2; exit 2; }
out=$1 box=${2:-6.06}
gmx=${GMX:-gmx}
pdb=$(python3 -c 'import MDAnalysisTests.datafiles as d; print(d.PDB_closed)')
mkdir -p "$out" && cd "$out"
rm -f ./*.gro ./*.top ./*.tpr ./*.itp ./\#*
run() { local log=$1; shift; "$@" > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }; }

sed -e 's/HSD/HIS/g; s/HSE/HIS/g; s/HSP/HIS/g' "$pdb" | grep -E '^(ATOM|TER|END)' > adk_closed.pdb
run pdb2gmx.log "$gmx" -quiet pdb2gmx -f adk_closed.pdb -o protein.gro -p topol.top -ff amber99sb-ildn -water tip3p -ignh
echo 0 | run editconf.log "$gmx" -quiet editconf -f protein.gro -o boxed.gro -c -princ -bt dodecahedron -box "$box"
run solvate.log "$gmx" -quiet solvate -cp boxed.gro -cs spc216 -o solvated.gro -p topol.top
cat > ions.mdp <<'MDP'
integrator = steep
nsteps     = 0
cutoff-scheme = Verlet
coulombtype   = cut-off
rcoulomb      = 1.0
rvdw          = 1.0
MDP
run grompp.log "$gmx" -quiet grompp -f ions.mdp -c solvated.gro -p topol.top -o ions.tpr -maxwarn 1
echo SOL | run genion.log "$gmx" -quiet genion -s ions.tpr -o conf.gro -p topol.top -pname NA -nname CL -neutral
echo "protein (AdK 1AKE) in water: $(sed -n 2p conf.gro | tr -d ' ') atoms, dodecahedron ${box} nm: $PWD/conf.gro"
