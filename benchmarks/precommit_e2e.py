"""pre-commit end to end: the logolint hook on 1, 10 and 100 staged images, against
pre-commit's own check-added-large-files hook on the same files as the floor.

    python benchmarks/precommit_e2e.py

Both hooks run from environments pre-commit builds (`language: python`, installed once
before timing; logolint from this checkout), in a temporary git repository with photo-like
images of mixed size and format. Every timed logolint run starts with an empty result
cache: the cost of committing new images. The median of three runs each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from measure import PYTHON, ROOT, make_images, mib, run

CONFIG = """repos:
  - repo: local
    hooks:
      - id: logolint
        name: logolint
        entry: logolint-hook
        language: python
        additional_dependencies: ["{root}"]
        files: (?i)\\.(apng|bmp|dib|gif|ico|jfif|jpe|jpeg|jpg|png|svg|svgz|tif|tiff|webp)$
        require_serial: true
      - id: check-added-large-files
        name: check-added-large-files
        entry: check-added-large-files
        language: python
        additional_dependencies: ["pre-commit-hooks==6.0.0"]
        args: ["--maxkb=1000000"]
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        temp = Path(temp)
        repo, cache = temp / "repo", temp / "cache"
        repo.mkdir()
        _git(repo, "init", "-q")
        _git(repo, "config", "user.email", "b@example.com")
        _git(repo, "config", "user.name", "b")
        (repo / ".pre-commit-config.yaml").write_text(CONFIG.format(root=ROOT))
        _git(repo, "add", ".pre-commit-config.yaml")
        _git(repo, "commit", "-q", "-m", "config")
        images = make_images(repo / "assets", 100)
        env = {**os.environ, "PRE_COMMIT_HOME": str(temp / "home"), "XDG_CACHE_HOME": str(cache)}
        subprocess.run([PYTHON, "-m", "pre_commit", "install-hooks"], cwd=repo, env=env, check=True,
                       capture_output=True)

        def hook(name: str) -> tuple[float, int]:
            runs = []
            for _ in range(3):
                subprocess.run(["rm", "-rf", str(cache)], check=True)
                runs.append(run([PYTHON, "-m", "pre_commit", "run", name], cwd=repo, env=env))
            return statistics.median(s for s, _ in runs), max(r for _, r in runs)

        print("| staged images | logolint hook | check-added-large-files | ratio | peak RSS logolint / floor |")
        print("|---|---|---|---|---|")
        for count in (1, 10, 100):
            _git(repo, "reset", "-q")
            _git(repo, "add", *[str(p.relative_to(repo)) for p in images[:count]])
            ours, floor = hook("logolint"), hook("check-added-large-files")
            print(f"| {count} | {ours[0]:.2f} s | {floor[0]:.2f} s | {ours[0] / floor[0]:.1f}x "
                  f"| {mib(ours[1])} / {mib(floor[1])} |")


if __name__ == "__main__":
    main()
