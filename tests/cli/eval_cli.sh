#!/bin/bash
# eval end to end: a small triclinic water-and-ion structure (written here) at 1 and 3
# ranks with rcb, and at 3 ranks with slab + allreduce; all must give the same numbers.
# Also checks clear errors for an unknown element and a malformed file.
# Usage: eval_cli.sh DEEPMD_GROMACS MPIEXEC WORKDIR
set -euo pipefail
exe=$1 mpiexec=$2 dir=$3
mkdir -p "$dir" && cd "$dir"
python3 - <<'PY'
import random
random.seed(4)
box = [(1.9, 0, 0), (0.4, 1.8, 0), (-0.3, 0.2, 1.7)]
names = [("SOL", "OW"), ("SOL", "HW1"), ("SOL", "HW2")]
atoms = []
while len(atoms) < 150:
    s = [random.random() for _ in range(3)]
    p = [sum(s[i] * box[i][k] for i in range(3)) for k in range(3)]
    if all(sum((p[k] - q[k]) ** 2 for k in range(3)) > 0.015 for q in atoms):
        atoms.append(p)
lines = ["cli test", "%5d" % len(atoms)]
for i, p in enumerate(atoms):
    r, a = ("NA", "NA") if i == len(atoms) - 1 else names[i % 3]
    lines.append("%5d%-5s%5s%5d%8.3f%8.3f%8.3f" % (i // 3 + 1, r, a, i + 1, *p))
lines.append(" ".join("%.5f" % v for v in (box[0][0], box[1][1], box[2][2], 0, 0, box[1][0], 0, box[2][0], box[2][1])))
open("w.gro", "w").write("\n".join(lines) + "\n")
open("w.ndx", "w").write("[ NN ]\n" + " ".join(str(i) for i in range(1, 120)) + "\n")
open("bad.gro", "w").write("x\n5\n")
lines[2] = lines[2][:10] + "%5s" % "XX" + lines[2][15:]
open("unknown.gro", "w").write("\n".join(lines) + "\n")
PY
"$mpiexec" -n 1 --oversubscribe "$exe" eval --model reference --structure w.gro --output np1.json
"$mpiexec" -n 3 --oversubscribe "$exe" eval --model reference --structure w.gro --output np3.json
"$mpiexec" -n 3 --oversubscribe "$exe" eval --model reference --structure w.gro --decomposition slab --reduction sparse --output np3slab.json
"$mpiexec" -n 1 --oversubscribe "$exe" eval --model reference --structure w.gro --index w.ndx --group NN --output g1.json
"$mpiexec" -n 3 --oversubscribe "$exe" eval --model reference --structure w.gro --index w.ndx --group NN --output g3.json
python3 - <<'PY'
import json, sys
def load(n): return json.load(open(n))
def same(a, b, what):
    scale = max(1.0, max(abs(v) for f in a["forces"] for v in f))
    assert abs(a["energy"] - b["energy"]) <= 1e-10 * max(1, abs(a["energy"])), what
    for fa, fb in zip(a["forces"], b["forces"]):
        for x, y in zip(fa, fb):
            assert abs(x - y) <= 1e-10 * scale, (what, x, y)
    vs = max(1.0, max(abs(v) for r in a["virial"] for v in r))
    for ra, rb in zip(a["virial"], b["virial"]):
        for x, y in zip(ra, rb):
            assert abs(x - y) <= 1e-10 * vs, (what, x, y)
a = load("np1.json")
assert a["n_atoms"] == 150 and len(a["forces"]) == 150 and a["energy"] != 0
same(a, load("np3.json"), "rcb 1 vs 3 ranks")
same(a, load("np3slab.json"), "rcb vs slab")
g1, g3 = load("g1.json"), load("g3.json")
assert g1["n_nn_atoms"] == 119 and all(v == 0 for f in g1["forces"][119:] for v in f)
same(g1, g3, "group 1 vs 3 ranks")
assert load("np3.json")["decomposition"]["ranks"] == 3
print("eval CLI: energy", a["energy"], "identical at 1 and 3 ranks")
PY
if "$mpiexec" -n 2 --oversubscribe "$exe" eval --model reference --structure unknown.gro --output u.json 2> err.txt; then
  echo "unknown element accepted"; exit 1
fi
grep -q "guess the element" err.txt || { cat err.txt; exit 1; }
if "$mpiexec" -n 2 --oversubscribe "$exe" eval --model reference --structure bad.gro --output u.json 2> err.txt; then
  echo "malformed file accepted"; exit 1
fi
grep -q "file ends after 0 of 5" err.txt || { cat err.txt; exit 1; }
echo "eval CLI tests passed"
