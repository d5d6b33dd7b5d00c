"""gmx_mpi with the plugin across two hosts (issue 11): two test hosts on this machine (network
namespaces joined by a bridge, tests/hosts/netns_hosts.py), 2 ranks on each, Open MPI over TCP
between them (ob1 + tcp, no shared memory). Checks:
  1. forces: the .trr forces of every frame equal those of the same job on one host (same .tpr,
     model, 4 ranks, GROMACS's decomposition -dd 2 2 1 -reprod, ours frozen: no re-balancing by
     measured time), bitwise, for both force reductions (allreduce, sparse). Only the transport
     differs, and moving bytes over TCP instead of shared memory must not change one bit;
     MPI's sums are ordered by rank, not by where ranks run (checked, not assumed: a
     hierarchical collective that summed per host first would show up here);
  2. placement: the plugin's log says which host each rank runs on and its node-local rank
     and GPU index: the second host's first rank (rank 2) is node-local rank 0 of 2 there,
     while on one host the same ranks are node-local 0..3 of 4.
Usage: two_hosts.py WORKDIR. Exit code 77 (ctest: skipped) where test hosts cannot be built
(not root, no network namespaces or veth links), with the reason."""
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gromacs"))
import harness as h  # noqa: E402
import netns_hosts  # noqa: E402

work = Path(sys.argv[1]).resolve()
MODEL = h.MODELS / "se_e2_a-tiny.pth"
RANKS_PER_HOST = 2
GMX_DD = ["-dd", "2", "2", "1", "-npme", "0", "-reprod"]
HANG_GUARD_S = 300  # per mdrun; one takes 10-30 s on our busy 2-core machine
PLACEMENT = re.compile(r"rank (\d+) on (\S+): node-local rank (\d+) of (\d+), GPU index (\d+)")


def prepare():
    h.build_system("water", work, "1.5")
    tpr = "x.tpr"
    h.grompp(work, h.set_mdp(work, "x", nsteps=20, nstfout=5, nstxout=0, nstvout=0), tpr)
    return tpr


def write_config(name, reduction):
    # No re-balancing by measured time: the partition, and so every sum, is the same in both runs.
    return h.write_config(work, f"{name}.dat", MODEL, omp_threads=1, reduction=reduction,
                          rebalance_interval=0, imbalance_threshold=1e6, energy_interval=0,
                          log_file=f"{name}-deepmd.log")


def mdrun_one_host(tpr, name, reduction):
    h.mdrun(work, tpr, name, 2 * RANKS_PER_HOST, write_config(name, reduction), extra=GMX_DD,
            timeout=HANG_GUARD_S)


def mdrun_two_hosts(net, tpr, name, reduction):
    """mpirun in host1, ranks on host1 and host2; fails with the output's tail (or the hang)."""
    config = write_config(name, reduction)
    cmd = net.mpirun_command(h.MPIEXEC, RANKS_PER_HOST, ["gmx_mpi", "-quiet", "mdrun", "-s", tpr, "-deffnm",
                                                         name, "-ntomp", "1", "-plumed", config, *GMX_DD])
    env = dict(net.mpirun_env(), PLUMED_KERNEL=h.plugin_path())
    rc, out, seconds = net.run(net.hosts[0], cmd, cwd=work, timeout=HANG_GUARD_S, env=env)
    (work / f"{name}.out").write_text(out)
    h.log(f"  mdrun {name}: 2 hosts x {RANKS_PER_HOST} ranks over TCP -> rc {rc}, {seconds:.1f} s")
    if rc != 0:
        sys.exit(f"FAILED: mdrun across hosts ({'hung' if rc is None else f'rc {rc}'}):\n{out[-4000:]}")


def same_forces(name_a, name_b):
    """Every frame's forces bitwise equal; the largest difference is printed either way."""
    a, b = h.frames(work, f"{name_a}.trr"), h.frames(work, f"{name_b}.trr")
    steps = [f["step"] for f in a]
    ok = steps == [f["step"] for f in b] == [0, 5, 10, 15, 20]
    for fa, fb in zip(a, b):
        diff = np.abs(fa["f"] - fb["f"]).max()
        same = np.array_equal(fa["f"], fb["f"])
        ok &= same
        h.log(f"  step {fa['step']}: forces {name_b} vs {name_a}: max |diff| {diff:.3e} "
              f"(max |f| {np.abs(fa['f']).max():.3e}) {'bitwise equal' if same else 'DIFFERENT'}")
    return ok


def placement(name):
    """(rank, host, node-local rank, ranks on the node, GPU index) from the plugin's log."""
    rows = [tuple(int(v) if v.isdigit() else v for v in m.groups())
            for m in PLACEMENT.finditer((work / f"{name}-deepmd.log").read_text())]
    for row in rows:
        h.log(f"  {name}: rank {row[0]} on {row[1]}: node-local rank {row[2]} of {row[3]}, GPU index {row[4]}")
    return rows


def placement_per_host(name, one_host_name):
    """Across hosts node-local ranks start again on each host; on one host they run 0..3."""
    want = [(0, "host1", 0, 2, 0), (1, "host1", 1, 2, 1), (2, "host2", 0, 2, 0), (3, "host2", 1, 2, 1)]
    across, single = placement(name), placement(one_host_name)
    ok = across == want
    ok &= [row[2:] for row in single] == [(r, 4, r) for r in range(4)] and len({row[1] for row in single}) == 1
    h.log(f"  placement per host: {'ok' if ok else 'FAILED'}")
    return ok


def main():
    tpr = prepare()
    try:
        net = netns_hosts.HostNetwork(2, work)
    except netns_hosts.HostsUnavailable as e:
        print(f"SKIPPED: cannot build test hosts on this machine: {e}", flush=True)
        sys.exit(77)
    with net:
        ok = True
        for reduction in ("allreduce", "sparse"):
            mdrun_one_host(tpr, f"one-{reduction}", reduction)
            mdrun_two_hosts(net, tpr, f"hosts-{reduction}", reduction)
            ok &= same_forces(f"one-{reduction}", f"hosts-{reduction}")
        ok &= placement_per_host("hosts-allreduce", "one-allreduce")
    h.log("hosts.two_hosts: " + ("passed" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
