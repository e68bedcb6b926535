"""A result cache shared by every process on the machine: one small JSON file per
(content, model, settings) key, written atomically so readers never see half a file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

MAX_ENTRY_BYTES = 64 << 20  # entries are a few hundred bytes


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG spec says to ignore it
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "logolint"


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
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store `value`; a cache that cannot be written is skipped, never fatal (see unwritable)."""
        from logolint.files import write_atomic

        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps({"key": key, "result": value}).encode("utf-8"))
        except OSError as exc:
            self.unwritable = self.unwritable or (exc.strerror or str(exc))
