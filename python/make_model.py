#!/usr/bin/env python3
"""Builds a frozen DeePMD-kit PyTorch model (.pth) from a model configuration with
deterministic random weights, the way `dp --pt freeze` writes one, without training data.

    python3 make_model.py CONFIG.json TYPE_MAP.json OUT.pth [--info OUT.json]

The weights are DeePMD-kit's own initialisation under a fixed seed; the descriptor
statistics (mean 0, std 1) and the output bias (0) are left at their defaults. --info writes
the parameter count and what the model reports about itself.
"""
import argparse
import copy
import json
import os

import torch


from deepmd.pt.model.model import get_model


def build(config_path, type_map_path):
    with open(config_path) as f:
        config = json.load(f)
    with open(type_map_path) as f:
        type_map = json.load(f)
    seed = int(config.get("seed", 1))
    params = copy.deepcopy(config["model"])
    params["type_map"] = type_map
    params["descriptor"].setdefault("seed", seed)
    params["fitting_net"].setdefault("seed", seed + 1)
    torch.manual_seed(seed)
    model = get_model(params)
    apply_statistics(model, config.get("statistics", {}), len(type_map))
    model.eval()
    return model, params


def apply_statistics(model, stats, ntypes):
    """Sets what training would have derived from data, so that random weights give
    physically sized energies and forces: the descriptor's environment-matrix scale
    (stddev buffers; smaller = stronger variation with distance), the energy scale (out_std,
    eV) and per-type energy offsets (out_bias, eV)."""
    with torch.no_grad():
        for name, buf in model.named_buffers():
            if ".descriptor." in name and name.endswith("stddev"):
                buf.mul_(float(stats.get("descriptor_std", 1.0)))
            elif name.endswith("atomic_model.out_std"):
                buf.fill_(float(stats.get("energy_std", 1.0)))
            elif name.endswith("atomic_model.out_bias") and "energy_bias" in stats:
                bias = torch.tensor(stats["energy_bias"], dtype=buf.dtype)
                if bias.numel() != ntypes:
                    raise ValueError(f"energy_bias needs {ntypes} values (one per type)")
                buf.copy_(bias.reshape(buf.shape))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("type_map")
    parser.add_argument("output")
    parser.add_argument("--info")
    args = parser.parse_args()

    model, params = build(args.config, args.type_map)
    n_params = sum(p.numel() for p in model.parameters())
    scripted = torch.jit.script(model)
    tmp = args.output + ".tmp"
    # Same archive layout as `dp --pt freeze` (an empty data modifier entry).
    torch.jit.save(scripted, tmp, {"data_modifier.pth": ""})
    os.replace(tmp, args.output)
    if args.info:
        info = {
            "config": os.path.basename(args.config),
            "parameters": int(n_params),
            "descriptor": params["descriptor"]["type"],
            "rcut_angstrom": float(model.get_rcut()),
            "type_map": list(model.get_type_map()),
            "has_message_passing": bool(model.has_message_passing()),
            "precision": params["descriptor"].get("precision", "float64"),
        }
        with open(args.info, "w") as f:
            json.dump(info, f, indent=1)
        print(json.dumps(info))


if __name__ == "__main__":
    main()
