"""Bent frames: the wall of a compressed bond angle, which sampling at 300-500 K never reaches.

  python3 validation/bend.py [--jobs N]     (inside scripts/env; after shells.py)

In the sampled frames a 1-3 pair such as Thr's HB...OG1 (both bonded to CB) never comes closer
than the force field's angle term allows at 500 K (1.90 A; mean 2.03 A), so the network learns
no wall below it, and in chignolin's NN MD those pairs fell to 0.9 A within 0.15 ps (README, "Why
chignolin fails"). For every training fragment, FRAMES of its frames are changed twice.

First every peptide atom is displaced at random (JIGGLE: Gaussian, sigma per Cartesian component
for heavy atoms and for hydrogens), as DP-GEN perturbs its initial structures: in chignolin's NN
MD the first thing to go was Thr8's hydroxyl (C-O 1.43 -> 1.22-1.31 A, O-H 0.96 -> 1.1-1.5 A,
the C-O-H angle 109 -> 42-80 degrees), bond lengths and angles that 300-500 K sampling never
leaves far enough to show the network their restoring force. The displacements reach those
(~2 sigma on a bond) in every frame, for every bond and angle of the peptide at once.

Then BENDS of the peptide's hydrogens and WATER_BENDS waters' hydrogens are each rotated about
the atom they are bonded to, in the plane of one of their angles, by DELTA degrees (closing the
angle; one in four opens it instead): the bond length stays, the 1-3 distance shrinks. DELTA reaches 70 degrees because the
collapse runs that far: Thr's hydroxyl H fell onto CB (0.5-1.0 A) within 0.05 ps of chignolin's
NN MD, then the methyl H's of CG2 and Asp3's HA onto their neighbours, where the force field's
only resistance is the angle term (up to ~6 eV/A; hydroxyl H has no Lennard-Jones).
Closings of 10-35 degrees in angles with an O or N only (the eighth session's s14) taught the
wall at 1.5 A but not below it. The same gmx_d -rerun labels them (augment.relabel),
written as the system <fragment>-bent; frames above augment.MAX_FORCE are dropped. Held-out
fragments get none.

The frames bent are shells.py's (the peptide and its first water shell, 145-328 atoms, not the
full box's 516-1,599): a training step costs about the atoms it holds, so a stage on 2 cores
draws each bent frame several times instead of once or twice, and the bent atoms are a larger
part of each frame's force loss.
"""
import argparse
import functools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TRAIN, cached, code_files, digest  # noqa: E402
import augment  # noqa: E402
import shells  # noqa: E402

FRAMES, BENDS, WATER_BENDS, DELTA, OPEN_SHARE, SEED = 150, 8, 2, (10.0, 70.0), 0.25, 11
JIGGLE = (0.04, 0.08)  # A: heavy atoms, hydrogens
PEPTIDES = [n for n in TRAIN if n not in ("water", "salt")]


@functools.cache  # once per fragment and kind: write_frames calls bend with one Universe
def hydrogen_angles(u, water=False):
    """Hydrogen -> [(its bonded atom, the angle's other end)] from the topology's angles: the
    solute's hydrogens (HG1-OG1-CB, HB-CB-OG1, HA-CA-N, HG21-CG2-CB, ...), or (water) H-O-H."""
    by_h = {}
    for ang in u.angles:
        i, j, k = ang.indices
        for h, other in ((i, k), (k, i)):
            if not u.atoms[h].name.startswith("H") or (u.atoms[h].resname == "SOL") != water:
                continue
            by_h.setdefault(h, []).append((j, other))
    return by_h


def rotate_about(x, h, j, other, delta, box):
    """Moves x[h] about x[j], in the plane of the angle other-j-h, by delta radians (closing)."""
    a = x[other] - x[j]
    a -= box * np.round(a / box)
    b = x[h] - x[j]
    b -= box * np.round(b / box)
    ua = a / np.linalg.norm(a)
    perp = b - (b @ ua) * ua
    up = perp / np.linalg.norm(perp)
    theta = np.arccos(np.clip(b @ ua / np.linalg.norm(b), -1, 1))
    new = np.clip(theta - delta, np.radians(20), np.radians(175))
    x[h] = x[j] + np.linalg.norm(b) * (np.cos(new) * ua + np.sin(new) * up)


def bend(u, x, box, rng):
    """The peptide's atoms jiggled, then BENDS of its hydrogens and WATER_BENDS waters', each in
    the plane of one of its angles (augment.write_frames)."""
    peptide = u.select_atoms("not resname SOL NA CL")
    sigma = np.where([a.name.startswith("H") for a in peptide], JIGGLE[1], JIGGLE[0])
    x[peptide.indices] += rng.normal(size=(len(peptide), 3)) * sigma[:, None]
    for by_h, count in ((hydrogen_angles(u), BENDS), (hydrogen_angles(u, water=True), WATER_BENDS)):
        hs = sorted(by_h)
        for h in rng.choice(hs, size=min(count, len(hs)), replace=False):
            j, other = by_h[h][rng.integers(len(by_h[h]))]
            sign = -1.0 if rng.random() < OPEN_SHARE else 1.0
            rotate_about(x, h, j, other, sign * np.radians(rng.uniform(*DELTA)), box)
    return x, box


def fragment(name):
    labels = shells.fragment(name)  # the frames to bend and their topology (label.tpr)
    key = digest(name, labels.name, FRAMES, BENDS, WATER_BENDS, DELTA, OPEN_SHARE, JIGGLE, SEED,
                 *code_files("bend.py", "augment.py", "shells.py", "data.py"))

    def build(d):
        augment.write_frames(labels, d, FRAMES, SEED, bend)
        augment.relabel(labels, d)
    return cached("bent", f"{name}-{key}", build)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    augment.build_and_report(fragment, PEPTIDES, p.parse_args().jobs, "-bent")


if __name__ == "__main__":
    main()
