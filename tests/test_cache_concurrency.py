"""One result cache shared by several processes, and by a process killed mid-write."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from logolint.cache import ResultCache, cache_key
from tiny_model import tiny_model


def _images(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for i in range(count):
        image = Image.new("RGB", (64, 48), (i * 7 % 256, 90, 200 - i))
        image.paste((250, 250, 250), (i % 40, 10, i % 40 + 16, 30))
        paths.append(folder / f"{i:02d}.png")
        image.save(paths[-1])
    return paths


def _check(model: Path, cache: Path | None, files: list[Path]) -> subprocess.Popen:
    caching = ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    return subprocess.Popen(
        [sys.executable, "-m", "logolint", "check", "--format", "json", "--model", str(model), *caching,
         *map(str, files)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _scores(process: subprocess.Popen) -> dict[str, float]:
    out, err = process.communicate(timeout=300)
    assert process.returncode in (0, 1) and err == "", err
    return {r["path"]: r["score"] for r in json.loads(out)["results"]}


def _entries(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*.json") if not p.name.startswith(".tmp-")]


def test_processes_sharing_a_cache_agree_and_never_corrupt_it(tmp_path: Path):
    model, cache = tiny_model(tmp_path), tmp_path / "cache"
    files = _images(tmp_path / "images", 40)
    truth = _scores(_check(model, None, files))
    # Four processes at once over overlapping halves, twice: the second round reads what
    # the first wrote while writing the rest.
    for round_ in range(2):
        rng = random.Random(round_)
        workers = [_check(model, cache, rng.sample(files, 20) + files[:5]) for _ in range(4)]
        for worker in workers:
            for path, score in _scores(worker).items():
                assert score == truth[path]
    entries = _entries(cache)
    assert len(entries) == len(files)
    assert all(isinstance(json.loads(entry.read_text()), dict) for entry in entries)
    assert not [p for p in cache.rglob(".tmp-*")]
    assert _scores(_check(model, cache, files)) == truth


# Writes one of two large values under each key, round and round, until killed.
_WRITER = """
import sys
from pathlib import Path
from logolint.cache import ResultCache
cache, keys = ResultCache(Path(sys.argv[1])), sys.argv[2:]
values = [{"score": 0.25, "pad": "a" * 200_000}, {"score": 0.75, "pad": "b" * 200_000}]
print("ready", flush=True)
i = 0
while True:
    cache.put(keys[i % len(keys)], values[i % 2])
    i += 1
"""


def test_a_writer_killed_mid_write_leaves_the_cache_usable(tmp_path: Path):
    folder = tmp_path / "cache"
    keys = [cache_key(f"{i:064x}", "0" * 64, "settings") for i in range(12)]
    rng = random.Random(3)
    for _ in range(15):
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), *keys],
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        # An entry is there whole or not at all: a half-written one would read as damaged.
        for entry in _entries(folder):
            value = json.loads(entry.read_text())["result"]
            assert (value["score"], len(value["pad"])) in ((0.25, 200_000), (0.75, 200_000))
    assert len(_entries(folder)) == len(keys)  # every key was written at least once in 15 runs
    cache = ResultCache(folder)
    for key in keys:  # and the cache still takes new values, next to any leftover temp file
        cache.put(key, {"score": 0.5})
        assert cache.get(key) == {"score": 0.5}


def test_a_damaged_entry_is_recomputed_and_replaced(tmp_path: Path):
    model, cache = tiny_model(tmp_path), tmp_path / "cache"
    files = _images(tmp_path / "images", 3)
    truth = _scores(_check(model, cache, files))
    for entry in _entries(cache):
        entry.write_text('{"score": 0.9')  # cut short, as by a full disk
    (cache / "00").mkdir(exist_ok=True)
    (cache / "00" / ".tmp-leftover.json").write_text("{")
    assert _scores(_check(model, cache, files)) == truth
    assert all(isinstance(json.loads(entry.read_text()), dict) for entry in _entries(cache))
