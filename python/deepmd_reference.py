#!/usr/bin/env python3
"""Reference energies, forces and virials from DeePMD-kit's own Python inference
(deepmd.infer.DeepPot.eval), for the C++ tests. An independent path: DeePMD-kit builds its
own neighbour list and periodic images.

    python3 deepmd_reference.py REQUEST.json RESULT.json

REQUEST: {"model": path, "frames": [{"coords": [x0,y0,z0,...] (Angstrom),
          "cell": [9 numbers, rows are box vectors, Angstrom] or null, "types": [...]}]}
RESULT:  {"frames": [{"energy": eV, "forces": [...] eV/A, "virial": [9] eV (DeePMD-kit's
          layout), "atom_energies": [...] eV}], "type_map": [...]}; forces and virial are
          empty for backends without derivatives (the NumPy backend, .dp models).
"""
import json
import sys

import numpy as np

from deepmd.infer import DeepPot


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    dp = DeepPot(request["model"])
    frames = []
    for frame in request["frames"]:
        coords = np.asarray(frame["coords"], dtype=np.float64).reshape(1, -1)
        types = np.asarray(frame["types"], dtype=np.int32)
        cell = frame.get("cell")
        cells = None if cell is None else np.asarray(cell, dtype=np.float64).reshape(1, 9)
        e, f, v, ae, _ = dp.eval(coords, cells, types, atomic=True)
        # DeePMD-kit's NumPy backend (.dp) has no derivatives: its forces and virial are NaN.
        has_derivatives = bool(np.all(np.isfinite(f)))
        frames.append({
            "energy": float(np.asarray(e).reshape(-1)[0]),
            "forces": np.asarray(f).reshape(-1).tolist() if has_derivatives else [],
            "virial": np.asarray(v).reshape(-1).tolist() if has_derivatives else [],
            "atom_energies": np.asarray(ae).reshape(-1).tolist(),
        })
    with open(sys.argv[2], "w") as f:
        json.dump({"frames": frames, "type_map": list(dp.get_type_map())}, f)


if __name__ == "__main__":
    main()
