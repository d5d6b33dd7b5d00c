"""Solute shells: each peptide with only its nearest waters, so that training batches are peptide-rich.

  python3 validation/shells.py [--jobs N]              (inside scripts/env; after data.py)
  python3 validation/shells.py --radius 0 --experiment OUTDIR     (the peptides alone, in vacuum)

In a solvated fragment the peptide is 2-5 % of the atoms, so a loss averaged over atoms learns
water and leaves the peptide's forces at 0.6 eV/A of 0.76 RMS (chignolin's angles then collapse
in MD). For every sampled frame of every peptide fragment this stage keeps the peptide (made
whole) and its nearest water molecules, in the same box, and relabels exactly those atoms with
the same force field (gmx_d -rerun of a topology with the smaller count). A rerun needs one
topology, so each fragment keeps the same number of waters in every frame: the mean number with
an atom within SHELL_NM of the peptide (~ the first shell). Ions are left out (the shell may
carry a net charge; reaction-field labels are defined for it); the full frames keep them. Every
label is the reference's own answer for the configuration it labels; the outer waters simply
feel vacuum. A shell frame holds 15-25 % peptide atoms in 145-325 atoms (a full frame: 2-5 % of
516-1,599). Held-out fragments get shells too (for testing).

--radius 0 --experiment OUTDIR repeats the experiment of 2026-12-02 (validation/README.md): the
peptides alone, trained from scratch with validation/model/input.json (8000 steps, 0.36 eV/A;
28,000 steps, 0.18-0.26 on training peptides): the architecture can learn the peptide.
"""
import argparse
import concurrent.futures as cf
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, HERE, TEST, TRAIN, cached, code_files, digest, mdp, run  # noqa: E402
import data  # noqa: E402

PEPTIDES = [n for n in TRAIN + TEST if n not in ("water", "salt")]
SHELL_NM = 0.45
SOLVENT = ("SOL", "NA", "CL")


def shell_topology(sysdir, waters, d):
    """The fragment's topology with waters SOL molecules and no ions."""
    head, molecules = (sysdir / "topol.top").read_text().split("[ molecules ]")
    lines = []
    for line in molecules.splitlines():
        m = re.match(r"\s*(\S+)\s+\d+\s*$", line)
        if m and m.group(1) in SOLVENT:
            if m.group(1) == "SOL" and waters:
                lines.append(f"SOL {waters}")
        elif line.strip():
            lines.append(line)
    (d / "topol.top").write_text(head + "[ molecules ]\n" + "\n".join(lines) + "\n")
    for f in sysdir.glob("*.itp"):
        shutil.copy(f, d)


def whole(x, ref, box):
    """x moved by box vectors to the periodic images nearest ref (one point or one per row)."""
    return x - box * np.round((x - ref) / box)


def water_distances(u, x, box):
    """Per water molecule, its shortest distance (A) to a peptide atom, and the molecules."""
    from MDAnalysis.lib.distances import distance_array
    peptide = u.select_atoms(f"not resname {' '.join(SOLVENT)}").indices
    waters = [r.atoms.indices for r in u.select_atoms("resname SOL").residues]
    d = distance_array(x[peptide], x[np.concatenate(waters)], box=[*box, 90, 90, 90])
    return d.min(axis=0).reshape(len(waters), -1).min(axis=1), waters, peptide


def shell_frames(labels, radius, d):
    """d/frames.trr and d/conf.gro: per labelled frame the peptide (whole) and its nearest
    waters (each whole, at its image nearest the peptide). Returns the number of waters kept."""
    import MDAnalysis as mda
    u = mda.Universe(str(labels / "label.tpr"))
    coords = np.load(labels / "deepmd/set.000/coord.npy").reshape(-1, len(u.atoms), 3)
    boxes = np.load(labels / "deepmd/set.000/box.npy").reshape(-1, 3, 3)
    per_frame = [water_distances(u, x, np.diag(boxes[k])) for k, x in enumerate(coords)]
    count = int(round(np.mean([(dist <= radius).sum() for dist, _, _ in per_frame]))) if radius > 0 else 0
    peptide = per_frame[0][2]
    shell = writer = None
    for k, (dist, waters, _) in enumerate(per_frame):
        box = np.diag(boxes[k])
        x = coords[k]
        pep = whole(x[peptide], x[peptide[0]], box)
        chosen = np.sort(np.argsort(dist, kind="stable")[:count])  # index order, as the topology
        parts = [pep]
        for w in chosen:
            mol = whole(x[waters[w]], x[waters[w][0]], box)
            near = pep[np.argmin(np.linalg.norm(whole(pep, mol[0], box) - mol[0], axis=1))]
            parts.append(mol - box * np.round((mol[0] - near) / box))
        if shell is None:
            shell = mda.Merge(u.atoms[np.concatenate([peptide] + [waters[w] for w in chosen])])
            writer = mda.Writer(str(d / "frames.trr"), len(shell.atoms))
        shell.atoms.positions = np.concatenate(parts)
        shell.dimensions = [*box, 90, 90, 90]
        shell.trajectory.ts.data["time"] = float(k)
        writer.write(shell.atoms)
        if k == 0:
            shell.atoms.write(str(d / "conf.gro"))
    writer.close()
    return count


def relabel(name, radius, d):
    """d: the shell frames of fragment name relabelled, as a DeePMD-kit system d/deepmd."""
    labels = data.fragment(name)
    count = shell_frames(labels, radius, d)
    shell_topology(sorted((CACHE / "systems").glob(f"{name}-*"))[-1], count, d)
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


def fragment(name, radius=SHELL_NM):
    labels = data.fragment(name)
    key = digest(name, labels.name, radius, *code_files("shells.py", "data.py"))
    return cached("shells", f"{name}-{key}", lambda d: relabel(name, radius * 10.0, d))


def experiment(out, radius):
    """OUTDIR/input.json: validation/model/input.json from scratch on the shells (8000 steps)."""
    dirs = {n: fragment(n, radius) for n in PEPTIDES}
    conf = json.loads((HERE / "model/input.json").read_text())
    conf["training"]["training_data"]["systems"] = [str(dirs[n] / "deepmd") for n in PEPTIDES if n in TRAIN]
    conf["training"]["validation_data"]["systems"] = [str(dirs[n] / "deepmd") for n in TEST]
    conf["training"]["numb_steps"], conf["learning_rate"]["decay_steps"] = 8000, 200
    out.mkdir(parents=True, exist_ok=True)
    (out / "input.json").write_text(json.dumps(conf, indent=1) + "\n")
    print(f"{out / 'input.json'}: in {out}, python3 validation/dp_fast.py --pt train input.json "
          "--skip-neighbor-stat")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--radius", type=float, default=SHELL_NM, help="nm; 0: the peptide alone")
    p.add_argument("--experiment", type=Path, help="write a from-scratch training input here")
    args = p.parse_args()
    if args.experiment:
        return experiment(args.experiment.resolve(), args.radius)
    with cf.ThreadPoolExecutor(args.jobs) as pool:
        dirs = dict(zip(PEPTIDES, pool.map(lambda n: fragment(n, args.radius), PEPTIDES)))
    for n, d in dirs.items():
        f = np.load(d / "deepmd/set.000/force.npy")
        atoms = len((d / "deepmd/type.raw").read_text().split())
        print(f"{n + '-shell':16s} {len(f):4d} frames of {atoms:4d} atoms, RMS force "
              f"{np.sqrt((f ** 2).mean()):.2f} eV/A  {d / 'deepmd'}")


if __name__ == "__main__":
    main()
