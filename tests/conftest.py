from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch):
    """The suite may itself run in GitHub Actions: keep `--format auto` on text there, and
    keep tests from writing to the real job summary and outputs."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A private copy of the shipped examples, safe to modify."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


def run_cli(*argv: str) -> int:
    from logolint.cli import main

    return main(list(argv))
