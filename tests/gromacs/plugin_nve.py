"""Energy conservation through the plugin: NVE runs of 1,000 steps on 2 ranks with GROMACS's and
our decomposition on. GROMACS's energies lack the NN energy; adding the plugin's .xvg must give
a conserved total. The drift is computed here with numpy from `gmx energy` output and the
plugin's .xvg, compared with what `deepmd-gromacs energy` reports, and printed. Two systems:

- all-NN water (every force from the model), dt 0.05 fs. Our example models have random weights
  and no short-range repulsion: free atoms fall into its wells and heat by thousands of kelvin
  within 0.1 ps, and at dt 0.5 fs that is beyond the integrator (measured over 0.05 ps: total
  energy changes of 729 kJ/mol at dt 0.5 fs, 0.81 at 0.1 fs, 0.21 at 0.05 fs: the dt^2 of
  leap-frog, so the plugin's forces are the gradient of its energy);
- classical rigid water (TIP3P, SETTLE, PME) with the NN model acting on every atom on top of
  it, dt 0.5 fs: the rigid water keeps the dynamics regular at a production time step.

Usage: WORKDIR [NSTEPS]"""
import json
import sys
from pathlib import Path

import numpy as np

import harness as h

work = Path(sys.argv[1])
nsteps = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
model = h.MODELS / "se_e2_a-tiny.pth"
dd = ["-dd", "2", "1", "1", "-npme", "0"]
interval = 10
classical = dict(coulombtype="PME", rcoulomb=0.8, rvdw=0.8, vdw_modifier="potential-shift",
                 verlet_buffer_tolerance=0.0001, constraints="h-bonds")


def grompp(wd, mdp, tpr, top, conf="conf.gro", extra=()):
    h.run(["gmx", "-quiet", "grompp", "-f", mdp, "-c", conf, "-p", top, "-o", tpr, "-maxwarn", "5", *extra],
          cwd=wd, logfile=f"{tpr}.grompp.log")


def nve(label, wd, top, dt, settings, criteria):
    """Thermalise 200 steps (v-rescale), then NVE; returns whether energy was conserved."""
    natoms = int(Path(wd, "conf.gro").read_text().splitlines()[1])
    grompp(wd, h.set_mdp(wd, "nvt", nsteps=200, dt=dt, tcoupl="v-rescale", tc_grps="System", tau_t=0.02,
                         ref_t=300, nstcalcenergy=10, nstenergy=10, **settings), "nvt.tpr", top)
    h.run(["deepmd-gromacs", "types", "-s", "nvt.tpr", "-o", "types.dat"], cwd=wd, logfile="types-nvt.log")
    h.mdrun(wd, "nvt.tpr", "nvt", 2, h.write_config(wd, "nvt.dat", model, omp_threads=1, energy_interval=10,
                                                     energy_file="nvt-energy.xvg", log_file="nvt-deepmd.log"),
            extra=dd)
    grompp(wd, h.set_mdp(wd, "nve", nsteps=nsteps, dt=dt, nstcalcenergy=interval, nstenergy=interval, nstlog=100,
                         gen_vel="no", continuation="yes", **settings), "nve.tpr", top, conf="nvt.gro",
           extra=["-t", "nvt.cpt"])
    cfg = h.write_config(wd, "nve.dat", model, omp_threads=1, energy_interval=interval,
                         energy_file="nve-energy.xvg", log_file="nve-deepmd.log")
    h.mdrun(wd, "nve.tpr", "nve", 2, cfg, extra=dd, timeout=900)

    t, terms = h.gmxio.gmx_energy(h.GMX, Path(wd, "nve.edr"), ["Potential", "Kinetic-En.", "Total-Energy",
                                                               "Temperature"], Path(wd, "gmx-energy.xvg"))
    _, nn = h.gmxio.read_xvg(Path(wd, "nve-energy.xvg"))
    assert len(nn) == nsteps // interval + 1 and np.allclose(nn[:, 0], t, atol=1e-6), "NN .xvg and .edr times differ"
    # Plain NVE: GROMACS writes no "Conserved En." term; its conserved energy is the total.
    total = terms["Total Energy"] + nn[:, 1]
    slope = np.polyfit(t, total, 1)[0]
    rms = np.std(total)
    kin = terms["Kinetic En."]
    exchanged = max(np.ptp(kin), np.ptp(nn[:, 1]))
    h.log(f"{label}: NVE {nsteps} steps x {dt * 1000:g} fs, {natoms} atoms, 2 ranks: drift of total + NN "
          f"{slope:.4f} kJ/mol/ps = {slope / natoms:.2e} kJ/mol/ps per atom; RMS {rms:.4f} kJ/mol, largest "
          f"deviation {np.abs(total - total[0]).max():.4f} kJ/mol, while kinetic/NN energy moved by "
          f"{exchanged:.1f} kJ/mol; temperature {terms['Temperature'][0]:.0f} -> {terms['Temperature'][-1]:.0f} K; "
          f"GROMACS's total alone drifts {np.polyfit(t, terms['Total Energy'], 1)[0]:.1f} kJ/mol/ps")
    rc, out = h.run(["deepmd-gromacs", "energy", "--nn", "nve-energy.xvg", "--gmx", "gmx-energy.xvg", "-o",
                     "total.xvg", "--atoms", natoms, "--json", "summary.json"], cwd=wd, logfile="energy.log")
    summary = json.loads(Path(wd, "summary.json").read_text())
    ok = h.compare(f"{label}: deepmd-gromacs energy drift vs numpy", summary["conserved_plus_nn"]["drift_kj_mol_ps"],
                   slope, 1e-6, 1e-9)
    conserved = criteria(slope / natoms, np.abs(total - total[0]).max(), exchanged)
    h.log(f"{label}: conservation {'ok' if conserved else 'FAILED'}")
    return ok and conserved


ok = True
# All-NN: the total may move by at most 1/1000 of the energy exchanged with the kinetic energy.
wd = h.build_system("water", work / "all-nn", "1.5")
ok &= nve("all-NN water", wd, "nn.top", 0.00005, {}, lambda drift, dev, exch: dev < 1e-3 * exch)
# Rigid classical water + NN everywhere at a production time step: 0.01 kJ/mol/ps/atom.
wd = h.build_system("water", work / "rigid", "2.0")
mdp = Path(wd, "md.mdp").read_text().splitlines()  # rlist/nstlist: GROMACS sets them from the buffer
Path(wd, "md.mdp").write_text("\n".join(l for l in mdp if not l.startswith(("rlist", "nstlist"))) + "\n")
ok &= nve("rigid water + NN", wd, "classical.top", 0.0005, classical,
          lambda drift, dev, exch: abs(drift) < 0.01 and dev < 5e-3 * exch)
sys.exit(0 if ok else 1)
