"""Figures and numbers of validation/README.md from the cached training and the MD runs.

  python3 validation/report.py TRAINDIR MDDIR SYSTEMDIR OUTDIR      (inside scripts/env)

TRAINDIR: the train stage (lcurve.out, dp test details, timing.json); MDDIR: validation/md/run.sh
outputs named <kind>-<ensemble>-<dt> plus ranks1/ranks2 (100 steps, x every step); SYSTEMDIR:
build_protein.sh output (conf.gro is the RMSD reference). Writes OUTDIR/*.png and summary.json.
"""
import json
import sys
import textwrap
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import MDAnalysis as mda  # noqa: E402
from MDAnalysis import transformations  # noqa: E402
from MDAnalysis.lib.distances import minimize_vectors  # noqa: E402
from MDAnalysis.analysis import rdf, rms  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import finetune  # noqa: E402  (the kinds of training frames)

EV = 96.48533212331  # kJ/mol per eV


def xvg(path, legend=None):
    rows = [l.split() for l in Path(path).read_text().splitlines() if l and l[0] not in "#@"]
    a = np.array(rows, dtype=float)
    if legend is None:
        return a
    legends = [l.split('"')[1] for l in Path(path).read_text().splitlines()
               if l.startswith("@ s") and "legend" in l]
    return a[:, 0], a[:, 1 + legends.index(legend)]


def accuracy(train, out):
    """dp test details: RMSEs of the held-out and (30 frames of each) training fragments."""
    res = {}
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for tag in ("model", "model-compressed"):
        for split in ("test", "train"):
            if not (train / f"{split}-{tag}.f.out").exists():
                continue  # that dp test did not run
            e = np.loadtxt(train / f"{split}-{tag}.e_peratom.out")
            f = np.loadtxt(train / f"{split}-{tag}.f.out")
            df = f[:, 3:] - f[:, :3]
            res[f"{split}/{tag}"] = {
                "frames": len(e), "force_components": f[:, :3].size,
                "energy_rmse_mev_per_atom": 1e3 * float(np.sqrt(np.mean((e[:, 1] - e[:, 0]) ** 2))),
                "force_rmse_ev_per_A": float(np.sqrt(np.mean(df ** 2))),
                "force_rms_reference_ev_per_A": float(np.sqrt(np.mean(f[:, :3] ** 2)))}
            res[f"{split}/{tag}"].update(solute_split(train, split, tag, f, len(e)))
            if split == "test" and tag == "model":
                axes[0].plot(f[:, :3].ravel(), f[:, 3:].ravel(), ",", alpha=0.3)
                axes[0].set(xlabel="force field force (eV/Å)", ylabel="model force (eV/Å)",
                            title="held-out fragments: forces")
                axes[1].plot(e[:, 0], e[:, 1], ".")
                axes[1].set(xlabel="force field energy (eV/atom)", ylabel="model (eV/atom)",
                            title="held-out fragments: energy per atom")
    lo, hi = axes[0].get_xlim()
    axes[0].plot([lo, hi], [lo, hi], "k-", lw=0.5)
    fig.tight_layout()
    fig.savefig(out / "accuracy.png", dpi=110)
    learning_curve(train, out, res)
    return res


def solute_split(train, split, tag, f, frames):
    """Force RMSE of peptide atoms and of water + ions apart (dp test's rows: the systems in the
    order its log names them, the same number of frames each)."""
    import MDAnalysis as mda
    log = (train / f"{split}-{tag}.log").read_text()
    names = [line.split("testing system :")[1].strip().split("/")[-1]
             for line in log.splitlines() if "testing system :" in line]
    per = frames // len(names)
    diff, ref, mask = [], [], []
    row = 0
    for n in names:
        labelled = (train / "data" / split / n / "type.raw").resolve().parent.parent
        u = mda.Universe(str(labelled / "label.tpr"))
        solute = np.array([a.resname not in ("SOL", "NA", "CL") for a in u.atoms])
        block = f[row:row + per * len(solute)]
        row += per * len(solute)
        diff.append(block[:, 3:] - block[:, :3])
        ref.append(block[:, :3])
        mask.append(np.tile(solute, per))
    diff, ref, mask = np.concatenate(diff), np.concatenate(ref), np.concatenate(mask)
    rmse = lambda a: float(np.sqrt(np.mean(a ** 2)))
    return {"force_rmse_peptide_ev_per_A": rmse(diff[mask]), "force_rms_peptide_reference": rmse(ref[mask]),
            "force_rmse_water_ions_ev_per_A": rmse(diff[~mask]), "force_rms_water_ions_reference": rmse(ref[~mask]),
            "peptide_atom_fraction": float(mask.mean())}


def stage_labels(stages):
    """What each stage's training data adds to the one before, read from the systems of the
    input.json dp read (so any chain of scripts/validate labels itself): '1 sampled',
    '2 + dense, shells', '3 + bent - shells', '4 the same kinds'."""
    labels, before = [], set()
    for k, d in enumerate(stages):
        systems = json.loads((d / "input.json").read_text())["training"]["training_data"]["systems"]
        kinds = {system.split("/")[0] for system in systems} & set(finetune.FRAME_KINDS)
        added = ", ".join(kind for kind in finetune.FRAME_KINDS if kind in kinds - before)
        dropped = ", ".join(kind for kind in finetune.FRAME_KINDS if kind in before - kinds)
        change = " ".join(([f"+ {added}"] if added else []) + ([f"- {dropped}"] if dropped else []))
        text = "sampled" if k == 0 else change or "the same kinds"
        labels.append(f"{k + 1} {text}")
        before = kinds
    return labels


def learning_curve(train, out, res):
    """Force RMSE over every training stage: a fine-tuning directory (finetune.py) names the stage
    it continued in its file init-from."""
    stages = [train]
    while (stages[0] / "init-from").exists():
        stages.insert(0, Path((stages[0] / "init-from").read_text().strip()))
    fig, ax = plt.subplots(figsize=(8, 4.8))
    offset = 0
    for k, d in enumerate(stages):
        lc = np.genfromtxt(d / "lcurve.out", names=True)
        for col, style in (("rmse_f_val", "-"), ("rmse_f_trn", ":")):
            ax.semilogy(offset + lc["step"], lc[col], style, lw=0.7, color=f"C{k}",
                        label=f"stage {k + 1} {col[7:]}")
        if (d / "timing.json").exists():
            res[f"timing stage {k + 1}"] = json.loads((d / "timing.json").read_text())
        offset += int(lc["step"][-1])
        ax.axvline(offset, color="grey", lw=0.5)
    kinds = "; ".join(stage_labels(stages))
    ax.set(xlabel=textwrap.fill(f"training step (stages: {kinds})", 95),
           ylabel="force RMSE (eV/Å), one frame each")
    ax.legend(fontsize=6, ncol=3, loc="upper right")
    fig.tight_layout()
    fig.savefig(out / "learning_curve.png", dpi=110)


def energies(run):
    t, kin = xvg(run / "gmx-energy.xvg", "Kinetic En.")
    _, temp = xvg(run / "gmx-energy.xvg", "Temperature")
    if (run / "total.xvg").exists():
        a = xvg(run / "total.xvg")
        return t, temp, a[:, 5] - a[0, 5]   # total + NN
    _, tot = xvg(run / "gmx-energy.xvg", "Total Energy")
    return t, temp, tot - tot[0]


def nve(md, out, natoms):
    res = {}
    fig, ax = plt.subplots(figsize=(7, 4))
    for run in sorted(md.glob("*")):
        info = run / "run.json"
        if not info.exists() or json.loads(info.read_text())["ensemble"] != "nve":
            continue
        t, _, dtot = energies(run)
        slope = np.polyfit(t, dtot, 1)[0]
        res[run.name] = {"ps": float(t[-1] - t[0]), "drift_kj_mol_ps_atom": slope / natoms,
                         "rms_kj_mol": float(np.std(dtot - np.polyval(np.polyfit(t, dtot, 1), t)))}
        if (run / "summary.json").exists():  # NN runs: what `deepmd-gromacs energy` reported
            nn = json.loads((run / "summary.json").read_text())["conserved_plus_nn"]
            res[run.name]["deepmd_gromacs_energy"] = nn
        ax.plot(t, dtot / natoms, label=f"{run.name}: {slope / natoms:.1e} kJ/mol/ps/atom")
    ax.set(xlabel="time (ps)", ylabel="total energy - initial (kJ/mol per atom)",
           title="NVE: total energy (NN runs: GROMACS total + NN energy)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "nve_drift.png", dpi=110)
    return res


def structure(run, sysdir):
    """RMSD, Rg (protein made whole through the classical topology's bonds: the all-NN .tpr has
    none) and the water O-O g(r) of one run."""
    top = str(sysdir / "equil.tpr")
    u = mda.Universe(top, str(run / "md.xtc"))
    u.trajectory.add_transformations(transformations.unwrap(u.select_atoms("protein")))
    r = mda.Universe(top, str(sysdir / "conf.gro"))
    r.trajectory.add_transformations(transformations.unwrap(r.select_atoms("protein")))
    heavy = "protein and not name H*"
    rmsd = rms.RMSD(u, r, select=heavy).run().results.rmsd
    prot = u.select_atoms("protein")
    rg = np.array([prot.radius_of_gyration() for _ in u.trajectory])
    ow = u.select_atoms("resname SOL and name OW")
    g = rdf.InterRDF(ow, ow, nbins=120, range=(0.5, 6.0), exclusion_block=(1, 1)).run()
    return rmsd[:, 1], rmsd[:, 2] / 10, rg / 10, g.results.bins / 10, g.results.rdf


def nvt(md, sysdir, out):
    runs = [r for r in sorted(md.glob("*-nvt-*")) if (r / "md.xtc").exists()]
    res = {}
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for run in runs:
        t, temp, _ = energies(run)
        frame_t, rmsd, rg, bins, g = structure(run, sysdir)
        half = len(temp) // 2
        res[run.name] = {"ps": float(t[-1]), "temperature_mean_K": float(temp[half:].mean()),
                         "temperature_std_K": float(temp[half:].std()),
                         "rmsd_nm_last_half": float(rmsd[len(rmsd) // 2:].mean()),
                         "rg_nm_mean": float(rg.mean()), "rdf_oo_first_peak": [
                             float(bins[np.argmax(g)]), float(g.max())]}
        axes[0, 0].plot(t, temp, label=run.name, lw=0.7)
        axes[0, 1].plot(frame_t, rmsd, label=run.name)
        axes[1, 0].plot(frame_t, rg, label=run.name)
        axes[1, 1].plot(bins, g, label=run.name)
    for ax, (xl, yl) in zip(axes.ravel(), [("time (ps)", "temperature (K)"),
                                           ("time (ps)", "protein heavy-atom RMSD (nm)"),
                                           ("time (ps)", "protein radius of gyration (nm)"),
                                           ("r (nm)", "water O-O g(r)")]):
        ax.set(xlabel=xl, ylabel=yl)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "nvt_stability.png", dpi=110)
    return res


def ranks(md, out):
    a, b = md / "ranks1", md / "ranks2"
    if not (a / "md.trr").exists() or not (b / "md.trr").exists():
        return {}
    ua = mda.Universe(str(a / "md.tpr"), str(a / "md.trr"))
    ub = mda.Universe(str(b / "md.tpr"), str(b / "md.trr"))
    diff = []
    for fa, fb in zip(ua.trajectory, ub.trajectory):
        # minimum image: GROMACS puts atoms back into the box at different steps with and
        # without domain decomposition
        d = minimize_vectors(ua.atoms.positions - ub.atoms.positions, fa.dimensions)
        diff.append((fa.frame, float(np.abs(d).max()) / 10, float(np.sqrt((d ** 2).mean())) / 10))
    diff = np.array(diff)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(diff[:, 0], np.maximum(diff[:, 1], 1e-9), label="max |x1 - x2|")
    ax.semilogy(diff[:, 0], np.maximum(diff[:, 2], 1e-9), label="RMS")
    ax.set(xlabel="step", ylabel="position difference, 1 vs 2 ranks (nm)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "ranks_divergence.png", dpi=110)
    pick = [s for s in (0, 1, 5, 10, 20, 50, 100) if s < len(diff)]
    return {f"step {int(diff[s, 0])}": {"max_nm": diff[s, 1], "rms_nm": diff[s, 2]} for s in pick}


def speed(root):
    """The candidates' per-step time from the plugin's summary (validation/md/speed.sh runs)."""
    res = {}
    for run in sorted(root.glob("*-[0-9]")):
        if not (run / "run.json").exists():
            continue
        text = (run / "mdrun.out").read_text()
        line = next(l for l in text.splitlines() if l.startswith("  mean time per step"))
        total_ms = float(line.split("total")[1].split("=")[0])
        inference_ms = float(line.split("inference")[1].split(";")[0])
        info = json.loads((run / "run.json").read_text())
        res.setdefault(run.name.rsplit("-", 1)[0], []).append(
            {"ms_per_step": total_ms, "inference_ms": inference_ms,
             "atom_steps_per_s": info["natoms"] * 1e3 / total_ms, "steps": info["nsteps"]})
    return res


def main():
    train, md, sysdir, out = map(Path, sys.argv[1:5])
    out.mkdir(parents=True, exist_ok=True)
    natoms = int((sysdir / "conf.gro").read_text().splitlines()[1])
    summary = {"accuracy": accuracy(train, out) if (train / "lcurve.out").exists() else {},
               "nve": nve(md, out, natoms), "nvt": nvt(md, sysdir, out),
               "ranks": ranks(md, out), "speed": speed(md.parent / "speed"),
               "runs": {r.name: json.loads((r / "run.json").read_text())
                        for r in sorted(md.glob("*")) if (r / "run.json").exists()}}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
