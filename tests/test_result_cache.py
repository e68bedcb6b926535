"""A rerun over unchanged files is served entirely from the result cache."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

import logolint.check
import logolint.model
from conftest import EXAMPLES, run_cli
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
    entry.write_text('{"key": "%s", "result": %s}' % (entry.stem, damaged))  # under its own key
    cache = ResultCache(tmp_path / "cache")
    assert check_file(image, model, 0.5, cache) == fresh and (cache.hits, cache.misses) == (0, 1)
    cache = ResultCache(tmp_path / "cache")  # and written again
    assert check_file(image, model, 0.5, cache) == fresh and (cache.hits, cache.misses) == (1, 0)


def test_an_entry_under_another_key_is_not_taken(tmp_path: Path):
    from logolint.check import check_file

    path = bundled_model_path()
    model = Model(path, path.read_bytes())
    cache = ResultCache(tmp_path / "cache")
    new = check_file(str(EXAMPLES / "new-logo.png"), model, 0.5, cache)
    old = check_file(str(EXAMPLES / "old-logo.png"), model, 0.5, cache)
    assert old.flagged and not new.flagged
    new_entry, old_entry = sorted((tmp_path / "cache").rglob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    new_entry.write_bytes(old_entry.read_bytes())  # the old logo's result, well formed, in the new logo's place
    cache = ResultCache(tmp_path / "cache")
    assert check_file(str(EXAMPLES / "new-logo.png"), model, 0.5, cache) == new and cache.misses == 1


def _one_entry(tmp_path: Path):
    """The model, an image, its result, and its one entry in a new cache under tmp_path."""
    from logolint.check import check_file

    path = bundled_model_path()
    model = Model(path, path.read_bytes())
    image = str(EXAMPLES / "old-logo.png")
    fresh = check_file(image, model, 0.5, ResultCache(tmp_path / "cache"))
    (entry,) = (tmp_path / "cache").rglob("*.json")
    return model, image, fresh, entry


def test_a_link_in_the_cache_is_a_miss_and_its_target_is_left_alone(tmp_path: Path):
    from logolint.check import check_file

    model, image, fresh, entry = _one_entry(tmp_path)
    outside = tmp_path / "outside.json"
    entry.rename(outside)
    os.utime(outside, (1, 1))
    entry.symlink_to(outside)
    cache = ResultCache(tmp_path / "cache")
    assert check_file(image, model, 0.5, cache) == fresh and (cache.hits, cache.misses) == (0, 1)
    assert outside.stat().st_mtime == 1  # not marked as used


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_the_cache_is_a_miss_not_a_hang(tmp_path: Path):
    import threading

    from logolint.check import check_file

    model, image, fresh, entry = _one_entry(tmp_path)
    entry.unlink()
    os.mkfifo(entry)
    done = []
    worker = threading.Thread(target=lambda: done.append(check_file(image, model, 0.5, ResultCache(tmp_path / "cache"))),
                              daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # unblock the reader so the test process can end
        os.close(os.open(entry, os.O_WRONLY | os.O_NONBLOCK))
    assert done == [fresh]


@pytest.mark.parametrize("unfinished", ["SVG took longer than 10 s to render",
                                        "cannot render SVG: the renderer crashed or ran out of memory"])
def test_an_unfinished_render_is_reported_and_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           unfinished: str):
    # A busy machine, or a renderer killed from outside (the OOM killer on CI), may finish next time.
    import logolint.svg_worker
    from logolint.check import check_file
    from logolint.errors import ImageTimeout, ImageUnfinished

    def busy(svg_text, side, seconds=None):  # as the renderer says
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


def test_an_unfinished_render_of_an_svgs_other_drawing_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Only the first render was kept out of the cache: a timed-out render of the drawing
    with its @media rules applied was cached as `not checked`, and with `unreadable: warn`
    the old logo it shows passed on every later run."""
    import logolint.svg_worker
    from logolint.check import check_file
    from logolint.errors import ImageTimeout

    path = bundled_model_path()
    model = Model(path, path.read_bytes())
    source = (path.parent / "demo-old.svg").read_text()
    image = tmp_path / "dark.svg"  # the old logo, shown only in dark mode
    image.write_text(source.replace(">", "><style>path, rect { display: none } @media (prefers-color-scheme: dark) "
                                          "{ path, rect { display: inline } }</style>", 1))
    renders = []
    real = logolint.svg_worker.render

    def busy_after_the_first(svg_text, side, seconds=None):
        renders.append(side)
        if len(renders) > 1:
            raise ImageTimeout("SVG took longer than 10 s to render")
        return real(svg_text, side, seconds)

    monkeypatch.setattr(logolint.svg_worker, "render", busy_after_the_first)
    slow = check_file(str(image), model, 0.5, ResultCache(tmp_path / "cache"))
    assert not slow.flagged and "not drawn: an SVG's other drawings share 10 s" in slow.error
    assert not list((tmp_path / "cache").rglob("*.json"))
    monkeypatch.undo()
    cache = ResultCache(tmp_path / "cache")
    later = check_file(str(image), model, 0.5, cache)
    assert later.flagged and (cache.hits, cache.misses) == (0, 1)


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


def test_results_under_other_library_versions_are_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The action reinstalls the renderer, decoders and OpenCV on each run and restores older caches.
    config = Config(root=tmp_path)
    path = bundled_model_path()
    image = tmp_path / "old-logo.png"
    shutil.copy(EXAMPLES / "old-logo.png", image)
    counts = []
    for versions in ("resvg_py=0.5.0", "resvg_py=0.5.0", "resvg_py=0.6.0"):
        monkeypatch.setattr(logolint.check, "library_versions", lambda: versions)
        cache = ResultCache(tmp_path / "cache")
        check_paths([str(image)], config, Model(path, path.read_bytes()), cache=cache)
        counts.append((cache.hits, cache.misses))
    assert counts == [(0, 1), (1, 0), (0, 1)]


def test_library_versions_are_the_installed_ones():
    from importlib import metadata

    from logolint.check import library_versions

    listed = dict(item.split("=") for item in library_versions.__wrapped__().split(","))
    for project in ("ai_edge_litert", "numpy", "opencv_python_headless", "pillow", "resvg_py"):
        assert listed[project] == metadata.version(project), project


def test_the_code_digest_follows_the_source(tmp_path: Path):
    from logolint.check import code_digest

    source = Path(logolint.check.__file__).parent
    copy = tmp_path / "logolint"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "models"))
    digest = code_digest.__wrapped__  # not the process's cached answer
    assert digest(copy) == digest(source)
    (copy / "svg.py").write_text((copy / "svg.py").read_text() + "\n# changed\n")
    assert digest(copy) != digest(source)


def test_a_cache_that_cannot_be_written_is_said_once_and_the_check_goes_on(tmp_path: Path, capsys):
    """A cache dir that is a file (or read-only) cached nothing, with no word even under -v."""
    (tmp_path / "cachefile").write_text("not a folder")
    for _ in range(2):
        assert run_cli(str(EXAMPLES), "--format", "json", "--cache-dir", str(tmp_path / "cachefile")) == 1
        captured = capsys.readouterr()
        assert len(json.loads(captured.out)["results"]) == len(list(EXAMPLES.iterdir()))
        assert captured.err.count("logolint: warning: results not cached: cannot write to ") == 1
        assert f"{tmp_path / 'cachefile'}: Not a directory" in captured.err
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--cache-dir", str(tmp_path / "ok")) == 1
    assert "results not cached" not in capsys.readouterr().err
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")  # mkdir says "File exists" there
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--cache-dir", str(tmp_path / "dangling")) == 1
    assert f"{tmp_path / 'dangling'}: a link to a folder that does not exist" in capsys.readouterr().err


def _age(path: Path, days: float) -> None:
    when = time.time() - days * 24 * 3600
    os.utime(path, (when, when))


def _entries(cache: Path) -> set[str]:
    return {path.name for path in cache.glob("??/*.json")}


def test_entries_unused_for_thirty_days_are_pruned_once_a_day(tmp_path: Path, capsys):
    """The cache does not grow for ever: an entry no run has read or written for 30 days
    goes (an image since changed, an older model or logolint); one read is kept."""
    cache = tmp_path / "cache"
    images = tmp_path / "images"
    images.mkdir()
    for name in ("old-logo.png", "new-logo.png"):
        shutil.copy(EXAMPLES / name, images / name)
    assert run_cli(str(images), "--cache-dir", str(cache)) == 1
    first = _entries(cache)
    assert len(first) == 2
    for path in cache.glob("??/*.json"):
        _age(path, 40)
    (images / "new-logo.png").unlink()  # its entry is never read again
    theirs = [cache / "ab" / "notes.json", cache / "ab" / ("cd" + "0" * 62 + ".json"), cache / "ab" / "ab.txt"]
    for path in theirs:  # not ours: --cache-dir may name a folder that holds other files
        path.parent.mkdir(exist_ok=True)
        path.write_text("{}")
        _age(path, 400)
    _age(cache / "pruned", 2)
    assert run_cli(str(images), "--cache-dir", str(cache), "-v") == 1
    err = capsys.readouterr().err
    assert "1 hits, 0 misses, 1 entry unused for 30 days removed" in err
    kept = _entries(cache) - {"notes.json", "cd" + "0" * 62 + ".json"}
    assert len(kept) == 1 and kept < first  # the one read was touched, so it stays
    assert all(path.exists() for path in theirs)
    assert os.stat(next(path for path in cache.glob("??/*.json") if path.name in kept)).st_mtime > time.time() - 3600

    # Pruned at most once a day: an entry gone stale within the day stays until then.
    for path in cache.glob("??/*.json"):
        _age(path, 40)
    stale = ResultCache(cache)
    assert stale.prune() == 0 and _entries(cache) >= kept
    _age(cache / "pruned", 1.5)
    assert ResultCache(cache).prune() == 1 and not _entries(cache) & kept


def test_a_recent_entry_is_not_rewritten_on_every_read(tmp_path: Path):
    """A hit marks its entry used at most once a day: a warm rerun writes nothing."""
    cache = tmp_path / "cache"
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--cache-dir", str(cache)) == 1
    entry = next(cache.glob("??/*.json"))
    _age(entry, 0.5)
    before = os.stat(entry).st_mtime
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--cache-dir", str(cache)) == 1
    assert os.stat(entry).st_mtime == before


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file modes")
def test_a_read_only_cache_is_read_and_not_pruned(tmp_path: Path):
    """A shared cache the user may read but not write (real modes, in a real process)."""
    import subprocess
    import sys

    from conftest import without_privilege

    cache = tmp_path / "cache"
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--cache-dir", str(cache)) == 1
    unread = cache / "ab" / ("ab" + "0" * 62 + ".json")  # stale, and not read by the run below
    unread.parent.mkdir(exist_ok=True)
    unread.write_text("{}")
    for path in cache.glob("??/*.json"):
        _age(path, 40)
    (cache / "pruned").unlink()  # it would be made: the folder may not be written
    folders = [cache, *cache.glob("??")]
    for folder in folders:
        folder.chmod(0o555)
    try:
        run = subprocess.run([*without_privilege(), sys.executable, "-m", "logolint", "check", "-v",
                              "--cache-dir", str(cache), str(EXAMPLES / "old-logo.png")],
                             capture_output=True, text=True, timeout=300)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert run.returncode == 1, run.stderr
    assert "1 hits, 0 misses\n" in run.stderr and "Traceback" not in run.stderr
    assert len(_entries(cache)) == 2 and unread.exists() and not (cache / "pruned").exists()


def test_a_clock_that_was_wrong_does_not_stop_pruning_and_a_linked_stamp_is_left_alone(tmp_path: Path):
    cache = tmp_path / "cache"
    (cache / "ab").mkdir(parents=True)
    future = cache / "ab" / ("ab" + "1" * 62 + ".json")
    future.write_text("{}")
    _age(future, -400)  # written under a clock a year ahead: it would never age
    (cache / "pruned").write_text("")
    _age(cache / "pruned", -400)
    assert ResultCache(cache).prune() == 1 and not future.exists()
    # A linked stamp is replaced, not followed (touched, it made a file at its target); a
    # linked two-letter folder is not walked.
    (cache / "pruned").unlink()
    (cache / "pruned").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "outside").mkdir()
    theirs = tmp_path / "outside" / ("cd" + "2" * 62 + ".json")
    theirs.write_text("{}")
    _age(theirs, 400)
    (cache / "cd").symlink_to(tmp_path / "outside")
    assert ResultCache(cache).prune() == 0 and theirs.exists()
    assert not (tmp_path / "elsewhere").exists() and not (cache / "pruned").is_symlink()


def test_another_model_or_other_old_labels_never_take_a_cached_result(tmp_path: Path):
    """The cache is shared by every run on the machine: a retrained model, or a config
    that names other labels old, judges again."""
    from logolint.check import check_file, with_old_labels
    from tiny_model import tiny_model

    image = str(EXAMPLES / "old-logo.png")
    bundled = bundled_model_path()
    demo = Model(bundled, bundled.read_bytes())
    tiny_path = tiny_model(tmp_path)
    tiny = Model(tiny_path, tiny_path.read_bytes())
    cache = ResultCache(tmp_path / "cache")
    assert check_file(image, demo, 0.5, cache).score == 1.0
    alone = check_file(image, tiny, 0.5, None)
    assert alone.score < 1.0
    assert check_file(image, tiny, 0.5, cache).score == alone.score
    assert (cache.hits, cache.misses) == (0, 2)

    new = str(EXAMPLES / "new-logo.png")
    assert not check_file(new, demo, 0.5, cache).flagged
    assert check_file(new, with_old_labels(demo, ("new",)), 0.5, cache).flagged
    assert (cache.hits, cache.misses) == (0, 4)
