"""The values a check returns: one frozen Result per file, gathered in a Report."""

from __future__ import annotations

import dataclasses
import os
from typing import Callable

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
    accepted: str | None = None  # why a would-be finding passes (baseline or allow list)
    verified: int = 0  # keypoints of a reference logo found in place, when they decided or raised the score
    outline: float = 0.0  # fit of a region to an old logo's silhouette, when it decided
    colours: float = 0.0  # the old colours' evidence, when they decided (see detect.Detection)
    part: str | None = None  # the frame or page that scored, where not the one a viewer opens on ("frame 3")


@dataclasses.dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]
    threshold: float
    model_sha256: str
    fail_on_error: bool = True
    root: str | None = None  # absolute repository root: SARIF and annotations name files from it
    old_labels: tuple[str, ...] = ()  # the model's labels that count as the old logo
    # Where the files' bytes came from (the working tree, or `check --revision`'s commit),
    # for a report that shows the images; None: the working tree.
    read: Callable[[str], bytes] | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def findings(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.flagged)

    @property
    def accepted(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.accepted is not None)

    @property
    def errors(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.error is not None)

    @property
    def failed(self) -> bool:
        return bool(self.findings) or (self.fail_on_error and bool(self.errors))

    def repo_path(self, path: str) -> str | None:
        """`path` relative to the repository root (see repo_relative); None outside it."""
        return None if self.root is None else repo_relative(path, self.root)


def repo_relative(path: str | os.PathLike[str], root: str | os.PathLike[str], resolve: bool = True) -> str | None:
    """`path` relative to `root`, with `/` separators; None outside it (a relative `path`
    is taken from the current folder, as check_paths got it). With `resolve`, its folder is
    resolved as the root is; without, the path is taken as typed."""
    folder, name = os.path.split(os.path.abspath(path))
    try:  # the folder resolved like the root, the file itself not (it may be a symlink)
        relative = os.path.relpath(os.path.join(os.path.realpath(folder) if resolve else folder, name), root)
    except ValueError:  # another drive on Windows
        return None
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative.replace(os.sep, "/")


def relative_from(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str:
    """`path` as seen from `folder` (`..` where outside it), with `/` separators; absolute
    where no relative path leads there (another drive on Windows)."""
    try:
        return os.path.relpath(os.path.abspath(path), folder).replace(os.sep, "/")
    except ValueError:
        return os.path.abspath(path)
