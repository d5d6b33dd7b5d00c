"""Non-bonded atom pairs closer than a cut-off in each frame of a run: where an NN model lets
atoms fall into each other. Bonded pairs (1-2, from the classical topology) are left out; 1-3
pairs, normally 1.5-2.5 A apart, count.

  python3 validation/md/contacts.py RUN.tpr RUN.xtc CLASSICAL.tpr [CUTOFF_A=1.3]  (inside scripts/env)
"""
import sys

import MDAnalysis as mda
from MDAnalysis.lib.distances import capped_distance


def main():
    run_tpr, xtc, classical = sys.argv[1:4]
    cutoff = float(sys.argv[4]) if len(sys.argv) > 4 else 1.3
    u = mda.Universe(run_tpr, xtc)
    bonded = {tuple(sorted(b.indices)) for b in mda.Universe(classical).bonds}
    for ts in u.trajectory:
        pairs, dist = capped_distance(u.atoms.positions, u.atoms.positions, max_cutoff=cutoff, box=ts.dimensions)
        close = sorted((r, i, j) for (i, j), r in zip(pairs, dist) if i < j and (i, j) not in bonded)
        names = [f"{u.atoms[i].resname}{u.atoms[i].resid}:{u.atoms[i].name}-"
                 f"{u.atoms[j].resname}{u.atoms[j].resid}:{u.atoms[j].name} {r:.2f}" for r, i, j in close[:5]]
        print(f"t {ts.time:6.3f} ps: {len(close):4d} pairs < {cutoff} A  {'; '.join(names)}")


if __name__ == "__main__":
    main()
