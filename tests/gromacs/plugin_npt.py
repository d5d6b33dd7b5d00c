"""Pressure and the virial through the plugin: an all-NN water box under NPT (C-rescale
barostat) on 2 ranks. GROMACS's virial at step 0 (Vir-XX ... Vir-ZZ in the .edr) must equal the
finite-difference strain derivative of the NN energy, Xi_ab = 1/2 dE/d(eps_ba), evaluated with
DeePMD-kit's own Python (DeepPot.eval) on the frame GROMACS used; GROMACS's pressure must be the
one that virial gives, P = 2/(3V) (Ekin - tr Xi); and the barostat must move the box.
Usage: WORKDIR"""
import sys
from pathlib import Path

import numpy as np

import harness as h

KJ_PER_MOL_PER_EV = 96.48533212331
BAR_PER_KJ_MOL_NM3 = 16.6054  # GROMACS's PRESFAC

work = Path(sys.argv[1])
model = h.MODELS / "dpa1-small.pth"
h.build_system("water", work, "1.8")
h.grompp(work, h.set_mdp(work, "npt", nsteps=20, nstcalcenergy=1, nstenergy=1, nstxout=20, nstvout=20,
                         tcoupl="v-rescale", tc_grps="System", tau_t=0.1, ref_t=300, pcoupl="C-rescale",
                         pcoupltype="isotropic", tau_p=0.05, nstpcouple=1, ref_p=1.0, compressibility=4.5e-5),
         "npt.tpr")
cfg = h.write_config(work, "npt.dat", model, omp_threads=1, energy_interval=1, energy_file="npt-energy.xvg",
                     log_file="npt-deepmd.log")
h.mdrun(work, "npt.tpr", "npt", 2, cfg, extra=["-dd", "2", "1", "1", "-npme", "0"])

names = ["Vir-XX", "Vir-XY", "Vir-XZ", "Vir-YX", "Vir-YY", "Vir-YZ", "Vir-ZX", "Vir-ZY", "Vir-ZZ"]
t, terms = h.gmxio.gmx_energy(h.GMX, work / "npt.edr", names + ["Pressure", "Kinetic-En.", "Volume", "Box-X"],
                              work / "npt-energy-gmx.xvg")
vir_gmx = np.array([terms[n.replace("Vir-", "Vir-")][0] for n in names]).reshape(3, 3)
frame = h.frames(work, "npt.trr")[0]
assert frame["step"] == 0
x, box = frame["x"], frame["box"]

# DeePMD-kit's Python on homogeneously strained copies: x' = x (1 + eps)^T, rows of the box too.
from deepmd.infer import DeepPot  # noqa: E402

dp = DeepPot(str(model))
type_map = list(dp.get_type_map())
elements = [line.split()[1] for line in Path(work, "types.dat").read_text().splitlines() if not line.startswith("#")]
types = np.array([type_map.index(e) for e in elements], dtype=np.int32)


def energy(eps):
    m = np.eye(3) + eps
    xs, bs = x @ m.T * 10.0, box @ m.T * 10.0  # nm -> Angstrom
    e = dp.eval(xs.reshape(1, -1), bs.reshape(1, 9), types)[0]
    return float(np.asarray(e).reshape(-1)[0]) * KJ_PER_MOL_PER_EV


step = 1e-4
dE = np.zeros((3, 3))
for a in range(3):
    for b in range(3):
        eps = np.zeros((3, 3))
        eps[a, b] = step
        dE[a, b] = (energy(eps) - energy(-eps)) / (2 * step)
vir_fd = 0.5 * dE.T
h.log("GROMACS virial at step 0 (kJ/mol):\n" + np.array2string(vir_gmx, precision=4))
h.log("1/2 dE/d(eps)^T by finite differences of DeepPot.eval (kJ/mol):\n" + np.array2string(vir_fd, precision=4))
ok = h.compare("virial vs finite-difference strain derivative", vir_gmx, vir_fd, 1e-4)

volume = terms["Volume"][0]
p_expected = 2.0 / (3.0 * volume) * (terms["Kinetic En."][0] - np.trace(vir_fd)) * BAR_PER_KJ_MOL_NM3
ok &= h.compare(f"pressure at step 0 (GROMACS {terms['Pressure'][0]:.2f} bar) vs 2/(3V)(Ekin - tr Xi_fd)",
                terms["Pressure"][0], p_expected, 1e-4, 0.05)
moved = abs(terms["Box-X"][-1] - terms["Box-X"][0])
h.log(f"barostat: box {terms['Box-X'][0]:.5f} -> {terms['Box-X'][-1]:.5f} nm over {len(t) - 1} steps")
ok &= moved > 1e-5
sys.exit(0 if ok else 1)
