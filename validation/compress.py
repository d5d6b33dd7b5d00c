"""Compress a frozen DPA-1 (attn_layer 0) like `dp --pt compress`, but with the minimal neighbour
distance measured here instead of by DeePMD-kit's neighbour statistics.

  python3 validation/compress.py MODEL.pth OUT.pth DATA_DIR...      (inside scripts/env)

Why: `dp --pt compress` computes the distance with DeePMD-kit's neighbour-stat over every
training frame, which took > 10 min for 600 frames on the shared machine; the same minimum
from MDAnalysis's capped distance search over every 5th frame takes seconds. The tables start at
0.9 x that minimum (closer pairs fall into DeePMD-kit's extrapolated region).
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from deepmd.pt.model.model import get_model
from deepmd.pt.utils import env
from MDAnalysis.lib.distances import self_capped_distance


def min_distance(dirs, rcut=6.0, stride=5):
    """Smallest pair distance and most neighbours within rcut, every stride-th frame."""
    lowest, most = np.inf, 0
    for d in dirs:
        coords = np.load(Path(d) / "set.000/coord.npy")[::stride]
        boxes = np.load(Path(d) / "set.000/box.npy")[::stride]
        for x, b in zip(coords, boxes):
            box = np.r_[np.diag(b.reshape(3, 3)), 90, 90, 90].astype(np.float32)
            pairs, dist = self_capped_distance(x.reshape(-1, 3).astype(np.float32), rcut, box=box)
            lowest = min(lowest, float(dist.min()))
            most = max(most, int(np.bincount(pairs.ravel()).max()))
    return lowest, most


def main():
    src, dst, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    lowest, most = min_distance(dirs)
    print(json.dumps({"min_nbor_dist": lowest, "max_neighbours": most}))
    saved = torch.jit.load(src, map_location="cpu")
    model = get_model(json.loads(saved.model_def_script))
    model.load_state_dict(saved.state_dict())
    model.min_nbor_dist = torch.tensor(0.9 * lowest, dtype=env.GLOBAL_PT_FLOAT_PRECISION,
                                       device=env.DEVICE)
    model.enable_compression(5, 0.01, 0.1, -1)  # dp compress defaults
    torch.jit.save(torch.jit.script(model), dst)


if __name__ == "__main__":
    main()
