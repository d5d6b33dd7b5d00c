#!/usr/bin/env python3
"""Independent reference for `deepmd-gromacs energy` (numpy only, nothing from the code under
test): reads the NN .xvg and the gmx energy .xvg, matches frames by time, adds the NN energy,
fits the drift with numpy.polyfit, and compares with the tool's .xvg and --json summary.

usage: energy_reference.py make-nn GMX_XVG NN_XVG       write a synthetic plugin NN .xvg
       energy_reference.py check NN_XVG GMX_XVG OUT_XVG SUMMARY_JSON
"""
import json
import re
import sys

import numpy as np


def load(path):
    legends, natoms, rows = {}, None, []
    for line in open(path):
        s = line.strip()
        m = re.match(r'@\s*s(\d+)\s+legend\s+"(.*)"', s)
        if m:
            legends[m.group(2)] = int(m.group(1)) + 1
        m = re.match(r'#\s*natoms\s+(\d+)', s)
        if m:
            natoms = int(m.group(1))
        if s and s[0] not in "#@":
            rows.append([float(v) for v in s.split()])
    return legends, natoms, np.array(rows)


def make_nn(gmx_path, nn_path):
    _, _, g = load(gmx_path)
    t = g[::2, 0]  # every other GROMACS frame
    t = np.append(t, t[-1] + 1.0)  # and a time GROMACS does not have
    e = -2500.0 + 40.0 * t + 3.0 * np.sin(50 * t)
    with open(nn_path, "w") as f:
        f.write("# NN energy written by the deepmd-gromacs plugin (synthetic, for the test)\n"
                "# model: none\n# natoms 123\n# time = step * dt (dt 0.002 ps)\n"
                '@    title "DeePMD-kit NN energy"\n@    xaxis  label "Time (ps)"\n'
                '@    yaxis  label "(kJ/mol)"\n@TYPE xy\n@ s0 legend "NN energy"\n')
        for ti, ei in zip(t, e):
            f.write(f"{ti:15.6f} {ei:20.10f}\n")


def check(nn_path, gmx_path, out_path, summary_path):
    nl, natoms, nn = load(nn_path)
    gl, _, g = load(gmx_path)
    _, _, out = load(out_path)
    summary = json.load(open(summary_path))
    pot, kin, tot, cons = (gl[k] for k in ("Potential", "Kinetic En.", "Total Energy", "Conserved En."))
    expected = []
    for row in nn:
        match = np.nonzero(np.abs(g[:, 0] - row[0]) <= 1e-6)[0]
        if len(match) == 1:
            gr = g[match[0]]
            e = row[nl["NN energy"]]
            expected.append([row[0], e, gr[pot], gr[pot] + e, gr[kin], gr[tot] + e, gr[cons] + e])
    expected = np.array(expected)
    assert len(expected) >= 5, f"only {len(expected)} common frames"
    assert out.shape == expected.shape, f"tool wrote {out.shape}, expected {expected.shape}"
    assert np.allclose(out, expected, rtol=0, atol=2e-6), np.abs(out - expected).max()
    slope, intercept = np.polyfit(expected[:, 0], expected[:, 6], 1)
    resid = expected[:, 6] - (slope * expected[:, 0] + intercept)
    rms_fit = np.sqrt(np.mean(resid**2))
    rms_mean = np.std(expected[:, 6])
    s = summary["conserved_plus_nn"]
    assert summary["frames"] == len(expected), summary["frames"]
    assert summary["natoms"] == natoms == 123, summary["natoms"]
    for name, value, ref in (("drift", s["drift_kj_mol_ps"], slope),
                             ("drift per atom", s["drift_kj_mol_ps_atom"], slope / natoms),
                             ("RMS about fit", s["rms_about_fit_kj_mol"], rms_fit),
                             ("RMS about mean", s["rms_about_mean_kj_mol"], rms_mean)):
        assert abs(value - ref) <= 1e-6 * max(1.0, abs(ref)), f"{name}: tool {value}, numpy {ref}"
    gslope = np.polyfit(expected[:, 0], expected[:, 6] - expected[:, 1], 1)[0]
    assert abs(summary["conserved_gromacs"]["drift_kj_mol_ps"] - gslope) <= 1e-6 * max(1.0, abs(gslope))
    print(f"energy: {len(expected)} frames; drift {slope:.6g} kJ/mol/ps, RMS about fit {rms_fit:.6g}: "
          "tool and numpy agree")


if __name__ == "__main__":
    if sys.argv[1] == "make-nn":
        make_nn(*sys.argv[2:4])
    else:
        check(*sys.argv[2:6])
