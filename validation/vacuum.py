"""Experiment (not a pipeline stage): the fragments' peptides alone, relabelled in vacuum.

  python3 validation/vacuum.py OUTDIR          (inside scripts/env; after data.py)

Tells whether the model cannot learn peptide forces at all or only not among 20x as much water:
every sampled frame of every peptide fragment, its water and ions removed (the peptide made whole
in the same box), relabelled by the same force field (gmx_d -rerun of a peptide-only topology).
Writes OUTDIR/<fragment>/deepmd and OUTDIR/input.json (validation/model/input.json on these
systems, 8000 steps); then, in OUTDIR:
  python3 validation/dp_fast.py --pt train input.json --skip-neighbor-stat
  python3 validation/dp_fast.py --pt test -m model.ckpt.pt -s OUTDIR -d vacuum -n 20
Measured 2026-12-02 (validation/README.md, Next steps): 0.36 eV/A of ~1.0 after 8000 steps.
"""
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, HERE, TEST, TRAIN, mdp, run  # noqa: E402
import data  # noqa: E402

PEPTIDES = [n for n in TRAIN + TEST if n not in ("water", "salt")]


def peptide_topology(sysdir, d):
    """The fragment's topology with its water and ion molecules left out."""
    head, molecules = (sysdir / "topol.top").read_text().split("[ molecules ]")
    keep = [line for line in molecules.splitlines() if line.strip() and not re.match(r"\s*(SOL|NA|CL)\s", line)]
    (d / "topol.top").write_text(head + "[ molecules ]\n" + "\n".join(keep) + "\n")
    for f in sysdir.glob("*.itp"):
        shutil.copy(f, d)


def peptide_frames(labels, d):
    """The peptide's atoms of every labelled frame, made whole, into d/frames.trr and d/conf.gro."""
    import MDAnalysis as mda
    u = mda.Universe(str(labels / "label.tpr"))
    peptide = u.select_atoms("not resname SOL NA CL")
    coords = np.load(labels / "deepmd/set.000/coord.npy").reshape(-1, len(u.atoms), 3)[:, peptide.indices]
    boxes = np.load(labels / "deepmd/set.000/box.npy").reshape(-1, 3, 3)
    alone = mda.Merge(peptide)
    with mda.Writer(str(d / "frames.trr"), len(peptide)) as w:
        for k, x in enumerate(coords):
            box = np.diag(boxes[k])
            dx = x - x[0]
            dx -= box * np.round(dx / box)
            alone.atoms.positions = x[0] + dx
            alone.dimensions = [*box, 90, 90, 90]
            alone.trajectory.ts.data["time"] = float(k)
            w.write(alone.atoms)
    alone.atoms.write(str(d / "conf.gro"))


def relabel(name, d):
    d.mkdir(parents=True)
    peptide_topology(sorted((CACHE / "systems").glob(f"{name}-*"))[-1], d)
    peptide_frames(data.fragment(name), d)
    (d / "label.mdp").write_text(mdp("reference.mdp", "label.mdp"))
    run(["gmx_d", "-quiet", "grompp", "-f", "label.mdp", "-c", "conf.gro", "-p", "topol.top", "-o", "label.tpr",
         "-maxwarn", "2"], d, "grompp.log")
    run(["gmx_d", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-deffnm", "label", "-rerun", "frames.trr"],
        d, "mdrun.out")
    run(["gmx_d", "-quiet", "energy", "-f", "label.edr", "-o", "energy.xvg"], d, "energy.log", stdin="Potential\n\n")
    run(["deepmd-gromacs", "types", "-s", "label.tpr", "-o", "types.dat"], d, "types.log")
    data.to_deepmd(d)
    for f in ("label.trr", "frames.trr"):
        (d / f).unlink()


def main():
    out = Path(sys.argv[1]).resolve()
    for name in PEPTIDES:
        if not (out / name / "deepmd/set.000/force.npy").exists():
            shutil.rmtree(out / name, ignore_errors=True)
            relabel(name, out / name)
    conf = json.loads((HERE / "model/input.json").read_text())
    conf["training"]["training_data"]["systems"] = [str(out / n / "deepmd") for n in PEPTIDES if n in TRAIN]
    conf["training"]["validation_data"]["systems"] = [str(out / n / "deepmd") for n in TEST]
    conf["training"]["numb_steps"], conf["learning_rate"]["decay_steps"] = 8000, 200
    (out / "input.json").write_text(json.dumps(conf, indent=1) + "\n")
    print(out / "input.json")


if __name__ == "__main__":
    main()
