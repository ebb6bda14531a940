"""Regenerate flake8_losslint/data/api_names.json from the installed TensorFlow and Keras.

Run it with the interpreter that has them, e.g.::

    TF_CPP_MIN_LOG_LEVEL=3 /work/tfvenv/bin/python scripts/generate_api_names.py

For every module in ``flake8_losslint.api_names.COVERED_MODULES`` it records
the public names (``dir()`` without leading underscores), reached the way user
code reaches them (``tf.keras.losses`` is an attribute chain, not always an
importable module), whether ``from <module> import x`` works for the module,
and the library versions.  LL301 flags names missing from these lists.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location("api_names", ROOT / "flake8_losslint" / "interp" / "domains" / "api_names.py")
api_names = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(api_names)  # the module alone: the package's imports need libcst

OUTPUT = ROOT / "flake8_losslint" / "data" / api_names.DATA_FILE


def reach(dotted: str):
    parts = dotted.split(".")
    module = importlib.import_module(parts[0])
    for part in parts[1:]:
        module = getattr(module, part)
    return module


def object_key(value) -> str:
    qualname = getattr(value, "__qualname__", None)
    home = getattr(value, "__module__", None)
    if not (callable(value) and isinstance(qualname, str) and isinstance(home, str)):
        return ""
    return f"{home}.{qualname}"


def importable(dotted: str) -> bool:
    try:
        importlib.import_module(dotted)
    except ImportError:
        return False
    return True


def main() -> None:
    import keras
    import tensorflow as tf

    modules = {}
    for dotted in api_names.COVERED_MODULES:
        module = reach(dotted)
        names = sorted(name for name in dir(module) if not name.startswith("_"))
        modules[dotted] = {
            "importable": importable(dotted),
            "names": names,
            # What each function/class name is, so that a missing name can be
            # answered with the spelling this module uses for the same object
            # (tf.keras.losses has ``mse`` where keras.losses has ``mean_squared_error``).
            "objects": {name: key for name in names if (key := object_key(getattr(module, name, None)))},
        }
    data = {
        "generated_by": "scripts/generate_api_names.py",
        "versions": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": ".".join(map(str, sys.version_info[:3])),
        },
        "modules": modules,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(modules)} modules, TF {tf.__version__}, Keras {keras.__version__}")


if __name__ == "__main__":
    main()
