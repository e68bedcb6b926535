"""A result cache shared by every process on the machine: one small JSON file per
(content, model, settings) key, written atomically so readers never see half a file."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

MAX_ENTRY_BYTES = 64 << 20  # entries are a few hundred bytes
DAY = 24 * 3600
# An entry not read or written for this long is removed: results of images since changed,
# and of older models, settings or logolint versions, are never read again, and the
# action's saved cache would otherwise grow with every run.
MAX_AGE = 30 * DAY
PRUNED = "pruned"  # its time stamp: when the cache was last pruned (once a day at most)


def _is_entry(folder: str, name: str) -> bool:
    """Whether `name` in `folder` is one of our entries: only those are pruned, whatever
    else --cache-dir may hold."""
    key = name.removesuffix(".json")
    return name.endswith(".json") and len(key) == 64 and key.startswith(folder) and set(key) <= set("0123456789abcdef")


def default_cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/logolint, else ~/.cache/logolint; None where there is no home folder."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG spec says to ignore it
        home = os.path.expanduser("~")
        if not os.path.isabs(home):  # no HOME and no account entry: "~" would be a folder here, in the tree
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "logolint"


def result_cache(folder: str | None) -> tuple[ResultCache | None, str | None]:
    """The cache in `folder`, else in the default one; where there is none, None and why."""
    folder = folder or default_cache_dir()
    if folder is None:
        return None, ("results not cached: no home folder to keep them in (HOME is not set or not an absolute "
                      "path): set XDG_CACHE_HOME or pass --cache-dir")
    return ResultCache(Path(folder)), None


def cache_key(content_sha256: str, model_sha256: str, settings: str) -> str:
    return hashlib.sha256(f"{content_sha256}\0{model_sha256}\0{settings}".encode()).hexdigest()


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0
        self.unwritable: str | None = None  # why the first entry could not be stored, if one could not

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, valid: Callable[[dict[str, Any]], bool] = lambda value: True) -> dict[str, Any] | None:
        """The stored value, or None (a miss) where it is missing, unreadable, damaged or
        not `valid`."""
        from logolint.files import read_text

        try:
            if os.path.islink(self._path(key)):  # not the cache's own file: whatever it leads to is left alone
                raise OSError("a link")
            entry = json.loads(read_text(self._path(key), MAX_ENTRY_BYTES))  # a FIFO put here would hang a plain open
        except (OSError, ValueError, RecursionError):  # missing, unreadable or damaged: recompute
            self.misses += 1
            return None
        # Each entry names its key: a file copied or moved to another key's place is not taken.
        value = entry.get("result") if isinstance(entry, dict) and entry.get("key") == key else None
        if not isinstance(value, dict) or not valid(value):
            self.misses += 1
            return None
        self.hits += 1
        self._touch(self._path(key))
        return value

    @staticmethod
    def _touch(path: Path) -> None:
        """Mark an entry as used (its time stamp is its age), at most once a day."""
        try:
            if os.stat(path).st_mtime < time.time() - DAY:
                os.utime(path)
        except OSError:  # a read-only cache is still read
            pass

    def prune(self) -> int:
        """Remove the entries unused for MAX_AGE; at most once a day. The number removed."""
        stamp = self.directory / PRUNED
        now = time.time()
        try:
            if stamp.is_symlink():  # touched, it would make or change a file elsewhere: replaced
                stamp.unlink()
            if now - DAY < os.stat(stamp).st_mtime <= now + DAY:  # a stamp from the future: a clock was wrong
                return 0
        except OSError:
            pass
        try:
            stamp.touch()
        except OSError:
            return 0  # not ours to tidy
        removed = 0
        try:
            folders = [entry for entry in os.scandir(self.directory)
                       if len(entry.name) == 2 and entry.is_dir(follow_symlinks=False)]
        except OSError:
            return 0
        for folder in folders:
            try:
                with os.scandir(folder.path) as entries:
                    stale = [entry.path for entry in entries if _is_entry(folder.name, entry.name)
                             and not now - MAX_AGE <= entry.stat(follow_symlinks=False).st_mtime <= now + DAY]
            except OSError:
                continue
            for path in stale:
                try:
                    os.unlink(path)
                    removed += 1
                except OSError:
                    pass
        return removed

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store `value`; a cache that cannot be written is skipped, never fatal (see unwritable)."""
        from logolint.files import write_atomic

        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps({"key": key, "result": value}).encode("utf-8"))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if isinstance(exc, FileExistsError) and exc.filename and os.path.islink(exc.filename) \
                    and not os.path.exists(exc.filename):
                reason = "a link to a folder that does not exist"  # mkdir says "File exists"
            self.unwritable = self.unwritable or reason
