"""`--shard I/N`: every file in exactly one shard, the same one on every run."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, run_cli
from logolint.shard import Shard

PATHS = [f"dir{i % 7}/image {i}.png" for i in range(600)] + ["ünï/名前.png", "a\nb.png"]


@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_shards_partition_the_files(count: int):
    parts = [Shard(index, count).select(PATHS) for index in range(1, count + 1)]
    assert sorted(p for part in parts for p in part) == sorted(PATHS)  # complete, nothing twice
    assert all(len(part) > len(PATHS) / count / 2 for part in parts)  # roughly even
    for part in parts:  # each keeps the list's order
        assert part == [p for p in PATHS if p in set(part)]


def test_a_file_keeps_its_shard_whatever_else_is_listed():
    shard = Shard(2, 5)
    assert shard.select(PATHS[:100]) == [p for p in shard.select(PATHS) if p in PATHS[:100]]
    assert shard.owns("./dir1/image 1.png") == shard.owns("dir1/image 1.png")


def test_a_file_lands_in_the_same_shard_in_every_release():
    """A sharded Action's alerts are filed by shard: a file that moved to another shard
    would close its alert in one category and open it in another."""
    names = ["logo.png", "docs/banner.jpg", "a/b/c.svg", "ünï/x.webp", "img 1.png", "icons/app.ico"]
    assert [Shard(i, 3).select(names) for i in (1, 2, 3)] == [
        ["img 1.png"], ["logo.png", "a/b/c.svg", "icons/app.ico"], ["docs/banner.jpg", "ünï/x.webp"]]


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "a/b", "1/0", "-1/2", "1/2/3"])
def test_bad_shard_is_refused(text: str):
    with pytest.raises(ValueError):
        Shard.parse(text)


def test_shard_parse():
    assert Shard.parse(" 2/3 ") == Shard(2, 3) and str(Shard(2, 3)) == "2/3"


def test_cli_shards_cover_the_examples(tmp_path, capsys):
    seen = []
    for index in (1, 2, 3):
        run_cli(str(EXAMPLES), "--shard", f"{index}/3", "--format", "json", "--cache-dir", str(tmp_path))
        seen += [r["path"] for r in json.loads(capsys.readouterr().out)["results"]]
    assert sorted(seen) == sorted(str(p) for p in EXAMPLES.iterdir())
    with pytest.raises(SystemExit) as info:
        run_cli(str(EXAMPLES), "--shard", "4/3")
    assert info.value.code == 2
    assert "expected I/N with 1 <= I <= N" in capsys.readouterr().err


def test_a_file_is_in_the_same_shard_however_its_path_is_spelled(tmp_path, monkeypatch, capsys):
    import shutil
    import subprocess
    from pathlib import Path

    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "examples")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    owned = {}
    for cwd, path in ((repo, "examples"), (repo, "./examples"), (repo, str(repo / "examples")),
                      (repo / "examples", "."), (tmp_path, str(repo / "examples"))):
        monkeypatch.chdir(cwd)
        run_cli(path, "--shard", "1/2", "--format", "json", "--no-cache")
        owned[(str(cwd), path)] = sorted(Path(r["path"]).name for r in json.loads(capsys.readouterr().out)["results"])
    assert len({tuple(names) for names in owned.values()}) == 1, owned
    assert 0 < len(next(iter(owned.values()))) < len(list(EXAMPLES.iterdir()))
