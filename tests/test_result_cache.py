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


@pytest.mark.parametrize("damaged", ["{}", '{"score": "0.1"}', '{"score": 7}', '{"score": 0.5, "box": [1, 2]}',
                                     '{"error": 3}', '{"score": NaN}',
                                     '{"score": 1.0, "label": "old", "box": [1%s, 0, 1, 1]}' % ("0" * 400),
                                     "[" * 100000 + "]" * 100000])
def test_a_damaged_entry_is_recomputed_and_replaced(tmp_path: Path, damaged: str):
    from logolint.check import check_file

    path = bundled_model_path()
    model = Model(path, path.read_bytes())
    image = str(EXAMPLES / "old-logo.png")
    cache = ResultCache(tmp_path / "cache")
    fresh = check_file(image, model, 0.5, cache)
    (entry,) = (tmp_path / "cache").rglob("*.json")
    entry.write_text(damaged)
    cache = ResultCache(tmp_path / "cache")
    assert check_file(image, model, 0.5, cache) == fresh and (cache.hits, cache.misses) == (0, 1)
    cache = ResultCache(tmp_path / "cache")  # and written again
    assert check_file(image, model, 0.5, cache) == fresh and (cache.hits, cache.misses) == (1, 0)


@pytest.mark.parametrize("unfinished", ["SVG took longer than 10 s to render",
                                        "cannot render SVG: the renderer crashed or ran out of memory"])
def test_an_unfinished_render_is_reported_and_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           unfinished: str):
    # A busy machine, or a renderer killed from outside (the OOM killer on CI), may finish next time.
    import logolint.svg_worker
    from logolint.check import check_file
    from logolint.errors import ImageTimeout, ImageUnfinished

    def busy(svg_text):  # as the renderer says
        raise (ImageTimeout if "longer" in unfinished else ImageUnfinished)(unfinished)

    path = bundled_model_path()
    model = Model(path, path.read_bytes())
    image = str(path.parent / "demo-old.svg")
    monkeypatch.setattr(logolint.svg_worker, "render", busy)
    slow = check_file(image, model, 0.5, ResultCache(tmp_path / "cache"))
    assert slow.error == unfinished and not list((tmp_path / "cache").rglob("*.json"))
    monkeypatch.undo()
    cache = ResultCache(tmp_path / "cache")
    later = check_file(image, model, 0.5, cache)
    assert later.error is None and later.flagged and (cache.hits, cache.misses) == (0, 1)


def test_results_of_another_version_of_logolint_are_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The cache outlives upgrades (and the action restores older caches): a change to the
    # checks that no settings string marked let an old logo pass from an older version's result.
    config = Config(root=tmp_path)
    path = bundled_model_path()
    image = tmp_path / "old-logo.png"
    shutil.copy(EXAMPLES / "old-logo.png", image)
    monkeypatch.setattr(logolint.check, "code_digest", lambda: "older")
    first = ResultCache(tmp_path / "cache")
    check_paths([str(image)], config, Model(path, path.read_bytes()), cache=first)
    monkeypatch.setattr(logolint.check, "code_digest", lambda: "newer")
    second = ResultCache(tmp_path / "cache")
    check_paths([str(image)], config, Model(path, path.read_bytes()), cache=second)
    assert (second.hits, second.misses) == (0, 1)


def test_the_code_digest_follows_the_source(tmp_path: Path):
    from logolint.check import code_digest

    source = Path(logolint.check.__file__).parent
    copy = tmp_path / "logolint"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "models"))
    digest = code_digest.__wrapped__  # not the process's cached answer
    assert digest(copy) == digest(source)
    (copy / "svg.py").write_text((copy / "svg.py").read_text() + "\n# changed\n")
    assert digest(copy) != digest(source)
