"""Smoke test of the committed trained model (validation/model/, issue 10): both files load (the
DeePMD-kit .pth through DeePMD-kit, its .dp conversion through our native engine, with the nets and
with tabulated embedding nets), give the same energy, and 20 NVE steps of a solvated dipeptide with
every atom NN, through the plugin on 2 ranks, conserve GROMACS's total + the NN energy.

The system is examples/systems/peptide.sh's zwitterionic Gly-Ala in TIP3P water (2.5 nm box),
rewritten all-NN by `deepmd-gromacs topology`, velocities drawn at 300 K. The reference for
"conserved" is the energy that moves between kinetic and NN energy in the same 20 steps: the total
may move by at most 2% of it (leap-frog's total-energy fluctuation is O(dt^2); 0.5 fs). A force
that is not the gradient of the NN energy, or NN energy and forces of different steps, would move
the total by the order of the exchanged energy itself. The start (peptide.sh's structure, built
for the rigid-water force field) is far from the model's minimum: 318 -> 1041 K in the 20 steps;
only an explosion (2000 K) fails. The .pth and .dp energies of the first frame (same
coordinates) agree within 5e-5 kJ/mol per atom: a float32 network evaluated by two codes gives
per-atom energies equal to ~1e-6 relative, and the total (4,077 kJ/mol for 1,523 atoms) is a
sum of per-atom terms of either sign, so its difference scales with the atom count (measured
2.1e-2 kJ/mol); a wrong type, weight or neighbour would differ by kJ/mol per atom. The tabulated
.dp is held to the same bound.
Quiet time ~1 min; the 600 s ctest timeout is a hang guard.

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


def run_nve(model_file, tag, **keys):
    """20 NVE steps on 2 ranks: NN energies, total + NN, its largest move, the exchanged energy, T."""
    cfg = h.write_config(wd, f"{tag}.dat", model_file, omp_threads=1, energy_interval=interval,
                         energy_file=f"{tag}-energy.xvg", log_file=f"{tag}-deepmd.log", **keys)
    h.mdrun(wd, "nve.tpr", tag, 2, cfg, extra=["-dd", "2", "1", "1", "-npme", "0"], timeout=240)
    t, terms = h.gmxio.gmx_energy(h.GMX, Path(wd, f"{tag}.edr"), ["Kinetic-En.", "Total-Energy", "Temperature"],
                                  Path(wd, f"{tag}-gmx-energy.xvg"))
    _, nn = h.gmxio.read_xvg(Path(wd, f"{tag}-energy.xvg"))
    assert len(nn) == nsteps // interval + 1 and np.allclose(nn[:, 0], t, atol=1e-6), "NN .xvg and .edr times differ"
    total = terms["Total Energy"] + nn[:, 1]
    moved = np.abs(total - total[0]).max()
    exchanged = max(np.ptp(terms["Kinetic En."]), np.ptp(nn[:, 1]))
    return nn[:, 1], total, moved, exchanged, terms["Temperature"]


ok = True
first = {}
dp = model.with_suffix(".dp")
for model_file, tag, keys in ((model, "pth", {}), (dp, "dp", {}), (dp, "dp-tabulated", {"tabulate_embedding": "yes"})):
    nn, total, moved, exchanged, temp = run_nve(model_file, tag, **keys)
    first[tag] = nn[0]
    good = bool(np.isfinite(total).all() and moved <= 0.02 * exchanged and temp.max() < 2000)
    h.log(f"trained model ({tag}), {nsteps} NVE steps x 0.5 fs on 2 ranks: total + NN moved by at "
          f"most {moved:.3f} kJ/mol while {exchanged:.1f} kJ/mol moved between kinetic and NN energy (ratio "
          f"{moved / exchanged:.4f}, tolerance 0.02); temperature {temp[0]:.0f} -> {temp[-1]:.0f} K: "
          f"{'ok' if good else 'FAILED'}")
    ok &= good
natoms = sum(1 for _ in open(Path(wd, "types.dat")) if _.strip() and not _.startswith("#"))
for tag, what in (("dp", ".dp (native engine)"), ("dp-tabulated", ".dp tabulated")):
    diff, bound = abs(first["pth"] - first[tag]), 5e-5 * natoms
    h.log(f"first-frame NN energy: .pth (DeePMD-kit) {first['pth']:.4f}, {what} {first[tag]:.4f} "
          f"kJ/mol, difference {diff:.1e} (bound 5e-5 x {natoms} atoms = {bound:.1e}): "
          f"{'ok' if diff <= bound else 'FAILED'}")
    ok &= diff <= bound
sys.exit(0 if ok else 1)
