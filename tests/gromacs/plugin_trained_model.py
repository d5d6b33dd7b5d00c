"""Smoke test of the committed trained model (validation/model/, issue 10): it loads, and 20 NVE
steps of a solvated dipeptide with every atom NN, through the plugin on 2 ranks at a production
time step (0.5 fs), conserve GROMACS's total + the NN energy.

The system is examples/systems/peptide.sh's zwitterionic Gly-Ala in TIP3P water (2.5 nm box), rewritten
all-NN by `deepmd-gromacs topology`, velocities drawn at 300 K. The reference for "conserved"
is the energy that moves between kinetic and NN energy in the same 20 steps: the total may move
by at most 2% of it (leap-frog's total-energy fluctuation at 0.5 fs is O(dt^2); measured 0.5%
for this model and system, 3.0 of 602 kJ/mol, on the loaded 2-core machine in 43 s: the 300 s
timeout is a hang guard). A force that is not the gradient of the NN energy, or NN energy and
forces of different steps, would move the total by the order of the exchanged energy itself.

Usage: WORKDIR"""
import sys
from pathlib import Path

import numpy as np

import harness as h

work = Path(sys.argv[1])
model = h.REPO / "validation/model/dpa1-protein.pth"
nsteps, interval = 20, 1

wd = h.build_system("peptide", work, "GA", "2.5")  # peptide.sh needs 2 x its 1.2 nm PME cut-off
h.run(["deepmd-gromacs", "topology", "-p", "classical.top", "-c", "conf.gro", "-o", "allnn.top"], cwd=wd,
      logfile="allnn-topology.log")
mdp = h.set_mdp(wd, "nve", nsteps=nsteps, dt=0.0005, nstcalcenergy=interval, nstenergy=interval,
                coulombtype="cut-off", rcoulomb=0.5, rvdw=0.5, rlist=0.5, verlet_buffer_tolerance=-1,
                DispCorr="no", constraints="none", gen_vel="yes", gen_temp=300, gen_seed=11)
h.run(["gmx", "-quiet", "grompp", "-f", mdp, "-c", "conf.gro", "-p", "allnn.top", "-o", "nve.tpr", "-maxwarn",
       "5"], cwd=wd, logfile="grompp-nve.log")
h.run(["deepmd-gromacs", "types", "-s", "nve.tpr", "-o", "types.dat"], cwd=wd, logfile="types-nve.log")
cfg = h.write_config(wd, "nve.dat", model, omp_threads=1, energy_interval=interval,
                     energy_file="nve-energy.xvg", log_file="nve-deepmd.log")
h.mdrun(wd, "nve.tpr", "nve", 2, cfg, extra=["-dd", "2", "1", "1", "-npme", "0"], timeout=240)

t, terms = h.gmxio.gmx_energy(h.GMX, Path(wd, "nve.edr"), ["Kinetic-En.", "Total-Energy", "Temperature"],
                              Path(wd, "gmx-energy.xvg"))
_, nn = h.gmxio.read_xvg(Path(wd, "nve-energy.xvg"))
assert len(nn) == nsteps // interval + 1 and np.allclose(nn[:, 0], t, atol=1e-6), "NN .xvg and .edr times differ"
total = terms["Total Energy"] + nn[:, 1]
moved = np.abs(total - total[0]).max()
exchanged = max(np.ptp(terms["Kinetic En."]), np.ptp(nn[:, 1]))
temp = terms["Temperature"]
ok = bool(np.isfinite(total).all() and moved <= 0.02 * exchanged and temp.max() < 500)
h.log(f"trained model, {nsteps} NVE steps x 0.5 fs on 2 ranks: total + NN moved by at most {moved:.3f} kJ/mol "
      f"while {exchanged:.1f} kJ/mol moved between kinetic and NN energy (ratio {moved / exchanged:.4f}, "
      f"tolerance 0.02); temperature {temp[0]:.0f} -> {temp[-1]:.0f} K: {'ok' if ok else 'FAILED'}")
sys.exit(0 if ok else 1)
