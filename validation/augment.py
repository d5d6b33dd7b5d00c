"""Dense frames: the repulsive wall that liquid sampling at 300-500 K hardly reaches.

  python3 validation/augment.py [--jobs N]     (inside scripts/env; after data.py)

A model trained on the sampled frames alone let water oxygens approach to 1.8 A in NVE (the
sampling rarely brings two oxygens closer than ~2.4 A, so nothing told the network that the
energy rises steeply there). For every training fragment, FRAMES of its labelled frames are
compressed: each molecule (bonded fragment of the topology: a water, an ion, the peptide) is moved
rigidly so that its centre scales by s about the origin, and the box scales by s (s uniform in
SCALE: density up by 10-45 %, nearest O-O distances ~2.1-2.6 A). Bonds and angles stay as
sampled; only intermolecular distances shrink. The same double-precision gmx_d -rerun labels them
(the reference force field's own walls), written as a second DeePMD-kit system <fragment>-dense.
Frames with a force above MAX_FORCE are dropped (keep_moderate). Held-out fragments get none:
the test set stays sampled frames only.
"""
import argparse
import concurrent.futures as cf
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TRAIN, cached, code_files, digest, run  # noqa: E402
import data  # noqa: E402

FRAMES, SCALE, SEED = 40, (0.88, 0.97), 7
MAX_FORCE = 30.0  # eV/A; the sampled frames reach ~6-10, a water-water wall at 2.2 A ~15


def write_frames(labels, d, count, seed, change):
    """count of the labelled frames (evenly spread), each changed by change(u, x, box, rng) ->
    (x, box) (Angstrom; u the fragment's MDAnalysis Universe), into d/frames.trr (nm, as GROMACS
    reads it)."""
    import MDAnalysis as mda
    u = mda.Universe(str(labels / "label.tpr"))
    coords = np.load(labels / "deepmd/set.000/coord.npy").reshape(-1, len(u.atoms), 3)
    boxes = np.load(labels / "deepmd/set.000/box.npy").reshape(-1, 3, 3)
    rng = np.random.default_rng(seed)
    picks = np.linspace(0, len(coords) - 1, count).round().astype(int)
    with mda.Writer(str(d / "frames.trr"), len(u.atoms)) as w:
        for k in picks:
            # the fragments' boxes are rectangular (cubic)
            x, box = change(u, coords[k].copy(), np.diag(boxes[k]), rng)
            u.atoms.positions = x
            u.dimensions = [*box, 90, 90, 90]
            u.trajectory.ts.data["time"] = float(k)  # distinct times: gmx energy needs them
            u.trajectory.ts.data["step"] = int(k)
            w.write(u.atoms)


def compress(u, x, box, rng):
    """Every molecule moved rigidly so that its centre scales by s in SCALE, the box too."""
    s = rng.uniform(*SCALE)
    for frag in u.atoms.fragments:
        idx = frag.indices
        ref = x[idx[0]]
        dx = x[idx] - ref
        dx -= box * np.round(dx / box)  # whole molecule, minimum image
        centre = ref + dx.mean(axis=0)
        x[idx] = ref + dx + (s - 1.0) * centre
    return x, s * box


def dense(name, labels, d):
    write_frames(labels, d, FRAMES, SEED, compress)
    relabel(labels, d)


def relabel(labels, d):
    """d/frames.trr (frames of the fragment whose labels are in labels) -> d/deepmd, labelled by
    the same gmx_d -rerun as the sampled frames, frames above MAX_FORCE dropped."""
    for f in ("label.tpr", "types.dat"):
        shutil.copy(labels / f, d / f)
    run(["gmx_d", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-s", "label.tpr", "-deffnm", "label",
         "-rerun", "frames.trr"], d, "mdrun.out")
    run(["gmx_d", "-quiet", "energy", "-f", "label.edr", "-o", "energy.xvg"], d, "energy.log",
        stdin="Potential\n\n")
    data.to_deepmd(d)
    for f in ("frames.trr", "label.trr"):
        (d / f).unlink()
    keep_moderate(d / "deepmd/set.000")


def keep_moderate(setdir):
    """Drops frames with a force above MAX_FORCE: a peptide moved as one rigid body overlaps
    waters near its far ends (its atoms do not follow the scaling), which is no wall MD meets."""
    force = np.load(setdir / "force.npy")
    keep = np.abs(force).max(axis=1) <= MAX_FORCE
    for f in setdir.glob("*.npy"):
        np.save(f, np.load(f)[keep])


def fragment(name):
    labels = data.fragment(name)
    key = digest(name, labels.name, FRAMES, SCALE, SEED, *code_files("augment.py", "data.py"))
    return cached("dense", f"{name}-{key}", lambda d: dense(name, labels, d))


def build_and_report(fragment, names, jobs, suffix):
    """fragment(n) for every name (jobs at a time); prints each system's frames and forces."""
    with cf.ThreadPoolExecutor(jobs) as pool:
        dirs = dict(zip(names, pool.map(fragment, names)))
    for n, d in dirs.items():
        f = np.load(d / "deepmd/set.000/force.npy")
        if not len(f):
            print(f"{n + suffix:16s}    0 frames (all above {MAX_FORCE} eV/A)")
            continue
        print(f"{n + suffix:16s} {len(f):4d} frames, RMS force {np.sqrt((f ** 2).mean()):.2f} eV/A, "
              f"max {np.abs(f).max():.1f}  {d / 'deepmd'}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    build_and_report(fragment, TRAIN, p.parse_args().jobs, "-dense")


if __name__ == "__main__":
    main()
