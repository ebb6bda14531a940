"""The library version a file is judged against: option, pins, the file itself, installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from flake8_losslint.engine import analyze
from flake8_losslint.interp.evaluator import Evaluator
from flake8_losslint.interp.versions import decide, file_target
from flake8_losslint.source import target
from flake8_losslint.syntax.collect import collect

from .conftest import FIXTURES, ROOT

PROGRAM = FIXTURES / "targets" / "pinned_tf2" / "program.py"


def _flake8(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", "--select", "LL", *args], cwd=cwd, capture_output=True, text=True)


# -- the option -------------------------------------------------------------------------------------
def test_the_option_outranks_the_pins() -> None:
    pinned = _flake8(str(PROGRAM))
    assert "as requirements.txt pins it" in pinned.stdout
    assert _flake8("--losslint-target-version", "tensorflow=1.15", str(PROGRAM)).stdout == ""
    newer = _flake8("--losslint-target-version", "tensorflow=2.20,keras=3.9", str(PROGRAM))
    assert "as --losslint-target-version says" in newer.stdout


def test_the_option_is_read_from_flake8_config(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\nlosslint-target-version = tensorflow=1.15\n")
    (tmp_path / "program.py").write_text(PROGRAM.read_text())
    assert _flake8("program.py", cwd=tmp_path).stdout == ""


@pytest.mark.parametrize("text", ["tensorflow", "tensorflow=latest", "pytorch=2.0", ""])
def test_an_unreadable_option_is_a_clear_error(text: str) -> None:
    with pytest.raises(target.TargetError, match="tensorflow=1.15,keras=2.4"):
        target.parse_option(text)
    result = _flake8(f"--losslint-target-version={text}", str(PROGRAM))
    assert result.returncode != 0 and "--losslint-target-version" in result.stderr and "Traceback" not in result.stderr


# -- pins ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("requirements.txt", "numpy\ntensorflow==1.15.0\n", "1.15.0"),
        ("requirements-dev.txt", "tensorflow-gpu<2  # old\n", "1.15.5"),
        ("requirements.txt", "tensorflow~=2.4.0\n", "2.4.0"),
        ("requirements.txt", "tensorflow[and-cuda]>=2.16; python_version>'3.9'\n", "2.21.0"),
        ("pyproject.toml", "[project]\nname='x'\ndependencies = ['tensorflow>=1.14,<2']\n", "1.15.5"),
        ("pyproject.toml", "[tool.poetry.dependencies]\ntensorflow = '^2.4'\n", "2.4"),
        ("setup.cfg", "[options]\ninstall_requires =\n    tensorflow==2.3.1\n", "2.3.1"),
        ("setup.py", "from setuptools import setup\nsetup(install_requires=['tensorflow==1.13.1'])\n", "1.13.1"),
        ("environment.yml", "dependencies:\n  - python=3.7\n  - tensorflow=1.15\n", "1.15"),
    ],
)
def test_pins_are_read(tmp_path: Path, name: str, content: str, expected: str) -> None:
    (tmp_path / name).write_text(content)
    (tmp_path / "src").mkdir()
    found = target.pinned(str(tmp_path / "src" / "program.py"))
    assert (found.tensorflow, found.source) == (expected, name)


def test_pins_above_the_project_root_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("tensorflow==1.15.0\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\ndependencies = ['numpy']\n")
    assert target.pinned(str(project / "program.py")) == target.NONE


def test_only_files_named_like_pin_files_are_looked_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(300):
        (tmp_path / f"data_{number}.csv").write_text("x\n")
    (tmp_path / "requirements-dev.txt").write_text("tensorflow==2.9.1\n")
    (tmp_path / "setup.py").mkdir()  # a folder named like a pin file is not one
    looked_at = []
    is_file = Path.is_file

    def counted(self: Path) -> bool:
        looked_at.append(self.name)
        return is_file(self)

    monkeypatch.setattr(Path, "is_file", counted)
    found = list(target._pin_files(tmp_path))
    assert [name for name, _ in found] == ["requirements-dev.txt"]
    assert found[0][1] == [("tensorflow", "==2.9.1")]
    assert sorted(looked_at) == ["requirements-dev.txt", "setup.py"]


def test_an_unpinned_library_says_nothing(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("tensorflow\nkeras\n")
    assert not target.pinned(str(tmp_path / "program.py")).known


# -- what the file shows --------------------------------------------------------------------------------
def _evaluator(source: str) -> Evaluator:
    return Evaluator(collect(cst.parse_module(textwrap.dedent(source))))


@pytest.mark.parametrize(
    "source, library, version, why",
    [
        ("import tensorflow as tf\nx = tf.placeholder(tf.float32)\n", "tensorflow", "1.15.5", "tf.placeholder"),
        ("import tensorflow as tf\nopt = tf.train.AdamOptimizer()\n", "tensorflow", "1.15.5", "tf.train.AdamOptimizer"),
        ("import tensorflow as tf\nslim = tf.contrib.slim\n", "tensorflow", "1.15.5", "tf.contrib"),
        ("from keras.optimizers import Adam\nopt = Adam(lr=0.01)\n", "keras", "2.15.0", "Adam(lr=...)"),
        ("from keras.layers import merge\n", "keras", "2.15.0", "keras.layers.merge"),
        ("model.fit_generator(gen)\nimport keras\n", "keras", "2.15.0", "fit_generator"),
    ],
)
def test_what_the_file_uses_decides(source: str, library: str, version: str, why: str) -> None:
    found = file_target(_evaluator(source))
    assert getattr(found, library) == version and why in found.source


def test_tf2_and_compat_v1_code_shows_no_version() -> None:
    source = "import tensorflow.compat.v1 as tf\nx = tf.placeholder(tf.float32)\nimport tensorflow as tf2\nm = tf2.keras.Model()\n"
    assert not file_target(_evaluator(source)).known


def test_a_module_level_exit_on_tf2_means_tf1() -> None:
    source = "import sys\nimport tensorflow as tf\nif tf.__version__.startswith('2'):\n    sys.exit('no')\n"
    found = file_target(_evaluator(source))
    assert found.tensorflow == "1.15.5" and "exits" in found.source


# -- version tests ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "test, tf1, tf2",
    [
        ("tf.__version__ >= '2.3.0'", False, True),  # compared as versions: 2.21 >= 2.3
        ("tf.__version__ < '2'", True, False),
        ("tf.__version__.startswith('1.')", True, False),
        ("int(tf.__version__.split('.')[0]) >= 2", False, True),
        ("tf.__version__[0] == '2'", False, True),
        ("version.parse(tf.__version__) >= version.parse('2.0')", False, True),
        ("LooseVersion(tf.__version__) < LooseVersion('2')", True, False),
        ("not tf.__version__.startswith('2') and x", None, False),
        ("'2' <= tf.__version__", False, True),
        ("keras.__version__ >= '3'", None, None),  # no Keras version given
        ("x > 2", None, None),
    ],
)
def test_version_tests_are_decided(test: str, tf1, tf2) -> None:  # noqa: ANN001
    source = f"import tensorflow as tf\nimport keras\nfrom packaging import version\nok = {test}\n"
    ev = _evaluator(source)
    module = ev.collected.module_scope
    expression = module.bindings["ok"][0].value
    ctx = module.bindings["ok"][0].ctx
    assert decide(ev, expression, ctx, {"tensorflow": "1.15.5"}) == tf1
    assert decide(ev, expression, ctx, {"tensorflow": "2.21.0"}) == tf2


def test_code_under_a_branch_that_cannot_run_is_not_judged() -> None:
    branch = (
        "import tensorflow as tf\n"
        "cce = tf.keras.losses.CategoricalCrossentropy()\n"
        "if tf.__version__ < '2':\n"
        "    loss = cce(y_true=[0, 2, 1], y_pred=probs)\n"
    )
    judged = target.Target(tensorflow="2.21.0", source="x")
    assert analyze(branch, target=judged) == []
    assert [r.code for r in analyze(branch, target=target.Target(tensorflow="1.15", source="x"))] == ["LL202"]
    # a function defined under the branch is as dead as the branch
    nested = branch.replace("    loss = cce(", "    def f():\n        return cce(")
    assert analyze(nested, target=judged) == []


@pytest.mark.parametrize(
    "name",
    ["softmax_over_time_axis.py", "version_branch_labels.py", "softmax_over_the_batch.py"],
)
def test_what_differs_from_a_probe_s_setting_is_never_confirmed(name: str) -> None:
    """A softmax over another axis, a branch that cannot run, one one-hot row: the probes rebuild a
    classifier's last axis, a running branch and a batch of labels, so these give no finding to
    confirm (runtime mode included)."""
    from flake8_losslint.runtime import Settings

    source = (FIXTURES / "silent" / name).read_text(encoding="utf-8")
    assert analyze(source, runtime=Settings(), path=str(FIXTURES / "silent" / name)) == []


def test_one_one_hot_row_is_not_read_as_class_ids() -> None:
    source = (
        "import tensorflow as tf\n"
        "cce = tf.keras.losses.CategoricalCrossentropy()\n"
        "print(cce(y_true=[0, 0, 1], y_pred=tf.nn.softmax(tf.constant([[1.5, 0.8, 2.1]]))))\n"
    )
    assert analyze(source) == []
    assert [r.code for r in analyze(source.replace("[0, 0, 1]", "[0, 2, 1]"))] == ["LL202"]
