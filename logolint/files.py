"""Files read and written safely: regular files only, never more than a bound, and
writes that a reader or a failure never sees half done."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from typing import BinaryIO, Iterator


@contextlib.contextmanager
def open_regular(path: str | os.PathLike[str]) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """The open file and its status; OSError for anything but a regular file. Opened
    without blocking, because a FIFO under an image's or a config's name would otherwise
    hang the run for good."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    with open(os.open(path, flags), "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        yield stream, info


def read_text(path: str | os.PathLike[str], limit: int, encoding: str = "utf-8", errors: str = "strict") -> str:
    """A text file's content (config, baseline, cache entry); OSError for anything but a
    regular file or one over `limit` bytes (/dev/zero)."""
    with open_regular(path) as (stream, _):
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit:,} bytes")
    return data.decode(encoding, errors)


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it: a reader sees the old
    file or the new one, and a write that fails (a full disk) leaves the old one whole."""
    import secrets

    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".tmp-{secrets.token_hex(6)}-{name}")
    # Opened as a plain file is (mode 0666 less the umask), not 0600 as mkstemp makes it.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            with contextlib.suppress(OSError):  # a file written over keeps its mode (0600 stays private)
                if hasattr(os, "fchmod") and stat.S_ISREG((info := os.stat(path)).st_mode):
                    os.fchmod(stream.fileno(), stat.S_IMODE(info.st_mode))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _special(path: str) -> bool:
    """Whether `path` leads to something other than a file or folder (a pipe), or is one of
    the system's (/dev/stdout, a link to whatever standard output is)."""
    if os.path.abspath(path).startswith("/dev/"):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_output(path: str, data: bytes) -> None:
    """Write a report or picture the user named: atomically where it is (or will be) a
    regular file, so a hard link to another file (an image of the tree) is not written
    through; straight into anything else (/dev/stdout, a pipe)."""
    if _special(path):
        with open(path, "wb") as stream:
            stream.write(data)
    else:
        write_atomic(path, data)


def write_problem(path: str) -> str | None:
    """Why a file could not be written at `path` (no name, a folder, a folder that is not
    there or may not be written to), found before the work whose result it is; None if it can."""
    if not path:
        return "an empty file name"
    if os.path.islink(path) and not _special(path):  # a checked tree may hold `report.sarif -> ~/.bashrc`
        return "it is a symbolic link, and logolint writes a file through none"
    if os.path.isdir(path):
        return "it is a folder"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        return "its folder does not exist"
    if not os.access(parent, os.W_OK):
        return "its folder cannot be written to"
    if os.path.isfile(path) and not os.access(path, os.W_OK):  # replacing it would succeed: the folder allows it
        return "it is read-only"
    return None
