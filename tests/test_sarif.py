"""`--format sarif`: valid SARIF 2.1.0 that GitHub code scanning can place and track."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.parse
from pathlib import Path

import jsonschema
import pytest

from conftest import EXAMPLES, ROOT, run_cli
from logolint.results import Report, Result
from logolint.sarif import sarif

SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _validate(document: dict) -> None:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    for run in document["runs"]:
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            # A relative reference with every special character percent-encoded.
            assert urllib.parse.quote(urllib.parse.unquote(uri), safe="/") == uri or uri.startswith("file:///")


def test_the_schema_is_the_official_one():
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    # It does reject what it should: a result without a message.
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a"}]}]}
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(bad))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "brand kit" / "ünï").mkdir(parents=True)
    shutil.copy(EXAMPLES / "old-logo.png", repo / "brand kit" / "ünï" / "old #1, 100%.png")
    shutil.copy(EXAMPLES / "new-logo.png", repo / "new.png")
    (repo / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    monkeypatch.chdir(repo)
    return repo


def test_cli_sarif_validates_and_locates_files(tree: Path, tmp_path: Path, capsys):
    assert run_cli(".", "--format", "sarif", "--cache-dir", str(tmp_path / "cache")) == 1
    document = json.loads(capsys.readouterr().out)
    _validate(document)
    run = document["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["old-logo", "unreadable-image"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert len(run["results"]) == 2 and set(by_rule) == {"old-logo", "unreadable-image"}

    found = by_rule["old-logo"]
    location = found["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "brand%20kit/%C3%BCn%C3%AF/old%20%231%2C%20100%25.png"
    assert location["region"] == {"startLine": 1}
    assert found["level"] == "error" and run["tool"]["driver"]["rules"][found["ruleIndex"]]["id"] == "old-logo"
    content = (tree / "brand kit" / "ünï" / "old #1, 100%.png").read_bytes()
    assert found["partialFingerprints"] == {"primaryLocationLineHash": hashlib.sha256(content).hexdigest()}

    broken = by_rule["unreadable-image"]
    assert run["tool"]["driver"]["rules"][broken["ruleIndex"]]["id"] == "unreadable-image"
    assert broken["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.png"
    assert broken["message"]["text"].startswith("Not checked: ")


def test_moving_a_file_keeps_its_fingerprint(tree: Path, tmp_path: Path, capsys):
    def fingerprints() -> dict[str, str]:
        run_cli(".", "--format", "sarif", "--cache-dir", str(tmp_path / "cache"))
        results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
        return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]:
                r.get("partialFingerprints", {}).get("primaryLocationLineHash") for r in results}

    before = fingerprints()
    (tree / "brand kit" / "ünï" / "old #1, 100%.png").rename(tree / "moved.png")
    after = fingerprints()
    assert set(after) == {"moved.png", "broken.png"}
    assert after["moved.png"] == before["brand%20kit/%C3%BCn%C3%AF/old%20%231%2C%20100%25.png"]


def test_sarif_edge_cases_validate(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    empty = json.loads(sarif(Report((), 0.5, "0" * 64, root=str(tmp_path))))
    _validate(empty)
    assert empty["runs"][0]["results"] == []

    report = Report((
        Result("a\nb:c.png", 0.9, True, box=None, sha256="a" * 64),
        Result("/outside/x.png", 0.9, True, box=(0, 0, 1, 1)),
        Result("bad.png", None, False, error="corrupt"),
        Result("kept.png", 0.9, False, sha256="b" * 64, accepted="press kit"),
    ), 0.5, "0" * 64, fail_on_error=False, root=str(tmp_path))
    document = json.loads(sarif(report))
    _validate(document)
    results = document["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "a%0Ab%3Ac.png", "file:///outside/x.png", "bad.png"]
    assert [r["level"] for r in results] == ["error", "error", "warning"]  # unreadable: warn
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    # An accepted image opens no alert, and the run still says it was seen and why it passed.
    assert document["runs"][0]["properties"]["accepted"] == [
        {"uri": "kept.png", "sha256": "b" * 64, "reason": "press kit"}]


def test_files_are_named_from_the_current_repository_whatever_the_order(tmp_path: Path, monkeypatch, capsys):
    for name in ("ra", "rb"):
        (tmp_path / name / ".git").mkdir(parents=True)
        shutil.copy(EXAMPLES / "old-logo.png", tmp_path / name / f"{name}.png")
    monkeypatch.chdir(tmp_path / "ra")
    for paths in (["../rb/rb.png", "ra.png"], ["ra.png", "../rb/rb.png"]):
        assert run_cli(*paths, "--format", "sarif", "--no-cache") == 1
        uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                      for r in json.loads(capsys.readouterr().out)["runs"][0]["results"])
        assert uris == [(tmp_path / "rb" / "rb.png").as_uri(), "ra.png"], paths
    # Paths all in another repository are named from it (`check ../other-repo`).
    assert run_cli("../rb", "--format", "sarif", "--no-cache") == 1
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "rb.png"
