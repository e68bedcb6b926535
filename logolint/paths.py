"""Which files a run checks: recursion over image files and gitignore-style excludes."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from logolint.errors import ConfigError
from logolint.imaging import is_image_path
from logolint.results import repo_relative


_CLASSES = {"alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "digit": "0-9", "lower": "a-z",
            "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "space": " \\t\\n\\r\\f\\v",
            "upper": "A-Z", "xdigit": "0-9a-fA-F"}


_NOTHING = "(?!)"  # matches nothing: an empty class; git's reading of an unclosed bracket or a trailing backslash


def _bracket(pattern: str, i: int) -> tuple[str, int] | None:
    """The regex class for the bracket expression at `pattern[i]` ("["), as git reads it
    (`!` or `^` first negates, `]` first is itself, POSIX classes, backslash escapes; a
    class never matches "/"), and the index after it; None where it is not closed."""
    j = i + 1
    negate = j < len(pattern) and pattern[j] in "!^"
    j += negate
    parts, first = [], True
    single = None  # the last character, where it may start a range
    while j < len(pattern) and (pattern[j] != "]" or first):
        first = False
        if pattern.startswith("[:", j) and (close := pattern.find(":]", j + 2)) > 0:
            name = pattern[j + 2:close]
            if name not in _CLASSES:
                raise re.error(f"unknown character class [:{name}:]")
            parts.append(_CLASSES[name])
            single, j = None, close + 2
            continue
        escaped = pattern[j] == "\\" and j + 1 < len(pattern)
        j += escaped
        if pattern[j] == "-" and not escaped and single is not None and j + 1 < len(pattern) and pattern[j + 1] != "]":
            j += 1
            j += pattern[j] == "\\" and j + 1 < len(pattern)
            if pattern[j] < single:
                raise re.error(f"bad character range {single}-{pattern[j]}")
            parts[-1] = f"{re.escape(single)}-{re.escape(pattern[j])}"  # escaped ends: "-" is never an operator
            single = None
        else:
            single = pattern[j]
            parts.append(re.escape(pattern[j]))  # "/" too: it never reaches a name
        j += 1
    if j >= len(pattern):
        return None
    body = "".join(parts)
    if negate:
        return f"[^/{body}]", j + 1
    return (f"[{body}]" if body else _NOTHING), j + 1


_STAR, _SEPARATOR, _GLOBSTAR = "*", "/", "**"


def _atoms(pattern: str) -> list[str]:
    """The pattern as atoms: _STAR, _SEPARATOR, or a regex for exactly one character."""
    atoms, i = [], 0
    while i < len(pattern):
        if pattern[i] in (_STAR, _SEPARATOR):
            atoms.append(pattern[i])
            i += 1
        elif pattern[i] == "?":
            atoms.append("[^/]")
            i += 1
        elif pattern[i] == "\\":
            atoms.append(re.escape(pattern[i + 1]) if i + 1 < len(pattern) else _NOTHING)
            i += 2
        elif pattern[i] == "[":
            found = _bracket(pattern, i)
            atoms.append(found[0] if found else _NOTHING)
            i = found[1] if found else len(pattern)
        else:
            atoms.append(re.escape(pattern[i]))
            i += 1
    return atoms


class _Name:
    """One glob over one folder or file name: `*` runs cut it into pieces of fixed width,
    the first matched at the start, the last at the end and each between at its leftmost
    place. That is the whole search a single kind of star needs, so it takes linear time
    where a regex of several stars backtracks polynomially (a pattern of eight stars took
    minutes against a 60-letter name)."""

    def __init__(self, atoms: list[str]) -> None:
        pieces: list[list[str]] = [[]]
        for atom in atoms:
            if atom != _STAR:
                pieces[-1].append(atom)
            elif pieces[-1] or len(pieces) == 1:  # a run of stars is one star
                pieces.append([])
        self.starred = len(pieces) > 1
        self.widths = [len(piece) for piece in pieces]
        self.pieces = [re.compile("".join(piece), re.DOTALL) for piece in pieces]

    def match(self, name: str) -> bool:
        if not self.starred:
            return self.widths[0] == len(name) and self.pieces[0].match(name) is not None
        head, *middle, tail = self.pieces
        end = len(name) - self.widths[-1]
        if end < self.widths[0] or not head.match(name) or not tail.match(name, end):
            return False
        position = self.widths[0]
        for piece in middle:
            found = piece.search(name, position, end)
            if found is None:
                return False
            position = found.end()
        return True


class Glob:
    """A gitignore pattern over `/`-separated relative paths: `*` stays in one folder, a
    whole `**` folder stands for any number of folders (at the end, for at least one name;
    elsewhere `**` is a `*`), a pattern without an inner slash matches at any depth, a
    trailing slash means a folder, a backslash makes the next character itself, and
    trailing spaces are dropped unless so escaped. A match on a folder also matches
    everything below it. re.error for a descending bracket range ([z-a]): git reads it as
    its first character alone, more likely a typo than what was meant."""

    def __init__(self, pattern: str) -> None:
        stripped = pattern.rstrip(" ")
        backslashes = len(stripped) - len(stripped.rstrip("\\"))
        if backslashes % 2 and len(stripped) < len(pattern):
            stripped += " "  # "a\\ " keeps its escaped space; "a\\\\ " is "a\\" escaped
        pattern = stripped
        folder_only = pattern.endswith("/")
        pattern = pattern[:-1] if folder_only else pattern  # one slash: "a//" names no folder
        anchored = "/" in pattern  # a slash anywhere but the end anchors to the root
        names: list[list[str]] = [[]]
        for atom in _atoms(pattern[1:] if pattern.startswith("/") else pattern):
            if atom == _SEPARATOR:
                names.append([])
            else:
                names[-1].append(atom)
        parts: list = [] if anchored else [_GLOBSTAR]
        for atoms in names:
            parts.append(_GLOBSTAR if len(atoms) >= 2 and set(atoms) == {_STAR} else _Name(atoms))
        if parts[-1] == _GLOBSTAR:  # "folder/**" is what is inside the folder
            parts[-1:] = [_Name([_STAR]), _GLOBSTAR]
        parts += [_Name([_STAR]), _GLOBSTAR] if folder_only else [_GLOBSTAR]
        # Runs of names between globstars, each matched against whole folder names.
        self.runs: list[list] = [[]]
        for part in parts:
            if part != _GLOBSTAR:
                self.runs[-1].append(part)
            elif self.runs[-1] or len(self.runs) == 1:
                self.runs.append([])

    def match(self, relative: str) -> bool:
        names = relative.split("/")
        head, *middle, tail = self.runs  # two at least: every pattern ends in a globstar
        end = len(names) - len(tail)
        if end < len(head) or not _fits(head, names, 0) or not _fits(tail, names, end):
            return False
        position = len(head)
        for run in middle:  # each at its leftmost place, as _Name places its pieces
            position = next((start + len(run) for start in range(position, end - len(run) + 1)
                             if _fits(run, names, start)), -1)
            if position < 0:
                return False
        return True


def _fits(run: list, names: list[str], start: int) -> bool:
    return start + len(run) <= len(names) and all(part.match(names[start + i]) for i, part in enumerate(run))


def literal_pattern(relative: str) -> str:
    """An exclude pattern that matches exactly the file `relative` (from the config's
    folder, `/` separators): anchored, with the characters a glob reads escaped."""
    escaped = re.sub(r"([\\\[\]*?])", r"\\\1", relative)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "  # trailing spaces are dropped unless escaped
    return "/" + escaped


def glob_error(pattern: str) -> str | None:
    """Why `pattern` is no usable exclude glob (a descending bracket range such as [z-a]), or None."""
    try:
        Glob(pattern[1:] if pattern.startswith("!") else pattern)
    except re.error as exc:
        return exc.msg
    return None


class Excluder:
    def __init__(self, patterns: tuple[str, ...], root: Path) -> None:
        self.root = root
        self._rules = [(p.startswith("!"), Glob(p[1:] if p.startswith("!") else p)) for p in patterns]

    def excluded(self, path: Path) -> bool:
        """Whether the patterns exclude `path`, named as it is typed and reported (a link by
        its own name, as git names it), from the config's folder; a path outside it never."""
        relative = self._relative(path)
        if relative is None:
            return False
        result = False
        for negated, glob in self._rules:
            if glob.match(relative):
                result = not negated
        return result

    def excluded_folder(self, path: Path) -> bool:
        """Whether nothing in the folder `path` could be checked: the folder is excluded, or
        everything in it (`folder/`, `folder/**`) and no `!` pattern could bring a file back."""
        inside = path / "\0"  # a name no file has, matched by no pattern naming files
        return self.excluded(path) or self.excluded(inside) and not any(negated for negated, _ in self._rules)

    def _relative(self, path: Path) -> str | None:
        """`path` from the root: as typed where that lies inside it, else through its
        folder's real path (the root is resolved; a path typed through a link to it is
        not); None outside the root."""
        return repo_relative(path, self.root, resolve=False) or repo_relative(path, self.root)


def reachable(name: str) -> bool:
    """Whether a path named on the command line can be looked at: False where a folder on
    the way may not be searched (reading the file will say why); ConfigError where it is
    missing or no path at all (a name too long, a file taken for a folder, a loop)."""
    try:
        os.lstat(name)
    except FileNotFoundError:
        raise ConfigError(f"no such file or directory: {name}") from None
    except PermissionError:
        return False
    except OSError as exc:  # said, not a crash
        raise ConfigError(f"cannot use {name}: {exc.strerror or exc}") from None
    return True


def collect(paths: list[str], exclude: tuple[str, ...], root: Path) -> list[str]:
    """Files to check, in a stable order. Named files are checked whatever their
    extension; folders contribute their image files. A missing path is a usage error."""
    excluder = Excluder(exclude, root)
    found: list[str] = []

    def unreadable(error: OSError) -> None:  # listed, so it is reported `not checked`, never skipped
        if error.filename is not None and not excluder.excluded_folder(Path(error.filename)):
            found.append(str(Path(error.filename)))  # imgs, not ./imgs, as the files are named

    for name in paths:
        path = Path(name)
        if not reachable(name):  # in a folder we may not search: reported `not checked`
            if not excluder.excluded(path):
                found.append(name)
            continue
        if os.path.isdir(path):
            for folder, files in _walk(str(path), unreadable):
                for file in files:
                    child = Path(folder, file)
                    # A symlink is not image content (git stores the link; pre-commit never
                    # passes one to an image hook) and may point outside the tree.
                    if is_image_path(child) and not _is_link(child) and not excluder.excluded(child):
                        found.append(str(child))
        elif not excluder.excluded(path):
            found.append(name)
    # One file named two ways (a.png, ./a.png, its absolute path, through a linked folder,
    # in another case on a file system that ignores case) is checked once, as first named.
    unique: dict[object, str] = {}
    for name in found:
        unique.setdefault(file_identity(name), name)
    return list(unique.values())


def _is_link(path: Path) -> bool:
    """Whether `path` is a symlink; False where its folder may be listed but not searched,
    so that the file is listed and reported `not checked` rather than crash the run."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def holds_git(folder: Path) -> bool:
    """Whether `folder` holds `.git` (a folder, or a file in a worktree or submodule); False
    for a folder that may not be searched, which holds no repository we could use (Path.exists
    raises there before Python 3.14; os.path.exists says False)."""
    return os.path.exists(folder / ".git")


def files_under(top: str | os.PathLike[str], onerror: Callable[[OSError], None]) -> list[Path]:
    """Every file under the folder `top`, sorted, linked folders followed (see _walk): a
    folder of examples for `train` or `eval`, where a linked folder is the user's own way
    of sharing images between data sets, not a repository's content; `onerror` gets each
    folder that cannot be listed, as pathlib's rglob would skip it without a word."""
    return sorted(Path(folder, name) for folder, names in _walk(str(top), onerror, follow=True) for name in names)


def _walk(top: str, onerror: Callable[[OSError], None], follow: bool = False) -> Iterator[tuple[str, list[str]]]:
    """(folder, its file names) for `top` and every folder under it, sorted, depth first,
    skipping `.git` and, unless `follow`, linked folders: os.walk without its recursion,
    which a tree some thousand folders deep took past Python's limit before 3.12. Followed,
    a folder reached twice (a link back up the tree) is walked once."""
    stack = [top]
    walked: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        if follow:
            try:
                info = os.stat(folder)
            except OSError as exc:  # a link loop among the folders themselves
                onerror(exc)
                continue
            if (info.st_dev, info.st_ino) in walked:
                continue
            walked.add((info.st_dev, info.st_ino))
        dirs, files = [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        files.append(entry.name)
                    elif entry.name != ".git" and (follow or not entry.is_symlink()):
                        dirs.append(entry.name)
        except OSError as exc:
            onerror(exc)
            continue
        yield folder, sorted(files)
        stack.extend(os.path.join(folder, name) for name in sorted(dirs, reverse=True))


def file_identity(name: str | os.PathLike[str]) -> object:
    """What tells files apart: device and inode (so aliases through linked folders, or in
    another case on a case-insensitive file system, are one file); the resolved path for
    a hard-linked file, the absolute path for a dangling link."""
    try:
        info = os.stat(name)
    except OSError:  # a dangling link: it still gets its `not checked`
        return os.path.normcase(os.path.abspath(name))
    if info.st_nlink > 1:  # hard links are files of their own in a repository: each is reported
        return os.path.normcase(os.path.realpath(name))
    return info.st_dev, info.st_ino


def real(path: str | os.PathLike[str]) -> Path:
    """The path absolute, with its links followed as far as they go: Path.resolve raises
    on a symlink loop (a loop is reported where it is read, not as an internal error)."""
    return Path(os.path.realpath(path))


def repository_root(start: Path) -> Path:
    """The nearest folder from `start` upward that holds `.git` (a folder, or a file in a
    worktree or submodule), or `start` itself outside any repository."""
    start = real(start)
    return next((folder for folder in (start, *start.parents) if holds_git(folder)), start)
