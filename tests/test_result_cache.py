"""A rerun over unchanged files is served entirely from the result cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import logolint.check
import logolint.model
from conftest import EXAMPLES
from logolint.cache import ResultCache
from logolint.check import check_paths
from logolint.config import Config
from logolint.model import Model, bundled_model_path

NAMES = ["old-logo.png", "new-logo.png", "other-photo.jpg"]


def test_rerun_reads_every_result_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    images = tmp_path / "images"
    images.mkdir()
    for name in NAMES:
        shutil.copy(EXAMPLES / name, images / name)
    config = Config(root=tmp_path)
    path = bundled_model_path()

    cold_cache = ResultCache(tmp_path / "cache")
    cold = check_paths([str(images)], config, Model(path, path.read_bytes()), cache=cold_cache)
    assert (cold_cache.hits, cold_cache.misses) == (0, len(NAMES))

    def forbidden(*args, **kwargs):
        raise AssertionError("a warm run must neither analyse an image nor load the model")

    monkeypatch.setattr(logolint.check, "_analyse", forbidden)
    monkeypatch.setattr(logolint.model, "load_interpreter", forbidden)
    warm_cache = ResultCache(tmp_path / "cache")
    warm = check_paths([str(images)], config, Model(path, path.read_bytes()), cache=warm_cache)
    assert (warm_cache.hits, warm_cache.misses) == (len(NAMES), 0)
    assert warm.results == cold.results

    # One changed file is one miss; the rest still come from the cache.
    monkeypatch.undo()
    (images / "new-logo.png").write_bytes((EXAMPLES / "new-banner.jpg").read_bytes())
    again = ResultCache(tmp_path / "cache")
    check_paths([str(images)], config, Model(path, path.read_bytes()), cache=again)
    assert (again.hits, again.misses) == (len(NAMES) - 1, 1)
