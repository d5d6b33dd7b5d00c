#!/usr/bin/env python3
"""The validation pipeline's geometry and batch-mixing helpers, against values worked out by hand
(no GROMACS, no training; issue 10's pipeline runs outside scripts/test).

  tools.py REPO_ROOT

- bend.rotate_about: the hydrogen keeps its bond length, the angle changes by exactly delta
  (closing, or opening for a negative delta), the move is in the angle's plane, and a pair split
  by the periodic boundary bends like an unsplit one.
- bend.hydrogen_angles: which angles a solute or a water hydrogen can be bent in.
- finetune.auto_prob: DeePMD-kit's auto_prob string, and the one clear error when the extra
  kinds' shares leave nothing for the sampled frames.
- finetune.requested_shares: the shares checked before a stage explores (a kept kind counts only
  where the stage before trained on it).
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(sys.argv[1]) / "validation"))
import bend  # noqa: E402
import finetune  # noqa: E402


def angle(x, h, j, other, box):
    a = x[other] - x[j]
    b = x[h] - x[j]
    a -= box * np.round(a / box)
    b -= box * np.round(b / box)
    return np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))


def check_rotate_about():
    box = np.array([10.0, 10.0, 10.0])
    # C at the origin-ish, O along x, H at 109.5 degrees from O in the xy plane (bond 1.09 A).
    theta = np.radians(109.5)
    x = np.array([[5.0, 5.0, 5.0], [6.43, 5.0, 5.0], [0.0, 0.0, 0.0]])
    x[2] = x[0] + 1.09 * np.array([np.cos(theta), np.sin(theta), 0.0])
    for delta, expected in ((30.0, 79.5), (-20.0, 129.5), (100.0, 20.0)):  # 100: clipped at 20
        y = x.copy()
        bend.rotate_about(y, 2, 0, 1, np.radians(delta), box)
        assert abs(np.linalg.norm(y[2] - y[0]) - 1.09) < 1e-12, "bond length changed"
        assert abs(angle(y, 2, 0, 1, box) - expected) < 1e-9, (delta, angle(y, 2, 0, 1, box))
        assert abs(y[2, 2] - 5.0) < 1e-12, "left the angle's plane"
        assert np.array_equal(y[:2], x[:2]), "moved an atom other than the hydrogen"
    # The same angle split by the boundary: C wrapped to the far side of the box from O.
    split = x - np.array([5.5, 0.0, 0.0])
    split %= box
    y = split.copy()
    bend.rotate_about(y, 2, 0, 1, np.radians(30.0), box)
    assert abs(angle(y, 2, 0, 1, box) - 79.5) < 1e-9, angle(y, 2, 0, 1, box)
    d = y[2] - y[0]
    d -= box * np.round(d / box)
    assert abs(np.linalg.norm(d) - 1.09) < 1e-12, "bond length changed across the boundary"


def check_hydrogen_angles():
    import MDAnalysis as mda
    # A hydroxyl (HO-O-C-HC) and one water (HW1-OW-HW2).
    names = ["HO", "O", "C", "HC", "OW", "HW1", "HW2"]
    resnames = ["THR", "SOL"]
    u = mda.Universe.empty(len(names), n_residues=2, atom_resindex=[0, 0, 0, 0, 1, 1, 1],
                           trajectory=True)
    u.add_TopologyAttr("name", names)
    u.add_TopologyAttr("resname", resnames)
    u.add_angles([(0, 1, 2), (1, 2, 3), (5, 4, 6)])
    solute = bend.hydrogen_angles(u)
    water = bend.hydrogen_angles(u, water=True)
    assert solute == {0: [(1, 2)], 3: [(2, 1)]}, solute
    assert water == {5: [(4, 6)], 6: [(4, 5)]}, water


def check_auto_prob():
    # 25 sampled + dense systems, 15 explored at 0.3, 20 shells at 0.2: the first run gets 0.5.
    got = finetune.auto_prob(25, [("explored", 40, 0.3), ("shells", 60, 0.2)])
    assert got == "prob_sys_size;0:25:0.5;25:40:0.3;40:60:0.2", got
    try:
        finetune.auto_prob(25, [("shells", 40, 0.7), ("bent", 60, 0.3)])
    except SystemExit as e:
        message = str(e)
        assert "shells 0.7, bent 0.3" in message and "lower --shell-share or --bent-share" in message, message
    else:
        raise AssertionError("shares summing to 1 were accepted")


def check_requested_shares(tmp):
    # --keep-explored counts the explored and protein kinds only where the stage before had them.
    class Args:
        explore, keep_explored, shells, bent, protein = False, True, True, True, False
        shell_share, bent_share = 0.4, 0.25
    pre = Path(tmp)
    assert finetune.requested_shares(Args, pre) == {"shells": 0.4, "bent": 0.25}
    (pre / "explored").mkdir()
    (pre / "protein").mkdir()
    got = finetune.requested_shares(Args, pre)
    assert got == {"explored": finetune.EXPLORED_SHARE, "shells": 0.4, "protein": finetune.PROTEIN_SHARE,
                   "bent": 0.25}, got
    try:
        finetune.sampled_share(got)  # 0.3 + 0.4 + 0.15 + 0.25 > 1
    except SystemExit as e:
        assert "explored 0.3, shells 0.4, protein 0.15, bent 0.25" in str(e), str(e)
    else:
        raise AssertionError("shares over 1 were accepted")


for check in (check_rotate_about, check_hydrogen_angles, check_auto_prob):
    check()
    print(f"{check.__name__}: ok")
with tempfile.TemporaryDirectory() as tmp:
    check_requested_shares(tmp)
print("check_requested_shares: ok")
