"""Energy conservation through the plugin: 1,000 steps of NVE (dt 0.5 fs) on 2 ranks with
GROMACS's and our decomposition on. GROMACS's conserved energy lacks the NN energy; adding the
plugin's .xvg (`deepmd-gromacs energy`) must give a flat total. The drift is computed here with
numpy from `gmx energy` output and the plugin's .xvg, compared with what `deepmd-gromacs energy`
reports, and printed.

The system is classical rigid water (TIP3P, SETTLE, PME) with the NN model acting on every atom
on top of it: our example models have random weights and no short-range repulsion, so an
all-NN box of free atoms heats by thousands of kelvin within 0.5 ps (measured, also with sel
far above the neighbour count), which tests the model, not the plugin. The rigid water keeps the dynamics regular while
every atom still feels the full NN force. Usage: WORKDIR [BOX_NM] [NSTEPS]"""
import json
import sys
from pathlib import Path

import numpy as np

import harness as h

work = Path(sys.argv[1])
box = sys.argv[2] if len(sys.argv) > 2 else "2.0"
nsteps = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
model = h.MODELS / "se_e2_a-tiny.pth"
h.build_system("water", work, box)
natoms = int(Path(work, "conf.gro").read_text().splitlines()[1])
dd = ["-dd", "2", "1", "1", "-npme", "0"]
classical = dict(coulombtype="PME", rcoulomb=0.8, rvdw=0.8, vdw_modifier="potential-shift",
                 verlet_buffer_tolerance=0.0001, rlist=None, nstlist=None, constraints="h-bonds")
classical = {k: v for k, v in classical.items() if v is not None}


def grompp_classical(mdp, tpr, conf="conf.gro", extra=()):
    h.run(["gmx", "-quiet", "grompp", "-f", mdp, "-c", conf, "-p", "classical.top", "-o", tpr, "-maxwarn", "5",
           *extra], cwd=work, logfile=f"{tpr}.grompp.log")


# The rlist/nstlist lines of the all-NN mdp go; GROMACS sets them from the buffer tolerance.
mdp = Path(work, "md.mdp").read_text().splitlines()
Path(work, "md.mdp").write_text("\n".join(l for l in mdp if not l.startswith(("rlist", "nstlist"))) + "\n")
grompp_classical(h.set_mdp(work, "nvt", nsteps=200, tcoupl="v-rescale", tc_grps="System", tau_t=0.05,
                           ref_t=300, nstcalcenergy=10, nstenergy=10, **classical), "nvt.tpr")
h.run(["deepmd-gromacs", "types", "-s", "nvt.tpr", "-o", "types.dat"], cwd=work, logfile="types-classical.log")
cfg = h.write_config(work, "nvt.dat", model, omp_threads=1, energy_interval=10, energy_file="nvt-energy.xvg",
                     log_file="nvt-deepmd.log")
h.mdrun(work, "nvt.tpr", "nvt", 2, cfg, extra=dd)

interval = 10
grompp_classical(h.set_mdp(work, "nve", nsteps=nsteps, nstcalcenergy=interval, nstenergy=interval, nstlog=100,
                           gen_vel="no", continuation="yes", **classical), "nve.tpr", conf="nvt.gro",
                 extra=["-t", "nvt.cpt"])
cfg = h.write_config(work, "nve.dat", model, omp_threads=1, energy_interval=interval,
                     energy_file="nve-energy.xvg", log_file="nve-deepmd.log")
h.mdrun(work, "nve.tpr", "nve", 2, cfg, extra=dd, timeout=900)

t, terms = h.gmxio.gmx_energy(h.GMX, Path(work, "nve.edr"),
                              ["Potential", "Kinetic-En.", "Total-Energy", "Temperature"], Path(work, "gmx-energy.xvg"))
_, nn = h.gmxio.read_xvg(Path(work, "nve-energy.xvg"))
assert len(nn) == nsteps // interval + 1 and np.allclose(nn[:, 0], t, atol=1e-6), "NN .xvg and .edr times differ"
# Plain NVE: GROMACS writes no "Conserved En." term; its conserved energy is the total.
conserved = terms["Total Energy"] + nn[:, 1]
slope, _ = np.polyfit(t, conserved, 1)
rms = np.sqrt(np.mean((conserved - conserved.mean()) ** 2))
nn_rms = np.std(nn[:, 1])
kin = terms["Kinetic En."]
h.log(f"NVE {nsteps} steps x 0.5 fs, {natoms} atoms, 2 ranks: total-energy drift {slope:.4f} kJ/mol/ps = "
      f"{slope / natoms:.2e} kJ/mol/ps per atom; RMS of the total {rms:.4f} kJ/mol vs RMS of the NN energy "
      f"{nn_rms:.2f} and kinetic {np.std(kin):.2f} kJ/mol; mean temperature {terms['Temperature'].mean():.0f} K")

# The tool's figures must be the same numbers.
rc, out = h.run(["deepmd-gromacs", "energy", "--nn", "nve-energy.xvg", "--gmx", "gmx-energy.xvg", "-o",
                 "total.xvg", "--atoms", natoms, "--json", "summary.json"], cwd=work, logfile="energy.log")
h.log(out.strip())
summary = json.loads(Path(work, "summary.json").read_text())
ok = h.compare("deepmd-gromacs energy drift vs numpy", summary["conserved_plus_nn"]["drift_kj_mol_ps"], slope,
               1e-6, 1e-9)
# Conservation: the corrected total is flat compared with the energy exchanged between the NN
# potential and the kinetic energy, and drifts by less than 0.01 kJ/mol/ps per atom.
ok &= rms < 0.05 * nn_rms
ok &= abs(slope) / natoms < 0.01
h.log(f"conservation {'ok' if ok else 'FAILED'} (RMS ratio {rms / nn_rms:.4f} < 0.05, |drift| per atom < 0.01)")
sys.exit(0 if ok else 1)
