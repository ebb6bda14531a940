"""Write the API-name list of the installed TensorFlow and Keras to flake8_losslint/data/.

Run it with the interpreter that has them; the file is named after the
TensorFlow release (``api_names_tf2.21.json``).  One list per generation
(see ``flake8_losslint/interp/domains/api_names.py``), each from its own virtual environment::

    # TensorFlow 2.21 / Keras 3.15.1: the project's development environment
    TF_CPP_MIN_LOG_LEVEL=3 /work/main/.venv/bin/python scripts/generate_api_names.py

    # TensorFlow 2.15.1, whose tf.keras and standalone keras are Keras 2.15
    python3.11 -m venv /work/scratch/tf215
    /work/scratch/tf215/bin/pip install tensorflow-cpu==2.15.1
    /work/scratch/tf215/bin/python scripts/generate_api_names.py

    # TensorFlow 1.15.5 (Python 3.7 at the newest) with Keras 2.3.1, the last
    # multi-backend Keras; protobuf 4 breaks TF 1.15's import
    python3.7 -m venv /work/scratch/tf115
    /work/scratch/tf115/bin/pip install tensorflow==1.15.5 "protobuf<3.21" keras==2.3.1
    /work/scratch/tf115/bin/python scripts/generate_api_names.py

For every module in ``api_names.RECORDED_MODULES`` it records the public
names (``dir()`` without leading underscores), reached the way user code
reaches them (``tf.keras.losses`` is an attribute chain, not always an
importable module), whether ``from <module> import x`` works for the module,
whether the module exists at all (``keras.ops`` does not in Keras 2), and the
library versions.  LL301 flags names missing from these lists.

This script runs on Python 3.7 (TensorFlow 1.15's newest): no newer syntax.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location("api_names", str(ROOT / "flake8_losslint" / "interp" / "domains" / "api_names.py"))
api_names = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(api_names)  # the module alone: the package's imports need libcst

DATA = ROOT / "flake8_losslint" / "data"


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
    return "{}.{}".format(home, qualname)


def importable(dotted: str) -> bool:
    try:
        importlib.import_module(dotted)
    except ImportError:
        return False
    return True


def tf_keras_version(tf, keras) -> str:
    """The Keras release that ``tf.keras`` is, from the package its classes live in.

    TF 1.15 and TF 2.16+ say it themselves; in TF 2.15 ``tf.keras`` is the
    keras package (or tf_keras, with TF_USE_LEGACY_KERAS=1) and has no version.
    """
    home = tf.keras.layers.Layer.__module__.split(".")[0]
    if home == "keras":
        return keras.__version__
    if home == "tf_keras":
        return importlib.import_module("tf_keras").__version__
    version = getattr(tf.keras, "__version__", None)
    if not isinstance(version, str):
        raise SystemExit("cannot tell which Keras tf.keras is")
    return version


def record(dotted: str) -> dict:
    try:
        module = reach(dotted)
    except AttributeError:
        return {"importable": False, "names": [], "objects": {}, "present": False}
    names = sorted(name for name in dir(module) if not name.startswith("_"))
    objects = {}
    if dotted in api_names.COVERED_MODULES:
        # What each function/class name is, so that a missing name can be
        # answered with the spelling this module uses for the same object
        # (tf.keras.losses has ``mse`` where keras.losses has ``mean_squared_error``).
        for name in names:
            key = object_key(getattr(module, name, None))
            if key:
                objects[name] = key
    return {"importable": importable(dotted), "names": names, "objects": objects, "present": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="where to write (default: data/api_names_tfX.Y.json)")
    args = parser.parse_args()
    try:
        import keras
    except ImportError:
        # Without it every keras.* module would be recorded as missing.
        raise SystemExit("the standalone keras package is not importable here")
    import tensorflow as tf

    major, minor = api_names.release(tf.__version__)[:2]
    output = args.output or DATA / "api_names_tf{}.{}.json".format(major, minor)
    python = platform.python_version()
    modules = {dotted: record(dotted) for dotted in api_names.RECORDED_MODULES}
    data = {
        "generated_by": "scripts/generate_api_names.py",
        "how": "dir() of each module, imported from the installed packages under Python {}".format(python),
        "versions": {
            "tensorflow": tf.__version__,
            "tf.keras": tf_keras_version(tf, keras),
            "keras": keras.__version__,
            "python": python,
        },
        "modules": modules,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(
        "wrote {}: {} modules, TF {}, Keras {}".format(output, len(modules), tf.__version__, keras.__version__),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
