#!/usr/bin/env python3
"""Models for the native engine's tests, made by DeePMD-kit itself, each as a .dp file (the
native engine's input) and a .pth file (the reference through DeePMD-kit's C API).

    python3 native_test_models.py MODELS_DIR CONFIG_DIR OUT_DIR

- <name>.dp for the example models in MODELS_DIR (dp convert-backend's conversion).
- Variants that exercise what the example models leave at defaults: random davg per slot,
  dstd, out_bias and bias_atom_e (the "-stats" variants), type_one_side = false, DPA-1
  without attention layers in "concat" and "strip" mode, and every kind of exclusion.
  Built from examples/models configurations with python/make_model.py's generator.
Idempotent: skipped when OUT_DIR/stamp matches a hash of this script, the configs and the
models.
"""
import copy
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

BASES = ["se_e2_a-small", "se_e2_a-small-fp32", "dpa1-small"]
# name: (base config, descriptor overrides, perturb statistics, exclusions)
VARIANTS = {
    "se_e2_a-stats": ("se_e2_a-small", {}, True, False),
    "se_e2_a-twoside-stats": ("se_e2_a-small", {"type_one_side": False}, True, False),
    "se_e2_a-excl": ("se_e2_a-small", {}, True, True),
    "dpa1-noattn": ("dpa1-small", {"attn_layer": 0}, False, False),
    "dpa1-noattn-stats": ("dpa1-small", {"attn_layer": 0}, True, False),
    "dpa1-noattn-twoside-stats": ("dpa1-small", {"attn_layer": 0, "type_one_side": False}, True, False),
    "dpa1-strip-stats": ("dpa1-small", {"attn_layer": 0, "tebd_input_mode": "strip"}, True, False),
}


def serialize_pth(path):
    from deepmd.backend.backend import Backend
    return Backend.detect_backend_by_model(path)().serialize_hook(path)


def write(data, out_dir, name, pth=True):
    from deepmd.backend.backend import Backend
    from deepmd.dpmodel.utils.serialization import save_dp_model
    save_dp_model(os.path.join(out_dir, name + ".dp"), data)
    if pth:
        out = os.path.join(out_dir, name + ".pth")
        Backend.detect_backend_by_model(out)().deserialize_hook(out, data)


def perturb(data, seed):
    """Random statistics of the shape training derives from data: davg and dstd per centre
    type, neighbour section (one per type for se_e2_a, one for DPA-1) and component, the same
    over the slots of a section (DeePMD-kit's compute_input_stats). Values that differ from
    slot to slot would make the energy jump wherever two neighbours swap places."""
    rng = np.random.default_rng(seed)
    model = data["model"]
    desc = model["descriptor"]
    sel = desc["sel"] if isinstance(desc["sel"], list) else [desc["sel"]]
    if desc["type"] in ("dpa1", "se_atten"):
        sel = [sum(sel)]
    bounds = np.cumsum([0] + list(sel))
    davg = desc["@variables"]["davg"]
    dstd = desc["@variables"]["dstd"]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        shape = (davg.shape[0], 1, davg.shape[2])
        davg[:, lo:hi, :] = rng.normal(0.0, 0.03, shape) + np.array([0.1, 0, 0, 0])
        dstd[:, lo:hi, :] = 0.1 * (1.0 + 0.2 * rng.random(shape))
    out_bias = model["@variables"]["out_bias"]
    out_bias[...] = rng.normal(0.0, 2.0, out_bias.shape)
    bias = model["fitting"]["@variables"]["bias_atom_e"]
    bias[...] = rng.normal(0.0, 1.0, bias.shape)


def exclusions(data):
    model = data["model"]
    model["descriptor"]["exclude_types"] = [[0, 1], [2, 2]]
    model["pair_exclude_types"] = [[1, 3]]
    model["atom_exclude_types"] = [4]
    model["fitting"]["exclude_types"] = [0]


def build_variant(config_dir, base, overrides, out_dir, name):
    import make_model
    import torch
    with open(os.path.join(config_dir, base + ".json")) as f:
        config = json.load(f)
    config["model"]["descriptor"].update(overrides)
    tmp_config = os.path.join(out_dir, name + ".config.json")
    with open(tmp_config, "w") as f:
        json.dump(config, f)
    model, _ = make_model.build(tmp_config, os.path.join(config_dir, "type_map.json"))
    pth = os.path.join(out_dir, name + ".base.pth")
    torch.jit.save(torch.jit.script(model), pth, {"data_modifier.pth": ""})
    data = serialize_pth(pth)
    os.remove(pth)
    return data


def stamp_of(models_dir, config_dir):
    h = hashlib.sha256(open(__file__, "rb").read())
    for name in sorted(os.listdir(config_dir)):
        h.update(open(os.path.join(config_dir, name), "rb").read())
    for base in BASES:
        h.update(str(os.path.getmtime(os.path.join(models_dir, base + ".pth"))).encode())
    return h.hexdigest()


def main():
    models_dir, config_dir, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    stamp = stamp_of(models_dir, config_dir)
    stamp_file = os.path.join(out_dir, "stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        print("native test models up to date in", out_dir)
        return
    for base in BASES:
        write(serialize_pth(os.path.join(models_dir, base + ".pth")), out_dir, base, pth=False)
    for i, (name, (base, overrides, stats, excl)) in enumerate(VARIANTS.items()):
        data = build_variant(config_dir, base, overrides, out_dir, name)
        if stats:
            perturb(data, 100 + i)
        if excl:
            exclusions(data)
        write(copy.deepcopy(data), out_dir, name)
        print("made", name)
    with open(stamp_file, "w") as f:
        f.write(stamp)


if __name__ == "__main__":
    main()
