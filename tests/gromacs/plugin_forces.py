"""gmx_mpi with the plugin on an all-NN water box: the forces GROMACS writes to the .trr equal
`deepmd-gromacs eval` on the same frame, and they are the same whatever the rank count, with
GROMACS's decomposition on or off and ours at 1-4 domains (rcb and slab, both reductions).
Also the thread-MPI gmx on one rank, a triclinic (rhombic dodecahedron) cell, and the
double-precision gmx_mpi_d (tighter tolerance). Usage: WORKDIR"""
import sys
from pathlib import Path

import numpy as np

import harness as h

work = Path(sys.argv[1])
model = h.MODELS / "dpa1-small.pth"
h.build_system("water", work, "1.8")
h.grompp(work, h.set_mdp(work, "f", nsteps=10, nstfout=5, nstxout=5, nstvout=5, nstcalcenergy=1,
                         nstenergy=1), "f.tpr")
natoms = int(Path(work, "conf.gro").read_text().splitlines()[1])
e_ref, f_ref, vir_ref = h.eval_forces(work, model)
h.log(f"reference: deepmd-gromacs eval on conf.gro, {natoms} atoms, E = {e_ref:.6f} kJ/mol")

# (ranks, mdrun options, our decomposition, our reduction): GROMACS DD off (1 rank) and on
# (2-4 ranks); ours at 1-4 domains. (GROMACS DD with a single PP rank needs a PME rank: that
# case is in plugin_embedding.py.)
runs = [
    (1, [], "rcb", "allreduce"),
    (2, ["-dd", "2", "1", "1", "-npme", "0"], "rcb", "allreduce"),
    (3, ["-dd", "3", "1", "1", "-npme", "0"], "slab", "allreduce"),
    (4, ["-dd", "2", "2", "1", "-npme", "0"], "rcb", "sparse"),
]
ok = True
first = None
for np_, extra, method, reduction in runs:
    name = f"np{np_}{'dd' if extra else ''}-{method}-{reduction}"
    cfg = h.write_config(work, f"{name}.dat", model, omp_threads=1, energy_interval=1,
                         energy_file=f"{name}-energy.xvg", log_file=f"{name}-deepmd.log",
                         decomposition=method, reduction=reduction)
    h.mdrun(work, "f.tpr", name, np_, cfg, extra=extra)
    if extra:  # GROMACS really decomposed (md.log is GROMACS's log of this run)
        grid = f"Domain decomposition grid {extra[1]} x {extra[2]} x {extra[3]}"
        if grid not in Path(work, f"{name}.log").read_text():
            h.log(f"  {name}: GROMACS's log lacks '{grid}'")
            ok = False
    fr = h.frames(work, f"{name}.trr")
    assert [f["step"] for f in fr] == [0, 5, 10], [f["step"] for f in fr]
    ok &= h.compare(f"{name} step 0 forces vs eval", fr[0]["f"], f_ref, 1e-5)
    _, energy = h.gmxio.read_xvg(Path(work, f"{name}-energy.xvg"))
    ok &= h.compare(f"{name} step 0 NN energy vs eval", energy[0, 1], e_ref, 1e-6)
    assert len(energy) == 11, f"expected 11 energy lines, got {len(energy)}"
    if first is None:
        first = (name, fr, energy)
    else:
        for a, b in zip(first[1], fr):
            ok &= h.compare(f"{name} step {b['step']} forces vs {first[0]}", b["f"], a["f"], 1e-4)
        ok &= h.compare(f"{name} NN energies (11 steps) vs {first[0]}", energy[:, 1], first[2][:, 1], 1e-6)

# The thread-MPI gmx (one rank; the plugin starts its own singleton MPI).
h.run([h.GMX, "-quiet", "mdrun", "-s", "f.tpr", "-deffnm", "tmpi", "-plumed", "np1-rcb-allreduce.dat", "-ntmpi", "1",
       "-ntomp", "1"], cwd=work, logfile="tmpi.out", env={"PLUMED_KERNEL": h.plugin_path()})
fr = h.frames(work, "tmpi.trr")
ok &= h.compare("thread-MPI gmx: forces vs gmx_mpi on 1 rank (all frames)", np.array([f["f"] for f in fr]),
                np.array([f["f"] for f in first[1]]), 0)

# A triclinic cell (rhombic dodecahedron, GROMACS's lower-triangular box): the same water,
# re-boxed by gmx editconf and solvated again by gmx solvate so the cell is filled.
h.run([h.GMX, "-quiet", "editconf", "-f", "conf.gro", "-o", "tric-empty.gro", "-bt", "dodecahedron", "-box", "2.0"],
      cwd=work, logfile="editconf.log")
h.run([h.GMX, "-quiet", "solvate", "-cp", "tric-empty.gro", "-cs", "spc216", "-o", "tric.gro", "-p", "classical.top"],
      cwd=work, logfile="solvate-tric.log")
h.run(["deepmd-gromacs", "topology", "-p", "classical.top", "-c", "tric.gro", "-f", "md.mdp", "-o", "tric.top"],
      cwd=work, logfile="topology-tric.log")
h.run([h.GMX, "-quiet", "grompp", "-f", "f.mdp", "-c", "tric.gro", "-p", "tric.top", "-o", "tric.tpr", "-maxwarn", "5"],
      cwd=work, logfile="grompp-tric.log")
h.run(["deepmd-gromacs", "types", "-s", "tric.tpr", "-o", "types-tric.dat"], cwd=work, logfile="types-tric.log")
e_tric, f_tric, _ = h.eval_forces(work, model, structure="tric.gro")
box = [float(v) for v in Path(work, "tric.gro").read_text().splitlines()[-1].split()]
h.log(f"triclinic: {len(f_tric)} atoms, box {box}")
h.write_config(work, "tric.dat", model, types="types-tric.dat", omp_threads=1, energy_interval=1,
               energy_file="tric-energy.xvg", log_file="tric-deepmd.log")
h.mdrun(work, "tric.tpr", "tric", 2, "tric.dat", extra=["-dd", "2", "1", "1", "-npme", "0"])
fr = h.frames(work, "tric.trr")
ok &= h.compare("triclinic, 2 ranks: step 0 forces vs eval", fr[0]["f"], f_tric, 1e-5)
_, energy = h.gmxio.read_xvg(Path(work, "tric-energy.xvg"))
ok &= h.compare("triclinic, 2 ranks: step 0 NN energy vs eval", energy[0, 1], e_tric, 1e-6)

# Double precision: gmx_mpi_d on 2 ranks, GROMACS DD and ours on.
h.grompp(work, "f.mdp", "fd.tpr", gmx="gmx_d")
cfg = h.write_config(work, "double.dat", model, omp_threads=1, energy_interval=1,
                     energy_file="double-energy.xvg", log_file="double-deepmd.log")
h.mdrun(work, "fd.tpr", "double", 2, cfg, gmx_mpi="gmx_mpi_d", extra=["-dd", "2", "1", "1", "-npme", "0"])
fr = h.frames(work, "double.trr", gmx="gmx_d")
ok &= h.compare("gmx_mpi_d step 0 forces vs eval", fr[0]["f"], f_ref, 1e-9)
_, energy = h.gmxio.read_xvg(Path(work, "double-energy.xvg"))
ok &= h.compare("gmx_mpi_d step 0 NN energy vs eval", energy[0, 1], e_ref, 1e-10)
sys.exit(0 if ok else 1)
