"""Git LFS pointers: never passed as if checked; failing the run is the `unreadable` switch."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

POINTER = f"version https://git-lfs.github.com/spec/v1\noid sha256:{'ab' * 32}\nsize 48213\n"


def _repo(tmp_path: Path, config: str | None = None) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_text(POINTER)
    (tmp_path / "assets" / "logo.svg").write_text(POINTER)  # the name does not matter
    if config is not None:
        (tmp_path / ".logolint.yaml").write_text(config)
    return tmp_path


def test_pointers_are_not_checked_and_fail_by_default(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(_repo(tmp_path))
    assert run_cli("assets", "--no-cache") == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "assets/logo.png: not checked: Git LFS pointer (run `git lfs pull` first)",
        "assets/logo.svg: not checked: Git LFS pointer (run `git lfs pull` first)",
    ]
    assert lines[2] == "2 images: 0 checked, 0 with the old logo, 2 could not be checked"


def test_warn_reports_pointers_without_failing(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(_repo(tmp_path, "unreadable: warn\n"))
    assert run_cli("assets", "--no-cache", "--format", "json") == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert [(r["path"], r["score"], r["flagged"]) for r in results] == [
        ("assets/logo.png", None, False), ("assets/logo.svg", None, False)]
    assert all(r["error"].startswith("Git LFS pointer") for r in results)


def test_fail_is_the_explicit_default(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(_repo(tmp_path, "unreadable: fail\n"))
    assert run_cli("assets", "--no-cache", "--format", "json") == 1


def test_a_model_left_as_a_pointer_is_said_to_be_one(tmp_path: Path, capsys, monkeypatch):
    from conftest import EXAMPLES

    (tmp_path / "model.tflite").write_text(POINTER)
    monkeypatch.chdir(tmp_path)
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--model", "model.tflite", "--no-cache") == 2
    assert "model.tflite: a Git LFS pointer, not the model (run `git lfs pull` first)" in capsys.readouterr().err
