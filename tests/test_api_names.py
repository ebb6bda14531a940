"""The API-name lists per library generation and the choice of list for a target version."""

from __future__ import annotations

import ast
import json
from typing import Optional

import pytest

from flake8_losslint.interp.domains import api_names

from .conftest import ROOT

DATA = ROOT / "flake8_losslint" / "data"

# What each file was generated from (scripts/generate_api_names.py under each venv).
RELEASES = {
    "tf1.15": {"tensorflow": "1.15.5", "tf.keras": "2.2.4-tf", "keras": "2.3.1", "python": "3.7.16"},
    "tf2.15": {"tensorflow": "2.15.1", "tf.keras": "2.15.0", "keras": "2.15.0", "python": "3.11.7"},
    "tf2.21": {"tensorflow": "2.21.0", "tf.keras": "3.15.1", "keras": "3.15.1", "python": "3.11.7"},
}


def raw(generation: str) -> dict:
    return json.loads((DATA / f"api_names_{generation}.json").read_text(encoding="utf-8"))


# -- the data files --------------------------------------------------------------------


def test_one_file_per_generation_and_no_other() -> None:
    assert sorted(p.name for p in DATA.glob("api_names*.json")) == sorted(
        g.data_file for g in api_names.GENERATIONS
    )
    assert [g.name for g in api_names.GENERATIONS] == list(RELEASES)


@pytest.mark.parametrize("generation", list(RELEASES))
def test_data_file_format(generation: str) -> None:
    data = raw(generation)
    assert data["versions"] == RELEASES[generation]
    assert data["generated_by"] == "scripts/generate_api_names.py"
    assert data["how"] == (
        "dir() of each module, imported from the installed packages under Python "
        + RELEASES[generation]["python"]
    )
    # the file is named after the TensorFlow release it lists
    major, minor = data["versions"]["tensorflow"].split(".")[:2]
    assert generation == f"tf{major}.{minor}"
    assert sorted(data["modules"]) == sorted(api_names.RECORDED_MODULES)
    for module, entry in data["modules"].items():
        assert entry["names"] == sorted(entry["names"]), module
        assert not any(name.startswith("_") for name in entry["names"]), module
        assert set(entry["objects"]) <= set(entry["names"]), module
        if module not in api_names.COVERED_MODULES:
            assert entry["objects"] == {}, module  # only suggestions need them
        if not entry["present"]:
            assert entry == {"importable": False, "names": [], "objects": {}, "present": False}, module


def test_modules_that_a_generation_lacks() -> None:
    absent = {
        generation: sorted(m for m, entry in raw(generation)["modules"].items() if not entry["present"])
        for generation in RELEASES
    }
    assert absent == {
        "tf1.15": ["keras.ops", "tensorflow.keras.ops"],
        "tf2.15": ["keras.ops", "tensorflow.keras.ops"],
        "tf2.21": [],
    }


def test_covered_modules_are_unchanged_by_the_version_modules() -> None:
    # LL301's view of the newest file holds exactly the modules it judges; the
    # names recorded only to tell versions apart never reach its suggestions.
    known = api_names.load()
    assert known.suggestion("tensorflow.nn", "placeholder") is None
    assert known.exists("tensorflow", "function")


# -- the names that tell the generations apart (measured by the generator) --------------


def test_tensorflow_1_15_list() -> None:
    tf1 = api_names.load(tensorflow="1.15")
    assert tf1.exists("tensorflow.losses", "mean_squared_error")
    assert tf1.exists("tensorflow.losses", "huber_loss")
    assert tf1.exists("tensorflow.losses", "sparse_softmax_cross_entropy")
    assert tf1.exists("tensorflow", "placeholder")
    assert tf1.exists("tensorflow", "Session")
    assert tf1.exists("tensorflow", "contrib")
    assert tf1.exists("tensorflow.train", "AdamOptimizer")
    assert tf1.exists("tensorflow.nn", "softmax_cross_entropy_with_logits_v2")
    assert "tensorflow.losses" in tf1.importable  # a module of its own in TF 1, not Keras's
    tf2 = api_names.load()
    assert not tf2.exists("tensorflow.losses", "huber_loss")
    assert not tf2.exists("tensorflow", "placeholder")
    assert not tf2.exists("tensorflow.train", "AdamOptimizer")


def test_keras_2_15_list() -> None:
    keras2 = api_names.load(keras="2.15")
    assert keras2.exists("keras.backend", "binary_crossentropy")
    assert keras2.exists("tensorflow.keras.backend", "binary_crossentropy")
    assert keras2.exists("keras.losses", "Reduction")
    assert not keras2.has_module("keras.ops")
    assert not keras2.exists("keras.ops", "binary_crossentropy")
    keras3 = api_names.load(keras="3.15.1")
    assert not keras3.exists("keras.backend", "binary_crossentropy")
    assert keras3.has_module("keras.ops")
    assert not api_names.load().exists("keras.backend", "binary_crossentropy")


def test_keras_2_3_list() -> None:
    keras23 = api_names.load(keras="2.3")
    assert keras23.exists("keras.layers", "merge")
    assert keras23.exists("keras.backend", "binary_crossentropy")
    assert not api_names.load(keras="2.15").exists("keras.layers", "merge")


# -- which list answers for a target version ---------------------------------------------


@pytest.mark.parametrize(
    "tensorflow, keras, expected",
    [
        (None, None, ("tf2.21", "tf2.21")),
        ("1.4", None, ("tf1.15", "tf1.15")),
        ("1.15", None, ("tf1.15", "tf1.15")),
        ("1.15.5", None, ("tf1.15", "tf1.15")),
        ("2", None, ("tf2.15", "tf2.15")),
        ("2.0.0", None, ("tf2.15", "tf2.15")),
        ("2.15.1", None, ("tf2.15", "tf2.15")),
        ("2.16.0rc0", None, ("tf2.21", "tf2.21")),
        ("2.21", None, ("tf2.21", "tf2.21")),
        ("2.40", None, ("tf2.21", "tf2.21")),
        (None, "1.2.2", ("tf1.15", "tf1.15")),
        (None, "2.3.1", ("tf1.15", "tf1.15")),
        (None, "2.4", ("tf2.15", "tf2.15")),
        (None, "2.15.0", ("tf2.15", "tf2.15")),
        (None, "3", ("tf2.21", "tf2.21")),
        ("1.15", "2.4", ("tf1.15", "tf2.15")),
        ("2.15", "3.6", ("tf2.15", "tf2.21")),
        ("1.15", "2.3.1", ("tf1.15", "tf1.15")),
    ],
)
def test_generation_for_target_versions(tensorflow: Optional[str], keras: Optional[str], expected) -> None:
    chosen = api_names.generations_for(tensorflow=tensorflow, keras=keras)
    assert (chosen[0].name, chosen[1].name) == expected
    assert api_names.load(tensorflow=tensorflow, keras=keras).generations == dict(zip(("tensorflow", "keras"), expected))


@pytest.mark.parametrize("version", ["", "latest", "x2.4", ">=2.4"])
def test_unreadable_version(version: str) -> None:
    with pytest.raises(ValueError, match="not a release number"):
        api_names.load(tensorflow=version)


def test_each_library_takes_its_names_from_its_own_generation() -> None:
    mixed = api_names.load(tensorflow="1.15", keras="3")
    assert mixed.exists("tensorflow.losses", "huber_loss")  # TF 1.15
    assert mixed.exists("keras.ops", "binary_crossentropy")  # Keras 3.15.1
    assert mixed.versions == {"tensorflow": "1.15.5", "tf.keras": "2.2.4-tf", "keras": "3.15.1"}


def test_default_is_the_newest_list() -> None:
    assert api_names.load().versions == api_names.load(tensorflow="2.21.0", keras="3.15.1").versions
    assert api_names.load().names == api_names.load(tensorflow="2.30").names


# -- versions in messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, module, expected",
    [
        ({}, "tensorflow.nn", "TensorFlow 2.21.0"),
        ({}, "tensorflow.losses", "TensorFlow 2.21.0 (tf.keras is Keras 3.15.1)"),
        ({}, "tensorflow.keras.losses", "TensorFlow 2.21.0 (tf.keras is Keras 3.15.1)"),
        ({}, "keras.losses", "Keras 3.15.1"),
        ({"tensorflow": "1.15"}, "tensorflow.nn", "TensorFlow 1.15.5"),
        ({"tensorflow": "1.15"}, "tensorflow.losses", "TensorFlow 1.15.5"),  # tf.losses is not Keras's in TF 1
        ({"tensorflow": "1.15"}, "tensorflow.keras.losses", "TensorFlow 1.15.5 (tf.keras is Keras 2.2.4-tf)"),
        ({"tensorflow": "1.15"}, "keras.backend", "Keras 2.3.1"),
        ({"tensorflow": "2.4"}, "tensorflow.losses", "TensorFlow 2.15.1 (tf.keras is Keras 2.15.0)"),
        ({"keras": "2.15"}, "keras.backend", "Keras 2.15.0"),
        ({"tensorflow": "2.15", "keras": "3"}, "keras.losses", "Keras 3.15.1"),
        ({"tensorflow": "2.15", "keras": "3"}, "tensorflow.keras.losses", "TensorFlow 2.15.1 (tf.keras is Keras 2.15.0)"),
    ],
)
def test_library_version(target: dict, module: str, expected: str) -> None:
    assert api_names.load(**target).library_version(module) == expected


# -- the generator runs under TensorFlow 1.15's Python -------------------------------------


@pytest.mark.parametrize("path", ["scripts/generate_api_names.py", "flake8_losslint/interp/domains/api_names.py"])
def test_generator_and_loader_parse_as_python_3_7(path: str) -> None:
    ast.parse((ROOT / path).read_text(encoding="utf-8"), feature_version=(3, 7))
