"""GitHub Actions text: workflow-command annotations and the job summary (pure functions).

A file name is attacker-controlled in a pull request: every piece of it that reaches a
workflow command is escaped, so a name holding `::`, `%`, `,` or a newline cannot end the
command early or start another one."""

from __future__ import annotations

import re

from logolint.formats import box_text, controls_shown, decodable, shown_score, shown_threshold
from logolint.results import Report, Result


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def visible(text: str) -> str:
    """`text` with control characters shown as escapes (a log acts on an ESC), but for
    newlines and carriage returns, which escape_data encodes, and tabs, which no log acts
    on: a name holding them still links to its file."""
    return "".join(part if part in ("\r", "\n", "\t") else controls_shown(part)
                   for part in re.split(r"([\r\n\t])", text))


def escape_message(text: str) -> str:
    """Text a pull request may hold (a file name, a config's value) for a workflow
    command's message: control characters shown (see visible), then escaped as data."""
    return escape_data(visible(text))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _score(result: Result, report: Report) -> str:
    return f"{shown_score(result.score, report.threshold)} >= {shown_threshold(report.threshold)}"


def _box(result: Result) -> str:
    return box_text(result.box) if result.box else ""


def _outcome(result: Result) -> str:
    if result.error is not None:
        return f"not checked: {result.error}"
    if result.accepted is not None:
        return f"accepted: {result.accepted}"
    return "old logo"


def _message(result: Result, report: Report) -> str:
    if result.error is not None:
        return _outcome(result)
    at = (f" in {result.part}" if result.part else "") + (f" at {_box(result)}" if result.box else "")
    return f"old logo ({_score(result, report)}){at}"


def _command(level: str, result: Result, title: str, message: str, report: Report) -> str:
    # A printable name is left as it is, so that the annotation links to its file.
    name = visible(report.repo_path(result.path) or result.path)
    return (f"::{level} file={escape_property(name)},title={escape_property(title)}::"
            f"{escape_data(f'{name}: {visible(message)}')}")


def annotations(report: Report) -> str:
    """One `::error` per finding (`::warning` for an unreadable file with `unreadable:
    warn`), then the summary line."""
    from logolint.formats import summary

    lines = []
    for result in report.results:
        if result.error is not None:
            level = "error" if report.fail_on_error else "warning"
            lines.append(_command(level, result, "not checked", _message(result, report), report))
        elif result.flagged:
            lines.append(_command("error", result, "old logo", _message(result, report), report))
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def verdict(report: Report) -> str:
    """The run in one line."""
    checked = len(report.results)
    images = f"{checked} image{'s' if checked != 1 else ''}"
    found, errors = len(report.findings), len(report.errors)
    if found:
        line = f"❌ {found} of {images} show{'s' if found == 1 else ''} the old logo"
    elif errors and report.fail_on_error:
        line = f"❌ no old logo in {images}, but some could not be checked"
    else:
        line = f"✅ no old logo in {images}"
    notes = []
    if errors:
        notes.append(f"{errors} could not be checked")
    if report.accepted:
        notes.append(f"{len(report.accepted)} accepted")
    return line + (f" ({', '.join(notes)})" if notes else "")


def _cell(text: str) -> str:
    # Markdown would turn punctuation in a file name into links, HTML or extra table
    # columns: backslash-escape all of it (CommonMark allows that for any ASCII
    # punctuation) and show line breaks instead of breaking the row.
    out = []
    for char in decodable(text):  # a name's bytes that are not UTF-8 as \xff, as every other format shows them
        if char in "\r\n":
            out.append("\\r" if char == "\r" else "\\n")
        elif char.isascii() and not char.isalnum() and char.isprintable() and char != " ":
            out.append("\\" + char)
        elif not char.isprintable() and char != " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def job_summary(report: Report) -> str:
    """Markdown for `$GITHUB_STEP_SUMMARY`: the verdict, then a table of the files that
    failed, could not be checked or were accepted."""
    lines = [f"### logolint: {verdict(report)}", ""]
    rows = [r for r in report.results if r.flagged or r.error is not None or r.accepted is not None]
    if rows:
        lines += ["| File | Score | Box | Verdict |", "| --- | --- | --- | --- |"]
        for result in rows:
            name = report.repo_path(result.path) or result.path
            score = shown_score(result.score, report.threshold) if result.score is not None else "–"
            lines.append(f"| {_cell(name)} | {score} | {_box(result) or '–'} | {_cell(_outcome(result))} |")
        lines.append("")
    return "\n".join(lines) + "\n"
