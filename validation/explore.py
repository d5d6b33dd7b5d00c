"""Exploration (one round of concurrent learning, as DP-GEN): the model's own MD, labelled.

  python3 validation/explore.py MODELDIR [--steps N] [--jobs N] [--protein | --protein-only]
                                                    (inside scripts/env; prints the dirs)

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

--protein: also (only, with --protein-only) the validation mini-protein itself (chignolin,
md/build_protein.sh, built here from sequence with its own classical equilibration): PROTEIN_RUNS
all-NN runs of STEPS steps on 2 ranks, each from a frame of a short classical 300 K run, labelled
the same way. This is DP-GEN's exploration of the target system: its NN trajectories, relabelled
by the force field, become training frames; the classical trajectories the MD validation compares
with are never trained on.
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
from common import CACHE, HERE, TRAIN, cached, code_files, digest, mdp, run  # noqa: E402
import augment  # noqa: E402
import data  # noqa: E402

STEPS, NSTXOUT = 400, 10
PROTEIN_RUNS, PROTEIN_START_PS = 3, 2.0  # starts: conf.gro, then every PROTEIN_START_PS classical
# mdrun -nt 1 / -ntomp 1 refuses another OMP_NUM_THREADS, and a training stage that runs this
# module has it at 2: every mdrun here runs under this prefix.
ONE_THREAD = ["env", "OMP_NUM_THREADS=1"]


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
    for f in ("label.tpr", "types.dat"):
        shutil.copy(labels / f, d / f)
    nn_run(sysdir, model, steps, 1, d / "md")
    relabel(d, [d / "md/md.trr"])


def nn_run(sysdir, model, steps, ranks, md):
    """All-NN NVE from sysdir/conf.gro; run.sh stops at a failed mdrun (an exploded run): the
    frames written so far are kept."""
    subprocess.run([*ONE_THREAD, "bash", str(HERE / "md/run.sh"), str(md), str(sysdir), "nn", "nve", "0.0005",
                    str(steps), str(ranks), str(model), str(NSTXOUT)], env={**os.environ, "TABULATE": "yes"},
                   stdout=open(md.with_suffix(".log"), "w"), stderr=subprocess.STDOUT)


def relabel(d, trajectories):
    """d/label.tpr's reference on every frame of trajectories -> d/deepmd (moderate frames)."""
    run(["gmx", "-quiet", "trjcat", "-f", *map(str, trajectories), "-o", "frames.trr", "-cat"], d,
        "trjcat.log")
    run([*ONE_THREAD, "gmx_d", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-s", "label.tpr", "-deffnm",
         "label", "-rerun", "frames.trr"], d, "mdrun.out")
    run(["gmx_d", "-quiet", "energy", "-f", "label.edr", "-o", "energy.xvg"], d, "energy.log",
        stdin="Potential\n\n")
    data.to_deepmd(d)
    for f in ("label.trr", "frames.trr"):
        (d / f).unlink()
    augment.keep_moderate(d / "deepmd/set.000")


def protein_system():
    """The validation mini-protein (md/build_protein.sh), label.tpr, types.dat and PROTEIN_RUNS
    starting points start<k>/conf.gro (k > 0: PROTEIN_START_PS more of classical 300 K each)."""
    def build(d):
        run([*ONE_THREAD, "bash", str(HERE / "md/build_protein.sh"), str(d)], d, "build.log")
        (d / "label.mdp").write_text(mdp("reference.mdp", "label.mdp"))
        run(["gmx_d", "-quiet", "grompp", "-f", "label.mdp", "-c", "conf.gro", "-p", "topol.top", "-o",
             "label.tpr"], d, "grompp-label.log")
        run(["deepmd-gromacs", "types", "-s", "label.tpr", "-o", "types.dat"], d, "types.log")
        sample = [line for line in mdp("reference.mdp", "sample.mdp").splitlines()
                  if line.split("=")[0].strip() not in ("gen-vel", "nstxout")]  # set below
        (d / "start.mdp").write_text("\n".join(sample) + (
            f"\nnsteps = {round(PROTEIN_START_PS / 0.0005)}\nref-t = 300\ngen-vel = no\n"
            "continuation = yes\nnstxout = 0\n"))
        previous = d / "conf.gro"
        for k in range(PROTEIN_RUNS):
            start = d / f"start{k}"
            start.mkdir()
            (start / "nn.top").symlink_to("../nn.top")  # relative: d is renamed when done
            if k:
                run(["gmx", "-quiet", "grompp", "-f", d / "start.mdp", "-c", previous, "-p", d / "topol.top",
                     "-o", "md.tpr"], start, "grompp.log")
                run([*ONE_THREAD, "gmx", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-deffnm", "md", "-c",
                     "conf.gro"], start, "mdrun.out")
            else:
                (start / "conf.gro").symlink_to("../conf.gro")
            previous = start / "conf.gro"
    key = digest(PROTEIN_RUNS, PROTEIN_START_PS, *code_files("explore.py", "md/build_protein.sh", "data.py"))
    return cached("systems", f"chignolin-{key}", build)


def protein(modeldir, steps=STEPS):
    """modeldir's model on the mini-protein (--protein), labelled; cached like a fragment's."""
    model = model_dp(modeldir)
    sysdir = protein_system()

    def build(d):
        for f in ("label.tpr", "types.dat"):
            shutil.copy(sysdir / f, d / f)
        for k in range(PROTEIN_RUNS):
            nn_run(sysdir / f"start{k}", model, steps, 2, d / f"md{k}")
        relabel(d, [d / f"md{k}/md.trr" for k in range(PROTEIN_RUNS) if (d / f"md{k}/md.trr").exists()])
    key = digest(sysdir.name, modeldir / "model.pth", steps, NSTXOUT, augment.MAX_FORCE,
                 *code_files("explore.py", "augment.py", "data.py", "md/run.sh"))
    return cached("explore", f"chignolin-{key}", build)


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
    p.add_argument("--protein", action="store_true", help="also the validation mini-protein")
    p.add_argument("--protein-only", action="store_true", help="only the validation mini-protein")
    args = p.parse_args()
    modeldir = args.modeldir.resolve()
    model_dp(modeldir)
    names = [] if args.protein_only else TRAIN
    with cf.ThreadPoolExecutor(args.jobs) as pool:
        dirs = dict(zip(names, pool.map(lambda n: fragment(n, modeldir, args.steps), names)))
    if args.protein or args.protein_only:
        dirs["chignolin"] = protein(modeldir, args.steps)
    for n, d in dirs.items():
        f = np.load(d / "deepmd/set.000/force.npy")
        print(f"{n + '-explored':18s} {len(f):4d} frames kept  {d / 'deepmd'}")


if __name__ == "__main__":
    main()
