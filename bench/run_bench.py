#!/usr/bin/env python3
"""scripts/bench: every benchmark stage, cached, then the throughput model and the plots.

Stages (each writes one JSON into the stage directory, default build/bench-stages; a stage
whose command is unchanged is not run again unless named in --force, or --force all):
  systems       the solvated protein (bench/systems/protein.sh) and water boxes (gmx solvate)
  inference_*   DeePMD-kit time vs owned and vs ghost atoms (bench/inference_scan), two models
  partition_*   owned/ghost counts per rank from the real partitioner (bench/partition_counts):
                the protein at P = 1..64, the weak series (1,000 atoms per rank), 100k water
  collectives   coordinate gather and force reduction up to 10^6 atoms at 2 ranks
  dd_bench      the decomposition's own step cost at 2 ranks (bench/dd_bench.cpp)
  peer          gmx_mpi + our plugin vs LAMMPS + DeePMD-kit, 1 and 2 ranks (bench/peer/peer.py)
  malloc        allocator variants inside gmx_mpi, 1 rank (bench/peer/peer.py --no-lammps)
  model         bench/model/throughput.py: calibrations, projections, PNG plots
Results: bench/results/{bench.json,meta.json,*.png} and bench/results/stages/*.json.

  scripts/bench [--force STAGE ...] [--only STAGE ...] [--peer-steps 20] [--malloc-steps 3]
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("DEEPMD_GROMACS_BUILD", REPO / "build")) / "bin"
MODELS = Path(os.environ.get("DEEPMD_GROMACS_MODELS", Path.home() / ".cache/deepmd-gromacs/models"))
ONE_THREAD = {"OMP_NUM_THREADS": "1", "DP_INTRA_OP_PARALLELISM_THREADS": "1", "DP_INTER_OP_PARALLELISM_THREADS": "1",
              "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
WEAK_RANKS = [1, 2, 4, 8, 16, 32, 64]
ATOMS_PER_RANK = 1000


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True, text=True, capture_output=True, **kw).stdout


class Stages:
    def __init__(self, root: Path, force, only):
        self.root, self.force, self.only, self.log = root, set(force), set(only), []
        root.mkdir(parents=True, exist_ok=True)

    def run(self, name, cmd, env=None):
        """Runs cmd (a list; it writes root/name.json) unless cached with the same command."""
        out, key = self.root / f"{name}.json", self.root / f"{name}.cmd"
        text = shlex.join(cmd)
        selected = not self.only or name in self.only or name.split("_")[0] in self.only
        cached = out.exists() and key.exists() and key.read_text() == text
        forced = "all" in self.force or name in self.force or name.split("_")[0] in self.force
        if not selected:
            if out.exists():
                self.log.append({"stage": name, "cached": True,
                                 "command": key.read_text() if key.exists() else "unknown"})
            return json.loads(out.read_text()) if out.exists() else None
        if cached and not forced:
            self.log.append({"stage": name, "cached": True, "command": text})
            return json.loads(out.read_text())
        t0 = time.time()
        print(f"== {name}: {text}", file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, env={**os.environ, **(env or {})})
        key.write_text(text)
        self.log.append({"stage": name, "cached": False, "seconds": round(time.time() - t0, 1), "command": text})
        return json.loads(out.read_text())


def build_systems(root: Path):
    """Protein and water boxes; returns {name: conf.gro}. Rebuilt only when missing."""
    systems = {}
    prot = root / "protein"
    if not (prot / "conf.gro").exists():
        subprocess.run([str(REPO / "bench/systems/protein.sh"), str(prot)], check=True)
    systems["protein"] = prot / "conf.gro"
    for n in sorted({ATOMS_PER_RANK * p for p in WEAK_RANKS} | {100000}):
        d = root / f"water_{n}"
        if not (d / "conf.gro").exists():
            d.mkdir(parents=True, exist_ok=True)
            side = (n / 100.0) ** (1.0 / 3.0)  # spc216 water: 100 atoms/nm^3
            sh(["gmx", "-quiet", "solvate", "-cs", "spc216", "-box", *[f"{side:.4f}"] * 3, "-o", str(d / "conf.gro")])
        systems[f"water_{n}"] = d / "conf.gro"
    return systems


def meta(argv):
    def first_line(cmd):
        try:
            return sh(cmd).strip().splitlines()[0]
        except Exception as e:  # a version that cannot be read is recorded as such
            return f"unavailable ({e.__class__.__name__})"
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "command": "scripts/bench " + shlex.join(argv),
            "machine": {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
                        "load_average_at_start": os.getloadavg(),
                        "note": "shared development machine; other jobs ran during the measurements"},
            "versions": {"gromacs": first_line("gmx --version 2>&1 | grep 'GROMACS version'"),
                         "deepmd_kit": first_line("python3 -c 'import deepmd; print(deepmd.__version__)'"),
                         "torch": first_line("python3 -c 'import torch; print(torch.__version__)'"),
                         "mpi": first_line("mpirun --version 2>&1"),
                         "commit": first_line(f"git -c safe.directory='*' -C {REPO} rev-parse HEAD 2>/dev/null || echo none")}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stages", type=Path, default=BIN.parent / "bench-stages")
    ap.add_argument("--results", type=Path, default=REPO / "bench/results")
    ap.add_argument("--force", nargs="*", default=[])
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--peer-steps", type=int, default=20)
    ap.add_argument("--malloc-steps", type=int, default=3)
    ap.add_argument("--peer-venv", default=None)
    a = ap.parse_args()
    info = meta(sys.argv[1:])
    st = Stages(a.stages, a.force, a.only)
    systems = build_systems(a.stages / "systems")  # built once, then reused
    dpa1 = str(MODELS / "dpa1-small.pth")

    scan = st.run("inference_dpa1-small", [str(BIN / "inference_scan"), "--model", dpa1, "--owned", "27", "64", "125",
                                           "216", "--ghost-owned", "64", "--shells", "0.7", "1.0", "1.4", "--repeats",
                                           "2", "-o", str(a.stages / "inference_dpa1-small.json")], ONE_THREAD)
    st.run("inference_se_e2_a-small", [str(BIN / "inference_scan"), "--model", str(MODELS / "se_e2_a-small.pth"),
                                       "--owned", "64", "216", "512", "--ghost-owned", "125", "--shells", "0.7", "1.4",
                                       "--repeats", "2", "-o", str(a.stages / "inference_se_e2_a-small.json")], ONE_THREAD)
    # rcb balances on owned + w * ghosts, w the measured ghost/owned cost ratio (CPU time).
    cost = lambda p: p.get("cpu_seconds", p["seconds"])  # noqa: E731
    ghost = [p for p in scan["points"] if p["scan"] == "ghosts"]
    owned = [p for p in scan["points"] if p["scan"] == "owned"]
    w = max(0.0, (cost(ghost[-1]) - cost(ghost[0])) / max(1, ghost[-1]["ghosts"] - ghost[0]["ghosts"]))
    a_cost = max(1e-9, (cost(owned[-1]) - cost(owned[0])) / max(1, owned[-1]["owned"] - owned[0]["owned"]))
    weight = f"{min(1.0, w / a_cost):.3f}"
    counts = [str(BIN / "partition_counts"), "--cutoff", "0.6", "--ghost-weight", weight]
    st.run("partition_protein", counts + ["--structure", str(systems["protein"]), "--ranks", *map(str, WEAK_RANKS),
                                          "-o", str(a.stages / "partition_protein.json")])
    st.run("partition_water100k", counts + ["--structure", str(systems["water_100000"]), "--ranks",
                                            *map(str, WEAK_RANKS), "-o", str(a.stages / "partition_water100k.json")])
    for p in WEAK_RANKS:
        n = ATOMS_PER_RANK * p
        st.run(f"partition_weak_{p:03d}", counts + ["--structure", str(systems[f"water_{n}"]), "--ranks", str(p),
                                                    "-o", str(a.stages / f"partition_weak_{p:03d}.json")])
    st.run("collectives", ["mpirun", "-np", "2", str(BIN / "collective_cost"), "-o",
                           str(a.stages / "collectives.json")], ONE_THREAD)
    if (BIN / "dd_bench").exists():
        st.run("dd_bench", ["mpirun", "-np", "2", str(BIN / "dd_bench"), "--benchmark_format=console",
                            f"--benchmark_out={a.stages / 'dd_bench.json'}", "--benchmark_out_format=json"], ONE_THREAD)
    peer = [sys.executable, str(REPO / "bench/peer/peer.py"), "run", "--model", dpa1]
    if a.peer_venv:
        peer += ["--venv", a.peer_venv]
    # GROMACS as shipped ("default") and with libtorch's own BLAS first ("torch-blas": see
    # docs/performance.md), each interleaved with LAMMPS.
    st.run("peer", peer + ["--work", str(a.stages / "peer-work"), "--ranks", "1", "2", "--steps", str(a.peer_steps),
                           "--warmup", "2", "--variants", "default", "torch-blas", "-o", str(a.stages / "peer.json")])
    st.run("malloc", peer + ["--work", str(a.stages / "malloc-work"), "--ranks", "1", "--steps", str(a.malloc_steps),
                             "--warmup", "1", "--no-lammps", "--variants", "no-tuning", "default", "default+hugetlb",
                             "glibc-hugetlb", "tcmalloc", "glibc-no-mmap", "-o", str(a.stages / "malloc.json")])

    info["machine"]["load_average_at_end"] = os.getloadavg()
    info["stages"] = st.log
    a.results.mkdir(parents=True, exist_ok=True)
    (a.results / "meta.json").write_text(json.dumps(info, indent=1) + "\n")
    subprocess.run([sys.executable, str(REPO / "bench/model/throughput.py"), "--stages", str(a.stages), "--out",
                    str(a.results), "--meta", str(a.results / "meta.json")], check=True)
    (a.results / "stages").mkdir(exist_ok=True)
    for f in a.stages.glob("*.json"):
        shutil.copy(f, a.results / "stages" / f.name)
    print(f"results: {a.results}/{{bench.json,meta.json,scaling.png,phases.png,gather_limit.png}}", file=sys.stderr)


if __name__ == "__main__":
    main()
