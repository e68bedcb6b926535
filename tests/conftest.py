from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True, scope="session")
def _apart_from_the_users_settings(tmp_path_factory):
    """Git and caches as on a fresh machine, for this process and what it starts: a user's
    global core.hooksPath or commit.gpgsign broke `pre-commit install` and commits, and
    results went to (and could come from) the user's own cache. pip keeps its own cache:
    the hook's environments are installed from it rather than downloaded again."""
    pip_cache = os.environ.get("PIP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "pip")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIP_CACHE_DIR", pip_cache)
        patch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        # As a global safe.directory did: a checkout owned by another user stays usable.
        patch.setenv("GIT_CONFIG_COUNT", "1")
        patch.setenv("GIT_CONFIG_KEY_0", "safe.directory")
        patch.setenv("GIT_CONFIG_VALUE_0", "*")
        for role in ("AUTHOR", "COMMITTER"):
            patch.setenv(f"GIT_{role}_NAME", "logolint tests")
            patch.setenv(f"GIT_{role}_EMAIL", "tests@example.com")
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        yield


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


def no_training(monkeypatch) -> None:
    """Make any training fail the test: bad inputs must be refused before it starts."""
    import logolint.train

    def forbidden(*args, **kwargs):
        raise AssertionError("bad inputs must be refused before any training")

    monkeypatch.setattr(logolint.train, "Backbone", forbidden)


def run_cli(*argv: str) -> int:
    from logolint.cli import main

    return main(list(argv))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository with an identity to commit with."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    return repo


def without_privilege() -> list[str]:
    """A command prefix under which file modes apply: none for an ordinary user; for root
    (who runs CI), setpriv dropping the capabilities that let root read any folder."""
    import os
    import shutil

    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv: file modes cannot be made to apply")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", "--"]
