"""Training stage: dp --pt train a DPA-1 (se_atten, no attention layer) on the labelled fragments,
freeze, compress, and dp test on the held-out fragments.

  python3 validation/train.py [--steps N] [--probe]      (inside scripts/env)

The input JSON is validation/model/input.json with numb_steps set and the data systems filled in
(data/train/<fragment>, data/test/<fragment>, symlinks into the label cache), so the JSON written
into the training directory is exactly what dp read. --probe trains 40 steps to measure speed.
Threads: DP_INTRA_OP_PARALLELISM_THREADS / OMP_NUM_THREADS from the environment (default 2).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, TEST, TRAIN, cached, code_files, digest, stage_dir  # noqa: E402
import data  # noqa: E402


TEST_FRAMES = 20  # per fragment (dp test takes the first frames: 300 K)


# dp through dp_fast.py: the periodic images trimmed to the cut-off (18x faster steps).
TRAIN_CMD = f"python3 {HERE}/dp_fast.py --pt train input.json --skip-neighbor-stat"


def prepare(d, steps, labels):
    conf = json.loads((HERE / "model/input.json").read_text())
    for split, names in (("train", TRAIN), ("test", TEST)):
        (d / "data" / split).mkdir(parents=True, exist_ok=True)
        for n in names:
            (d / "data" / split / n).symlink_to(labels[n] / "deepmd")
    conf["training"]["training_data"]["systems"] = [f"data/train/{n}" for n in TRAIN]
    conf["training"]["validation_data"]["systems"] = [f"data/test/{n}" for n in TEST]
    conf["training"]["numb_steps"] = steps
    conf["learning_rate"]["decay_steps"] = max(1, steps // 40)
    (d / "input.json").write_text(json.dumps(conf, indent=2) + "\n")


def sh(cmd, d, log):
    with open(d / log, "w") as f:
        r = subprocess.run(cmd, cwd=d, stdout=f, stderr=subprocess.STDOUT, shell=True)
    if r.returncode:
        raise RuntimeError(f"{cmd} failed, see {d / log}")


def train(d, steps, labels, max_minutes):
    prepare(d, steps, labels)
    run_stage(d, "", steps, max_minutes)


def run_stage(d, extra_args, steps, max_minutes):
    """dp train (TRAIN_CMD + extra_args) in d, log train.log, within the wall-time budget (at the
    budget it is stopped and its latest checkpoint kept), then finish()."""
    t0 = time.time()
    with open(d / "train.log", "w") as f:
        p = subprocess.Popen(f"exec {TRAIN_CMD}{extra_args}", cwd=d, shell=True,
                             stdout=f, stderr=subprocess.STDOUT)
        try:
            rc = p.wait(timeout=max_minutes * 60 if max_minutes else None)
        except subprocess.TimeoutExpired:
            p.terminate()
            rc = 0 if p.wait() and (d / "checkpoint").exists() else p.returncode
    if rc:
        raise RuntimeError(f"dp train{extra_args} failed, see {d / 'train.log'}")
    finish(d, steps, time.time() - t0)


def logged_seconds(log):
    """Wall time from the first to the last time-stamped line of DeePMD-kit's log."""
    from datetime import datetime
    stamps = [datetime.strptime(line[1:20], "%Y-%m-%d %H:%M:%S")
              for line in log.read_text().splitlines() if line.startswith("[20")]
    return (stamps[-1] - stamps[0]).total_seconds()


def finish(d, steps, train_s):
    """Freeze the latest checkpoint, compress, dp test; timing.json says how far training got.

    dp test of the uncompressed model reads the checkpoint through dp_fast.py (same weights as
    model.pth, the trimmed image extension: ~0.2 s a frame); the frozen TorchScript models build
    their neighbour lists over all 27 images (~2 s a frame), so the compressed one is tested on
    the held-out frames only."""
    t1 = time.time()
    sh("dp --pt freeze -c . -o model.pth", d, "freeze.log")
    systems = " ".join(f"data/train/{n}" for n in TRAIN)
    sh(f"python3 {HERE}/compress.py model.pth model-compressed.pth {systems}", d, "compress.log")
    t2 = time.time()
    fast = f"python3 {HERE}/dp_fast.py --pt test -m model.ckpt.pt"
    sh(f"{fast} -s data/test -d test-model -n {TEST_FRAMES}", d, "test-model.log")
    sh(f"{fast} -s data/train -d train-model -n {TEST_FRAMES // 2}", d, "train-model.log")
    sh(f"dp --pt test -m model-compressed.pth -s data/test -d test-model-compressed -n {TEST_FRAMES // 4}",
       d, "test-model-compressed.log")
    done = int((d / "checkpoint").read_text().split("-")[-1].split(".")[0])
    (d / "timing.json").write_text(json.dumps(
        {"train_s": train_s, "freeze_compress_s": t2 - t1, "test_s": time.time() - t2,
         "steps_planned": steps, "steps_done": done,
         "threads": os.environ.get("DP_INTRA_OP_PARALLELISM_THREADS")}, indent=1) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=12000)
    p.add_argument("--max-minutes", type=float, default=0,
                   help="stop training after this wall time and use the latest checkpoint (0: none)")
    p.add_argument("--probe", action="store_true", help="40 steps, print s/step, no caching")
    p.add_argument("--finish", metavar="DIR", type=Path,
                   help="freeze, compress and test a training directory whose training ended "
                        "(e.g. interrupted after its last checkpoint), and mark it done")
    p.add_argument("--dir-only", action="store_true",
                   help="print the finished stage's directory, train nothing (error if absent)")
    args = p.parse_args()
    os.environ.setdefault("DP_INTRA_OP_PARALLELISM_THREADS", "2")
    os.environ.setdefault("DP_INTER_OP_PARALLELISM_THREADS", "1")
    os.environ.setdefault("NUM_WORKERS", "0")  # no data-loader worker processes
    os.environ.setdefault("OMP_NUM_THREADS", os.environ["DP_INTRA_OP_PARALLELISM_THREADS"])
    if args.finish:
        finish(args.finish, args.steps, logged_seconds(args.finish / "train.log"))
        (args.finish / ".done").write_text("ok\n")
        return
    labels = {n: data.fragment(n) for n in TRAIN + TEST}
    if args.probe:
        d = Path(os.environ.get("TMPDIR", "/tmp")) / "dp-probe"
        subprocess.run(["rm", "-rf", str(d)])
        d.mkdir()
        prepare(d, 40, labels)
        t0 = time.time()
        sh(TRAIN_CMD, d, "train.log")
        print(f"40 steps in {time.time() - t0:.1f} s (incl. start-up); log {d / 'train.log'}")
        return
    key = digest(args.steps, args.max_minutes or None, sorted(str(v) for v in labels.values()),
                 *code_files("train.py", "compress.py", "dp_fast.py", "model/input.json"))
    if args.dir_only:
        out = stage_dir("train", key)
        if not (out / ".done").exists():
            sys.exit(f"no finished training for these inputs ({out}): run scripts/validate train")
        print(out)
        return
    out = cached("train", key, lambda d: train(d, args.steps, labels, args.max_minutes))
    print(out)


if __name__ == "__main__":
    main()
