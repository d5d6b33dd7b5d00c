"""Bent frames: the wall of a compressed bond angle, which sampling at 300-500 K never reaches.

  python3 validation/bend.py [--jobs N]     (inside scripts/env; after data.py)

In the sampled frames a 1-3 pair such as Thr's HB...OG1 (both bonded to CB) never comes closer
than the force field's angle term allows at 500 K (1.90 A; mean 2.03 A), so the network learns
no wall below it, and in chignolin's NN MD those pairs fell to 0.9 A within 0.15 ps (README, "Why
chignolin fails"). For every training fragment, FRAMES of its labelled frames get BENDS of the
peptide's hydrogens (those in an angle with an O or N: a random choice over all angles gave six
H(on C)...O pairs under 1.85 A in 59 frames of ACE-THR-NME) and WATER_BENDS waters' hydrogens
each rotated about the atom they are bonded to, in the plane of one of their angles, by DELTA
degrees (closing the angle; one in four opens it instead): the bond length stays,
the 1-3 distance shrinks by ~0.2-0.6 A. The same gmx_d -rerun labels them (augment.relabel),
written as the system <fragment>-bent; frames above augment.MAX_FORCE are dropped. Held-out
fragments get none.
"""
import argparse
import functools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TRAIN, cached, code_files, digest  # noqa: E402
import augment  # noqa: E402
import data  # noqa: E402

FRAMES, BENDS, WATER_BENDS, DELTA, OPEN_SHARE, SEED = 60, 4, 2, (10.0, 35.0), 0.25, 11
AIM = "ON"  # angles with an oxygen or nitrogen: the 1-3 pairs whose wall broke in chignolin
PEPTIDES = [n for n in TRAIN if n not in ("water", "salt")]


@functools.cache  # once per fragment and kind: write_frames calls bend with one Universe
def hydrogen_angles(u, water=False):
    """Hydrogen -> [(its bonded atom, the angle's other end)] from the topology's angles: solute
    hydrogens in angles with an O or N (AIM: HB-CB-OG1, HG1-OG1-CB, H-N-CA), or (water) H-O-H."""
    by_h = {}
    for ang in u.angles:
        i, j, k = ang.indices
        for h, other in ((i, k), (k, i)):
            if not u.atoms[h].name.startswith("H") or (u.atoms[h].resname == "SOL") != water:
                continue
            if water or u.atoms[other].name[0] in AIM or u.atoms[j].name[0] in AIM:
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
    """BENDS of the peptide's hydrogens, each in the plane of one of its angles with an O or N,
    and WATER_BENDS waters' angles (augment.write_frames)."""
    for by_h, count in ((hydrogen_angles(u), BENDS), (hydrogen_angles(u, water=True), WATER_BENDS)):
        hs = sorted(by_h)
        for h in rng.choice(hs, size=min(count, len(hs)), replace=False):
            j, other = by_h[h][rng.integers(len(by_h[h]))]
            sign = -1.0 if rng.random() < OPEN_SHARE else 1.0
            rotate_about(x, h, j, other, sign * np.radians(rng.uniform(*DELTA)), box)
    return x, box


def fragment(name):
    labels = data.fragment(name)
    key = digest(name, labels.name, FRAMES, BENDS, WATER_BENDS, AIM, DELTA, OPEN_SHARE, SEED,
                 *code_files("bend.py", "augment.py", "data.py"))

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
