"""``--format sarif`` validates against the SARIF 2.1.0 schema and carries what GitHub code
scanning shows: rule metadata with help links, and 1-based locations."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from flake8_losslint.rules import all_rules

from .cli_run import losslint, run

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))


def _validate(log: dict) -> None:
    validator_class = jsonschema.validators.validator_for(SCHEMA)
    validator_class.check_schema(SCHEMA)
    errors = sorted(validator_class(SCHEMA).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_on_the_fixtures_validates_and_matches_the_text_output() -> None:
    # Notebooks have their own SARIF test (test_cli_notebooks.py).
    result = run("check", "fixtures", "--format", "sarif", "--exclude", "*.ipynb")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    _validate(log)
    assert log["version"] == "2.1.0"
    [found] = log["runs"]
    driver = found["tool"]["driver"]
    assert driver["name"] == "losslint"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [rule.code for rule in all_rules()]
    for described, rule in zip(rules, all_rules()):
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["fullDescription"]["text"]
        assert "helpUri" not in described  # no published docs unless --docs-url says where
        assert described["help"]["markdown"] == rule.doc

    text = run("check", "fixtures", "--exclude", "*.ipynb", "--output-format", "concise").stdout.splitlines()
    located = []
    for res in found["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        [location] = res["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])
        located.append(
            f"{physical['artifactLocation']['uri']}:{region['startLine']}:{region['startColumn']}: "
            f"{res['ruleId']} {res['message']['text']}"
        )
    assert sorted(located) == sorted(text)  # same 1-based line and column as flake8 prints


def test_clean_sarif_validates() -> None:
    result = run("check", "fixtures/LL101/sequential_loss_variable_ok.py", "--format", "sarif")
    assert result.returncode == 0
    log = json.loads(result.stdout)
    _validate(log)
    assert log["runs"][0]["results"] == []


def test_absolute_paths_become_relative_or_file_uris(tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "fixtures" / "LL103" / "dense_one_unit_softmax.py"
    target = tmp_path / "my model.py"
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    result = losslint("check", str(target), "--format", "sarif", cwd=tmp_path.parent)
    log = json.loads(result.stdout)
    _validate(log)
    [res] = log["runs"][0]["results"]
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == f"{tmp_path.name}/my%20model.py"  # relative to where losslint ran
    outside = json.loads(losslint("check", str(target), "--format", "sarif").stdout)
    _validate(outside)
    location = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": target.as_uri()}


def test_files_that_could_not_be_checked_are_tool_execution_notifications(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import keras\ndef f(:\n", encoding="utf-8")
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    good = Path(__file__).parent.parent / "fixtures" / "LL103" / "dense_one_unit_softmax.py"
    (tmp_path / "model.py").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", "--format", "sarif", "broken.py", "nul.py", "model.py", "missing.py", cwd=tmp_path)
    assert result.returncode == 2
    log = json.loads(result.stdout)
    _validate(log)
    [run_] = log["runs"]
    assert [r["ruleId"] for r in run_["results"]] == ["LL103"]  # the run went on
    [invocation] = run_["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = [
        (n["descriptor"]["id"], n["message"]["text"], n["locations"][0]["physicalLocation"].get("region"))
        for n in invocation["toolExecutionNotifications"]
    ]
    assert notes == [
        ("E999", "SyntaxError: invalid syntax", {"startLine": 2, "startColumn": 7}),
        ("E999", "SyntaxError: source code string cannot contain null bytes", {"startLine": 1, "startColumn": 1}),
        ("E902", "FileNotFoundError: [Errno 2] No such file or directory: 'missing.py'", None),
    ]


def test_fixes_are_sarif_fixes(tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "fixtures" / "LL101" / "sequential_loss_variable.py"
    log = json.loads(run("check", "--format", "sarif", str(source)).stdout)
    _validate(log)
    [result] = log["runs"][0]["results"]
    [fix] = result["fixes"]
    assert fix["description"]["text"] == "set from_logits=False (safe fix: `losslint fix`)"
    [change] = fix["artifactChanges"]
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 11, "startColumn": 69, "endLine": 11, "endColumn": 73},
         "insertedContent": {"text": "False"}}
    ]


def test_the_docs_url_is_configurable(tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "fixtures" / "LL101" / "sequential_loss_variable.py"
    template = "https://docs.example.org/losslint/{code}.html"
    for how in (("--docs-url", template), ()):
        env = {} if how else {"LOSSLINT_DOCS_URL": template}
        log = json.loads(run("check", "--format", "sarif", *how, str(source), env=env).stdout)
        _validate(log)
        rules = log["runs"][0]["tool"]["driver"]["rules"]
        assert rules[0]["helpUri"] == "https://docs.example.org/losslint/LL101.html"
        rows = json.loads(run("check", "--format", "json", *how, str(source), env=env).stdout)
        assert rows[0]["url"] == "https://docs.example.org/losslint/LL101.html"
