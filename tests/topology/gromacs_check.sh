#!/usr/bin/env bash
# Both example systems through `deepmd-gromacs topology`, checked with GROMACS itself: every
# expectation comes from gmx (grompp, dump, mdrun -rerun on the original classical topology),
# not from the code under test.
#  all-NN water: grompp accepts nn.top; the .tpr has no listed interactions at all, zero
#    charges and the same atomic numbers as the classical .tpr; mdrun -rerun gives exactly
#    zero forces (the classical rerun of the same frame does not).
#  NN peptide in water: grompp accepts nn.top; the peptide moltype has no listed interactions;
#    Bond/Angle/dihedral/1-4 energies are gone and peptide-peptide LJ is zero (all present in the
#    classical rerun); peptide-water and water-water energies and the forces on every water atom
#    equal the classical rerun's.
# Usage: gromacs_check.sh DEEPMD_GROMACS EXAMPLES_DIR WORKDIR
set -euo pipefail
dgmx=$1 examples=$2 dir=$3
export DEEPMD_GROMACS=$dgmx GMX=${GMX:-gmx}
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
rungmx() { local log=$1; shift; "$GMX" -quiet "$@" > "$log" 2>&1 || { cat "$log" >&2; echo "FAILED: gmx $*" >&2; exit 1; }; }

# ---- all-NN water ---------------------------------------------------------------------------
"$examples/water.sh" water 1.8
cd water
(cat md.mdp; echo "nstfout = 1") > rerun.mdp
sed 's/^constraints .*/constraints = none/' rerun.mdp > classical.mdp
rungmx grompp-nn.log grompp -f rerun.mdp -c conf.gro -p nn.top -o nn-rerun.tpr -po out1.mdp
rungmx grompp-classical.log grompp -f classical.mdp -c conf.gro -p classical.top -o classical.tpr -po out2.mdp -maxwarn 5
"$GMX" -quiet dump -s nn-rerun.tpr > nn.dump 2> /dev/null
"$GMX" -quiet dump -s classical.tpr > classical.dump 2> /dev/null
rungmx rerun-nn.log mdrun -s nn-rerun.tpr -rerun conf.gro -nt 1 -deffnm rr-nn
rungmx rerun-classical.log mdrun -s classical.tpr -rerun conf.gro -nt 1 -deffnm rr-classical
"$GMX" -quiet dump -f rr-nn.trr > rr-nn.fdump 2> /dev/null
"$GMX" -quiet dump -f rr-classical.trr > rr-classical.fdump 2> /dev/null
python3 - <<'PY'
import re
def ilist_counts(path):
    """(moltype, interaction, nr) for every listed-interaction block of gmx dump -s."""
    out, mol, name = [], None, None
    for line in open(path):
        m = re.match(r"\s+moltype \((\d+)\):", line)
        if m: mol = int(m.group(1))
        m = re.match(r"\s{6}(\S.*):$", line)
        if m: name = m.group(1)
        m = re.match(r"\s+nr: (\d+)$", line)
        if m and mol is not None: out.append((mol, name, int(m.group(1))))
    return out
def atoms(path):
    return re.findall(r"atom\[\s*\d+\]=\{type=.*q=\s*(\S+),.*atomnumber=\s*(-?\d+)\}", open(path).read())
def forces(path):
    return [tuple(float(v) for v in m) for m in
            re.findall(r"f\[\s*\d+\]=\{\s*(\S+),\s*(\S+),\s*(\S+)\}", open(path).read())]
natoms = int(open("conf.gro").readlines()[1])
nn, cl = ilist_counts("nn.dump"), ilist_counts("classical.dump")
assert len(nn) > 50, "no interaction lists found in gmx dump -s"
assert all(n == 0 for _, _, n in nn), [x for x in nn if x[2]]
assert any(name == "Settle" and n > 0 for _, name, n in cl), "classical water has no SETTLE?"
a_nn, a_cl = atoms("nn.dump"), atoms("classical.dump")
assert len(a_nn) == len(a_cl) == 3, (len(a_nn), len(a_cl))
assert [z for _, z in a_nn] == [z for _, z in a_cl] == ["8", "1", "1"], (a_nn, a_cl)
assert all(float(q) == 0 for q, _ in a_nn) and any(float(q) != 0 for q, _ in a_cl)
f_nn, f_cl = forces("rr-nn.fdump"), forces("rr-classical.fdump")
assert len(f_nn) == len(f_cl) == natoms, (len(f_nn), len(f_cl), natoms)
assert all(v == 0.0 for f in f_nn for v in f), "all-NN rerun has non-zero classical forces"
assert max(abs(v) for f in f_cl for v in f) > 100, "classical rerun forces unexpectedly small"
print(f"all-NN water: {natoms} atoms, {len(nn)} empty interaction lists, atomic numbers 8/1 kept, "
      f"rerun forces exactly zero (classical max |f| {max(abs(v) for f in f_cl for v in f):.0f})")
PY
# One water NN among classical ones: split out as its own moleculetype; grompp accepts it.
printf '[ ONE ]\n4 5 6\n' > one.ndx
"$DEEPMD_GROMACS" topology -p classical.top -c conf.gro -n one.ndx --group ONE -o one.top > one.log
grep -q "split out as moleculetype 'SOL_NN'" one.log || { cat one.log; exit 1; }
sed 's/^constraints .*/constraints = none/' md.mdp > one.mdp
rungmx grompp-one.log grompp -f one.mdp -c conf.gro -p one.top -o one.tpr -po out3.mdp
"$GMX" -quiet dump -s one.tpr > one.dump 2> /dev/null
python3 - <<'PY'
import re
text = open("one.dump").read()
mols = re.findall(r'moltype \(\d+\):\n\s+name="(\S+)"', text)
blocks = re.findall(r'molblock \(\d+\):\n\s+moltype\s+=\s+\d+ "(\S+)"\n\s+#molecules\s+=\s+(\d+)', text)
n = int(open("conf.gro").readlines()[1]) // 3
assert sorted(mols) == ["SOL", "SOL_NN"], mols
assert blocks == [("SOL", "1"), ("SOL_NN", "1"), ("SOL", str(n - 2))], blocks
settles = re.findall(r'moltype \(\d+\):\n\s+name="(\S+)".*?Settle:\n\s+nr: (\d+)', text, re.S)
assert dict(settles) == {"SOL": "4", "SOL_NN": "0"}, settles
print("one NN water among", n, "split out by grompp's reading:", blocks)
PY
cd ..

# ---- NN peptide in classical water ----------------------------------------------------------
"$examples/peptide.sh" peptide
cd peptide
(cat md.mdp; echo "nstfout = 1"; echo "energygrps = Protein SOL") > rerun.mdp
rungmx grompp-nn.log grompp -f rerun.mdp -c conf.gro -p nn.top -n index.ndx -o nn-rerun.tpr -po out1.mdp
rungmx grompp-classical.log grompp -f rerun.mdp -c conf.gro -p classical.top -n index.ndx -o classical.tpr -po out2.mdp
"$GMX" -quiet dump -s nn-rerun.tpr > nn.dump 2> /dev/null
"$GMX" -quiet dump -s classical.tpr > classical.dump 2> /dev/null
for t in nn classical; do
  rungmx rerun-$t.log mdrun -s $([ $t = nn ] && echo nn-rerun.tpr || echo classical.tpr) -rerun conf.gro -nt 1 -deffnm rr-$t
  "$GMX" -quiet dump -e rr-$t.edr > rr-$t.edump 2> /dev/null
  "$GMX" -quiet dump -f rr-$t.trr > rr-$t.fdump 2> /dev/null
done
python3 - <<'PY'
import re
def moltypes(path):
    """moltype name -> {interaction: nr} from gmx dump -s."""
    out, mol, name = {}, None, None
    for line in open(path):
        m = re.match(r'\s+name="(.*)"$', line)
        if m and mol is None: mol = m.group(1); out[mol] = {}
        if re.match(r"\s+moltype \(\d+\):", line): mol = None
        m = re.match(r"\s{6}(\S.*):$", line)
        if m: name = m.group(1)
        m = re.match(r"\s+nr: (\d+)$", line)
        if m and mol is not None: out[mol][name] = int(m.group(1))
    return out
def energies(path):
    text = open(path).read().split("Component", 1)[1]
    return {m.group(1).strip(): float(m.group(2))
            for m in re.finditer(r"^\s*(\S.*?)\s+(-?\d\.\d+e[+-]\d+)", text, re.M)}
def forces(path):
    return [tuple(float(v) for v in m) for m in
            re.findall(r"f\[\s*\d+\]=\{\s*(\S+),\s*(\S+),\s*(\S+)\}", open(path).read())]
npep = int(open("peptide.gro").readlines()[1])
natoms = int(open("conf.gro").readlines()[1])
nn, cl = moltypes("nn.dump"), moltypes("classical.dump")
pep = "Protein_chain_A"
assert sum(cl[pep].values()) > 100, cl[pep]
assert sum(nn[pep].values()) == 0, {k: v for k, v in nn[pep].items() if v}
assert nn["SOL"] == cl["SOL"] and cl["SOL"]["Settle"] > 0, (nn["SOL"], cl["SOL"])
e_nn, e_cl = energies("rr-nn.edump"), energies("rr-classical.edump")
bonded = ["Bond", "Angle", "Proper Dih.", "Per. Imp. Dih.", "LJ-14", "Coulomb-14"]
for term in bonded:
    assert e_cl.get(term, 0) != 0, f"classical rerun has no {term}: {sorted(e_cl)}"
    assert e_nn.get(term, 0) == 0, f"NN rerun still has {term} = {e_nn[term]}"
assert e_cl["LJ-SR:Protein-Protein"] != 0 and e_nn["LJ-SR:Protein-Protein"] == 0, \
    (e_cl["LJ-SR:Protein-Protein"], e_nn["LJ-SR:Protein-Protein"])
for term in ["Coul-SR:Protein-SOL", "LJ-SR:Protein-SOL", "Coul-SR:SOL-SOL", "LJ-SR:SOL-SOL"]:
    a, b = e_nn[term], e_cl[term]
    assert abs(a - b) <= 1e-5 * max(1.0, abs(b)), (term, a, b)
f_nn, f_cl = forces("rr-nn.fdump"), forces("rr-classical.fdump")
assert len(f_nn) == len(f_cl) == natoms
# Per component, relative to its size (single precision; 10 kJ/mol/nm floor for tiny ones).
dev = max(abs(x - y) / (abs(y) + 10) for fa, fb in zip(f_nn[npep:], f_cl[npep:]) for x, y in zip(fa, fb))
assert dev <= 1e-4, ("water forces changed", dev)
pdev = max(abs(x - y) for fa, fb in zip(f_nn[:npep], f_cl[:npep]) for x, y in zip(fa, fb))
assert pdev > 1.0, "peptide forces unchanged: intramolecular terms still active?"
print(f"NN peptide: {npep} of {natoms} atoms; bonded/1-4 energies gone (classical Bond "
      f"{e_cl['Bond']:.1f}, LJ-SR:Protein-Protein {e_cl['LJ-SR:Protein-Protein']:.1f} kJ/mol); "
      f"water energies equal, water forces equal within {dev:.1e} (relative)")
PY
# Regions the tool must refuse, with the reason.
refused() {  # refused GROUP_ATOMS EXPECTED_MESSAGE
  printf '[ BAD ]\n%s\n' "$1" > bad.ndx
  if "$DEEPMD_GROMACS" topology -p classical.top -c conf.gro -n bad.ndx --group BAD -o bad.top 2> bad.err; then
    echo "accepted NN group '$1'"; exit 1
  fi
  grep -q "$2" bad.err || { cat bad.err; exit 1; }
}
refused "$(seq 1 10 | paste -sd' ')" "holds 10 of the $(sed -n 2p peptide.gro | tr -d ' ') atoms"
refused "$(seq 1 $(( $(sed -n 2p peptide.gro) + 3 )) | paste -sd' ')" "spans 2 molecules"
if "$DEEPMD_GROMACS" topology -p classical.top -o bad.top 2> bad.err; then echo "#include accepted without -c"; exit 1; fi
grep -q "preprocessor lines" bad.err || { cat bad.err; exit 1; }
echo "topology GROMACS checks passed"
