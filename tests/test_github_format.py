"""`--format github`: workflow-command annotations, their escaping, the job summary, `auto`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, run_cli
from logolint.github import annotations, escape_data, escape_property, job_summary
from logolint.results import Report, Result


def _report(tmp_path: Path, *results: Result, fail_on_error: bool = True) -> Report:
    return Report(results, 0.65, "0" * 64, fail_on_error=fail_on_error, root=str(tmp_path))


def test_escaping_follows_the_runner_rules():
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    # `%` first, or the escapes themselves would be escaped again.
    assert escape_property("%0A") == "%250A"


def test_annotations_for_findings_and_unreadable_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = _report(
        tmp_path,
        Result("docs/old.png", 0.91, True, label="old", box=(1, 2, 30, 40), sha256="a" * 64),
        Result("docs/new.png", 0.10, False, label="new", box=(0, 0, 5, 5), sha256="b" * 64),
        Result("bad.png", None, False, error="corrupt image: broken"),
        Result("kept.png", 0.99, False, label="old", sha256="c" * 64, accepted="press kit"),
    )
    assert annotations(report).splitlines() == [
        "::error file=docs/old.png,title=old logo::docs/old.png: old logo (0.91 >= 0.65) at [1, 2, 30, 40]",
        "::error file=bad.png,title=not checked::bad.png: not checked: corrupt image: broken",
        "4 images: 3 checked, 1 with the old logo, 1 could not be checked, 1 accepted by the baseline or allow list",
    ]
    warn = _report(tmp_path, Result("bad.png", None, False, error="x"), fail_on_error=False)
    assert annotations(warn).splitlines()[0] == "::warning file=bad.png,title=not checked::bad.png: not checked: x"


def test_a_hostile_file_name_cannot_inject_a_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "a::b%c,d\n::add-mask::secret\r.png"
    report = _report(tmp_path, Result(name, 1.0, True, box=(0, 0, 1, 1)))
    lines = annotations(report).splitlines()
    assert lines[0] == ("::error file=a%3A%3Ab%25c%2Cd%0A%3A%3Aadd-mask%3A%3Asecret%0D.png,title=old logo::"
                        "a::b%25c,d%0A::add-mask::secret%0D.png: old logo (1.00 >= 0.65) at [0, 0, 1, 1]")
    assert len(lines) == 2 and not lines[1].startswith("::")


def test_control_characters_from_names_and_files_reach_no_log_raw(tmp_path, monkeypatch):
    # A name or an error message (quoting a file's own bytes) with ESC, a C1 CSI or a bidi
    # override would act on the log or the terminal showing it.
    from logolint.formats import text

    monkeypatch.chdir(tmp_path)
    report = _report(tmp_path, Result("esc\x1b[31m.png", 1.0, True, box=(0, 0, 1, 1)),
                     Result("bidi.svg", None, False, error="cannot render SVG: data:\u202e\x9b2J"))
    for output in (annotations(report), text(report)):
        assert not any(not c.isprintable() and c != "\n" for c in output), repr(output)
        assert "esc\\x1b[31m.png" in output and "data:\\u202e\\x9b2J" in output


def test_a_name_with_a_tab_links_to_its_file(tmp_path, monkeypatch):
    """`file=` named the printed escape (tab\\there.png), a file that does not exist."""
    monkeypatch.chdir(tmp_path)
    report = _report(tmp_path, Result("tab\there.png", 1.0, True, box=(0, 0, 1, 1)))
    assert annotations(report).startswith("::error file=tab\there.png,title=old logo::tab\there.png: old logo (")


def test_paths_are_named_from_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    report = _report(tmp_path, Result("x.png", 1.0, True), Result("/elsewhere/y.png", 1.0, True))
    lines = annotations(report).splitlines()
    assert lines[0].startswith("::error file=sub/x.png,")
    assert lines[1].startswith("::error file=/elsewhere/y.png,")


def test_job_summary_has_the_verdict_and_a_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = _report(
        tmp_path,
        Result("img/old|logo *x*.png", 0.876, True, box=(0, 0, 10, 20), sha256="a" * 64),
        Result("ok.png", 0.1, False, box=(0, 0, 1, 1)),
        Result("bad.png", None, False, error="not a <b>supported</b> image"),
        Result("kept.png", 0.99, False, box=(1, 1, 2, 2), accepted="press kit"),
    )
    assert job_summary(report).splitlines() == [
        "### logolint: ❌ 1 of 4 images shows the old logo (1 could not be checked, 1 accepted)",
        "",
        "| File | Score | Box | Verdict |",
        "| --- | --- | --- | --- |",
        r"| img\/old\|logo \*x\*\.png | 0.88 | [0, 0, 10, 20] | old logo |",
        r"| bad\.png | – | – | not checked\: not a \<b\>supported\<\/b\> image |",
        r"| kept\.png | 0.99 | [1, 1, 2, 2] | accepted\: press kit |",
        "",
    ]
    clean = _report(tmp_path, Result("ok.png", 0.1, False))
    assert job_summary(clean) == "### logolint: ✅ no old logo in 1 image\n\n"


def test_a_name_that_is_not_utf8_shows_in_the_job_summary_as_in_every_other_format(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "bad\udcff.png"  # os.fsdecode(b"bad\xff.png")
    report = _report(tmp_path, Result(name, 1.0, True, box=(0, 0, 1, 1)))
    assert r"| bad\\xff\.png | 1.00 |" in job_summary(report)  # \\ is CommonMark's backslash
    assert "bad\\xff.png" in annotations(report)



def test_cli_github_format_appends_the_job_summary(tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(ROOT / "logolint")  # annotations name files from the repository root
    old, new = str(EXAMPLES / "old-logo.png"), "../examples/new-logo.png"
    assert run_cli(old, new, "--format", "github", "--cache-dir", str(tmp_path / "c")) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("::error file=examples/old-logo.png,title=old logo::examples/old-logo.png: old logo (")
    assert out[1] == "2 images checked, 1 with the old logo"
    text = summary.read_text()
    assert text.startswith("earlier step\n### logolint: ❌ 1 of 2 images shows the old logo\n")
    assert r"| examples\/old\-logo\.png |" in text and "new-logo" not in text


def test_a_job_summary_that_cannot_be_written_is_a_warning_not_the_outcome(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no" / "such" / "summary.md"))
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--format", "github", "--cache-dir", str(tmp_path / "c")) == 0
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--format", "github", "--cache-dir", str(tmp_path / "c")) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("1 image checked, 0 with the old logo\n::error file=")
    assert captured.err.count("logolint: warning: cannot write the job summary ") == 2


@pytest.mark.parametrize("actions, expected", [("true", "::error file="), (None, "old-logo.png: old logo (")])
def test_auto_format_picks_github_under_actions(tmp_path, monkeypatch, capsys, actions, expected):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    if actions is None:
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    else:
        monkeypatch.setenv("GITHUB_ACTIONS", actions)
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--cache-dir", str(tmp_path)) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(expected) if actions else expected in first and not first.startswith("::")
