"""The hook as users get it: real `pre-commit try-repo` against this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, git

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]



@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """pre-commit's own home for the module, not the user's. try-repo installs the hook
    into a store of its own each time all the same."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This checkout, which try-repo reads as a git repository (its uncommitted changes
    included); an unpacked sdist is none, so there a copy is committed to a new one."""
    if (ROOT / ".git").exists():
        return ROOT
    copy = tmp_path_factory.mktemp("hook-repo") / "logolint"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "build", "*.egg-info", "__pycache__"))
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "sdist")
    return copy



def _configured(repo: Path) -> None:
    """The repository's model: the demo brand's, as `logolint train` would have written one."""
    from logolint.model import bundled_model_path

    (repo / "brand").mkdir(exist_ok=True)
    shutil.copyfile(bundled_model_path(), repo / "brand" / "model.tflite")
    (repo / ".logolint.yaml").write_text("model: brand/model.tflite\n")


def _try_repo(repo: Path, home: Path, hook_repo: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [*PRE_COMMIT, "try-repo", str(hook_repo), "logolint", "--verbose"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_manifest_is_valid():
    result = subprocess.run([*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hook_blocks_an_old_logo_and_passes_a_new_one(repo: Path, pre_commit_home: Path, hook_repo: Path):
    _configured(repo)
    target = repo / "assets" / "hero banner.jpg"
    target.parent.mkdir()
    shutil.copyfile(EXAMPLES / "old-banner.jpg", target)
    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "assets" / "new.png")
    git(repo, "add", ".")

    blocked = _try_repo(repo, pre_commit_home, hook_repo)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    findings = [line for line in blocked.stdout.splitlines() if ": old logo (" in line]
    assert len(findings) == 1 and findings[0].startswith("assets/hero banner.jpg: old logo (")
    assert "2 images checked, 1 with the old logo" in blocked.stdout

    git(repo, "rm", "-q", "--cached", "assets/hero banner.jpg")
    target.unlink()
    passed = _try_repo(repo, pre_commit_home, hook_repo)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_hook_checks_every_image_kind_and_reads_option_like_names_as_files(repo: Path, pre_commit_home: Path,
                                                                          hook_repo: Path):
    _configured(repo)
    from PIL import Image

    Image.open(EXAMPLES / "old-logo.png").save(repo / "favicon.ico", sizes=[(64, 64)])
    shutil.copyfile(EXAMPLES / "old-banner.jpg", repo / "hero.JFIF")  # identify tags neither as an image
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "-old.png")
    # Read as an option, this name would write a baseline and pass the commit.
    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "--write-baseline=accepted.png")
    git(repo, "add", "--", ".")

    done = _try_repo(repo, pre_commit_home, hook_repo)
    assert done.returncode == 1, done.stdout + done.stderr
    for name in ("favicon.ico", "hero.JFIF", "-old.png"):
        assert f"\n{name}: old logo (" in done.stdout, done.stdout
    assert "4 images checked, 3 with the old logo" in done.stdout
    assert not (repo / "accepted.png").exists()


def _fingerprint(repo: Path) -> dict[str, tuple[str, int, int]]:
    """sha256, mode and mtime of every file in the work tree, and the index's blob ids."""
    import hashlib

    files = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        stat = path.stat()
        files[path.relative_to(repo).as_posix()] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                    stat.st_mode, stat.st_mtime_ns)
    index = subprocess.run(["git", "-C", str(repo), "ls-files", "-s"], capture_output=True, text=True, check=True)
    files[".git index"] = (index.stdout, 0, 0)
    return files


def test_the_hook_never_modifies_a_file(repo: Path, pre_commit_home: Path, hook_repo: Path):
    _configured(repo)
    assets = repo / "assets"
    assets.mkdir()
    for name in ("old-logo.png", "new-logo.png", "other-photo.jpg", "old-card.webp"):
        shutil.copyfile(EXAMPLES / name, assets / name)
    (assets / "broken.png").write_bytes((EXAMPLES / "new-logo.png").read_bytes()[:500])
    (assets / "mark.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
                                     '<rect width="9" height="9" fill="red"/></svg>')
    (assets / "pointer.png").write_text("version https://git-lfs.github.com/spec/v1\n"
                                        f"oid sha256:{'0' * 64}\nsize 12345\n")
    git(repo, "add", ".")
    before = _fingerprint(repo)

    done = _try_repo(repo, pre_commit_home, hook_repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "files were modified by this hook" not in done.stdout
    assert "assets/pointer.png: not checked: Git LFS pointer" in done.stdout
    assert _fingerprint(repo) == before


def test_without_a_model_the_hook_fails_and_says_why(repo: Path, pre_commit_home: Path, hook_repo: Path):
    """The demo model would pass the user's old logo, and pre-commit shows a passing hook's
    output to no one: the hook fails, saying to train a model."""
    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "new.png")
    git(repo, "add", ".")
    done = _try_repo(repo, pre_commit_home, hook_repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout and "no model is configured: the bundled demo model knows only" in done.stdout


def _readmes_local_hook(repo: Path, home: Path) -> dict[str, str]:
    """The README's `repo: local` snippet, as written there, configured in `repo` with a
    model; the environment that runs it with this environment's logolint."""
    import re

    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = next(block for block in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repo: local" in block)
    hook = yaml.safe_load(snippet)["repos"][0]["hooks"][0]
    (manifest,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == "logolint-hook" and hook["files"] == manifest["files"]  # every image kind
    (repo / ".pre-commit-config.yaml").write_text(snippet)
    _configured(repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(home),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("GITHUB_ACTIONS", None)
    return env


def test_the_readmes_local_hook_runs_the_installed_logolint(repo: Path, pre_commit_home: Path):
    env = _readmes_local_hook(repo, pre_commit_home)
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "old.PNG")
    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "new.png")
    git(repo, "add", ".")
    done = subprocess.run([*PRE_COMMIT, "run", "--verbose"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "old.PNG: old logo (" in done.stdout and "2 images checked, 1 with the old logo" in done.stdout


def test_a_real_push_runs_the_installed_pre_push_hook_on_the_pushed_commit(repo: Path, pre_commit_home: Path,
                                                                           tmp_path: Path):
    """`pre-commit install --hook-type pre-push` and real `git push`es, the first (whose
    commits include the root) and later ones: git hands pre-commit the refs, pre-commit
    hands the hook the pushed commit. Each time the index holds the other banner."""
    env = _readmes_local_hook(repo, pre_commit_home)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    subprocess.run([*PRE_COMMIT, "install", "--hook-type", "pre-push"], cwd=repo, env=env, check=True,
                   capture_output=True)

    def push(committed: str, staged: str) -> subprocess.CompletedProcess:
        shutil.copyfile(EXAMPLES / committed, repo / "banner.jpg")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", committed)
        shutil.copyfile(EXAMPLES / staged, repo / "banner.jpg")
        git(repo, "add", "banner.jpg")  # staged, not committed: not pushed
        return subprocess.run(["git", "push", "origin", "HEAD:refs/heads/main"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=600)

    for first in (True, False):  # the first push, whose commits include the root, and a later one
        blocked = push("old-banner.jpg", "new-banner.jpg")
        assert blocked.returncode != 0, blocked.stdout + blocked.stderr
        assert "banner.jpg: old logo (" in blocked.stdout + blocked.stderr
        # Its next step explains the file as the pushed commit has it.
        pushed = git(repo, "rev-parse", "HEAD").strip()[:12]
        assert f"logolint explain --revision {pushed} banner.jpg" in blocked.stdout + blocked.stderr, first
        passed = push("new-banner.jpg", "old-banner.jpg")
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
