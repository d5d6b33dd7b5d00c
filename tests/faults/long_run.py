"""A long gmx_mpi run through the plugin with each rank's resident memory (VmRSS) and open file
descriptors sampled from /proc: neither may grow once the run has settled. The configuration
re-balances our decomposition every step and uses a tiny skin, so the neighbour list and the
ghost shell are rebuilt almost every step too (the summary counts both).
Usage: WORKDIR [STEPS (10000)] [MODEL (reference)] [RANKS (2)]
Writes WORKDIR/samples.json and prints a table; exit 1 on growth. Not a ctest (minutes to
hours); the figures are in docs/reliability.md."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gromacs"))
import harness as h  # noqa: E402

work = Path(sys.argv[1]).resolve()
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
model = sys.argv[3] if len(sys.argv) > 3 else "reference"
ranks = int(sys.argv[4]) if len(sys.argv) > 4 else 2
INTERVAL = 10.0  # s between samples
RSS_GROWTH_KB = 4096  # allowed growth of any rank from 20% of the run to the end (noise)

h.build_system("water", work, "1.2")
h.grompp(work, h.set_mdp(work, "long", nsteps=steps, nstxout_compressed=0, nstenergy=1000, nstlog=1000,
                         nstcalcenergy=100), "long.tpr")
h.write_config(work, "long.dat", model, energy_interval=100, rebalance_interval=1, skin=0.005,
               imbalance_threshold=0.0, omp_threads=1)


def ranks_running():
    pids = {}
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and (p / "comm").read_text().strip() == "gmx_mpi" \
                    and Path(os.readlink(p / "cwd")) == work:
                env = (p / "environ").read_bytes().split(b"\0")
                rank = next(int(e.split(b"=")[1]) for e in env if e.startswith(b"OMPI_COMM_WORLD_RANK="))
                pids[rank] = int(p.name)
        except (OSError, StopIteration):
            pass
    return pids


def sample(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


cmd = [h.MPIEXEC, "-np", str(ranks), "--oversubscribe", "gmx_mpi", "-quiet", "mdrun", "-s", "long.tpr",
       "-deffnm", "long", "-ntomp", "1", "-plumed", "long.dat"]
env = dict(os.environ, PLUMED_KERNEL=h.plugin_path())
t0 = time.time()
with open(work / "long.out", "w") as out:
    proc = subprocess.Popen(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, env=env)
samples = []
while proc.poll() is None:
    time.sleep(INTERVAL)
    lines = [ln for ln in (work / "deepmd-energy.xvg").read_text().splitlines()
             if ln and ln[0] not in "#@"] if (work / "deepmd-energy.xvg").exists() else []
    row = {"t": round(time.time() - t0, 1), "step": 100 * max(len(lines) - 1, 0), "ranks": {}}
    for rank, pid in sorted(ranks_running().items()):
        try:
            row["ranks"][rank] = sample(pid)
        except OSError:
            pass
    if row["ranks"]:
        samples.append(row)
        (work / "samples.json").write_text(json.dumps(samples, indent=1))  # so far, if stopped early
rc = proc.wait()
output = (work / "long.out").read_text(errors="replace")
summary = output[output.find("deepmd-gromacs summary"):].strip()
h.log(f"{steps} steps, {ranks} ranks, model {model}: rc {rc}, {time.time() - t0:.0f} s\n{summary}")
h.log("   t (s)    step  " + "  ".join(f"rank {r}: RSS (MB), fds" for r in range(ranks)))
shown = samples if len(samples) <= 12 else samples[::max(1, len(samples) // 10)] + samples[-1:]
for s in shown:
    h.log(f"{s['t']:8.1f} {s['step']:7d}  " + "  ".join(
        f"{s['ranks'][r][0] / 1024:10.1f} {s['ranks'][r][1]:6d}" for r in sorted(s["ranks"])))
ok = rc == 0 and len(samples) >= 3
if ok:
    settled = samples[len(samples) // 5]
    last = samples[-1]
    for r in settled["ranks"]:
        if r not in last["ranks"]:
            continue
        grew = last["ranks"][r][0] - settled["ranks"][r][0]
        fds = last["ranks"][r][1] - settled["ranks"][r][1]
        h.log(f"rank {r}: RSS {grew:+d} kB, fds {fds:+d} from t={settled['t']} s to t={last['t']} s")
        ok &= grew <= RSS_GROWTH_KB and fds <= 0
h.log("no growth: ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
