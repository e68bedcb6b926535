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
_LINK, _SUBMODULE = "120000", "160000"


@dataclass(frozen=True)
class Entry:
    """A file of the commit: `path` from the repository's top, its git mode and object id."""
    path: str
    mode: str
    oid: str


def _git(args: list[str], cwd: str | os.PathLike[str], what: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=GIT_SECONDS)
    except FileNotFoundError:
        raise ConfigError(f"{what}: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what}: git took over {GIT_SECONDS} s") from None
    if done.returncode:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigError(f"{what}: {message[-1] if message else f'git failed ({done.returncode})'}")
    return done.stdout


class Revision:
    """A commit, named by anything git reads as one (a branch, a tag, a commit id, HEAD~2),
    of the git repository that holds `where` (a path to check, which the working tree need
    not have)."""

    def __init__(self, name: str, where: str | os.PathLike[str] = ".") -> None:
        if not name or name.startswith("-"):  # git would read it as an option
            raise ConfigError(f"--revision: {name!r} does not name a commit")
        self.name = name
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

    def collect(self, paths: list[str], exclude: tuple[str, ...], root: Path) -> list[str]:
        """Files to check as `paths` name them, in the commit: a named file whatever its
        extension, a named folder's image files but links and submodules (as paths.collect
        takes them from the working tree). A path the commit does not hold is left out: it
        does not land with it."""
        excluder = Excluder(exclude, root)
        found: list[str] = []
        seen: set[str] = set()  # one file named two ways (a.png, ./a.png) is checked once, as first named
        for name in paths:
            inside = self._from_top(name)
            if inside is None:
                raise ConfigError(f"--revision: {name} is not in the repository at {self.top}")
            for entry in self._list(inside):
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
        them (through the repository's smudge filters, such as Git LFS's)."""
        entry = self._entries[path]
        if entry.mode == _LINK:
            raise ImageError(f"a symbolic link in {self.name}, not an image")
        if entry.mode == _SUBMODULE:
            raise ImageError(f"a submodule in {self.name}, not an image")
        import tempfile
        import threading

        # stderr to a file: a chatty filter filling a pipe no one reads would stall the read.
        with tempfile.TemporaryFile() as errors, subprocess.Popen(
                ["git", "cat-file", "--filters", f"--path={entry.path}", entry.oid], cwd=self.top,
                stdout=subprocess.PIPE, stderr=errors) as git:
            timer = threading.Timer(GIT_SECONDS, git.kill)
            timer.start()
            try:
                data = git.stdout.read(MAX_FILE_BYTES + 1)
                if len(data) > MAX_FILE_BYTES:
                    git.kill()
                    raise ImageError(f"file too large (over {MAX_FILE_BYTES:,} bytes)")
                code = git.wait()
            finally:
                timer.cancel()
            errors.seek(0)
            problem = errors.read(64 * 1024).decode("utf-8", "replace").strip().splitlines()
        if code:
            why = problem[-1] if problem else f"git stopped (exit code {code})"
            raise ImageError(f"cannot read it from {self.name}: {why}")
        return data

    def _from_top(self, name: str) -> str | None:
        """`name` from the repository's top, as git names paths ("" for the top itself);
        None outside it. Its folder is taken through links, as git's top is (a checkout
        reached through a linked folder), but not the file, which may be a link itself."""
        folder, file = os.path.split(os.path.abspath(name))
        inside = os.path.relpath(os.path.join(os.path.realpath(folder), file), self.top)
        if inside == ".":
            return ""
        if inside == ".." or inside.startswith(".." + os.sep):
            return None
        return Path(inside).as_posix()

    def _list(self, inside: str) -> list[Entry]:
        pathspec = ["--", inside] if inside else []
        out = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", self.commit, *pathspec],
                   self.top, f"--revision {self.name}")
        entries = []
        for record in out.split(b"\0"):
            if record:
                meta, _, path = record.partition(b"\t")
                mode, _, oid = meta.decode().split(" ")
                entries.append(Entry(os.fsdecode(path), mode, oid))
        return entries
