"""``--format sarif`` validates against the SARIF 2.1.0 schema and carries what GitHub code
scanning shows: rule metadata with help links, and 1-based locations."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from flake8_losslint.report.formats import DOCS_URL
from flake8_losslint.rules import all_rules

from .cli_run import losslint

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))


def _validate(log: dict) -> None:
    validator_class = jsonschema.validators.validator_for(SCHEMA)
    validator_class.check_schema(SCHEMA)
    errors = sorted(validator_class(SCHEMA).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_on_the_fixtures_validates_and_matches_the_text_output() -> None:
    # Notebooks have their own SARIF test (test_cli_notebooks.py).
    result = losslint("check", "fixtures", "--format", "sarif", "--exclude", "*.ipynb")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    _validate(log)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "losslint"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [rule.code for rule in all_rules()]
    for described, rule in zip(rules, all_rules()):
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["fullDescription"]["text"]
        assert described["helpUri"] == DOCS_URL.format(code=rule.code)

    text = losslint("check", "fixtures", "--exclude", "*.ipynb").stdout.splitlines()
    located = []
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        [location] = res["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        located.append(
            f"{physical['artifactLocation']['uri']}:{region['startLine']}:{region['startColumn']}: "
            f"{res['ruleId']} {res['message']['text']}"
        )
    assert sorted(located) == sorted(text)  # same 1-based line and column as flake8 prints


def test_clean_sarif_validates() -> None:
    result = losslint("check", "fixtures/LL101/sequential_loss_variable_ok.py", "--format", "sarif")
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
