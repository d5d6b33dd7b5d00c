#!/usr/bin/env python3
"""Independent reference for `deepmd-gromacs types`: the atoms of a .tpr as `gmx dump -s`
prints them (molecule types expanded over the molecule blocks into global order), compared
with the atom-types file under test.

usage: types_reference.py DUMP TYPES [--expect-guess]
  DUMP   output of `gmx dump -s topol.tpr`
  TYPES  the atom-types file written by `deepmd-gromacs types`
  --expect-guess  the topology has no atomic numbers (dump shows -1): the expected element is
                  the one whose standard mass is within 0.1 amu of the dump's mass
"""
import re
import sys

# The elements of the test systems; symbols and IUPAC standard atomic weights.
ELEMENTS = {1: ("H", 1.008), 8: ("O", 15.999), 11: ("Na", 22.98976928), 17: ("Cl", 35.45)}


def parse_dump(path):
    text = open(path).read()
    blocks = re.findall(r'molblock \(\d+\):\s*\n\s*moltype\s*=\s*(\d+)\s*"[^"]*"\s*\n\s*#molecules\s*=\s*(\d+)', text)
    moltypes = {}
    for m in re.finditer(r'moltype \((\d+)\):\s*\n(.*?)(?=\n\s*moltype \(\d+\):|\ngrp\[|\Z)', text, re.S):
        atoms = re.findall(r'atom\[\s*\d+\]=\{type=.*?ptype=\s*(\w+), m=\s*([-+0-9.eE]+),.*?atomnumber=\s*(-?\d+)\}',
                           m.group(2))
        moltypes[int(m.group(1))] = [(ptype, float(mass), int(z)) for ptype, mass, z in atoms]
    out = []
    for moltype, nmol in blocks:
        out += moltypes[int(moltype)] * int(nmol)
    return out


def main():
    dump, types = sys.argv[1], sys.argv[2]
    guess = "--expect-guess" in sys.argv[3:]
    ref = parse_dump(dump)
    lines = open(types).read().splitlines()
    assert lines[0] == "# deepmd-gromacs atom types v1", lines[0]
    assert f"# natoms {len(ref)}" in lines, f"no '# natoms {len(ref)}' header"
    rows = [l.split() for l in lines if l and not l.startswith("#")]
    assert len(ref) > 0 and len(rows) == len(ref), f"{len(rows)} atom lines, gmx dump has {len(ref)} atoms"
    counts = {}
    for i, ((ptype, mass, z), row) in enumerate(zip(ref, rows)):
        index, element, zfile, mfile = int(row[0]), row[1], int(row[2]), float(row[3])
        assert index == i, f"line {i}: index {index}"
        if guess:
            assert z <= 0, f"atom {i}: the dump has atomic number {z}, expected none"
            z = min(ELEMENTS, key=lambda k: abs(ELEMENTS[k][1] - mass))
            assert abs(ELEMENTS[z][1] - mass) < 0.1, f"atom {i}: mass {mass} is no test element"
        assert zfile == z, f"atom {i}: atomic number {zfile}, gmx dump {z}"
        assert element == ELEMENTS[z][0], f"atom {i}: element {element}, expected {ELEMENTS[z][0]}"
        # gmx dump prints 6 significant digits.
        assert abs(mfile - mass) <= 1e-5 * mass, f"atom {i}: mass {mfile}, gmx dump {mass}"
        counts[element] = counts.get(element, 0) + 1
    print(f"{types}: {len(rows)} atoms agree with gmx dump: {counts}")


if __name__ == "__main__":
    main()
