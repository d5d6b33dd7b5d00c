"""gmx_mpi with the plugin on the native engine: an all-NN water box with a .dp model (chosen
by its extension) on 1 and 2 ranks; the forces GROMACS writes to the .trr and the NN energy
equal DeePMD-kit's own evaluation of the same model (`deepmd-gromacs eval --backend deepmd` on
the .pth), in single-precision gmx_mpi to 1e-5. Usage: WORKDIR NATIVE_MODELS_DIR

DPA-1 models (sel 120 exceeds the ~90 neighbours of water within 0.6 nm): with a type's
neighbours beyond sel, DeePMD-kit's C API path keeps the first sel of the caller's (unsorted)
list rather than the nearest, so se_e2_a-small (sel 48 H) is no reference in water."""
import sys
from pathlib import Path

import harness as h

work = Path(sys.argv[1])
models = Path(sys.argv[2])
ok = True
h.build_system("water", work, "1.8")
h.grompp(work, h.set_mdp(work, "f", nsteps=4, nstfout=2, nstxout=2, nstvout=2, nstcalcenergy=1,
                         nstenergy=1), "f.tpr")
for name in ("dpa1-noattn", "dpa1-strip-stats"):
    e_ref, f_ref, _ = h.eval_forces(work, models / f"{name}.pth", extra=("--backend", "deepmd"))
    h.log(f"{name}: DeePMD-kit reference E = {e_ref:.6f} kJ/mol")
    for np_ in (1, 2):
        run = f"{name}-np{np_}"
        cfg = h.write_config(work, f"{run}.dat", models / f"{name}.dp", omp_threads=1, energy_interval=1,
                             energy_file=f"{run}-energy.xvg", log_file=f"{run}-deepmd.log")
        h.mdrun(work, "f.tpr", run, np_, cfg)
        log_text = Path(work, f"{run}-deepmd.log").read_text()
        if "native engine" not in log_text:
            h.log(f"  {run}: the plugin log does not name the native engine")
            ok = False
        fr = h.frames(work, f"{run}.trr")
        ok &= h.compare(f"{run} step 0 forces vs DeePMD-kit", fr[0]["f"], f_ref, 1e-5)
        _, energy = h.gmxio.read_xvg(Path(work, f"{run}-energy.xvg"))
        ok &= h.compare(f"{run} step 0 NN energy vs DeePMD-kit", energy[0, 1], e_ref, 1e-6)
sys.exit(0 if ok else 1)
