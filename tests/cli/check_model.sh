#!/usr/bin/env bash
# `deepmd-gromacs check-model` on the example models against what DeePMD-kit's Python model said
# when make-models wrote them (<model>.info.json: descriptor, precision, type map, cutoff,
# message passing), on the reference potential, and on a missing file (a clear error).
# Usage: check_model.sh DEEPMD_GROMACS WORKDIR
set -euo pipefail
exe=$1 dir=$2
models=${DEEPMD_GROMACS_MODELS:?run through scripts/env}
rm -rf "$dir"; mkdir -p "$dir" && cd "$dir"
for name in se_e2_a-tiny dpa2-small; do
  [ -f "$models/$name.pth" ] || { echo "missing $models/$name.pth: run scripts/setup (scripts/make-models)"; exit 1; }
  rc=0; OMP_NUM_THREADS=1 "$exe" check-model "$models/$name.pth" --atoms 8 --evals 1 > "$name.out" 2>&1 || rc=$?
  python3 - "$models/$name.info.json" "$name.out" "$rc" <<'PY'
import json, re, sys
info, out, rc = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), int(sys.argv[3])
def field(key):
    m = re.search(r"^%s:\s+(.*)$" % re.escape(key), out, re.M)
    assert m, (key, out)
    return m.group(1)
assert field("descriptor") == info["descriptor"], (field("descriptor"), info)
assert field("precision") == info["precision"], (field("precision"), info)
assert field("parameters").startswith(str(info["parameters"])), field("parameters")
if info["has_message_passing"]:
    assert rc == 2 and field("supported") == "no" and "message-passing" in field("reason"), out
else:
    assert rc == 0 and field("supported").startswith("yes"), out
    assert field("type map") == "%d types: %s" % (len(info["type_map"]), " ".join(info["type_map"])), out
    assert abs(float(field("cutoff").split()[0]) - info["rcut_angstrom"] / 10) < 1e-9, out
print(sys.argv[1], "as DeePMD-kit describes it")
PY
done
"$exe" check-model reference --atoms 8 --evals 1 > reference.out
grep -q "^supported:    yes" reference.out && ! grep -q "^descriptor:" reference.out || { cat reference.out; exit 1; }
if "$exe" check-model missing.pth 2> missing.err; then echo "missing model accepted"; exit 1; fi
grep -q "cannot open DeePMD-kit model file 'missing.pth'" missing.err || { cat missing.err; exit 1; }
echo "check-model tests passed"
