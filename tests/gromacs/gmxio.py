"""Reading GROMACS output for the plugin tests, through GROMACS's own tools (`gmx dump`,
`gmx energy`) so that the numbers are GROMACS's, not ours."""
import re
import subprocess

import numpy as np

_VEC = re.compile(r"^\s*([xvf])\[\s*(\d+)\]=\{\s*([^,]+),\s*([^,]+),\s*([^}]+)\}")
_BOX = re.compile(r"^\s*box\[\s*(\d+)\]=\{\s*([^,]+),\s*([^,]+),\s*([^}]+)\}")
_HEAD = re.compile(r"natoms=\s*(\d+)\s+step=\s*(-?\d+)\s+time=\s*(\S+)")


def read_trr(gmx, trr):
    """Frames of a .trr as dicts with step, time, box (3x3) and x, v, f (N x 3) where present."""
    text = subprocess.run([gmx, "-quiet", "dump", "-f", str(trr)], check=True, capture_output=True,
                          text=True).stdout
    frames, frame = [], None
    for line in text.splitlines():
        m = _HEAD.search(line)
        if m:
            frame = {"natoms": int(m.group(1)), "step": int(m.group(2)), "time": float(m.group(3)),
                     "box": np.zeros((3, 3))}
            frames.append(frame)
            continue
        if frame is None:
            continue
        m = _VEC.match(line)
        if m:
            arr = frame.setdefault(m.group(1), np.zeros((frame["natoms"], 3)))
            arr[int(m.group(2))] = [float(m.group(k)) for k in (3, 4, 5)]
            continue
        m = _BOX.match(line)
        if m:
            frame["box"][int(m.group(1))] = [float(m.group(k)) for k in (2, 3, 4)]
    return frames


def read_trr_exact(trr):
    """Frames of a .trr at full precision (float or double), read from the file's XDR layout
    (GROMACS trrio: magic 1993, version string, 13 ints of block sizes/natoms/step/nre, t,
    lambda, then box, virial, pressure, x, v, f). `gmx dump` prints only 6 digits; tests check
    this reader against it (check_trr_reader)."""
    data = open(trr, "rb").read()
    pos, frames = 0, []
    while pos < len(data):
        magic, slen, n = np.frombuffer(data, ">i4", 3, pos)
        assert magic == 1993, f"{trr}: not a .trr frame at byte {pos}"
        pos += 12 + ((n + 3) // 4) * 4
        sizes = np.frombuffer(data, ">i4", 13, pos)
        pos += 52
        ir, e, box_s, vir_s, pres_s, top, sym, x_s, v_s, f_s, natoms, step, nre = (int(v) for v in sizes)
        real = 8 if (box_s == 72 or x_s == natoms * 24 or v_s == natoms * 24 or f_s == natoms * 24) else 4
        dt = ">f8" if real == 8 else ">f4"
        t, lam = np.frombuffer(data, dt, 2, pos)
        pos += 2 * real
        frame = {"natoms": natoms, "step": step, "time": float(t), "precision": real}
        for key, size, shape in (("box", box_s, (3, 3)), ("vir", vir_s, (3, 3)), ("pres", pres_s, (3, 3)),
                                 ("x", x_s, (natoms, 3)), ("v", v_s, (natoms, 3)), ("f", f_s, (natoms, 3))):
            if size:
                frame[key] = np.frombuffer(data, dt, size // real, pos).astype(np.float64).reshape(shape)
                pos += size
        frames.append(frame)
    return frames


def check_trr_reader(gmx, trr):
    """The exact reader agrees with `gmx dump` to its printed precision (6 digits)."""
    exact, dumped = read_trr_exact(trr), read_trr(gmx, trr)
    assert len(exact) == len(dumped), (len(exact), len(dumped))
    for a, b in zip(exact, dumped):
        assert a["step"] == b["step"]
        for key in ("x", "v", "f"):
            if key in b:
                assert np.allclose(a[key], b[key], rtol=1e-5, atol=1e-5 * np.abs(b[key]).max()), key


def read_xvg(path):
    """(legends, data) of an .xvg file: data is rows x columns, legends name columns 1.."""
    legends, rows = {}, []
    for line in open(path):
        if line.startswith("@"):
            m = re.match(r'@\s+s(\d+)\s+legend\s+"(.*)"', line)
            if m:
                legends[int(m.group(1))] = m.group(2)
            continue
        if line.startswith("#") or not line.strip():
            continue
        rows.append([float(v) for v in line.split()])
    return [legends[k] for k in sorted(legends)], np.array(rows)


def read_ndx(path):
    """Groups of an .ndx file, 1-based atom numbers as written."""
    groups, name = {}, None
    for line in open(path):
        line = line.strip()
        if line.startswith("["):
            name = line.strip("[] ")
            groups[name] = []
        elif line and name is not None:
            groups[name] += [int(v) for v in line.split()]
    return groups


def gmx_energy(gmx, edr, terms, out):
    """Runs `gmx energy` selecting terms by name; returns {term: column} and the times."""
    subprocess.run([gmx, "-quiet", "energy", "-f", str(edr), "-o", str(out)], check=True,
                   input="\n".join(terms) + "\n\n", capture_output=True, text=True)
    legends, data = read_xvg(out)
    return data[:, 0], {name: data[:, 1 + i] for i, name in enumerate(legends)}
