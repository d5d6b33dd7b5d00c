"""Second training stage: the trained model continues on the sampled plus the dense frames.

  python3 validation/finetune.py TRAINDIR [--steps N] [--max-minutes M] [--dir-only]
                                                                    (inside scripts/env)

TRAINDIR is the finished train stage (train.py). Its last checkpoint is the starting point
(`dp --pt train --init-model`: weights and statistics kept, a new learning-rate schedule from
START_LR); the training systems are train.py's plus augment.py's <fragment>-dense systems, the
validation systems the held-out fragments as before. Freeze, compress and dp test as train.py.
Cached under validation/finetune/<key> (key: TRAINDIR's name, the dense stage, steps, code).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, TRAIN, cached, code_files, digest, stage_dir  # noqa: E402
import augment  # noqa: E402
import train  # noqa: E402

START_LR = 1e-3


def prepare(d, pre, steps, dense):
    conf = json.loads((pre / "input.json").read_text())
    (d / "data").symlink_to(pre / "data")  # train/<fragment>, test/<fragment>
    (d / "dense").mkdir()
    names = [n for n in TRAIN if len(np.load(dense[n] / "deepmd/set.000/energy.npy"))]
    for n in names:
        (d / "dense" / n).symlink_to(dense[n] / "deepmd")
    conf["training"]["training_data"]["systems"] += [f"dense/{n}" for n in names]
    conf["training"]["numb_steps"] = steps
    conf["learning_rate"]["start_lr"] = START_LR
    conf["learning_rate"]["decay_steps"] = max(1, steps // 40)
    (d / "input.json").write_text(json.dumps(conf, indent=2) + "\n")


def finetune(d, pre, steps, dense, max_minutes):
    prepare(d, pre, steps, dense)
    t0 = time.time()
    cmd = f"exec {train.TRAIN_CMD} --init-model {pre / 'model.ckpt.pt'}"
    with open(d / "train.log", "w") as f:
        p = subprocess.Popen(cmd, cwd=d, shell=True, stdout=f, stderr=subprocess.STDOUT)
        try:
            rc = p.wait(timeout=max_minutes * 60 if max_minutes else None)
        except subprocess.TimeoutExpired:  # the wall-time budget: keep the latest checkpoint
            p.terminate()
            rc = 0 if p.wait() and (d / "checkpoint").exists() else p.returncode
    if rc:
        raise RuntimeError(f"dp train --init-model failed, see {d / 'train.log'}")
    train.finish(d, steps, time.time() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("traindir", type=Path)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--max-minutes", type=float, default=0)
    p.add_argument("--dir-only", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("DP_INTRA_OP_PARALLELISM_THREADS", "2")
    os.environ.setdefault("DP_INTER_OP_PARALLELISM_THREADS", "1")
    os.environ.setdefault("NUM_WORKERS", "0")
    os.environ.setdefault("OMP_NUM_THREADS", os.environ["DP_INTRA_OP_PARALLELISM_THREADS"])
    pre = args.traindir.resolve()
    dense = {n: augment.fragment(n) for n in TRAIN}
    key = digest(pre.name, sorted(d.name for d in dense.values()), args.steps, args.max_minutes or None,
                 START_LR, *code_files("finetune.py", "train.py", "augment.py", "dp_fast.py"))
    if args.dir_only:
        out = stage_dir("finetune", key)
        if not (out / ".done").exists():
            sys.exit(f"no finished fine-tuning for these inputs ({out}): run scripts/validate train")
        print(out)
        return
    print(cached("finetune", key, lambda d: finetune(d, pre, args.steps, dense, args.max_minutes)))


if __name__ == "__main__":
    main()
