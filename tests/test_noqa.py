"""``# noqa`` in ``losslint check`` agrees with flake8 exactly: the same files, the same
comments, the same output from both."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_run import run
from .conftest import run_flake8

HEAD = (
    "import keras\n"
    "\n"
    "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
)
LOSS = "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True), optimizer='adam')"

COMMENTS = {
    "bare": "  # noqa",
    "code": "  # noqa: LL101",
    "no_space": "  # noqa:LL101,E501",
    "upper_prefix": "  # NOQA: LL1",
    "whole_plugin_prefix": "  # noqa: LL",
    "other_code": "  # noqa: LL102",
    "other_tool": "  # noqa: E501",
    "space_before_colon": "  # noqa : LL102",  # flake8 reads this as a bare noqa
    "trailing_text": "  # noqa:LL101 because we say so",
    "after_another_comment": "  # type: ignore # noqa: LL101",
    "lowercase_code": "  # noqa: ll101",
    "none": "",
}


def _programs(folder: Path) -> None:
    for name, comment in COMMENTS.items():
        (folder / f"{name}.py").write_text(HEAD + LOSS + comment + "\n", encoding="utf-8")
    (folder / "noqa_line_above.py").write_text(HEAD + "# noqa\n" + LOSS + "\n", encoding="utf-8")
    (folder / "file_level.py").write_text("# flake8: noqa\n" + HEAD + LOSS + "\n", encoding="utf-8")
    (folder / "file_level_with_code.py").write_text(
        "# flake8: noqa: LL102\n" + HEAD + LOSS + "\n", encoding="utf-8"
    )
    (folder / "file_level_inline.py").write_text(HEAD + LOSS + "  # flake8: noqa\n", encoding="utf-8")
    # A string spanning lines: flake8 looks for noqa on all of its lines.
    multi = LOSS.replace("optimizer='adam'", 'optimizer="""adam\n"""') + "  # noqa: LL101\n"
    (folder / "multiline_string.py").write_text(HEAD + multi, encoding="utf-8")


def _rows(output: str) -> list:
    return sorted(Path(line.split(":", 1)[0]).name + ":" + line.split(":", 1)[1] for line in output.splitlines())


@pytest.mark.parametrize("extra", [(), ("--disable-noqa",)], ids=["noqa", "disable-noqa"])
def test_noqa_matches_flake8(tmp_path: Path, extra: tuple) -> None:
    _programs(tmp_path)
    flake8 = run_flake8(str(tmp_path), *extra)
    ours = run("check", "--output-format", "concise", str(tmp_path), *extra)
    assert "Traceback" not in flake8.stderr + ours.stderr
    assert _rows(ours.stdout) == _rows(flake8.stdout)
    reported = {row.split(":")[0] for row in _rows(ours.stdout)}
    if not extra:
        # What flake8 (and so losslint) does, spelled out.
        assert reported == {
            "other_code.py", "other_tool.py", "lowercase_code.py", "none.py", "noqa_line_above.py",
            "file_level_inline.py",  # "# flake8: noqa" after code silences nothing
        }
    else:
        assert len(reported) == len(COMMENTS) + 5  # every file, "# flake8: noqa" ones too
