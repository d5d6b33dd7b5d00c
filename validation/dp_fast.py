"""Runs DeePMD-kit's `dp` with its periodic-image extension trimmed to the cut-off.

  python3 validation/dp_fast.py --pt train input.json ...     (any dp command line)
  python3 validation/dp_fast.py --check CHECKPOINT.pt SYSTEM   (same results with and without)

Why: DeePMD-kit's PyTorch training builds every frame's neighbour list by brute force over all
periodic images it appended. For our 1.6-1.8 nm boxes and a 0.6 nm cut-off that is every one of
the 27 images (nall = 27 nloc: 21,519 atoms for a 797-atom frame), and the nloc x nall distance
tensor made a training step take ~5 s on this machine (1.6 s of it in that one function, the
rest in what follows from nall). Images farther than the cut-off from the cell can never be
neighbours of an atom in it, so we drop them before the list is built: in fractional
coordinates an image is kept if it lies within rcut / (face distance) of [0, 1] on every axis.
The neighbour list, and so every result, is unchanged up to the order of float sums (--check
compares energies, forces and virials of a model checkpoint on real frames with DeePMD-kit's own
extension: 2.2e-7 to 3.6e-7 relative for our float32 models, i.e. single-precision rounding).
"""
import sys
from typing import Optional, Tuple

import array_api_compat
import torch

import deepmd.dpmodel.utils.nlist as np_nlist  # the input statistics' path (array API)
import deepmd.pt.utils.nlist as pt_nlist        # the training path (PyTorch)
from deepmd.dpmodel.utils.region import to_face_distance

ORIGINAL = {m: m.extend_coord_with_ghosts for m in (np_nlist, pt_nlist)}


def images_within_cutoff(ext_coord, ext_atype, mapping, cell, rcut, nloc):
    """Drops the appended images farther than rcut from the cell in every frame (any array API).

    Frames share one extended layout, so an image is kept if any frame needs it. The local atoms
    stay first (the zero shift comes first), so nloc-based slicing still holds."""
    xp = array_api_compat.array_namespace(ext_coord)
    nf = ext_atype.shape[0]
    xyz = xp.reshape(ext_coord, (nf, -1, 3))
    box = xp.reshape(cell, (nf, 3, 3))
    frac = xyz @ xp.linalg.inv(box)
    margin = xp.reshape(rcut / to_face_distance(box), (nf, 1, 3))
    keep = xp.any(xp.all((frac >= -margin) & (frac <= 1 + margin), axis=-1), axis=0)
    # Locals are wrapped into the cell; keep them whatever rounding says.
    keep = keep | (xp.arange(keep.shape[0], device=array_api_compat.device(keep)) < nloc)
    index = xp.nonzero(keep)[0]
    return (xp.reshape(xp.take(xyz, index, axis=1), (nf, -1)), xp.take(ext_atype, index, axis=1),
            xp.take(mapping, index, axis=1))


def trimmed_array_api(coord, atype, cell, rcut):
    """The statistics' extend_coord_with_ghosts with images_within_cutoff applied."""
    ext = ORIGINAL[np_nlist](coord, atype, cell, rcut)
    return ext if cell is None else images_within_cutoff(*ext, cell, rcut, atype.shape[1])


@torch.jit.ignore  # dp test scripts the model: TorchScript then calls this as Python
def trimmed_torch(coord: torch.Tensor, atype: torch.Tensor, cell: Optional[torch.Tensor], rcut: float,
                  cell_cpu: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The training's extend_coord_with_ghosts with images_within_cutoff applied."""
    ext = ORIGINAL[pt_nlist](coord, atype, cell, rcut, cell_cpu)
    return ext if cell is None else images_within_cutoff(*ext, cell, rcut, atype.shape[1])


TRIMMED = {np_nlist: trimmed_array_api, pt_nlist: trimmed_torch}


def patch(on=True):
    for module, original in ORIGINAL.items():
        module.extend_coord_with_ghosts = TRIMMED[module] if on else original


def check(model_file, system):
    """Energy, forces and virial of the first frames with and without the trimming."""
    if not model_file.endswith(".pt"):
        sys.exit(f"{model_file}: --check needs a training checkpoint (model.ckpt.pt); a frozen .pth "
                 "is TorchScript, which the patch cannot reach, so the comparison would test nothing")
    import numpy as np
    from deepmd.infer import DeepPot
    coord = np.load(f"{system}/set.000/coord.npy")[:3]
    box = np.load(f"{system}/set.000/box.npy")[:3]
    types = np.loadtxt(f"{system}/type.raw", dtype=int)
    dp = DeepPot(model_file)
    patch(False)
    ref = [dp.eval(coord[i:i + 1], box[i:i + 1], types) for i in range(len(coord))]
    patch()
    new = [dp.eval(coord[i:i + 1], box[i:i + 1], types) for i in range(len(coord))]
    worst = 0.0
    for a, b in zip(ref, new):
        for x, y in zip(a[:3], b[:3]):  # energy, force, virial
            worst = max(worst, float(np.abs(x - y).max() / max(np.abs(x).max(), 1e-300)))
    print(f"{len(ref)} frames of {system}: largest relative difference {worst:.2e}")
    same_lists = all(same_neighbour_lists(coord[i], box[i], types) for i in range(len(coord)))
    print(f"statistics' neighbour lists (array API path) equal: {same_lists}")
    return same_lists and worst < 1e-5  # float32 networks: rounding of ~100-term sums in another order


def same_neighbour_lists(coord, box, types, rcut=6.0, sel=128):
    """The statistics' path: whether each atom's sorted neighbour distances are the same with and
    without trimming."""
    import numpy as np
    lists = []
    for on in (False, True):
        patch(on)
        ext, _, _, nlist = np_nlist.extend_input_and_build_neighbor_list(
            coord[None], types[None], rcut, [sel], mixed_types=True, box=box[None])
        xyz = ext[0]
        d = np.linalg.norm(xyz[np.maximum(nlist[0], 0)] - xyz[: len(types), None], axis=-1)
        lists.append(np.sort(np.where(nlist[0] >= 0, d, np.inf), axis=-1))
    return np.allclose(lists[0], lists[1], rtol=0, atol=1e-12)


def main():
    if sys.argv[1:2] == ["--check"]:
        sys.exit(0 if check(*sys.argv[2:4]) else 1)
    patch()
    from deepmd.main import main as dp_main
    dp_main()


if __name__ == "__main__":
    main()
