"""Shared by the validation stages: the stage cache, running commands, and the fragment list.

Every stage writes into $DEEPMD_GROMACS_CACHE/validation/<stage>/<key>/ (outside the repository)
and marks it done with a stamp; the key hashes the stage's inputs (its code, the mdp files, its
parameters and the keys of the stages it reads), so a changed input reruns only what depends on it.
"""
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("DEEPMD_GROMACS_CACHE", Path.home() / ".cache/deepmd-gromacs")) / "validation"
TYPE_MAP = ["H", "C", "N", "O", "S", "Na", "Cl"]
TEMPERATURES = [300, 400, 500]          # K, sampling temperatures
SAMPLE_PS, DISCARD_PS = 6.0, 1.0        # per temperature: run length, equilibration discarded

# Capped amino acids ACE-X-NME and zwitterionic peptides (charged termini, as in the mini-protein).
# Held out for testing: whole fragments never seen in training.
TRAIN = [f"cap-{x}" for x in "ARNDCEGHILKFPSTWYV"] + ["pep-GYD", "pep-DPET", "pep-ETGT", "pep-TWG",
                                                      "water", "salt"]
TEST = ["cap-M", "cap-Q", "pep-KSF"]


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, Path):
            h.update(p.read_bytes())
        else:
            h.update(json.dumps(p, sort_keys=True).encode())
    return h.hexdigest()[:16]


def code_files(*names):
    return [HERE / n for n in names] + [HERE / "common.py"] + sorted((HERE / "mdp").glob("*.mdp"))


def stage_dir(stage, key):
    return CACHE / stage / key


def cached(stage, key, build):
    """Runs build(tmpdir) unless <stage>/<key> is already done; returns the directory."""
    out = stage_dir(stage, key)
    if (out / ".done").exists():
        return out
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    build(tmp)
    (tmp / ".done").write_text("ok\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def run(cmd, cwd, log, stdin=None):
    """Runs a command, its output to cwd/log; on failure raises with the log's tail."""
    with open(Path(cwd) / log, "w") as f:
        r = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, input=stdin,
                           text=True)
    if r.returncode != 0:
        tail = (Path(cwd) / log).read_text()[-3000:]
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed in {cwd} (see {log}):\n{tail}")


def mdp(*names, extra=""):
    return "".join((HERE / "mdp" / n).read_text() for n in names) + extra
