"""Files as a git commit has them, in place of the working tree's: `check --revision`, and
the pre-push hook, which checks the commits being pushed rather than what is checked out."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from logolint.errors import ConfigError, ImageError
from logolint.imaging import MAX_FILE_BYTES, is_image_path
from logolint.paths import Excluder

GIT_SECONDS = 120  # a smudge filter (Git LFS) may read a large object from the local store
CHUNK = 1 << 20
STDERR_KEPT = 64 * 1024  # the end of git's stderr, where its reason is
_LINK, _SUBMODULE = "120000", "160000"


@dataclass(frozen=True)
class Entry:
    """A file of the commit: `path` from the repository's top, its git mode, object id and
    size as stored (a Git LFS file's is its pointer's)."""
    path: str
    mode: str
    oid: str
    size: int | None


def _git(args: list[str], cwd: str | os.PathLike[str], what: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=GIT_SECONDS)
    except FileNotFoundError:
        raise ConfigError(f"{what}: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what}: git took over {GIT_SECONDS} s") from None
    if done.returncode:
        raise ConfigError(f"{what}: {_cause(done.stderr, done.returncode)}")
    return done.stdout


def _cause(stderr: bytes, code: int) -> str:
    """git's reason: its `fatal:` or `error:` line where it wrote one (advice may follow)."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    reasons = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (reasons or lines or [f"git stopped (exit code {code})"])[-1]


class Revision:
    """A commit, named by anything git reads as one (a branch, a tag, a commit id, HEAD~2),
    of the git repository that holds `where` (a path to check, which the working tree need
    not have). With `missing_ok`, a named path the commit does not hold is left out (the
    hook's files that the pushed commits delete); else it is a usage error, as a path
    missing from the working tree is."""

    def __init__(self, name: str, where: str | os.PathLike[str] = ".", missing_ok: bool = False) -> None:
        if not name or name.startswith("-"):  # git would read it as an option
            raise ConfigError(f"--revision: {name!r} does not name a commit")
        self.name = name
        self.missing_ok = missing_ok
        folder = Path(os.path.abspath(where))
        while not folder.is_dir() and folder != folder.parent:
            folder = folder.parent
        self.top = Path(os.path.realpath(os.fsdecode(_git(["rev-parse", "--show-toplevel"], folder,
                                                          f"--revision needs a git repository at {folder}")
                                                     ).rstrip("\n")))
        try:
            found = _git(["rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], self.top, "--revision")
        except ConfigError:
            raise ConfigError(f"--revision: no commit named {name!r} in the repository at {self.top}") from None
        self.commit = found.decode().strip()
        self._entries: dict[str, Entry] = {}
        self._stuck: str | None = None  # why git's last read was stopped: the next would stop too

    def collect(self, paths: list[str], exclude: tuple[str, ...], root: Path) -> list[str]:
        """Files to check as `paths` name them, in the commit: a named file whatever its
        extension, a named folder's image files but links and submodules (as paths.collect
        takes them from the working tree)."""
        excluder = Excluder(exclude, root)
        found: list[str] = []
        seen: set[str] = set()  # one file named two ways (a.png, ./a.png) is checked once, as first named
        for name in paths:
            if not name:  # not the repository's top, as a pathspec would have it
                raise ConfigError(f"--revision: '': no such file or folder in {self.name}")
            inside = self._from_top(name)
            if inside is None:
                raise ConfigError(f"--revision: {name} is not in the repository at {self.top}")
            entries = self._list(inside)
            if not entries and not self.missing_ok:
                raise ConfigError(f"--revision: {name}: no such file or folder in {self.name}")
            for entry in entries:
                if entry.path == inside:
                    shown = name
                else:
                    shown = str(Path(name, os.path.relpath(entry.path, inside or ".")))
                    if entry.mode in (_LINK, _SUBMODULE) or not is_image_path(shown):
                        continue
                if entry.path not in seen and not excluder.excluded(Path(shown)):
                    seen.add(entry.path)
                    self._entries[shown] = entry
                    found.append(shown)
        return found

    def read(self, path: str) -> bytes:
        """The bytes of a file `collect` returned, as a checkout of the commit would write
        them: through the smudge filters (Git LFS's) that the checked-out .gitattributes set."""
        entry = self._entries[path]
        if entry.mode == _LINK:
            raise ImageError(f"a symbolic link in {self.name}, not an image")
        if entry.mode == _SUBMODULE:
            raise ImageError(f"a submodule in {self.name}, not an image")
        if entry.size is not None and entry.size > MAX_FILE_BYTES:
            raise ImageError(f"file too large (over {MAX_FILE_BYTES:,} bytes)")
        if self._stuck:
            raise ImageError(self._stuck)
        try:
            code, data, stderr, expired = self._cat(entry)
        except OSError as exc:  # git could not be started (too many open files, the folder gone)
            raise ImageError(f"cannot read it from {self.name}: {exc.strerror or exc}") from None
        if expired:
            why = f"git (and its smudge filter) took over {GIT_SECONDS} s"
            self._stuck = f"not read from {self.name}: {why} on a file of this run"
            raise ImageError(f"cannot read it from {self.name}: {why}")
        if code:
            raise ImageError(f"cannot read it from {self.name}: {_cause(stderr, code)}")
        return data

    def _cat(self, entry: Entry) -> tuple[int, bytes, bytes, bool]:
        """git's exit code, the file's bytes, the end of git's stderr, and whether git was
        stopped after GIT_SECONDS; ImageError for a file over MAX_FILE_BYTES."""
        import signal
        import tempfile
        import threading

        # stderr to a file: a chatty filter filling a pipe no one reads would stall the read.
        # A session of its own (POSIX), so that a stuck filter is stopped with git.
        with tempfile.TemporaryFile() as errors, subprocess.Popen(
                ["git", "cat-file", "--filters", f"--path={entry.path}", entry.oid], cwd=self.top,
                stdout=subprocess.PIPE, stderr=errors, start_new_session=True) as git:
            def stop() -> None:
                try:
                    if hasattr(os, "killpg"):
                        os.killpg(git.pid, signal.SIGKILL)
                    else:  # Windows: git and what it started
                        subprocess.run(["taskkill", "/F", "/T", "/PID", str(git.pid)], capture_output=True)
                        git.kill()
                except OSError:  # already gone
                    pass

            expired = threading.Event()

            def expire() -> None:
                if git.poll() is None:  # a read that just finished is no timeout
                    expired.set()
                    stop()

            timer = threading.Timer(GIT_SECONDS, expire)
            timer.start()
            try:
                chunks, size = [], 0
                while chunk := git.stdout.read(CHUNK):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise ImageError(f"file too large (over {MAX_FILE_BYTES:,} bytes)")
                code = git.wait()
            except BaseException:  # the size, or Ctrl-C, which the filter's own session does not get
                stop()
                raise
            finally:
                timer.cancel()
            errors.seek(0, os.SEEK_END)
            errors.seek(max(0, errors.tell() - STDERR_KEPT))  # git's reason comes last
            return code, b"".join(chunks), errors.read(), expired.is_set()

    def _from_top(self, name: str) -> str | None:
        """`name` from the repository's top, as git names paths ("" for the top itself);
        None outside it (see results.repo_relative). A folder is taken through links, as
        git's top is: a linked folder named itself leads into the repository."""
        from logolint.results import repo_relative

        inside = repo_relative(os.path.realpath(name) if os.path.isdir(name) else name, self.top)
        return None if inside is None else "" if inside == "." else inside

    def _list(self, inside: str) -> list[Entry]:
        pathspec = ["--", inside] if inside else []
        out = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", "-l", "--full-tree", self.commit, *pathspec],
                   self.top, f"--revision {self.name}")
        entries = []
        for record in out.split(b"\0"):
            if record:
                meta, _, path = record.partition(b"\t")
                mode, _, oid, size = meta.decode().split()
                entries.append(Entry(os.fsdecode(path), mode, oid, int(size) if size.isdigit() else None))
        return entries
