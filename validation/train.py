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
from common import HERE, TEST, TRAIN, cached, code_files, digest  # noqa: E402
import data  # noqa: E402


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


def train(d, steps, labels):
    prepare(d, steps, labels)
    t0 = time.time()
    sh("dp --pt train input.json --skip-neighbor-stat", d, "train.log")
    t1 = time.time()
    sh("dp --pt freeze -o model.pth", d, "freeze.log")
    systems = " ".join(f"data/train/{n}" for n in TRAIN)
    sh(f"python3 {HERE}/compress.py model.pth model-compressed.pth {systems}", d, "compress.log")
    t2 = time.time()
    for m in ("model.pth", "model-compressed.pth"):
        tag = m.removesuffix(".pth")
        sh(f"dp --pt test -m {m} -s data/test -d test-{tag} -n 100000", d, f"test-{tag}.log")
        sh(f"dp --pt test -m {m} -s data/train -d train-{tag} -n 30", d, f"train-{tag}.log")
    (d / "timing.json").write_text(json.dumps(
        {"train_s": t1 - t0, "freeze_compress_s": t2 - t1, "steps": steps,
         "threads": os.environ.get("DP_INTRA_OP_PARALLELISM_THREADS")}, indent=1) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=12000)
    p.add_argument("--probe", action="store_true", help="40 steps, print s/step, no caching")
    args = p.parse_args()
    os.environ.setdefault("DP_INTRA_OP_PARALLELISM_THREADS", "2")
    os.environ.setdefault("DP_INTER_OP_PARALLELISM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", os.environ["DP_INTRA_OP_PARALLELISM_THREADS"])
    labels = {n: data.fragment(n) for n in TRAIN + TEST}
    if args.probe:
        d = Path(os.environ.get("TMPDIR", "/tmp")) / "dp-probe"
        subprocess.run(["rm", "-rf", str(d)])
        d.mkdir()
        prepare(d, 40, labels)
        t0 = time.time()
        sh("dp --pt train input.json --skip-neighbor-stat", d, "train.log")
        print(f"40 steps in {time.time() - t0:.1f} s (incl. start-up); log {d / 'train.log'}")
        return
    key = digest(args.steps, sorted(str(v) for v in labels.values()),
                 *code_files("train.py", "compress.py", "model/input.json"))
    out = cached("train", key, lambda d: train(d, args.steps, labels))
    print(out)


if __name__ == "__main__":
    main()
