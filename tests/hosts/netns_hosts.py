"""Test hosts on one machine, for MPI runs across hosts without a cluster.

Each host is a Linux network + UTS namespace: its own interfaces, address and host name. The
hosts' eth0 interfaces hang on one bridge, itself in a namespace of its own (the "switch"), so
Open MPI's TCP transport runs between them as between machines on one Ethernet segment.
Nothing is created in the machine's own network namespace: every interface lives in namespaces
that vanish with the processes holding them, so parallel runs cannot collide (each has its own
private 10.77.0.0/24) and a killed run leaves nothing configured behind.

Each host is held by an init process (a sleep) in its own PID namespace, the other hosts'
PID namespaces nested in the first's. It dies with this Python process (parent-death signal),
and the kernel then kills every process in the hosts: a test killed by ctest leaves no mpirun,
daemon or rank behind (a daemon on another host would otherwise wait for ever on a TCP
connection whose link had gone). Commands enter a host with `nsenter -t PID --pid --net --uts`,
which works inside scripts/env's chroot, where `ip netns exec` does not (its / is not a mount
point). Open MPI starts its remote daemons through tests/hosts/enter-host (PRRTE's
plm_ssh_agent), which does the same for the host named on its command line.

Needs root (CAP_SYS_ADMIN for the namespaces, CAP_NET_ADMIN for the links); without it,
HostNetwork raises HostsUnavailable with the reason.
"""
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SUBNET = "10.77.0"  # private to our namespaces: the same in every run, invisible to the machine
AGENT = Path(__file__).resolve().with_name("enter-host")
SLEEPER_LIFETIME_S = 4 * 3600  # an upper bound, should the parent-death signal ever be missed


class HostsUnavailable(Exception):
    """This machine does not let us build test hosts (not root, no namespaces, no veth)."""


@dataclass
class Host:
    name: str
    address: str
    sleeper: subprocess.Popen  # what we started (setpriv's exec); killing it ends the host
    chain: list                # its pids down to the host's init: the host itself, not a job
    net_ns: int = 0            # inode of its network namespace: finds every process inside

    @property
    def pid(self):
        """The host's init (a sleep), inside its namespaces: nsenter -t enters here."""
        return self.chain[-1]

    @classmethod
    def start(cls, name, address="", inside=None):
        sleeper, chain = _start_sleeper(name, inside)
        return cls(name, address, sleeper, chain, _net_ns(chain[-1]))


def _comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _net_ns(pid):
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def _start_sleeper(hostname, inside=None):
    """The init process (a sleep) of new PID, network and UTS namespaces with the given host
    name; returns (the outermost process we started, the pids from it down to the init) once
    the init runs.

    The first host's unshare has a parent-death signal (setpriv): when we die, even by
    SIGKILL, it dies and takes its init with it (--kill-child), and the kernel then kills
    every process in that PID namespace. The other hosts' PID namespaces are made inside the
    first host's (`inside`), so that end reaches them too, and so that mpirun, in the first
    host, may enter them (setns only enters PID namespaces below one's own)."""
    unshare = ["unshare", "--pid", "--fork", "--kill-child", "--net", "--uts", "--",
               "sh", "-c", f"hostname {hostname} && exec sleep {SLEEPER_LIFETIME_S}"]
    enter = ["nsenter", "-t", str(inside.pid), "--pid", "--"] if inside else []
    try:
        p = subprocess.Popen(["setpriv", "--pdeathsig", "KILL", *enter, *unshare],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError as e:
        raise HostsUnavailable(f"{e.filename} not found (util-linux)") from e
    deadline = time.time() + 10
    while len(chain := _descendants(p.pid)) < (3 if inside else 2) or _comm(chain[-1]) != "sleep":
        if p.poll() is not None:
            raise HostsUnavailable(f"cannot create namespaces (unshare --pid --net --uts): "
                                   f"{p.stderr.read().strip()}")
        if time.time() > deadline:
            p.kill()
            raise HostsUnavailable("unshare --pid --net --uts did not start within 10 s")
        time.sleep(0.02)
    return p, chain


def _descendants(pid):
    """pid, its first child, that one's first child, ... (a chain of single children)."""
    chain = [pid]
    while True:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return chain
        if not children:
            return chain
        pid = int(children[0])
        chain.append(pid)


class HostNetwork:
    """`count` hosts host1..hostN at 10.77.0.1..N/24 on one bridge, built by the constructor
    (raises HostsUnavailable if it cannot). Use it in a `with` block: leaving it kills every
    process inside the hosts, which removes the namespaces and links with them.

    rate: optional link speed for `tc ... tbf` on both ends of every host's link (e.g. "1gbit");
    this kernel has no netem, so only bandwidth can be shaped, not delay."""

    def __init__(self, count, workdir, rate=None):
        self.count, self.rate = count, rate
        self.dir = Path(workdir) / "hosts"  # HOST.pid files for enter-host
        self.tmp = self.dir / "tmp"         # TMPDIR of every process in the hosts
        self.hosts = []
        self.switch = None
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- building ---------------------------------------------------------------------------
    def _build(self):
        shutil.rmtree(self.tmp, ignore_errors=True)  # session folders of a killed run
        self.tmp.mkdir(parents=True)
        self.switch = Host.start("switch")
        self._ip(self.switch, "link", "add", "br0", "type", "bridge")
        self._ip(self.switch, "link", "set", "br0", "up")
        for i in range(1, self.count + 1):
            host = Host.start(f"host{i}", f"{SUBNET}.{i}", inside=self.hosts[0] if self.hosts else None)
            self.hosts.append(host)
            self._wire(host, f"port{i}")
            for key in (host.name, host.address):
                (self.dir / f"{key}.pid").write_text(f"{host.pid}\n")

    def _wire(self, host, port):
        """host's eth0 <-> the switch's `port` on br0, both up, the host's address on eth0."""
        self._ip(self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                 "netns", str(host.pid))
        self._ip(self.switch, "link", "set", port, "master", "br0", "up")
        self._ip(host, "addr", "add", f"{host.address}/24", "dev", "eth0")
        self._ip(host, "link", "set", "eth0", "up")
        self._ip(host, "link", "set", "lo", "up")
        if self.rate:
            # Both directions: the host's eth0 sends, the switch's port sends to the host.
            for end, dev in ((host, "eth0"), (self.switch, port)):
                self._inside(end, ["tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", self.rate,
                                   "burst", "256kb", "latency", "100ms"])

    def _ip(self, host, *args):
        self._inside(host, ["ip", *args])

    def _inside(self, host, cmd):
        try:
            p = subprocess.run(self.command(host, cmd), capture_output=True, text=True)
        except FileNotFoundError as e:
            raise HostsUnavailable(f"{e.filename} not found (util-linux)") from e
        if p.returncode != 0:
            raise HostsUnavailable(f"in {host.name}'s namespace, `{' '.join(cmd)}` failed: "
                                   f"{(p.stderr or p.stdout).strip()}")

    # --- using ------------------------------------------------------------------------------
    @staticmethod
    def command(host, cmd):
        """cmd as run inside host (its processes, network and host name)."""
        return ["nsenter", "-t", str(host.pid), "--pid", "--net", "--uts", "--", *map(str, cmd)]

    def mpirun_command(self, mpiexec, ranks_per_host, program):
        """mpirun of program over every host, ranks_per_host ranks on each, in order (ranks
        0..k-1 on host1, ...): daemons started through enter-host, messages over TCP on the
        hosts' subnet only (ob1 + tcp, no shared memory, no UCX)."""
        subnet = f"{SUBNET}.0/24"
        # --map-by ppr:K:node: `slot` put 1 rank on host1 and 3 on host2 (Open MPI 5.0.7).
        return [mpiexec, "--host", ",".join(f"{h.address}:{ranks_per_host}" for h in self.hosts),
                "-np", str(ranks_per_host * len(self.hosts)), "--map-by", f"ppr:{ranks_per_host}:node",
                "--prtemca", "plm_ssh_agent", str(AGENT), "--prtemca", "plm_ssh_no_tree_spawn", "1",
                "--prtemca", "oob_tcp_if_include", subnet,
                "--mca", "pml", "ob1", "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", subnet,
                *map(str, program)]

    def mpirun_env(self):
        """Environment for mpirun: where enter-host finds the hosts; a TMPDIR of this network's
        own, because PRRTE names its session directory by host name and pid, and pids in our
        PID namespaces are the same small numbers in every run; scripts/env's
        OMPI_MCA_btl=self,sm replaced (the command line says the same, this makes sure)."""
        return {"DGMX_HOSTS_DIR": str(self.dir), "TMPDIR": str(self.tmp), "OMPI_MCA_btl": "tcp,self"}

    def run(self, host, cmd, cwd, timeout, env=None):
        """Runs cmd inside host; returns (returncode, combined output, seconds). On timeout the
        command and everything it started in the hosts is killed and returncode is None. (If
        we are killed instead, the hosts' PID namespaces end it all.)"""
        t0 = time.time()
        p = subprocess.Popen(self.command(host, cmd), cwd=cwd, env=dict(os.environ, **(env or {})),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        try:
            out, _ = p.communicate(timeout=timeout)
            return p.returncode, out, time.time() - t0
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            self.kill_jobs()
            out, _ = p.communicate()
            return None, out + f"\n[killed after {timeout} s: hang guard]\n", time.time() - t0

    # --- cleaning up ------------------------------------------------------------------------
    def _processes_inside(self):
        """Every process in one of our namespaces (sleepers included); all of them ours."""
        ours = {h.net_ns for h in [*self.hosts, self.switch] if h is not None and h.net_ns}
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _net_ns(entry.name) in ours:
                pids.append(int(entry.name))
        return pids

    def kill_jobs(self, grace_s=10):
        """Kills whatever runs in the hosts except the sleepers (mpirun, daemons, ranks)."""
        sleepers = {pid for h in [*self.hosts, self.switch] if h is not None for pid in h.chain}
        deadline = time.time() + grace_s
        while left := [p for p in self._processes_inside() if p not in sleepers]:
            if time.time() > deadline:
                raise RuntimeError(f"processes {left} in the test hosts survived SIGKILL for {grace_s} s")
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)

    def close(self):
        """Kills every process in the hosts, then the sleepers: the namespaces, the links and
        the bridge go with the last process inside them."""
        try:
            self.kill_jobs()
        finally:
            for h in [*self.hosts, self.switch]:
                if h is not None and h.sleeper.poll() is None:
                    h.sleeper.kill()
                    h.sleeper.wait()
        for pidfile in self.dir.glob("*.pid"):
            pidfile.unlink()
