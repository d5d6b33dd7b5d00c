"""Import guard for DeePMD-kit 3.2.0's PyTorch side.

deepmd.pt imports e3nn unconditionally (only its DPA4/SeZM descriptor uses it), but the wheel
declares e3nn only under the optional 'dpa-adapt' extra, so `import deepmd.pt...` fails in a
plain install. When e3nn is absent we register a placeholder module whose names raise if
anything actually calls them: the descriptors we use (se_e2_a, se_atten) never do. Installing
e3nn makes this a no-op.
"""
import importlib.util
import sys
import types


def ensure_e3nn():
    if importlib.util.find_spec("e3nn") is not None:
        return

    def _missing(*_args, **_kwargs):
        raise RuntimeError("e3nn is not installed (needed only by DeePMD-kit's DPA4/SeZM)")

    e3nn = types.ModuleType("e3nn")
    o3 = types.ModuleType("e3nn.o3")
    for name in ("FromS2Grid", "ToS2Grid", "spherical_harmonics"):
        setattr(o3, name, _missing)
    e3nn.o3 = o3
    sys.modules["e3nn"] = e3nn
    sys.modules["e3nn.o3"] = o3


ensure_e3nn()
