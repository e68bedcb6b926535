"""`--shard I/N`: split the file list into N stable parts for parallel matrix jobs."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Callable


@dataclasses.dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as written on the command line
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`I/N` with 1 <= I <= N, or ValueError saying what is wrong."""
        index, slash, count = text.strip().partition("/")
        try:
            shard = cls(int(index), int(count))
        except ValueError:
            raise ValueError(f"expected I/N such as 1/4, got {text!r}") from None
        if not slash or not 1 <= shard.index <= shard.count:
            raise ValueError(f"expected I/N with 1 <= I <= N, got {text!r}")
        return shard

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, path: str) -> bool:
        # By a hash of the path, not its position in the list: a file stays in its shard
        # when others are added, so its code-scanning alert stays in the same category.
        name = os.path.normpath(path).replace(os.sep, "/").encode("utf-8", "surrogateescape")
        return int.from_bytes(hashlib.sha256(name).digest()[:8], "big") % self.count == self.index - 1

    def select(self, paths: list[str], name: Callable[[str], str] = str) -> list[str]:
        """The paths this shard owns, each by its `name` (the path in its repository, so
        that `.`, `./x` and an absolute path name a file alike)."""
        return [path for path in paths if self.owns(name(path))]
