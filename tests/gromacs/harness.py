"""Shared pieces of the plugin tests: building the example systems, writing the plugin
configuration, running gmx_mpi with the plugin, and comparing forces. Every expectation comes
from outside the plugin: `deepmd-gromacs eval` (our decomposition outside GROMACS, itself tested
against DeePMD-kit's Python), DeePMD-kit's Python directly, GROMACS's own output, or finite
differences."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import gmxio

REPO = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("DEEPMD_GROMACS_MODELS", Path.home() / ".cache/deepmd-gromacs/models"))
GMX = shutil.which("gmx") or "gmx"
MPIEXEC = os.environ.get("MPIEXEC", "mpirun")


def log(*args):
    print(*args, flush=True)


def run(cmd, cwd, logfile=None, check=True, timeout=600, env=None):
    """Runs cmd; returns (returncode, combined output). Fails with the output's tail."""
    t0 = time.time()
    full_env = dict(os.environ, **(env or {}))
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, env=full_env)
    out = p.stdout + p.stderr
    if logfile:
        Path(cwd, logfile).write_text(out)
    if check and p.returncode != 0:
        sys.exit(f"FAILED ({p.returncode}) after {time.time() - t0:.1f} s: {' '.join(map(str, cmd))}\n"
                 + out[-4000:])
    return p.returncode, out


def plugin_path():
    return run(["deepmd-gromacs", "plugin-path"], cwd=REPO)[1].strip()


def build_system(kind, workdir, *args):
    """examples/systems/<kind>.sh into workdir (water: all-NN; peptide: NN peptide in water)."""
    workdir = Path(workdir)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    run(["bash", REPO / "examples/systems" / f"{kind}.sh", workdir, *args], cwd=workdir, logfile="build.log")
    run(["deepmd-gromacs", "types", "-s", "nn.tpr", "-o", "types.dat"], cwd=workdir, logfile="types.log")
    return workdir


def set_mdp(workdir, name, **settings):
    """Writes name.mdp: the system's md.mdp with settings replaced or added."""
    lines = Path(workdir, "md.mdp").read_text().splitlines()
    keys = {k.replace("_", "-"): v for k, v in settings.items()}
    out = []
    for line in lines:
        key = line.split("=")[0].strip().replace("_", "-") if "=" in line and not line.startswith(";") else None
        if key in keys:
            continue
        out.append(line)
    out += [f"{k:<24}= {v}" for k, v in keys.items()]
    Path(workdir, f"{name}.mdp").write_text("\n".join(out) + "\n")
    return f"{name}.mdp"


def grompp(workdir, mdp, tpr, conf="conf.gro", gmx=GMX, extra=()):
    run([gmx, "-quiet", "grompp", "-f", mdp, "-c", conf, "-p", "nn.top", "-o", tpr, "-po",
         f"{tpr}.mdout.mdp", "-maxwarn", "5", *extra], cwd=workdir, logfile=f"{tpr}.grompp.log")


def write_config(workdir, name, model, types="types.dat", **keys):
    """The plugin configuration (the -plumed file)."""
    text = f"model = {model}\ntypes = {types}\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())
    Path(workdir, name).write_text(text)
    return name


def mdrun(workdir, tpr, deffnm, np_=1, config=None, gmx_mpi="gmx_mpi", extra=(), check=True,
          timeout=600, env=None):
    """mpirun -np N gmx_mpi mdrun with the plugin (config given) or without; returns (rc, output)."""
    cmd = [MPIEXEC, "-np", np_, "--oversubscribe", gmx_mpi, "-quiet", "mdrun", "-s", tpr, "-deffnm", deffnm,
           "-ntomp", "1", *extra]
    run_env = dict(env or {})
    if config:
        cmd += ["-plumed", config]
        run_env["PLUMED_KERNEL"] = plugin_path()
    t0 = time.time()
    rc, out = run(cmd, cwd=workdir, logfile=f"{deffnm}.out", check=check, timeout=timeout, env=run_env)
    log(f"  mdrun {deffnm}: {np_} rank(s) {' '.join(map(str, extra))} -> rc {rc}, {time.time() - t0:.1f} s")
    return rc, out


def eval_forces(workdir, model, structure="conf.gro", np_=1, extra=()):
    """`deepmd-gromacs eval`: energy, forces (N x 3, .gro order) and virial of a structure."""
    out = Path(workdir, "eval.json")
    run([MPIEXEC, "-np", np_, "--oversubscribe", "deepmd-gromacs", "eval", "--model", model,
         "--structure", structure, "--output", out, *extra], cwd=workdir, logfile="eval.log")
    d = json.loads(out.read_text())
    return d["energy"], np.array(d["forces"]), np.array(d["virial"])


def compare(name, got, want, rtol, atol=0.0):
    """Max deviation relative to the largest reference value; fails above rtol."""
    scale = max(np.abs(want).max(), 1e-30)
    dev = np.abs(np.asarray(got) - np.asarray(want)).max()
    ok = dev <= rtol * scale + atol
    log(f"  {name}: max |diff| {dev:.3e} of max |ref| {scale:.3e} (relative {dev / scale:.2e}, "
        f"tolerance {rtol:.0e}) {'ok' if ok else 'FAILED'}")
    return ok


def frames(workdir, trr, gmx=GMX):
    """Frames of a .trr at full precision, the reader checked against `gmx dump` first."""
    gmxio.check_trr_reader(gmx, Path(workdir, trr))
    return gmxio.read_trr_exact(Path(workdir, trr))
