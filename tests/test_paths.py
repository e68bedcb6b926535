import shutil
import subprocess
from pathlib import Path

import pytest

from logolint.errors import ConfigError
from logolint.paths import Excluder, collect


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def test_folders_recurse_over_image_files_only(tmp_path: Path):
    _touch(tmp_path, "a.png", "b/c.JPG", "b/d.txt", "b/e.svg", ".git/x.png", "b/.png", "b/png")
    found = collect([str(tmp_path)], (), tmp_path)
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in found) == ["a.png", "b/.png", "b/c.JPG", "b/e.svg"]


def test_excludes_apply_to_named_files_too(tmp_path: Path):
    _touch(tmp_path, "docs/legacy/old.png", "docs/new.png", "brand/archive/x.png", "y.png")
    files = [str(tmp_path / p) for p in ("docs/legacy/old.png", "docs/new.png", "brand/archive/x.png", "y.png")]
    found = collect(files, ("docs/legacy/", "archive", "!y.png"), tmp_path)
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["docs/new.png", "y.png"]


@pytest.mark.parametrize(
    "pattern, path, excluded",
    [
        ("*.gif", "a/b/c.gif", True),
        ("/top.png", "top.png", True),
        ("/top.png", "sub/top.png", False),
        ("assets/*.png", "assets/a.png", True),
        ("assets/*.png", "assets/deep/a.png", False),
        ("assets/**/*.png", "assets/deep/a.png", True),
        ("**/legacy", "x/legacy/y.png", True),
        ("logo-v[12].png", "logo-v2.png", True),
        ("logo-v[!12].png", "logo-v2.png", False),
    ],
)
def test_gitignore_style_patterns(tmp_path: Path, pattern: str, path: str, excluded: bool):
    _touch(tmp_path, path)
    found = collect([str(tmp_path / path)], (pattern,), tmp_path)
    assert (found == []) is excluded


def test_missing_path_is_a_usage_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="no such file or directory"):
        collect([str(tmp_path / "nope.png")], (), tmp_path)


def test_odd_filenames(tmp_path: Path):
    names = ["sp ace.png", "ünï cödé.png", "-dash.png", "new\nline.png", "pct%::,.png"]
    _touch(tmp_path, *names)
    found = collect([str(tmp_path)], (), tmp_path)
    assert sorted(Path(p).name for p in found) == sorted(names)


def test_one_file_named_several_ways_is_collected_once(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    named = ["a.png", "./a.png", str(tmp_path / "a.png"), "sub/../a.png", "."]
    assert collect(named, (), tmp_path) == ["a.png"]


@pytest.mark.skipif(not hasattr(__import__("os"), "symlink"), reason="symbolic links")
def test_one_file_reached_through_a_linked_folder_is_collected_once(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.png").write_bytes(b"x")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert collect(["real/a.png", "alias/a.png"], (), tmp_path) == ["real/a.png"]


def test_hard_linked_files_are_each_collected(tmp_path: Path, monkeypatch):
    import os

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.png").write_bytes(b"x")
    os.link(tmp_path / "a.png", tmp_path / "b.png")  # two files of a repository, one inode
    assert collect(["a.png", "b.png", "./b.png"], (), tmp_path) == ["a.png", "b.png"]


def test_a_folder_that_cannot_be_read_is_reported_not_skipped(tmp_path: Path, monkeypatch, capsys):
    import json
    import os
    import shutil

    from conftest import EXAMPLES, run_cli

    (tmp_path / "ok").mkdir()
    (tmp_path / "locked").mkdir()
    shutil.copy(EXAMPLES / "new-logo.png", tmp_path / "ok" / "new.png")
    shutil.copy(EXAMPLES / "old-logo.png", tmp_path / "locked" / "old.png")
    real = os.scandir

    def scandir(path="."):  # as for a folder mode 000 (root, who runs CI, reads it anyway)
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code = run_cli("check", "--no-cache", "--format", "json", str(tmp_path))
    results = json.loads(capsys.readouterr().out)["results"]
    assert code == 1
    assert [(Path(r["path"]).name, r["error"] is not None) for r in results] == [("locked", True), ("new.png", False)]


@pytest.mark.parametrize("make", ["loop", "long"])
def test_a_path_that_cannot_be_used_is_said_not_a_crash(tmp_path: Path, make: str, monkeypatch):
    import os

    monkeypatch.chdir(tmp_path)
    if make == "loop":
        os.symlink("loop2", "loop1")
        os.symlink("loop1", "loop2")
        with pytest.raises(ConfigError, match="cannot use loop1/x.png"):
            collect(["loop1/x.png"], (), tmp_path)
        assert collect(["loop1"], ("*.jpg",), tmp_path) == ["loop1"]  # a link loop itself: checked, so reported
    else:
        with pytest.raises(ConfigError, match="cannot use .*name too long"):
            collect(["a" * 300 + ".png"], (), tmp_path)


def test_a_tree_deeper_than_pythons_recursion_limit_is_walked(tmp_path: Path, monkeypatch):
    import os
    import sys

    (tmp_path / "top.png").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    deep = "d"
    for _ in range(sys.getrecursionlimit() + 100):  # Path.mkdir(parents=True) recurses too
        os.mkdir(deep)
        deep += "/d"
    deep = Path(deep).parent
    (deep / "bottom.png").write_bytes(b"x")
    (Path("d") / "mid.png").write_bytes(b"x")
    try:
        assert collect(["."], (), tmp_path) == ["top.png", "d/mid.png", str(deep / "bottom.png")]
    finally:  # shutil.rmtree recurses too (before 3.12): pytest could not clean the tree up
        (deep / "bottom.png").unlink()
        (Path("d") / "mid.png").unlink()
        while str(deep) != ".":
            os.rmdir(deep)
            deep = deep.parent


def test_folders_are_walked_depth_first_in_name_order(tmp_path: Path):
    for name in ("b/x.png", "a/z/y.png", "a/w.png", "c.png", "a.png/real.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in collect([str(tmp_path)], (), tmp_path)]
    assert found == ["c.png", "a/w.png", "a/z/y.png", "a.png/real.png", "b/x.png"]


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid"), reason="POSIX file modes")
def test_folders_that_cannot_be_searched_or_listed_are_reported_and_the_rest_checked(tmp_path: Path):
    """A real run with real modes: a folder that lists its names but may not be searched
    (mode 644) and one that may not even be listed (mode 000) crashed the run or sent
    `explain` to say the file did not exist."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from conftest import EXAMPLES, without_privilege

    for folder, name in (("ok", "new.png"), ("unsearchable", "old.png"), ("locked", "old.png")):
        (tmp_path / folder).mkdir()
        shutil.copy(EXAMPLES / f"{name[:3]}-logo.png", tmp_path / folder / name)
    (tmp_path / "unsearchable").chmod(0o644)
    (tmp_path / "locked").chmod(0o000)

    def logolint(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*without_privilege(), sys.executable, "-m", "logolint", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    shutil.copy(EXAMPLES / "old-logo.png", tmp_path / "ok" / "old.png")
    try:
        checked = logolint("check", "--no-cache", "--format", "json", ".")
        named = logolint("check", "--no-cache", "--format", "json", "unsearchable/old.png")
        explained = logolint("explain", "unsearchable/old.png")
        # Path.is_file and is_dir raise there (before Python 3.14): each was an internal error.
        (tmp_path / "link.png").symlink_to("unsearchable/old.png")
        linked = logolint("check", "--no-cache", "link.png")
        refused = [logolint("check", "--no-cache", "ok/new.png", "--write-baseline", "unsearchable/base.txt"),
                   logolint("train", "--old", "unsearchable/old.png", "--new", "ok/new.png", "--output", "out"),
                   logolint("train", "--old", "unsearchable", "--new", "ok/new.png", "--output", "out"),
                   logolint("train", "--old", "ok/old.png", "--new", "ok/new.png", "--output", "unsearchable/m.tflite")]
    finally:
        for folder in ("unsearchable", "locked"):
            (tmp_path / folder).chmod(0o755)
    assert checked.returncode == 1, checked.stderr
    assert [(r["path"], r["error"]) for r in json.loads(checked.stdout)["results"]] == [
        ("locked", "cannot list folder: Permission denied"), ("ok/new.png", None), ("ok/old.png", None),
        (os.path.join("unsearchable", "old.png"), "cannot read file: Permission denied")]
    assert named.returncode == 1 and "internal error" not in named.stderr + named.stdout
    assert json.loads(named.stdout)["results"][0]["error"] == "cannot read file: Permission denied"
    assert explained.returncode == 1 and "no such file" not in explained.stderr
    assert "unsearchable/old.png: not checked: cannot read file: Permission denied" in explained.stdout
    assert linked.returncode == 1 and "link.png: not checked: cannot read file: Permission denied" in linked.stdout
    for done, said in zip(refused, ("cannot write unsearchable/base.txt: Permission denied", "--old: cannot read unsearchable/old.png: Permission denied",
                                    "--old: cannot read unsearchable/old.png: Permission denied", "names a model file")):
        assert done.returncode == 2 and said in done.stderr and "internal error" not in done.stderr, done.stderr


@pytest.mark.parametrize("patterns, reported", [
    (("private",), False), (("private/",), False), (("private/**",), False), (("/private/",), False),
    (("private/*.png",), True),  # it may hold other images
    (("private/", "!private/keep.png"), True),  # a file in it could be brought back
])
def test_a_folder_that_cannot_be_listed_is_reported_unless_all_of_it_is_excluded(
        tmp_path: Path, monkeypatch, patterns: tuple[str, ...], reported: bool):
    import os

    real = os.scandir

    def scandir(path):  # as in a folder of mode 000 (root, who runs CI, lists it anyway)
        if os.path.basename(os.fspath(path)) == "private":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    _touch(tmp_path, "ok.png", "private/old.png")
    monkeypatch.setattr(os, "scandir", scandir)
    found = collect([str(tmp_path)], patterns, tmp_path)
    assert found == [str(tmp_path / "ok.png"), *([str(tmp_path / "private")] if reported else [])]


def test_a_named_file_in_a_folder_that_cannot_be_searched_is_excluded_as_any_other(tmp_path: Path, monkeypatch):
    import os

    real = os.lstat

    def lstat(path, *args, **kwargs):  # as in a folder of mode 644 (root, who runs CI, reads it anyway)
        if os.fspath(path).startswith("locked" + os.sep):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "lstat", lstat)
    named = [os.path.join("locked", "legacy.png"), os.path.join("locked", "x.png")]
    assert collect(named, ("legacy.png",), tmp_path) == [os.path.join("locked", "x.png")]



def test_a_link_is_excluded_by_its_own_name_and_a_path_outside_the_root_never(tmp_path: Path, monkeypatch):
    """Patterns were matched against a link's target, and outside the root against the
    path as typed, so `../o.png` and its absolute path got different answers."""
    import os

    repo = tmp_path / "repo"
    _touch(repo, "sub/a.png", "sub/deep/b.png")
    _touch(tmp_path, "outside/o.png")
    os.symlink("sub/a.png", repo / "link.png")
    os.symlink("sub", repo / "linkdir")
    monkeypatch.chdir(repo)
    assert collect(["link.png", "linkdir"], ("link.png", "linkdir/"), repo) == []
    assert collect(["link.png"], ("sub/",), repo) == ["link.png"]
    assert collect(["../outside/o.png", str(tmp_path / "outside" / "o.png")], ("outside/", "o.png"), repo) == [
        "../outside/o.png"]  # one file named two ways, checked once, never excluded


@pytest.mark.parametrize("pattern, names", [  # each as `git ls-files -i -o` gives it
    (r"\#hash.png", ["#hash.png"]),
    (r"\!bang.png", ["!bang.png"]),  # a file whose name starts with "!" can be excluded
    ("trail\\ .png", ["trail .png"]),
    (r"odd\[1\].png", ["odd[1].png"]),
    ("[]]x.png", ["]x.png"]),
    ("[x!]bang.png", ["!bang.png"]),  # "!" past a class's start is itself
    ("a[[:digit:]].png", ["a1.png"]),
    ("a[!0-9].png", ["ab.png"]),
    ("sub[/]a.png", []),  # a class never matches "/"
    ("a.png   ", ["a.png", "sub/a.png"]),  # trailing spaces dropped
])
def test_exclude_patterns_read_as_git_reads_them(tmp_path: Path, pattern: str, names: list[str]):
    files = ["#hash.png", "!bang.png", "trail .png", "odd[1].png", "]x.png", "a1.png", "ab.png", "a.png", "sub/a.png"]
    _touch(tmp_path, *files)
    found = collect([str(tmp_path)], (pattern,), tmp_path)
    assert sorted(set(files) - {Path(p).relative_to(tmp_path).as_posix() for p in found}) == sorted(names)


def test_a_pattern_matches_its_name_and_not_the_name_with_a_newline_after_it(tmp_path: Path):
    """Python's $ also matches before a final newline: `old.png` excluded `old.png\\n` too."""
    from logolint.paths import Excluder

    excluder = Excluder(("old.png", "/logo\\[1].svg"), tmp_path)
    assert excluder.excluded(tmp_path / "old.png") and excluder.excluded(tmp_path / "logo[1].svg")
    assert not excluder.excluded(tmp_path / "old.png\n") and not excluder.excluded(tmp_path / "logo[1].svg\n")


# Patterns and paths on which logolint's exclude must agree with git's own matcher.
GIT_PATTERNS = ["*.gif", "/top.png", "assets/*.png", "assets/**/*.png", "**/legacy", "legacy/", "docs/**",
                "logo-v[12].png", "logo-v[!12].png", "foo**bar.png", "**", "a/**/b/*.png", "*/x.png",
                "?.png", "[[:digit:]]*.png", "a\\*.png", "deep/*/*/z.png", "**/c/**/*.png", "*a*b*c*.png",
                "***/x.png", "legacy//", "//legacy", "[", "*[", "*.png\\", "[a\\-z]*.png", "[+-0].png",
                "[-a]?.png", "old\\\\ ", "old\\ "]
GIT_MATCHES_NOTHING = {"legacy//", "//legacy", "[", "*[", "*.png\\"}  # git's own reading
GIT_PATHS = ["a.gif", "s/t/a.gif", "top.png", "sub/top.png", "assets/a.png", "assets/deep/a.png", "x/legacy/y.png",
             "legacy/q.png", "docs/a/b.png", "docs.png", "logo-v2.png", "logo-v3.png", "fooxbar.png",
             "foo/bar.png", "foobar.png", "a/b/n.png", "a/q/r/b/n.png", "a/b/c/n.png", "m/x.png", "m/n/x.png",
             "1.png", "12.png", "9z.png", "a*.png", "ab.png", "deep/1/2/z.png", "deep/1/z.png",
             "c/n.png", "q/c/r/s.png", "xaybzc.png", "abc.png", "cba.png", "x.png", "a/b/x.png", "[", "*.png\\",
             "-.png", "z.png", "0.png", "old\\", "old\\ ", "old "]


@pytest.mark.skipif(shutil.which("git") is None, reason="git")
@pytest.mark.parametrize("pattern", GIT_PATTERNS)
def test_exclude_agrees_with_git(tmp_path: Path, pattern: str):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    _touch(tmp_path, *GIT_PATHS)
    (tmp_path / ".gitignore").write_text(pattern + "\n")
    done = subprocess.run(["git", "check-ignore", "--no-index", "--stdin", "-z"], cwd=tmp_path,
                          input="\0".join(GIT_PATHS), capture_output=True, text=True)  # -z: names unquoted
    ignored = set(done.stdout.split("\0")) - {""}
    assert done.returncode in (0, 1), done.stderr
    assert bool(ignored) == (pattern not in GIT_MATCHES_NOTHING), pattern  # a broken run cannot pass
    excluder = Excluder((pattern,), tmp_path)
    assert {path for path in GIT_PATHS if excluder.excluded(tmp_path / path)} == ignored



def test_many_stars_do_not_backtrack(tmp_path: Path):
    """A regex of eight stars took minutes against a name of 60 letters (git answers at once)."""
    name = "a" * 200 + ".png"
    _touch(tmp_path, name)
    assert collect([str(tmp_path)], ("**a**a**a**a**a**a**a**a**b",), tmp_path) == [str(tmp_path / name)]
    assert collect([str(tmp_path)], ("*a*a*a*a*a*a*a*a*.png",), tmp_path) == []


def test_a_folder_past_the_path_length_limit_is_reported_and_not_called_a_file(tmp_path: Path, capsys):
    import json
    import os

    from conftest import run_cli

    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(20):  # 20 names of 250 characters: past Linux's 4096-byte PATH_MAX
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    assert run_cli(str(tmp_path), "--no-cache", "--format", "json") == 1
    errors = {r["error"] for r in json.loads(capsys.readouterr().out)["results"]}
    assert errors == {"cannot read: the path is too long (File name too long)"}
