"""Later training stages: a trained model continues on the sampled plus the dense frames.

  python3 validation/finetune.py TRAINDIR [--steps N] [--max-minutes M] [--solute-weight W]
                                 [--explore] [--protein] [--shells] [--shell-share S]
                                 [--force-end PREF_F PREF_E] [--bent] [--bent-share S] [--start-lr LR]
                                 [--wall-weight W F]
                                 [--dir-only | --check]  (inside scripts/env)

TRAINDIR is a finished train stage (train.py) or fine-tuning stage (this script). Its last
checkpoint is the starting point (`dp --pt train --init-model`: weights and statistics kept, a new
learning-rate schedule from START_LR); the training systems are train.py's plus augment.py's
<fragment>-dense systems, the validation systems the held-out fragments as before. Freeze,
compress and dp test as train.py. Cached under validation/finetune/<key> (key: TRAINDIR's name,
the dense stage, steps, weight, code); the file init-from names TRAINDIR.

--explore: also the frames explore.py labelled along TRAINDIR's own NN MD (where that model
went wrong; --explore-steps long runs), drawn for EXPLORED_SHARE of the training batches (there
are few of them). --keep-explored: the explored frames TRAINDIR trained on stay in as well (the
holes an earlier model found must not reopen), with or without --explore.

--protein: also explore.py --protein's frames of TRAINDIR's model on the validation mini-protein
(DP-GEN's exploration of the target system; --explore-steps long runs), drawn for PROTEIN_SHARE of
the batches; with --keep-explored those TRAINDIR trained on stay in as well.

--shells: also shells.py's frames (each peptide with only its first water shell, relabelled), drawn
for SHELL_SHARE of the batches (--shell-share S: for S): peptide-rich batches (15-25 % peptide
atoms, not 2-5 %).

--bent: also bend.py's frames (peptide hydrogens rotated to bent angles, relabelled), drawn for
BENT_SHARE of the batches (--bent-share S: for S): the wall of compressed 1-3 pairs that
sampling never reaches.

--force-end PREF_F PREF_E: the loss's end prefactors (limit_pref_f, limit_pref_e; input.json: 5
and 1). DeePMD-kit moves the prefactors with the learning rate, so late in a stage the energy term
gains weight; an energy error that is mostly a per-system offset then competes with the forces.

--wall-weight W F: in the protein frames (chignolin's own MD), atoms whose force TRAINDIR's model gets wrong
by more than F eV/A count W times in the force loss (atom_pref.npy, as --solute-weight): hard
atoms. They carry the walls of compressed pairs (Thr HB...OG1: a few atoms of a 1,511-atom
frame, ~0.3 % of its force loss unweighted), which the network otherwise does not learn even
from frames it trains on (validation/pair_forces.py).

--check: only check the batch shares (scripts/validate asks before it explores, so that a typo
does not cost an exploration round first).

--solute-weight W > 1: the peptide's atoms count W times in the force loss. A fragment is 2-5 %
solute and 95 % water, so an unweighted loss learns water (held-out force RMSE 0.14 eV/A) and
leaves the peptide at 0.5-0.65 eV/A (of 0.66-0.84 eV/A RMS), and chignolin's angles collapsed in
MD. DeePMD-kit's atom_pref.npy (0 for water and ions, W - 1 for solute atoms) with the
pref_pf schedule equal to pref_f's adds the extra weight; the systems are linked into the stage
directory with that file added (the cached label directories stay untouched).
"""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TEST, TRAIN, cached, code_files, digest, stage_dir  # noqa: E402
import augment  # noqa: E402
import train  # noqa: E402

START_LR = 1e-3
EXPLORED_SHARE = 0.3
SHELL_SHARE = 0.4
PROTEIN_SHARE = 0.15
BENT_SHARE = 0.25
# The kinds of extra frames, in the order their systems follow the sampled and dense ones.
EXTRA_KINDS = ("explored", "shells", "protein", "bent")
FRAME_KINDS = ("dense",) + EXTRA_KINDS  # every kind a stage links next to the sampled frames
# --wall-weight's frames: the protein's own MD, where the walls broke (~250 frames, ~1 s each to
# evaluate on 2 cores; bend.py's 2,076 shell frames would add ~10-20 min)
WALL_KINDS = ("protein",)


def solute_mask(labelled):
    """True for the atoms of a labelled directory that are neither water nor ions."""
    import MDAnalysis as mda
    u = mda.Universe(str(labelled / "label.tpr"))
    return np.array([a.resname not in ("SOL", "NA", "CL") for a in u.atoms])


def atom_prefs(src, weight, wall):
    """src's extra force-loss weights per frame (atom_pref.npy, see the top): weight - 1 on solute
    atoms (weight > 1); wall = (W, F, model): W - 1 on atoms whose force the model (the stage's
    starting point, a DeepPot) gets wrong by more than F eV/A."""
    s = src / "deepmd/set.000"
    force = np.load(s / "force.npy")
    force = force.reshape(len(force), -1, 3)
    pref = np.zeros(force.shape[:2])
    if weight > 1:
        pref += np.where(solute_mask(src), weight - 1.0, 0.0)
    if wall:
        weight_wall, limit, model = wall
        types = np.loadtxt(src / "deepmd/type.raw", dtype=int)
        predicted = model.eval(np.load(s / "coord.npy"), np.load(s / "box.npy"), types)[1]
        error = np.linalg.norm(predicted.reshape(force.shape) - force, axis=2)
        pref += np.where(error > limit, weight_wall - 1.0, 0.0)
    # Three values per atom (x, y, z): DeePMD-kit 3.2's per-frame loader ignores the "repeat"
    # that expands the documented one value per atom, and the loss then fails on the shape.
    return np.repeat(pref, 3, axis=1)


def link_system(src, dst, pref=None):
    """dst: src's DeePMD-kit system; with pref (atom_prefs) also set.000/atom_pref.npy."""
    if pref is None:
        dst.symlink_to(src / "deepmd")
        return
    (dst / "set.000").mkdir(parents=True)
    for f in ("type.raw", "type_map.raw"):
        (dst / f).symlink_to(src / "deepmd" / f)
    for f in (src / "deepmd/set.000").glob("*.npy"):
        (dst / "set.000" / f.name).symlink_to(f)
    np.save(dst / "set.000/atom_pref.npy", pref)


def sampled_share(shares):
    """What the extra kinds' shares {kind: share} leave for the sampled and dense frames; exits
    with one clear message if nothing is left."""
    rest = 1.0 - sum(shares.values())
    if rest <= 0:
        asked = ", ".join(f"{kind} {share}" for kind, share in shares.items())
        sys.exit(f"finetune.py: the extra kinds' shares ({asked}) leave nothing for the sampled "
                 "frames: lower --shell-share or --bent-share")
    return rest


def auto_prob(sampled_end, kinds):
    """DeePMD-kit's auto_prob for the training systems: the first sampled_end are the sampled and
    dense frames, then one consecutive run per extra kind, kinds [(kind, end, share)]. The first
    run gets what the shares leave (sampled_share); within a run each system is drawn by its size."""
    rest = sampled_share({kind: share for kind, _, share in kinds})
    bounds = [0, sampled_end] + [end for _, end, _ in kinds]
    shares = [rest] + [share for _, _, share in kinds]
    return "prob_sys_size;" + ";".join(f"{a}:{b}:{w}" for a, b, w in zip(bounds, bounds[1:], shares))


def prepare(d, pre, steps, dense, weight, kinds, force_end=None, start_lr=START_LR, wall=None):
    """kinds: (kind, {label: labelled directory}, share of the batches) of the extra frames;
    wall: (W, F) of --wall-weight for the WALL_KINDS."""
    weighted = weight > 1 or wall
    if wall:
        from deepmd.infer import DeepPot
        import dp_fast
        dp_fast.patch()  # the checkpoint's Python model with trimmed images: ~3x the frozen .pth
        wall = (*wall, DeepPot(str(pre / "model.ckpt.pt")))

    def link(src, dst, kind=None):
        link_system(src, dst, atom_prefs(src, weight, wall if kind in WALL_KINDS else None)
                    if weighted else None)

    conf = json.loads((pre / "input.json").read_text())
    base = pre
    while (base / "init-from").exists():  # the train stage holds the labelled fragments
        base = Path((base / "init-from").read_text().strip())
    (d / "init-from").write_text(f"{pre}\n")
    for split in ("train", "test"):
        (d / "data" / split).mkdir(parents=True)
    (d / "dense").mkdir()
    names = [n for n in TRAIN if len(np.load(dense[n] / "deepmd/set.000/energy.npy"))]
    # Every system gets atom_pref (held-out ones too): 3.2 also skips the repeat of the default.
    for n in TRAIN + TEST:
        split = "train" if n in TRAIN else "test"
        link((base / "data" / split / n).resolve().parent, d / "data" / split / n)
    for n in names:
        link(dense[n], d / "dense" / n)
    systems = [f"data/train/{n}" for n in TRAIN] + [f"dense/{n}" for n in names]
    sampled_end, runs = len(systems), []
    for kind, dirs, share in kinds:
        (d / kind).mkdir()
        kept = [n for n in dirs if (kind == "protein" or n.split("@")[0] in TRAIN)
                and len(np.load(dirs[n] / "deepmd/set.000/energy.npy"))]
        for n in kept:
            link(dirs[n], d / kind / n, kind)
        systems += [f"{kind}/{n}" for n in kept]
        runs.append((kind, len(systems), share))
    if runs:
        conf["training"]["training_data"]["auto_prob"] = auto_prob(sampled_end, runs)
    conf["training"]["training_data"]["systems"] = systems
    if weighted:
        loss = conf["loss"]
        loss["start_pref_pf"], loss["limit_pref_pf"] = loss["start_pref_f"], loss["limit_pref_f"]
    if force_end:
        conf["loss"]["limit_pref_f"], conf["loss"]["limit_pref_e"] = force_end
    conf["training"]["numb_steps"] = steps
    conf["learning_rate"]["start_lr"] = start_lr
    conf["learning_rate"]["decay_steps"] = max(1, steps // 40)
    (d / "input.json").write_text(json.dumps(conf, indent=2) + "\n")


def explored_frames(pre, steps, new, keep, kind="explored"):
    """Label -> explored directory: with new, pre's model's own runs (label: the fragment, or
    chignolin for kind protein); with keep, those pre trained on (its kind/ links; name@k).
    None if neither gives any."""
    import explore
    frames = {}
    if new and kind == "protein":
        frames["chignolin"] = explore.protein(pre, steps)
    elif new:
        frames = {n: explore.fragment(n, pre, steps) for n in TRAIN}
    if keep and (pre / kind).is_dir():
        for k, link in enumerate(sorted((pre / kind).iterdir())):
            frames[f"{link.name.split('@')[0]}@{k}"] = link.resolve().parent
    return frames or None


def finetune(d, pre, steps, dense, max_minutes, weight, kinds, force_end, start_lr, wall):
    prepare(d, pre, steps, dense, weight, kinds, force_end, start_lr, wall)
    train.run_stage(d, f" --init-model {pre / 'model.ckpt.pt'}", steps, max_minutes)


def kind_shares(args):
    return {"explored": EXPLORED_SHARE, "shells": args.shell_share, "protein": PROTEIN_SHARE,
            "bent": args.bent_share}


def requested_shares(args, pre):
    """{kind: share} of the extra kinds the options ask for (a kept kind: if pre trained on it)."""
    asked = {"explored": args.explore or (args.keep_explored and (pre / "explored").is_dir()),
             "shells": args.shells, "bent": args.bent,
             "protein": args.protein or (args.keep_explored and (pre / "protein").is_dir())}
    shares = kind_shares(args)
    return {kind: shares[kind] for kind in EXTRA_KINDS if asked[kind]}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("traindir", type=Path)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--max-minutes", type=float, default=0)
    p.add_argument("--solute-weight", type=float, default=1.0)
    p.add_argument("--explore", action="store_true", help="add explore.py's frames of TRAINDIR's model")
    p.add_argument("--explore-steps", type=int, default=400, help="explore.py --steps of the frames")
    p.add_argument("--keep-explored", action="store_true", help="also TRAINDIR's own explored frames")
    p.add_argument("--shells", action="store_true", help="add shells.py's peptide-rich frames")
    p.add_argument("--protein", action="store_true", help="add explore.py's frames of the mini-protein")
    p.add_argument("--shell-share", type=float, default=SHELL_SHARE, help="the shells' share of the batches")
    p.add_argument("--force-end", type=float, nargs=2, metavar=("PREF_F", "PREF_E"),
                   help="the loss's limit_pref_f and limit_pref_e (input.json: 5 and 1)")
    p.add_argument("--bent", action="store_true", help="add bend.py's bent-angle frames")
    p.add_argument("--bent-share", type=float, default=BENT_SHARE, help="the bent frames' share of the batches")
    p.add_argument("--start-lr", type=float, default=START_LR)
    p.add_argument("--wall-weight", type=float, nargs=2, metavar=("W", "F"),
                   help="atoms of the protein frames the model gets wrong by > F eV/A count W times")
    p.add_argument("--dir-only", action="store_true")
    p.add_argument("--check", action="store_true", help="only check the batch shares")
    args = p.parse_args()
    os.environ.setdefault("DP_INTRA_OP_PARALLELISM_THREADS", "2")
    os.environ.setdefault("DP_INTER_OP_PARALLELISM_THREADS", "1")
    os.environ.setdefault("NUM_WORKERS", "0")
    os.environ.setdefault("OMP_NUM_THREADS", os.environ["DP_INTRA_OP_PARALLELISM_THREADS"])
    pre = args.traindir.resolve()
    sampled_share(requested_shares(args, pre))
    if args.check:
        return
    dense = {n: augment.fragment(n) for n in TRAIN}
    weight = args.solute_weight if args.solute_weight > 1 else None  # None: the unweighted key
    explored = explored_frames(pre, args.explore_steps, args.explore, args.keep_explored)
    protein = explored_frames(pre, args.explore_steps, args.protein, args.keep_explored, "protein")
    shells = bent = None
    if args.shells:
        import shells as shells_stage
        shells = {n: shells_stage.fragment(n) for n in shells_stage.PEPTIDES}
    if args.bent:
        import bend
        bent = {n: bend.fragment(n) for n in bend.PEPTIDES}
    frames = {"explored": explored, "shells": shells, "protein": protein, "bent": bent}
    shares = kind_shares(args)
    kinds = [(kind, frames[kind], shares[kind]) for kind in EXTRA_KINDS if frames[kind]]
    extra = ([weight] if weight else []) + [args.force_end or None]
    extra += [args.wall_weight] if args.wall_weight else []
    extra += [[kind, sorted(d.name for d in dirs.values()), share] for kind, dirs, share in kinds]
    key = digest(pre.name, sorted(d.name for d in dense.values()), args.steps, args.max_minutes or None,
                 args.start_lr, *extra,
                 *code_files("finetune.py", "train.py", "augment.py", "dp_fast.py", "explore.py"))
    if args.dir_only:
        out = stage_dir("finetune", key)
        if not (out / ".done").exists():
            sys.exit(f"no finished fine-tuning for these inputs ({out}): run scripts/validate train")
        print(out)
        return
    print(cached("finetune", key, lambda d: finetune(d, pre, args.steps, dense, args.max_minutes,
                                                     args.solute_weight, kinds, args.force_end,
                                                     args.start_lr, args.wall_weight)))


if __name__ == "__main__":
    main()
