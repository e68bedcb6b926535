"""The sdist as the README promises it: it carries what its test suite reads."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import ROOT, git

SHIPPED = ("logolint", "model", "tests", "examples", "scripts", "benchmarks", "README.md", "action.yml",
           ".pre-commit-hooks.yaml", "pyproject.toml", "LICENSE", "NOTICE")


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="compares the sdist with a git checkout's files")
def test_the_sdist_holds_every_tracked_file_the_tests_read(tmp_path: Path):
    # Built from a copy of the tracked files: setuptools also ships whatever an earlier
    # build listed in the checkout's logolint.egg-info.
    source = tmp_path / "source"
    for name in git(ROOT, "ls-files").splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))",
         str(tmp_path)],
        cwd=source, capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    with tarfile.open(tmp_path / built.stdout.split()[-1]) as sdist:
        # Every member sits under the sdist's own top folder, logolint-VERSION/.
        members = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    tracked = git(ROOT, "ls-files", "--", *SHIPPED).splitlines()
    assert tracked and not [name for name in tracked if name not in members]
