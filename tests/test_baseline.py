"""Baseline and allow list: known contents pass wherever they move; edited ones are checked."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import EXAMPLES, run_cli
from logolint.baseline import accept, baseline_entries, baseline_text
from logolint.config import load_config
from logolint.errors import ConfigError
from logolint.model import DEMO_MODEL
from logolint.results import Result

OLD_SHA = hashlib.sha256((EXAMPLES / "old-logo.png").read_bytes()).hexdigest()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "img").mkdir()
    shutil.copy(EXAMPLES / "old-logo.png", repo / "img" / "old.png")
    shutil.copy(EXAMPLES / "old-logo.png", repo / "img" / "old-copy.png")
    shutil.copy(EXAMPLES / "new-logo.png", repo / "img" / "new.png")
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def cache(tmp_path: Path) -> str:
    return str(tmp_path / "cache")


def _results(capsys) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)["results"]}


@pytest.mark.parametrize("extra, message", [
    (["--format", "sarif", "--output", "report.sarif"], "--write-baseline writes the baseline only"),
    (["--format", "json"], "--write-baseline writes the baseline only"),
    (["--output", "report.txt"], "--write-baseline writes the baseline only"),
])
def test_write_baseline_refuses_a_report_it_would_not_write(repo: Path, cache: str, capsys, extra, message):
    """The report was silently dropped: no SARIF file, no JSON on stdout, exit 0."""
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", "b.txt", *extra) == 2
    assert message in capsys.readouterr().err
    assert not (repo / "b.txt").exists() and not (repo / "report.sarif").exists()


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_a_report_or_baseline_is_never_written_over_an_image(repo: Path, cache: str, capsys, option):
    before = (repo / "img" / "new.png").read_bytes()
    assert run_cli("img", "--cache-dir", cache, option, "img/new.png") == 2
    assert f"{option} img/new.png: cannot write there: an image's name" in capsys.readouterr().err
    assert (repo / "img" / "new.png").read_bytes() == before
    # A file named on the command line is checked whatever its name.
    shutil.copy(repo / "img" / "new.png", repo / "logo.dat")
    assert run_cli("logo.dat", "--cache-dir", cache, option, "./logo.dat") == 2
    assert f"{option} ./logo.dat: cannot write there: it is a file being checked" in capsys.readouterr().err
    assert (repo / "logo.dat").read_bytes() == before


def test_a_report_or_baseline_is_never_written_over_the_runs_own_model_or_config(repo: Path, cache: str, capsys):
    """A tab-completed `-o` replaced the trained model, the config or the baseline with the
    report, and the next run failed or used the demo model."""
    from logolint.model import bundled_model_path

    shutil.copy(bundled_model_path(), repo / "brand.tflite")
    (repo / "accepted.txt").write_text(f"{OLD_SHA}  img/old.png\n")
    (repo / ".logolint.yaml").write_text("model: brand.tflite\nbaseline: accepted.txt\n")
    kept = {name: (repo / name).read_bytes() for name in ("brand.tflite", "accepted.txt", ".logolint.yaml")}
    for option, output, what in [("--output", "brand.tflite", "the model"), ("--output", ".logolint.yaml", "the config"),
                                 ("--output", "accepted.txt", "the baseline"),
                                 ("--write-baseline", "./brand.tflite", "the model"),
                                 ("--write-baseline", ".logolint.yaml", "the config")]:
        assert run_cli("img", "--cache-dir", cache, option, output) == 2
        assert f"{option} {output}: cannot write there: it is {what} in use" in capsys.readouterr().err
    assert run_cli("img", "--cache-dir", cache, "--model", str(repo / "brand.tflite"), "-o", "brand.tflite") == 2
    assert "it is the model in use" in capsys.readouterr().err
    assert run_cli("eval", "img", "--model", "brand.tflite", "-o", "brand.tflite") == 2
    assert "--output brand.tflite: cannot write there: it is the model in use" in capsys.readouterr().err
    assert {name: (repo / name).read_bytes() for name in kept} == kept
    # The baseline in use is what --write-baseline updates.
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", "accepted.txt") == 0


def test_write_baseline_then_those_contents_pass(repo: Path, cache: str, capsys):
    assert run_cli("img", "--cache-dir", cache, "--format", "text") == 1
    capsys.readouterr()
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", ".logolint-baseline.txt") == 0
    assert capsys.readouterr().err.splitlines() == [
        "logolint: wrote 1 accepted image to .logolint-baseline.txt (1 new); 2 files here show it",
        'logolint: so that checks accept them, add to .logolint.yaml: baseline: ".logolint-baseline.txt"',
        f"logolint: warning: {DEMO_MODEL}"]  # the demo model's findings accepted: said as every check says it
    text = (repo / ".logolint-baseline.txt").read_text()
    entries = [line for line in text.splitlines() if not line.startswith("#")]
    assert entries == [f"{OLD_SHA}  img/old-copy.png"]  # one line per content, no date

    (repo / ".logolint.yaml").write_text("baseline: .logolint-baseline.txt\n")
    assert run_cli("img", "--cache-dir", cache, "--format", "text") == 0
    assert capsys.readouterr().out.splitlines() == [
        "3 images checked, 0 with the old logo, 2 accepted by the baseline or allow list"]

    # Moved: still the same content, still passes.
    (repo / "elsewhere").mkdir()
    (repo / "img" / "old.png").rename(repo / "elsewhere" / "renamed.png")
    assert run_cli(".", "--cache-dir", cache, "--format", "json") == 0
    assert _results(capsys)["renamed.png"]["flagged"] is False

    # Edited: new bytes (same picture, saved again) are checked again.
    Image.open(repo / "elsewhere" / "renamed.png").save(repo / "elsewhere" / "renamed.png", compress_level=1)
    assert run_cli(".", "--cache-dir", cache, "--format", "json") == 1
    results = _results(capsys)
    assert results["renamed.png"]["flagged"] is True and results["old-copy.png"]["flagged"] is False

    # Rewriting the baseline keeps what it accepted and adds the edited image, sorted; the
    # config names it already, so no hint.
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", ".logolint-baseline.txt") == 0
    assert "add to .logolint.yaml" not in capsys.readouterr().err
    # Another baseline than the config's: the hint is to change the config's line, not to add a second.
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", "other.txt") == 0
    assert capsys.readouterr().err.splitlines()[-2] == (
        'logolint: checks read the baseline .logolint-baseline.txt; to use this one, set baseline: "other.txt" in '
        '.logolint.yaml')
    hashes = [line.split()[0] for line in (repo / ".logolint-baseline.txt").read_text().splitlines()
              if not line.startswith("#")]
    assert len(hashes) == 2 and hashes == sorted(hashes) and OLD_SHA in hashes
    first = (repo / ".logolint-baseline.txt").read_bytes()
    run_cli(".", "--cache-dir", cache, "--write-baseline", ".logolint-baseline.txt")
    assert (repo / ".logolint-baseline.txt").read_bytes() == first  # byte-identical when nothing changed


def test_baseline_is_relative_to_the_config_file(repo: Path, cache: str, capsys):
    (repo / "conf").mkdir()
    (repo / "conf" / "base.txt").write_text(f"{OLD_SHA}  somewhere/old.png\n")
    (repo / "conf" / "logolint.yaml").write_text("baseline: base.txt\n")
    assert run_cli("img", "--config", "conf/logolint.yaml", "--cache-dir", cache) == 0


def test_allow_list_accepts_with_a_reason(repo: Path, cache: str, capsys, monkeypatch, tmp_path):
    (repo / ".logolint.yaml").write_text(
        f"allow:\n  - sha256: {OLD_SHA.upper()}\n    reason: historic press kit, kept on purpose\n")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run_cli("img", "--cache-dir", cache, "--format", "github") == 0
    assert "::error" not in capsys.readouterr().out
    assert r"accepted\: historic press kit\, kept on purpose" in summary.read_text()
    assert run_cli("img", "--cache-dir", cache, "-v") == 0  # -v says why it passes, not a bare "ok"
    assert "(accepted: historic press kit, kept on purpose)" in capsys.readouterr().err


def test_accept_touches_only_findings():
    allowed = {"a" * 64: "why"}
    finding = Result("x.png", 0.9, True, sha256="a" * 64)
    assert accept(finding, allowed) == Result("x.png", 0.9, False, sha256="a" * 64, accepted="why")
    for other in (Result("y.png", 0.1, False, sha256="a" * 64), Result("z.png", 0.9, True, sha256="b" * 64),
                  Result("e.png", None, False, error="corrupt")):
        assert accept(other, allowed) is other


def test_baseline_text_is_sorted_and_escapes_the_path_note():
    results = [Result("b\nc.png", 0.9, True, sha256="f" * 64), Result("a.png", 0.9, True, sha256="0" * 64),
               Result("dup.png", 0.9, True, sha256="0" * 64), Result("n.png", 0.1, False, sha256="1" * 64)]
    lines = [line for line in baseline_text(baseline_entries(results)).splitlines() if not line.startswith("#")]
    assert lines == [f"{'0' * 64}  a.png", f"\\{'f' * 64}  b\\nc.png"]  # sha256sum's mark of an escaped name


@pytest.mark.parametrize("text, files, message", [
    ("baseline: missing.txt\n", {}, "missing.txt does not exist (`logolint check --write-baseline FILE` writes one)"),
    ("baseline: b.txt\n", {"b.txt/x": ""}, "key 'baseline' cannot read"),  # a folder
    ("baseline: b.txt\n", {"b.txt": "not-a-hash  x.png\n"}, "key 'baseline'"),
    ("baseline: b.txt\n", {"b.txt": "# ok\n\nzz\n"}, "line 3: expected a sha256"),
    ("allow: abc\n", {}, "key 'allow' must be a list"),
    ("allow:\n  - sha256: abc\n    reason: x\n", {}, "key 'allow' entry 1: sha256 must be 64"),
    (f"allow:\n  - sha256: {'a' * 64}\n", {}, "key 'allow' entry 1 must have exactly the keys"),
    (f"allow:\n  - sha256: {'a' * 64}\n    reason: ' '\n", {}, "key 'allow' entry 1: reason must be"),
])
def test_bad_baseline_or_allow_is_refused_at_load(tmp_path: Path, text: str, files: dict, message: str):
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(content)
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "c.yaml")
    assert message in str(info.value)


def test_allowed_merges_baseline_and_allow(tmp_path: Path):
    (tmp_path / "b.txt").write_text(f"{'a' * 64}  x.png\n{'b' * 64}\n")
    (tmp_path / "c.yaml").write_text(f"baseline: b.txt\nallow:\n  - sha256: {'b' * 64}\n    reason: kept\n")
    config = load_config(tmp_path / "c.yaml")
    assert config.baseline == (tmp_path / "b.txt").resolve()
    assert dict(config.allowed) == {"a" * 64: "in the baseline b.txt", "b" * 64: "kept"}


def test_a_baseline_with_odd_path_notes_reads_back(repo: Path, cache: str, capsys):
    import os

    # A Unicode line separator, a form feed and a byte that is not UTF-8: one line each.
    odd = {"logo\u2028v1.png": "old-banner.jpg", "page\x0c2.png": "old-card.webp",
           os.fsdecode(b"\xfe.png"): "old-screenshot.png"}
    for name, source in odd.items():
        shutil.copy(EXAMPLES / source, repo / "img" / name)
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", "base.txt") == 0
    assert "wrote 4 accepted images to base.txt" in capsys.readouterr().err
    notes = (repo / "base.txt").read_text(encoding="utf-8")
    assert "logo\\u2028v1.png" in notes and "page\\x0c2.png" in notes and "img/\\xfe.png" in notes
    (repo / ".logolint.yaml").write_text("baseline: base.txt\n")
    assert run_cli("img", "--cache-dir", cache, "--format", "text") == 0
    assert "6 images checked, 0 with the old logo, 5 accepted" in capsys.readouterr().out


def test_a_baseline_set_in_the_config_is_written_afresh_once_deleted(repo: Path, cache: str, capsys):
    (repo / ".logolint.yaml").write_text("baseline: .logolint-baseline.txt\n")
    assert run_cli("img", "--cache-dir", cache) == 2
    assert "does not exist" in capsys.readouterr().err
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", ".logolint-baseline.txt") == 0
    assert run_cli("img", "--cache-dir", cache, "--format", "text") == 0
    assert "2 accepted by the baseline" in capsys.readouterr().out


@pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes, and GNU sha256sum")
def test_sha256sum_lines_with_escaped_names_are_read(tmp_path: Path):
    import os
    import subprocess

    names = ("back\\slash.png", "new\nline.png", os.fsdecode(b"ff\xff.png"))
    for name in names:
        (tmp_path / name).write_bytes(os.fsencode(name))
    listing = subprocess.run(["sha256sum", "--", *sorted(p.name for p in tmp_path.iterdir())], cwd=tmp_path,
                             capture_output=True, check=True).stdout
    assert [line[:1] == b"\\" for line in listing.splitlines()].count(True) == 2  # two names escaped
    (tmp_path / "b.txt").write_bytes(listing)  # with the byte that is not UTF-8, as sha256sum wrote it
    (tmp_path / "c.yaml").write_text("baseline: b.txt\n")
    expected = {hashlib.sha256(os.fsencode(name)).hexdigest() for name in names}
    assert set(load_config(tmp_path / "c.yaml").allowed) == expected


@pytest.mark.skipif(sys.platform != "linux", reason="GNU sha256sum")
def test_sha256sum_checks_a_baseline_that_logolint_wrote(repo: Path, cache: str, capsys):
    """The baseline is written as sha256sum writes: an escaped name's line starts with a
    backslash, which `sha256sum -c` needs to read the name back."""
    import subprocess

    for name in ("back\\slash.png", "new\nline.png"):
        shutil.copy(EXAMPLES / "old-banner.jpg", repo / "img" / name)
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", "base.txt") == 0
    lines = [line for line in (repo / "base.txt").read_text().split("\n") if line and not line.startswith("#")]
    assert len(lines) == 2 and lines[0].startswith("\\") != lines[1].startswith("\\")  # the banner's name escaped
    checked = subprocess.run(["sha256sum", "-c", "base.txt"], cwd=repo, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_baseline_saved_with_a_byte_order_mark_is_read(tmp_path: Path):
    (tmp_path / "b.txt").write_bytes(b"\xef\xbb\xbf" + f"{'a' * 64}  x.png\r\n".encode())
    (tmp_path / "c.yaml").write_text("baseline: b.txt\n")
    assert dict(load_config(tmp_path / "c.yaml").allowed) == {"a" * 64: "in the baseline b.txt"}


def test_sharded_runs_add_to_the_baseline_and_keep_each_others_entries(repo: Path, cache: str, capsys):
    for name in ("old-banner.jpg", "old-card.webp", "old-screenshot.png"):
        shutil.copy(EXAMPLES / name, repo / "img" / name)
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", "all.txt") == 0
    everything = {line.split()[0] for line in (repo / "all.txt").read_text().splitlines() if not line.startswith("#")}
    assert len(everything) == 4
    for shard in ("1/2", "2/2"):
        assert run_cli("img", "--cache-dir", cache, "--shard", shard, "--write-baseline", "sharded.txt") == 0
    capsys.readouterr()
    assert (repo / "sharded.txt").read_text() == (repo / "all.txt").read_text()
    (repo / "sharded.txt").write_text("not a baseline\n")
    assert run_cli("img", "--cache-dir", cache, "--write-baseline", "sharded.txt") == 2
    assert "cannot add to the baseline" in capsys.readouterr().err
    # Refused before the work: before the model is even looked for, not after every image is checked.
    assert run_cli("img", "--model", "missing.tflite", "--write-baseline", "sharded.txt") == 2
    assert "cannot add to the baseline" in capsys.readouterr().err


def test_a_baseline_of_uppercase_hashes_is_read_as_allow_reads_them(tmp_path: Path):
    # PowerShell's Get-FileHash prints uppercase; results carry lowercase hashes.
    (tmp_path / "b.txt").write_text(f"{'AB' * 32}  x.png\n")
    (tmp_path / "c.yaml").write_text("baseline: b.txt\n")
    assert dict(load_config(tmp_path / "c.yaml").allowed) == {"ab" * 32: "in the baseline b.txt"}


@pytest.mark.skipif(sys.platform != "linux", reason="GNU sha256sum")
def test_notes_name_files_from_the_baseline_and_follow_a_move_not_a_copy(repo: Path, cache: str, capsys):
    """Written from a subfolder, the notes named files from there, and `sha256sum -c` in the
    baseline's folder failed; a copy seen first took over the note of a file still there."""
    import os
    import subprocess

    os.chdir(repo / "img")
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", "../base.txt") == 0
    assert "wrote 1 accepted image to ../base.txt (1 new)" in capsys.readouterr().err
    assert (repo / "base.txt").read_text().splitlines()[-1] == f"{OLD_SHA}  img/old-copy.png"
    checked = subprocess.run(["sha256sum", "-c", "base.txt"], cwd=repo, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    os.chdir(repo)
    shutil.copy(repo / "img" / "old.png", repo / "a-copy.png")  # seen first, in sorted order
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", "base.txt") == 0
    assert "wrote 1 accepted image to base.txt (0 new)" in capsys.readouterr().err
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", "base.txt", "-q") == 0
    assert "wrote" not in capsys.readouterr().err  # -q: findings and warnings only
    assert (repo / "base.txt").read_text().splitlines()[-1] == f"{OLD_SHA}  img/old-copy.png"
    (repo / "img" / "old-copy.png").rename(repo / "moved.png")
    (repo / "img" / "old.png").unlink()
    (repo / "a-copy.png").unlink()
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", "base.txt") == 0
    assert (repo / "base.txt").read_text().splitlines()[-1] == f"{OLD_SHA}  moved.png"
    checked = subprocess.run(["sha256sum", "-c", "base.txt"], cwd=repo, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_note_with_escapes_stays_with_its_file_when_a_copy_is_seen_first(repo: Path, cache: str, capsys):
    (repo / "img" / "old.png").rename(repo / "img" / "z\\old.png")  # a backslash: its note is escaped
    (repo / "img" / "old-copy.png").unlink()
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", "base.txt") == 0
    assert (repo / "base.txt").read_text().splitlines()[-1] == f"\\{OLD_SHA}  img/z\\\\old.png"
    shutil.copy(repo / "img" / "z\\old.png", repo / "img" / "a-copy.png")  # seen first
    assert run_cli(".", "--cache-dir", cache, "--write-baseline", "base.txt") == 0
    assert (repo / "base.txt").read_text().splitlines()[-1] == f"\\{OLD_SHA}  img/z\\\\old.png"



def test_the_baseline_hint_followed_literally_makes_checks_accept_them(repo: Path, cache: str, capsys, monkeypatch):
    """Named from the config's folder (`..` included) and naming the config in use: a hint
    relative to where the command ran, or naming .logolint.yaml for --config ci.yaml, sent
    users to write a line that pointed elsewhere."""
    (repo / "conf").mkdir()
    (repo / "conf" / "ci.yaml").write_text("threshold: 0.5\n")
    (repo / "site").mkdir()
    monkeypatch.chdir(repo / "site")
    argv = ["../img", "--config", "../conf/ci.yaml", "--cache-dir", cache]
    assert run_cli(*argv, "--write-baseline", "../top.txt") == 0
    hint = capsys.readouterr().err.splitlines()[1]
    assert hint == 'logolint: so that checks accept them, add to ../conf/ci.yaml: baseline: "../top.txt"'
    with open(repo / "conf" / "ci.yaml", "a") as config:
        config.write(hint.split(": ", 2)[2] + "\n")
    assert run_cli(*argv) == 0
