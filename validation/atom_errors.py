"""Which atoms a model gets wrong: per-atom force errors on labelled frames, atoms named.

  python3 validation/atom_errors.py MODEL.pth DEEPMD_DIR STRUCTURE [--frames 0 1 ...] [--worst N]
                                                                  (inside scripts/env)

DEEPMD_DIR is a labelled system (set.000/{coord,box,force}.npy, type.raw: data.py, explore.py);
STRUCTURE any file MDAnalysis reads with the same atoms in the same order (label.tpr, a .gro).
Prints the force RMSE per component of the solute (everything but SOL, NA, CL) and of water +
ions against their reference RMS force, then the N atoms with the largest RMS error over the
frames. The reference is the label (gmx_d -rerun of the force field); the model is evaluated by
DeePMD-kit's own Python path (DeepPot.eval), not by our engine.
"""
import argparse

import numpy as np


def load(deepmd_dir, frames):
    s = f"{deepmd_dir}/set.000"
    coord, box, force = (np.load(f"{s}/{n}.npy")[frames] for n in ("coord", "box", "force"))
    types = np.loadtxt(f"{deepmd_dir}/type.raw", dtype=int)
    return coord, box, force.reshape(len(frames), -1, 3), types


def atom_names(structure):
    import MDAnalysis as mda
    u = mda.Universe(structure)
    solute = np.array([a.resname not in ("SOL", "NA", "CL") for a in u.atoms])
    return [f"{a.resname}{a.resid}:{a.name}" for a in u.atoms], solute


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("deepmd_dir")
    ap.add_argument("structure")
    ap.add_argument("--frames", type=int, nargs="+", default=[0])
    ap.add_argument("--worst", type=int, default=12)
    args = ap.parse_args()
    from deepmd.infer import DeepPot
    coord, box, ref, types = load(args.deepmd_dir, args.frames)
    names, solute = atom_names(args.structure)
    if len(names) != len(types):
        raise SystemExit(f"{args.structure} has {len(names)} atoms, {args.deepmd_dir} {len(types)}: "
                         "give the structure these frames were labelled with (its label.tpr)")
    model = DeepPot(args.model).eval(coord, box, types)[1].reshape(ref.shape)
    err = model - ref
    rms = lambda a, axis=None: np.sqrt(np.mean(a ** 2, axis=axis))  # noqa: E731
    for label, mask in (("solute", solute), ("water + ions", ~solute)):
        print(f"{label:13s} force RMSE {rms(err[:, mask]):.3f} of RMS {rms(ref[:, mask]):.3f} eV/A "
              f"({mask.sum()} atoms, {len(args.frames)} frame(s))")
    per_atom, per_ref = rms(err, axis=(0, 2)), rms(ref, axis=(0, 2))
    for i in np.argsort(-per_atom)[:args.worst]:
        print(f"  {names[i]:16s} RMSE {per_atom[i]:.2f}  reference RMS {per_ref[i]:.2f} eV/A")


if __name__ == "__main__":
    main()
