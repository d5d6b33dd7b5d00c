#!/usr/bin/env bash
# `deepmd-gromacs eval` on the native engine, end to end: a .dp model chooses the native
# engine by itself, at 1 and 3 ranks, and equals the DeePMD-kit backend on the same model as
# .pth (2 ranks) to 1e-10; --backend native with a .pth file is refused with the fix.
# Usage: eval_native.sh DEEPMD_GROMACS MPIEXEC NATIVE_MODELS_DIR WORKDIR
set -euo pipefail
exe=$1 mpiexec=$2 models=$3 dir=$4
rm -rf "$dir"; mkdir -p "$dir" && cd "$dir"
python3 - <<'PY'
import random
random.seed(12)
box = [(1.5, 0, 0), (0.3, 1.45, 0), (-0.2, 0.25, 1.4)]
atoms = []
while len(atoms) < 90:
    s = [random.random() for _ in range(3)]
    p = [sum(s[i] * box[i][k] for i in range(3)) for k in range(3)]
    if all(sum((p[k] - q[k]) ** 2 for k in range(3)) > 0.012 for q in atoms):
        atoms.append(p)
names = [("SOL", "OW"), ("SOL", "HW1"), ("SOL", "HW2")]
lines = ["eval native test", "%5d" % len(atoms)]
for i, p in enumerate(atoms):
    r, a = {87: ("NA", "NA"), 88: ("CL", "CL"), 89: ("MET", "SD")}.get(i, names[i % 3])
    lines.append("%5d%-5s%5s%5d%8.3f%8.3f%8.3f" % (i // 3 + 1, r, a, i + 1, *p))
lines.append(" ".join("%.5f" % v for v in (box[0][0], box[1][1], box[2][2], 0, 0, box[1][0], 0, box[2][0], box[2][1])))
open("conf.gro", "w").write("\n".join(lines) + "\n")
PY
run() { local np=$1 out=$2; shift 2; "$mpiexec" -n "$np" --oversubscribe "$exe" eval --structure conf.gro --output "$out" "$@" > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }; }
for m in se_e2_a-stats dpa1-strip-stats; do
  run 1 "$m-native1.json" --model "$models/$m.dp"
  run 3 "$m-native3.json" --model "$models/$m.dp" --backend native
  run 2 "$m-deepmd2.json" --model "$models/$m.pth" --backend deepmd
  grep -q "native engine" "$m-native1.json" || { echo "eval did not report the native engine"; exit 1; }
done
if "$mpiexec" -n 1 --oversubscribe "$exe" eval --structure conf.gro --output x.json --model "$models/se_e2_a-stats.pth" \
     --backend native > refused.log 2>&1; then
  echo "--backend native with a .pth file was accepted"; exit 1
fi
grep -q "deepmd-gromacs convert" refused.log || { echo "refusal does not name the fix:"; cat refused.log; exit 1; }
python3 - <<'PY'
import json
import numpy as np
def load(name): return json.load(open(name))
for m in ("se_e2_a-stats", "dpa1-strip-stats"):
    ref = load(f"{m}-deepmd2.json")
    for other in (f"{m}-native1.json", f"{m}-native3.json"):
        o = load(other)
        for key in ("energy", "forces", "virial"):
            a, b = np.asarray(o[key], float), np.asarray(ref[key], float)
            err = np.abs(a - b).max() / max(1e-300, np.abs(b).max())
            print(f"{other} {key}: max relative difference to DeePMD-kit {err:.2e}")
            assert err <= 1e-10, f"{other} {key}: {err:.3g} > 1e-10"
PY
