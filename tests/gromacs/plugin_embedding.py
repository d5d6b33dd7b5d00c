"""A small NN peptide mechanically embedded in classical water (examples/systems/peptide.sh):
GROMACS's force on every atom is its classical force plus the plugin's NN force, which equals
`deepmd-gromacs eval` of the NN group on the same frame; atoms outside the group get nothing.
Classical forces come from the same run setup without the plugin. Rank layouts: 1 rank; 2 PP
ranks (GROMACS DD and ours on 2); 1 PP + 1 PME rank (GROMACS DD with a single PP rank, which
sends local-atom indices but no communicator); 2 PP + 1 PME. Usage: WORKDIR"""
import sys
from pathlib import Path

import numpy as np

import harness as h

work = Path(sys.argv[1])
model = h.MODELS / "dpa1-small.pth"
h.build_system("peptide", work)
h.grompp(work, h.set_mdp(work, "f", nsteps=0, nstfout=1, nstxout=1, nstcalcenergy=1, nstenergy=1), "f.tpr")
groups = h.gmxio.read_ndx(Path(work, "index.ndx"))
nn = np.array(groups["NN"]) - 1
natoms = int(Path(work, "conf.gro").read_text().splitlines()[1])
classical = np.setdiff1d(np.arange(natoms), nn)
e_ref, f_ref, _ = h.eval_forces(work, model, extra=["--index", "index.ndx", "--group", "NN"])
h.log(f"reference: eval of group NN ({len(nn)} of {natoms} atoms), E = {e_ref:.6f} kJ/mol")
assert np.all(f_ref[classical] == 0) and np.abs(f_ref[nn]).max() > 0

layouts = [
    ("np1", 1, []),
    ("np2", 2, ["-dd", "2", "1", "1", "-npme", "0"]),
    ("np2-pme", 2, ["-npme", "1"]),
    ("np3-pme", 3, ["-dd", "2", "1", "1", "-npme", "1"]),
]
ok = True
for name, np_, extra in layouts:
    cfg = h.write_config(work, f"nn-{name}.dat", model, index="index.ndx", group="NN", omp_threads=1,
                         energy_interval=1, energy_file=f"nn-{name}-energy.xvg", log_file=f"nn-{name}-deepmd.log")
    h.mdrun(work, "f.tpr", f"cl-{name}", np_, None, extra=extra + ["-reprod"])
    h.mdrun(work, "f.tpr", f"nn-{name}", np_, cfg, extra=extra + ["-reprod"])
    f_cl = h.frames(work, f"cl-{name}.trr")[0]["f"]
    f_nn = h.frames(work, f"nn-{name}.trr")[0]["f"]
    added = f_nn - f_cl
    # The sum classical + NN is rounded in single precision at the size of the classical force.
    noise = 2 * np.finfo(np.float32).eps * np.abs(f_nn).max()
    ok &= h.compare(f"{name}: NN force added on the {len(nn)} NN atoms vs eval", added[nn], f_ref[nn], 1e-5, noise)
    ok &= h.compare(f"{name}: force added on the {len(classical)} classical atoms", added[classical],
                    np.zeros_like(added[classical]), 0, noise)
    _, energy = h.gmxio.read_xvg(Path(work, f"nn-{name}-energy.xvg"))
    ok &= h.compare(f"{name}: NN energy vs eval", energy[0, 1], e_ref, 1e-6)
sys.exit(0 if ok else 1)
