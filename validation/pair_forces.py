"""Is there a wall? The force along one atom pair, reference against models, frame by frame.

  python3 validation/pair_forces.py DEEPMD_DIR STRUCTURE "SEL_A" "NAME_B" MODEL.pth [MODEL.pth ...]
                                    [--every N]                      (inside scripts/env)

DEEPMD_DIR and STRUCTURE as atom_errors.py (a labelled system and a file with its atoms). SEL_A
is an MDAnalysis selection (e.g. "resname THR and name HB"), NAME_B an atom name looked up in the
same residue as each A (e.g. OG1). For every N-th frame and every pair: the distance (Angstrom),
then the force on A projected on the unit vector from A to B (eV/Angstrom; negative pushes A away
from B, a wall) by the reference label and by each model (DeePMD-kit's Python path).
A model whose projection has the wrong sign where the pair is compressed has no wall there: MD
walks into the hole (chignolin's Thr HB...OG1, validation/README.md).
"""
import argparse
import sys

import numpy as np

from atom_errors import load


def pairs(structure, sel_a, name_b):
    import MDAnalysis as mda
    u = mda.Universe(structure)
    return [(a.index, b.index, f"{a.resname}{a.resid}:{a.name}-{b.name}")
            for a in u.select_atoms(sel_a) for b in a.residue.atoms.select_atoms(f"name {name_b}")]


def along(x, f, box, a, b):
    """Distance a-b (minimum image) and the projection of f[a] on the unit vector a -> b."""
    cell = box.reshape(3, 3)
    frac = (x[b] - x[a]) @ np.linalg.inv(cell)
    r = (frac - np.round(frac)) @ cell
    d = np.linalg.norm(r)
    return d, f[a] @ r / d


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("deepmd_dir")
    p.add_argument("structure")
    p.add_argument("sel_a")
    p.add_argument("name_b")
    p.add_argument("models", nargs="+")
    p.add_argument("--every", type=int, default=3)
    args = p.parse_args()
    found = pairs(args.structure, args.sel_a, args.name_b)
    if not found:  # before the models load: the selection is the usual mistake
        sys.exit(f"pair_forces: no atom of '{args.sel_a}' has an atom named {args.name_b} in its residue "
                 f"in {args.structure}; check the selection and names (e.g. gmx dump -s)")
    from deepmd.infer import DeepPot
    n = len(np.load(f"{args.deepmd_dir}/set.000/energy.npy"))
    frames = list(range(0, n, args.every))
    coord, box, force, types = load(args.deepmd_dir, frames)
    predicted = [DeepPot(m).eval(coord, box, types)[1].reshape(force.shape) for m in args.models]
    print("frame  " + " | ".join(f"{name}: d, ref, " + ", ".join(f"m{k}" for k in range(len(args.models)))
                                 for _, _, name in found))
    for k, frame in enumerate(frames):
        x = coord[k].reshape(-1, 3)
        cells = []
        for a, b, _ in found:
            d, ref = along(x, force[k], box[k], a, b)
            cells.append(f"{d:5.2f} {ref:6.2f} " + " ".join(f"{along(x, f[k], box[k], a, b)[1]:6.2f}"
                                                          for f in predicted))
        print(f"{frame:5d}  " + " | ".join(cells))


if __name__ == "__main__":
    main()
