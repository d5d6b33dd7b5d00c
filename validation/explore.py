"""Exploration (one round of concurrent learning, as DP-GEN): the model's own MD, labelled.

  python3 validation/explore.py MODELDIR [--steps N] [--jobs N]   (inside scripts/env; prints the dirs)

A model only knows the configurations it was trained on; outside them its energy can fall
where the force field's rises, and NN MD runs into such holes (here: a foreign water H at
1.0 A from an oxygen within 0.2 ps). For every training fragment, MODELDIR's model (model.pth,
converted to .dp, native engine) runs all-NN NVE from the fragment's 300 K sample (its last
frame, velocities included): STEPS steps of 0.5 fs (--steps: more for a better model, whose
runs fail later), positions every NSTXOUT steps, through the
plugin on one rank; a run that fails keeps the frames written until then. Every frame is
relabelled by the reference (gmx_d -rerun, as data.py) and frames with a force above
augment.MAX_FORCE (the run already exploded) are dropped. The frames are where the model went
wrong, labelled with what the force field says there: the next training stage learns them.
"""
import argparse
import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, HERE, TRAIN, cached, code_files, digest, run  # noqa: E402
import augment  # noqa: E402
import data  # noqa: E402

STEPS, NSTXOUT = 400, 10


def fragment_system(name, d):
    """d/system: the fragment's classical topology, the 300 K sample's last frame, nn.top."""
    labels = data.fragment(name)
    systems = sorted((CACHE / "systems").glob(f"{name}-*"))
    samples = sorted((CACHE / "samples").glob(f"{name}-300K-*"))
    sysdir = d / "system"
    sysdir.mkdir()
    for f in systems[-1].glob("*.itp"):
        shutil.copy(f, sysdir)
    shutil.copy(systems[-1] / "topol.top", sysdir)
    shutil.copy(samples[-1] / "md.gro", sysdir / "conf.gro")
    (sysdir / "nn-probe.mdp").write_text("integrator = md\ncutoff-scheme = Verlet\ncoulombtype = cut-off\n"
                                         "rcoulomb = 0.5\nrvdw = 0.5\nconstraints = none\n")
    run(["deepmd-gromacs", "topology", "-p", "topol.top", "-c", "conf.gro", "-f", "nn-probe.mdp", "-o",
         "nn.top"], sysdir, "topology.log")
    return labels, sysdir


def explore(name, model, steps, d):
    labels, sysdir = fragment_system(name, d)
    md = d / "md"
    # run.sh stops at a failed mdrun (an exploded run): the frames written so far are kept.
    subprocess.run(["bash", str(HERE / "md/run.sh"), str(md), str(sysdir), "nn", "nve", "0.0005", str(steps),
                    "1", str(model), str(NSTXOUT)], env={**os.environ, "TABULATE": "yes"},
                   stdout=open(d / "run.log", "w"), stderr=subprocess.STDOUT)
    for f in ("label.tpr", "types.dat"):
        shutil.copy(labels / f, d / f)
    run(["gmx_d", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-s", "label.tpr", "-deffnm", "label",
         "-rerun", str(md / "md.trr")], d, "mdrun.out")
    run(["gmx_d", "-quiet", "energy", "-f", "label.edr", "-o", "energy.xvg"], d, "energy.log",
        stdin="Potential\n\n")
    data.to_deepmd(d)
    (d / "label.trr").unlink()
    augment.keep_moderate(d / "deepmd/set.000")


def model_dp(modeldir):
    """modeldir/model.dp (DeePMD-kit's .dp format for the native engine), converted once."""
    dp = modeldir / "model.dp"
    if not dp.exists():
        run(["deepmd-gromacs", "convert", "model.pth", "model.dp"], modeldir, "convert.log")
    return dp


def fragment(name, modeldir, steps=STEPS):
    model = model_dp(modeldir)
    key = digest(name, modeldir / "model.pth", steps, NSTXOUT, augment.MAX_FORCE,
                 *code_files("explore.py", "augment.py", "data.py", "md/run.sh"))
    return cached("explore", f"{name}-{key}", lambda d: explore(name, model, steps, d))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("modeldir", type=Path)
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    modeldir = args.modeldir.resolve()
    model_dp(modeldir)
    with cf.ThreadPoolExecutor(args.jobs) as pool:
        dirs = dict(zip(TRAIN, pool.map(lambda n: fragment(n, modeldir, args.steps), TRAIN)))
    for n, d in dirs.items():
        f = np.load(d / "deepmd/set.000/force.npy")
        print(f"{n + '-explored':18s} {len(f):4d} frames kept  {d / 'deepmd'}")


if __name__ == "__main__":
    main()
