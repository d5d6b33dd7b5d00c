"""Bad input and failures stop the run on every rank, quickly, with one clear message that names
the problem and the fix, on stderr and in GROMACS's log (md.log): missing model, unknown key, bad
value, types file of another system, wrong masses, an element the model lacks, an unsupported
(message-passing) model, a missing index group, and a failure on one rank only (test hook).
Each case ends in 0.4-3 s after GROMACS's start-up on a quiet machine; the 300 s limit per run
is a hang guard (a rank left waiting in a collective), not a speed check.
Usage: WORKDIR"""
import shutil
import sys
import time
from pathlib import Path

import harness as h

work = Path(sys.argv[1])
model = h.MODELS / "se_e2_a-tiny.pth"
h.build_system("water", work, "1.5")
other = h.build_system("water", work / "other", "1.2")
shutil.copy(other / "types.dat", work / "types-other.dat")
h.grompp(work, h.set_mdp(work, "e", nsteps=5), "e.tpr")
types = Path(work, "types.dat").read_text().splitlines()
first = next(i for i, line in enumerate(types) if not line.startswith("#"))


def variant(name, replace):
    lines = list(types)
    lines[first] = replace
    Path(work, name).write_text("\n".join(lines) + "\n")


idx, el, z, mass = types[first].split()
variant("types-mass.dat", f"{idx} {el} {z} 1.008")           # atom 1: O with a hydrogen's mass
variant("types-element.dat", f"{idx} Xe 54 {mass}")          # atom 1: an element the model lacks
Path(work, "index.ndx").write_text("[ Water ]\n1 2 3\n")

cases = [
    # name, configuration lines, extra environment, expected words (whitespace-insensitive)
    ("missing-model", "model = /nonexistent/model.pth\ntypes = types.dat\n", {},
     "missing-model.dat:1: model = /nonexistent/model.pth: file not found"),
    ("unknown-key", f"model = {model}\ntypes = types.dat\nmodle = x\n", {},
     "missing-model.dat:3: unknown key 'modle'".replace("missing-model", "unknown-key")),
    ("bad-value", f"model = {model}\ntypes = types.dat\ndecomposition = cubes\n", {},
     "bad-value.dat:3: decomposition = cubes: expected one of: rcb, slab"),
    ("other-system", f"model = {model}\ntypes = types-other.dat\n", {},
     "but the run has"),
    ("wrong-mass", f"model = {model}\ntypes = types-mass.dat\n", {},
     f"atom 1 has mass {float(mass):g} in this run but 1.008 in types-mass.dat"),
    ("wrong-element", f"model = {model}\ntypes = types-element.dat\n", {},
     "NN atom 1 is element Xe"),
    ("message-passing", f"model = {h.MODELS / 'dpa2-small.pth'}\ntypes = types.dat\n", {},
     "message-passing models"),
    ("missing-group", f"model = {model}\ntypes = types.dat\nindex = index.ndx\ngroup = NN\n", {},
     "group = NN: no such group in index.ndx (it has: Water)"),
    ("one-rank-fails", f"model = {model}\ntypes = types.dat\n", {"DEEPMD_GROMACS_TEST_FAIL": "1:3"},
     "rank 1: at step 3: failure injected by DEEPMD_GROMACS_TEST_FAIL=1:3"),
]
ok = True
for name, text, env, expected in cases:
    Path(work, f"{name}.dat").write_text(text + "omp_threads = 1\n")
    t0 = time.time()
    rc, out = h.mdrun(work, "e.tpr", name, 2, f"{name}.dat", extra=["-dd", "2", "1", "1", "-npme", "0"],
                      check=False, timeout=300, env=env)
    elapsed = time.time() - t0
    flat = " ".join(out.split())
    in_log = expected in " ".join(Path(work, f"{name}.log").read_text(errors="replace").split())
    good = rc != 0 and expected in flat and in_log and flat.count(expected) == 1
    h.log(f"  {name}: rc {rc}, {elapsed:.1f} s, message on stderr {flat.count(expected)}x, in md.log: {in_log} "
          f"{'ok' if good else 'FAILED'}")
    if not good:
        h.log(out[-3000:])
    ok &= good

sys.exit(0 if ok else 1)
