"""Data stages: solvated fragments -> classical NVT samples -> gmx_d -rerun labels -> DeePMD npy.

  python3 validation/data.py [--jobs N]     (inside scripts/env; prints the data directory)

build   capped amino acid ACE-X-NME / zwitterionic peptide from PeptideBuilder, pdb2gmx
        amber99sb-ildn + TIP3P, cubic box >= 1.6 nm with >= 0.5 nm of water, Na+/Cl- to neutral,
        steepest descent with the flexible reference (validation/mdp/reference.mdp).
sample  NVT (v-rescale) at each of TEMPERATURES, dt 0.5 fs, frames every 0.1 ps after 1 ps.
label   every kept frame re-evaluated by double-precision gmx_d mdrun -rerun: potential energy
        and forces, converted to DeePMD-kit's format (Angstrom, eV, eV/Angstrom).
"""
import argparse
import concurrent.futures as cf
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (DISCARD_PS, SAMPLE_PS, TEMPERATURES, TEST, TRAIN, TYPE_MAP, cached,  # noqa: E402
                    code_files, digest, mdp, run)

KJ_PER_EV = 96.48533212331
CAP_LEN = {"cap": 3}  # Ala-X-Ala, ends turned into ACE/NME


def write_pdb(name, path):
    """PeptideBuilder structure; for cap-X the flanking Ala become ACE (CH3-C=O) and NME (N-CH3)."""
    import PeptideBuilder
    from Bio.PDB import PDBIO
    from PeptideBuilder import Geometry
    kind, seq = name.split("-")
    residues = "A" + seq + "A" if kind == "cap" else seq
    geos = [Geometry.geometry(aa) for aa in residues]
    for g in geos:
        g.phi, g.psi_im1 = -120.0, 130.0  # extended (beta)
    structure = PeptideBuilder.make_structure_from_geos(geos)
    if kind == "cap":
        chain = structure[0]["A"]
        res = list(chain)
        for r, keep, newname in ((res[0], {"CA": "CH3", "C": "C", "O": "O"}, "ACE"),
                                 (res[-1], {"N": "N", "CA": "CH3"}, "NME")):
            for atom in list(r):
                if atom.get_id() not in keep:
                    r.detach_child(atom.get_id())
            for atom in list(r):
                atom.fullname = f" {keep[atom.get_id()]:<3}"
            r.resname = newname
    io = PDBIO()
    io.set_structure(structure)
    io.save(str(path))


def build_system(name, d):
    top = mdp("reference.mdp", "em.mdp")
    (d / "em.mdp").write_text(top)
    if name in ("water", "salt"):
        (d / "topol.top").write_text('#include "amber99sb-ildn.ff/forcefield.itp"\n'
                                     '#include "amber99sb-ildn.ff/tip3p.itp"\n'
                                     '#include "amber99sb-ildn.ff/ions.itp"\n\n'
                                     f"[ system ]\n{name}\n\n[ molecules ]\n")
        run(["gmx", "-quiet", "solvate", "-cs", "spc216", "-box", "1.8", "1.8", "1.8",
             "-o", "solvated.gro", "-p", "topol.top"], d, "solvate.log")
    else:
        write_pdb(name, d / "fragment.pdb")
        run(["gmx", "-quiet", "pdb2gmx", "-f", "fragment.pdb", "-o", "fragment.gro", "-p",
             "topol.top", "-ff", "amber99sb-ildn", "-water", "tip3p", "-ignh"], d, "pdb2gmx.log")
        run(["gmx", "-quiet", "editconf", "-f", "fragment.gro", "-o", "boxed.gro", "-c", "-d",
             "0.5", "-bt", "cubic"], d, "editconf.log")
        box = max(1.6, float((d / "boxed.gro").read_text().splitlines()[-1].split()[0]))
        run(["gmx", "-quiet", "editconf", "-f", "fragment.gro", "-o", "boxed.gro", "-c", "-box",
             str(box), str(box), str(box)], d, "editconf.log")
        run(["gmx", "-quiet", "solvate", "-cp", "boxed.gro", "-cs", "spc216", "-o",
             "solvated.gro", "-p", "topol.top"], d, "solvate.log")
    ions = ["-np", "3", "-nn", "3"] if name == "salt" else ["-neutral"]
    run(["gmx", "-quiet", "grompp", "-f", "em.mdp", "-c", "solvated.gro", "-p", "topol.top", "-o",
         "ions.tpr", "-maxwarn", "1"], d, "grompp-ions.log")
    run(["gmx", "-quiet", "genion", "-s", "ions.tpr", "-o", "ionised.gro", "-p", "topol.top",
         "-pname", "NA", "-nname", "CL", "-seed", "1", *ions], d, "genion.log", stdin="SOL\n")
    run(["gmx", "-quiet", "grompp", "-f", "em.mdp", "-c", "ionised.gro", "-p", "topol.top", "-o",
         "em.tpr"], d, "grompp-em.log")
    run(["gmx", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-deffnm", "em"], d, "em.log.out")


def sample(sysdir, temperature, seed, d):
    nsteps = int(round(SAMPLE_PS / 0.0005))
    (d / "md.mdp").write_text(mdp("reference.mdp", "sample.mdp", extra=(
        f"nsteps = {nsteps}\nref-t = {temperature}\ngen-temp = {temperature}\n"
        f"gen-seed = {seed}\n")))
    run(["gmx", "-quiet", "grompp", "-f", "md.mdp", "-c", sysdir / "em.gro", "-p",
         sysdir / "topol.top", "-o", "md.tpr"], d, "grompp.log")
    run(["gmx", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-deffnm", "md"], d, "mdrun.out")


def label(sysdir, sample_dirs, d):
    """Kept frames of every temperature -> one trr -> gmx_d -rerun -> set.000/*.npy."""
    parts = []
    for i, s in enumerate(sample_dirs):
        run(["gmx", "-quiet", "trjconv", "-f", s / "md.trr", "-s", s / "md.tpr", "-b",
             str(DISCARD_PS + 1e-3), "-o", f"part{i}.trr"], d, f"trjconv{i}.log", stdin="0\n")
        parts.append(f"part{i}.trr")
    run(["gmx", "-quiet", "trjcat", "-f", *parts, "-o", "frames.trr", "-cat"], d, "trjcat.log")
    (d / "label.mdp").write_text(mdp("reference.mdp", "label.mdp"))
    run(["gmx_d", "-quiet", "grompp", "-f", "label.mdp", "-c", sysdir / "em.gro", "-p",
         sysdir / "topol.top", "-o", "label.tpr"], d, "grompp.log")
    run(["gmx_d", "-quiet", "mdrun", "-nt", "1", "-pin", "off", "-deffnm", "label", "-rerun",
         "frames.trr"], d, "mdrun.out")
    run(["gmx_d", "-quiet", "energy", "-f", "label.edr", "-o", "energy.xvg"], d, "energy.log",
        stdin="Potential\n\n")
    run(["deepmd-gromacs", "types", "-s", "label.tpr", "-o", "types.dat"], d, "types.log")
    to_deepmd(d)
    for f in ["frames.trr", "label.trr", *parts]:
        (d / f).unlink()


def to_deepmd(d):
    import MDAnalysis as mda
    elements = [line.split()[1] for line in (d / "types.dat").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    types = np.array([TYPE_MAP.index(e) for e in elements])
    energy = np.array([float(l.split()[1]) for l in (d / "energy.xvg").read_text().splitlines()
                       if l[0] not in "#@"]) / KJ_PER_EV
    u = mda.Universe(str(d / "label.tpr"), str(d / "label.trr"))
    coords, forces, boxes = [], [], []
    for ts in u.trajectory:  # MDAnalysis: Angstrom and kJ/mol/Angstrom
        coords.append(ts.positions.astype(np.float64).ravel())
        forces.append((ts.forces / KJ_PER_EV).ravel())
        boxes.append(ts.triclinic_dimensions.ravel())
    assert len(coords) == len(energy), (len(coords), len(energy))
    out = d / "deepmd"
    (out / "set.000").mkdir(parents=True)
    np.savetxt(out / "type.raw", types, fmt="%d")
    (out / "type_map.raw").write_text("\n".join(TYPE_MAP) + "\n")
    for name, a in (("coord", coords), ("force", forces), ("box", boxes), ("energy", energy)):
        np.save(out / "set.000" / f"{name}.npy", np.asarray(a, dtype=np.float64))


def fragment(name):
    """Every stage of one fragment, each cached; returns its labelled directory."""
    code = code_files("data.py")
    skey = digest(name, *code)
    sysdir = cached("systems", f"{name}-{skey}", lambda d: build_system(name, d))
    samples = []
    for i, t in enumerate(TEMPERATURES):
        key = digest(name, t, SAMPLE_PS, skey, *code)
        samples.append(cached("samples", f"{name}-{t}K-{key}",
                              lambda d, t=t, i=i: sample(sysdir, t, 1000 + i, d)))
    lkey = digest(name, DISCARD_PS, [s.name for s in samples], *code)
    return cached("labels", f"{name}-{lkey}", lambda d: label(sysdir, samples, d))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--only", nargs="*", help="fragments to make (default: all)")
    args = p.parse_args()
    names = args.only or TRAIN + TEST
    with cf.ThreadPoolExecutor(args.jobs) as pool:
        dirs = dict(zip(names, pool.map(fragment, names)))
    for n, d in dirs.items():
        e = np.load(d / "deepmd/set.000/energy.npy")
        print(f"{n:10s} {'test' if n in TEST else 'train'} {len(e):4d} frames "
              f"{len(np.loadtxt(d / 'deepmd/type.raw')):5d} atoms  {d / 'deepmd'}")


if __name__ == "__main__":
    main()
