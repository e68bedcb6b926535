"""The values a check returns: one frozen Result per file, gathered in a Report."""

from __future__ import annotations

import dataclasses

from logolint.detect import Box


@dataclasses.dataclass(frozen=True)
class Result:
    """The verdict on one file. `score` is None exactly when `error` is set."""

    path: str
    score: float | None
    flagged: bool
    error: str | None = None
    label: str | None = None
    box: Box | None = None
    sha256: str | None = None  # of the file's content, when it could be read


@dataclasses.dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]
    threshold: float
    model_sha256: str
    fail_on_error: bool = True

    @property
    def findings(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.flagged)

    @property
    def errors(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.error is not None)

    @property
    def failed(self) -> bool:
        return bool(self.findings) or (self.fail_on_error and bool(self.errors))
