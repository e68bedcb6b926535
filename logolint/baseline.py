"""Known images that pass: a baseline file of content hashes, and the config's `allow` list.

The baseline has one `SHA256  PATH` line per accepted content, sorted by hash, with no date,
so branches that add entries merge cleanly. Only the hash counts: the same bytes pass
wherever they move, and an edited image is checked again. The path is a note for people.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from logolint.errors import shown
from logolint.formats import printable
from logolint.files import read_text
from logolint.results import Result, relative_from

HEADER = (
    "# logolint baseline: images accepted as they are, by content sha256 (the path is a note).\n"
    "# Add to it with `logolint check --write-baseline FILE`; an edited image is checked again.\n"
)
MAX_BASELINE_BYTES = 64 << 20  # about 600,000 entries
# How a baseline is decoded and encoded: the bytes of a name that is not UTF-8 in a line
# sha256sum wrote go back unchanged. logolint's own notes escape such bytes (see _note).
BASELINE_ERRORS = "surrogateescape"
# Uppercase too, as PowerShell's Get-FileHash prints it; sha256sum starts the line with a
# backslash where it escapes a name's backslashes or newlines.
_LINE = re.compile(r"\\?([0-9a-fA-F]{64})(?:\s+(.*))?")


def read_baseline(path: Path) -> frozenset[str]:
    """The hashes in a baseline file, or ValueError saying which line is wrong."""
    return frozenset(read_entries(path))


def read_entries(path: Path) -> dict[str, str]:
    """sha256 -> path note of each entry in a baseline file, or ValueError saying which
    line is wrong."""
    try:
        # An editor's byte order mark is no entry; a name that is not UTF-8, as sha256sum
        # writes it, is kept as its bytes (see BASELINE_ERRORS).
        text = read_text(path, MAX_BASELINE_BYTES, "utf-8-sig", BASELINE_ERRORS)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    entries: dict[str, str] = {}
    # Lines end at "\n" (and "\r\n") only: splitlines() would also break at the form feeds
    # and Unicode line separators a path note may hold.
    for number, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if not match:
            raise ValueError(f"{path}: line {number}: expected a sha256 and a path")
        entries[match.group(1).lower()] = match.group(2) or ""
    return entries


def parse_allow(value: Any) -> dict[str, str]:
    """The config's `allow` list of `{sha256, reason}` as a mapping sha256 -> reason."""
    if not isinstance(value, list):
        raise ValueError(f"must be a list of {{sha256: ..., reason: ...}}, got {shown(value)}")
    allowed = {}
    for position, entry in enumerate(value, 1):
        if not isinstance(entry, dict) or set(entry) != {"sha256", "reason"}:
            raise ValueError(f"entry {position} must have exactly the keys sha256 and reason")
        sha256, reason = entry["sha256"], entry["reason"]
        if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
            raise ValueError(f"entry {position}: sha256 must be 64 hexadecimal digits")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"entry {position}: reason must be a non-empty string")
        allowed[sha256.lower()] = reason.strip()
    return allowed


def accept(result: Result, allowed: Mapping[str, str]) -> Result:
    """`result`, passed with its reason when it is a finding whose content is allowed."""
    if result.flagged and result.sha256 in allowed:
        return dataclasses.replace(result, flagged=False, accepted=allowed[result.sha256])
    return result


def _note(path: str) -> str:
    """The path as one printable line (control characters, line separators and bytes
    that are not UTF-8 as escapes; a backslash doubled, so escapes stay unambiguous)."""
    return printable(path.replace("\\", "\\\\"))


def _named(note: str) -> str:
    """The file name a note stands for: a note with escapes (see _note) unescaped."""
    if "\\" not in note:
        return note
    try:
        return note.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeDecodeError, UnicodeEncodeError):  # not an escape logolint wrote
        return note


def _line(sha256: str, note: str) -> str:
    """One entry as sha256sum writes it: a name with escapes in it starts the line with a
    backslash, so that `sha256sum -c` reads its backslashes and newlines back."""
    return ("\\" if "\\" in note else "") + f"{sha256}  {note}".rstrip() + "\n"


def baseline_entries(results: Iterable[Result], kept: Mapping[str, str] | None = None,
                     folder: str | None = None) -> dict[str, str]:
    """sha256 -> path note of a baseline accepting every result the model flags, already
    accepted ones included, and the `kept` entries (as read_entries gives them) of
    contents this run did not see: a run over some paths or one shard adds to a baseline,
    never drops what other runs accepted. Notes name files from `folder`, the baseline's;
    a kept note stays while it names a file there, so a copy seen first does not move it."""
    kept = dict(kept or {})
    entries = dict(kept)
    for result in results:
        if not ((result.flagged or result.accepted is not None) and result.sha256):
            continue
        note = entries.get(result.sha256)
        moved = result.sha256 in kept and folder is not None and not (
            note and os.path.lexists(os.path.join(folder, _named(note))))
        if note is None or moved:
            # Named from the baseline's folder, as `sha256sum -c` run there reads it.
            entries[result.sha256] = _note(result.path if folder is None else relative_from(result.path, folder))
    return entries


def baseline_text(entries: Mapping[str, str]) -> str:
    """The baseline file's text for `entries` (see baseline_entries), sorted by hash."""
    return HEADER + "".join(_line(sha, entries[sha]) for sha in sorted(entries))
