"""The two force reductions (plugin key `reduction`: allreduce, sparse) over real TCP between
test hosts: a benchmark, not a test (nothing is asserted; numbers depend on the machine).

For each link rate and host count it builds the hosts (netns_hosts.py), runs dd_bench (our
decomposition with a trivial backend, so a step is the decomposition's own cost) with one rank
per host, so every message crosses a link, and for comparison the same ranks on one host over
shared memory. dd_bench reports per step the slowest rank's reduction time (its wait for the
slowest rank included) and its whole step, for 3,000, 15,000 and 60,000 atoms; each figure here
is the median of the repetitions. This kernel has no netem, so links can be slowed in bandwidth
(tc tbf) but not given a delay.

Usage (inside scripts/env, as root; dd_bench from build/bin):
  python3 tests/hosts/bench_reductions.py OUTDIR [--hosts 2 3 4] [--rates unlimited 1gbit]
      [--repetitions 5]
Writes OUTDIR/reductions.json (machine, command, every median) and prints a Markdown table."""
import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gromacs"))
import harness as h  # noqa: E402
import netns_hosts  # noqa: E402

HANG_GUARD_S = 600  # per dd_bench run; one takes 10-60 s on our busy 2-core machine


def dd_bench_command(outfile, repetitions):
    """dd_bench under mpirun; only rank 0 writes the JSON file (all ranks would write it)."""
    args = f"--benchmark_repetitions={repetitions} --benchmark_report_aggregates_only=true"
    bench = shutil.which("dd_bench") or sys.exit("dd_bench not found on PATH (scripts/build, build/bin)")
    return ["sh", "-c", f'if [ "$OMPI_COMM_WORLD_RANK" = 0 ]; then exec {bench} {args} '
                        f'--benchmark_out={outfile} --benchmark_out_format=json; else exec {bench} {args}; fi']


def medians(outfile):
    """{(atoms, reduction): {reduction_ms, step_ms}} from dd_bench's JSON: the medians, or with
    one repetition (Google Benchmark then reports no aggregates) the single run."""
    rows = {}
    benchmarks = json.loads(Path(outfile).read_text())["benchmarks"]
    wanted = "median" if any(b.get("aggregate_name") == "median" for b in benchmarks) else None
    for b in benchmarks:
        if b.get("aggregate_name") != wanted:
            continue
        key = (int(b["atoms"]), "sparse" if b["label"] == "SparseExchange" else "allreduce")
        rows[key] = {"reduction_ms": b["real_time"] / 1e3, "step_ms": b["total_ms"]}
    return rows


def run_across_hosts(work, count, rate, repetitions):
    outfile = work / f"hosts{count}-{rate}.json"
    with netns_hosts.HostNetwork(count, work / f"net{count}-{rate}",
                                 rate=None if rate == "unlimited" else rate) as net:
        cmd = net.mpirun_command(h.MPIEXEC, 1, dd_bench_command(outfile, repetitions))
        rc, out, seconds = net.run(net.hosts[0], cmd, cwd=work, timeout=HANG_GUARD_S, env=net.mpirun_env())
    report(rc, out, f"{count} hosts x 1 rank, link {rate}", seconds)
    return medians(outfile)


def run_one_host(work, ranks, repetitions):
    outfile = work / f"onehost{ranks}.json"
    _, out = h.run([h.MPIEXEC, "-np", ranks, "--oversubscribe", *dd_bench_command(outfile, repetitions)],
                   cwd=work, timeout=HANG_GUARD_S)
    report(0, out, f"1 host x {ranks} ranks, shared memory", 0)
    return medians(outfile)


def report(rc, out, what, seconds):
    if rc != 0:
        sys.exit(f"FAILED: dd_bench, {what}: {'hung' if rc is None else f'rc {rc}'}\n{out[-3000:]}")
    h.log(f"  {what}: done{f' in {seconds:.0f} s' if seconds else ''}")


def table(results):
    lines = ["| setting | atoms | allreduce reduction / step (ms) | sparse reduction / step (ms) | faster |",
             "|---|---|---|---|---|"]
    for setting, rows in results.items():
        for atoms in sorted({a for a, _ in rows}):
            a, s = rows[(atoms, "allreduce")], rows[(atoms, "sparse")]
            faster = "sparse" if s["reduction_ms"] < a["reduction_ms"] else "allreduce"
            lines.append(f"| {setting} | {atoms} | {a['reduction_ms']:.3f} / {a['step_ms']:.3f} | "
                         f"{s['reduction_ms']:.3f} / {s['step_ms']:.3f} | {faster} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--hosts", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--rates", nargs="+", default=["unlimited", "1gbit"])
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    work = args.outdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    machine = {"host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release(),
               "load_before": os.getloadavg(), "command": " ".join(sys.argv), "date": time.ctime()}
    results = {}
    for count in args.hosts:
        results[f"1 host x {count} ranks (shared memory)"] = run_one_host(work, count, args.repetitions)
    for rate in args.rates:
        for count in args.hosts:
            results[f"{count} hosts x 1 rank, TCP, link {rate}"] = run_across_hosts(work, count, rate,
                                                                                 args.repetitions)
    machine["load_after"] = os.getloadavg()
    Path(work, "reductions.json").write_text(json.dumps(
        {"machine": machine, "results": {k: {f"{a} {r}": v for (a, r), v in rows.items()}
                                         for k, rows in results.items()}}, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
