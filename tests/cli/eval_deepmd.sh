#!/usr/bin/env bash
# `deepmd-gromacs eval` with a DeePMD-kit model, end to end: a triclinic box of water and ions
# (built here) evaluated at 1 and 3 ranks (rcb) and 2 ranks (slab, sparse reduction) must agree
# to 1e-10, and must equal DeePMD-kit's own Python DeepPot.eval on the same frame (its own
# neighbour list and images) after the unit and virial conversions, to 1e-10.
# Usage: eval_deepmd.sh DEEPMD_GROMACS MPIEXEC PYTHON_DIR WORKDIR
set -euo pipefail
exe=$1 mpiexec=$2 pydir=$3 dir=$4
model=${DEEPMD_GROMACS_MODELS:?run through scripts/env}/dpa1-small.pth
[ -f "$model" ] || { echo "missing $model: run scripts/setup (scripts/make-models)"; exit 1; }
rm -rf "$dir"; mkdir -p "$dir" && cd "$dir"
python3 - <<'PY'
import random
random.seed(11)
box = [(1.6, 0, 0), (0.3, 1.5, 0), (-0.2, 0.25, 1.4)]   # nm, GROMACS lower-triangular rows
atoms = []
while len(atoms) < 90:
    s = [random.random() for _ in range(3)]
    p = [sum(s[i] * box[i][k] for i in range(3)) for k in range(3)]
    if all(sum((p[k] - q[k]) ** 2 for k in range(3)) > 0.012 for q in atoms):
        atoms.append(p)
names = [("SOL", "OW"), ("SOL", "HW1"), ("SOL", "HW2")]
lines = ["eval deepmd test", "%5d" % len(atoms)]
for i, p in enumerate(atoms):
    r, a = {87: ("NA", "NA"), 88: ("CL", "CL"), 89: ("MET", "SD")}.get(i, names[i % 3])
    lines.append("%5d%-5s%5s%5d%8.3f%8.3f%8.3f" % (i // 3 + 1, r, a, i + 1, *p))
lines.append(" ".join("%.5f" % v for v in (box[0][0], box[1][1], box[2][2], 0, 0, box[1][0], 0, box[2][0], box[2][1])))
open("conf.gro", "w").write("\n".join(lines) + "\n")
PY
"$mpiexec" -n 1 --oversubscribe "$exe" eval --model "$model" --structure conf.gro --output np1.json > np1.log 2>&1 || { cat np1.log; exit 1; }
"$mpiexec" -n 3 --oversubscribe "$exe" eval --model "$model" --structure conf.gro --output np3.json > np3.log 2>&1 || { cat np3.log; exit 1; }
"$mpiexec" -n 2 --oversubscribe "$exe" eval --model "$model" --structure conf.gro --decomposition slab \
  --reduction sparse --output np2slab.json > np2.log 2>&1 || { cat np2.log; exit 1; }
PYTHONPATH=$pydir python3 - "$model" <<'PY'
import json, sys
import numpy as np
from deepmd.infer import DeepPot

KJ_PER_EV = 96.48533212331          # CODATA, independent of the C++ constant
def load(name): return json.load(open(name))
def close(a, b, rel, what):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(1.0, np.abs(b).max())
    err = np.abs(a - b).max() / scale
    assert err <= rel, f"{what}: max relative difference {err:.3g} > {rel}"
    return err

np1 = load("np1.json")
for other in ("np3.json", "np2slab.json"):
    o = load(other)
    close(o["energy"], np1["energy"], 1e-10, other + " energy")
    close(o["forces"], np1["forces"], 1e-10, other + " forces")
    close(o["virial"], np1["virial"], 1e-10, other + " virial")

# Independent reference: DeePMD-kit's Python inference on the same frame, read from the .gro.
lines = open("conf.gro").read().splitlines()
n = int(lines[1])
elements = {"OW": "O", "HW1": "H", "HW2": "H", "NA": "Na", "CL": "Cl", "SD": "S"}
names = [l[10:15].strip() for l in lines[2:2 + n]]
xyz = np.array([[float(l[20:28]), float(l[28:36]), float(l[36:44])] for l in lines[2:2 + n]])
b = [float(v) for v in lines[2 + n].split()]
cell = np.array([[b[0], b[3], b[4]], [b[5], b[1], b[6]], [b[7], b[8], b[2]]])
dp = DeepPot(sys.argv[1])
tmap = list(dp.get_type_map())
types = np.array([tmap.index(elements[a]) for a in names])
e, f, v = dp.eval(xyz.reshape(1, -1) * 10, cell.reshape(1, 9) * 10, types)[:3]
V = np.asarray(v).reshape(3, 3)
err_e = close(np1["energy"], float(np.ravel(e)[0]) * KJ_PER_EV, 1e-10, "energy vs DeePMD-kit Python")
err_f = close(np1["forces"], np.asarray(f).reshape(-1, 3) * KJ_PER_EV * 10, 1e-10, "forces vs DeePMD-kit Python")
# GROMACS virial Xi = -1/2 sum x (x) f ; DeePMD-kit's V[k][j] = sum f_k r_j  =>  Xi = -1/2 V^T
err_v = close(np1["virial"], -0.5 * V.T * KJ_PER_EV, 1e-10, "virial vs DeePMD-kit Python")
print(f"eval with {sys.argv[1].split('/')[-1]}: identical at 1, 2 (slab) and 3 ranks; vs DeePMD-kit Python: "
      f"energy {err_e:.1e}, forces {err_f:.1e}, virial {err_v:.1e} relative")
PY
