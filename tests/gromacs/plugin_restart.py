"""Checkpoint restart through the plugin: 20 steps in one run equal 10 steps, a checkpoint, and
`mdrun -cpi` continuing to 20 (2 ranks, GROMACS's and our decomposition on, -reprod). The
.trr frames (x, v, f) and the plugin's NN-energy .xvg of the continued run must equal the
uninterrupted run's; the continued .xvg has every step once. Usage: WORKDIR"""
import sys
from pathlib import Path

import numpy as np

import harness as h

work = Path(sys.argv[1])
model = h.MODELS / "se_e2_a-tiny.pth"
h.build_system("water", work, "1.8")
h.grompp(work, h.set_mdp(work, "r", nsteps=20, nstxout=5, nstvout=5, nstfout=5, nstcalcenergy=1, nstenergy=1),
         "r.tpr")
dd = ["-dd", "2", "1", "1", "-npme", "0", "-reprod"]
for name in ("straight", "split"):
    h.write_config(work, f"{name}.dat", model, omp_threads=1, energy_interval=1, energy_file=f"{name}-energy.xvg",
                   log_file=f"{name}-deepmd.log")
h.mdrun(work, "r.tpr", "straight", 2, "straight.dat", extra=dd)
h.mdrun(work, "r.tpr", "split", 2, "split.dat", extra=dd + ["-nsteps", "10"])
assert Path(work, "split.cpt").exists(), "no checkpoint written at the end of the first part"
h.mdrun(work, "r.tpr", "split", 2, "split.dat", extra=dd + ["-cpi", "split.cpt"])

ok = True
a, b = h.frames(work, "straight.trr"), h.frames(work, "split.trr")
ok &= [f["step"] for f in b] == [f["step"] for f in a] == [0, 5, 10, 15, 20]
for fa, fb in zip(a, b):
    for key in ("x", "v", "f"):
        ok &= h.compare(f"step {fa['step']} {key}: continued vs uninterrupted", fb[key], fa[key], 1e-6)
_, ea = h.gmxio.read_xvg(work / "straight-energy.xvg")
_, eb = h.gmxio.read_xvg(work / "split-energy.xvg")
ok &= len(ea) == len(eb) == 21 and len(set(eb[:, 0])) == 21
h.log(f"NN energy lines: uninterrupted {len(ea)}, continued {len(eb)} ({len(set(eb[:, 0]))} distinct times)")
if ok:
    ok &= h.compare("NN energies, continued vs uninterrupted", eb[:, 1], ea[:, 1], 1e-9)
ok &= "continuing from a checkpoint" in Path(work, "split-deepmd.log").read_text()
sys.exit(0 if ok else 1)
