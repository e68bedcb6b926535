import io
import os
import pty
import re
import select
import subprocess
import sys
import time

import pytest

from conftest import EXAMPLES, ROOT, run_cli
from logolint.console import Console, ProgressLine, color_enabled, painter, progress_enabled
from logolint.model import bundled_model_path

TERMINAL = {"TERM": "xterm-256color"}


class Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("choice, environ, tty, expected", [
    ("auto", TERMINAL, True, True),
    ("auto", TERMINAL, False, False),
    ("auto", {**TERMINAL, "NO_COLOR": "1"}, True, False),
    ("auto", {**TERMINAL, "NO_COLOR": ""}, True, True),  # no-color.org: empty means unset
    ("auto", {"TERM": "dumb"}, True, False),
    ("always", {**TERMINAL, "NO_COLOR": "1"}, False, True),
    ("never", TERMINAL, True, False),
])
def test_color_follows_flag_then_no_color_then_tty(choice, environ, tty, expected):
    stream = Terminal() if tty else io.StringIO()
    assert color_enabled(choice, stream, environ) is expected


@pytest.mark.parametrize("environ, tty, expected", [
    (TERMINAL, True, True),
    (TERMINAL, False, False),
    ({**TERMINAL, "PRE_COMMIT": "1"}, True, False),
    ({**TERMINAL, "CI": "true"}, True, False),
    ({**TERMINAL, "CI": ""}, True, False),  # set, even if empty
    ({"TERM": "dumb"}, True, False),
])
def test_progress_only_on_a_real_terminal_outside_hooks_and_ci(environ, tty, expected):
    stream = Terminal() if tty else io.StringIO()
    assert progress_enabled(stream, environ) is expected


def test_progress_line_waits_draws_throttles_and_erases():
    stream, clock = Terminal(), Clock()
    line = ProgressLine(stream, painter(False), delay=0.5, clock=clock)
    line.update(1, 40, "a.png")
    assert stream.getvalue() == ""  # a quick run leaves no trace
    clock.now += 0.6
    line.update(2, 40, "b.png")
    assert stream.getvalue().endswith(" 2/40  b.png")
    drawn = stream.getvalue()
    clock.now += 0.01
    line.update(3, 40, "c.png")
    assert stream.getvalue() == drawn  # throttled
    clock.now += 0.01
    line.update(40, 40, "z.png")
    assert stream.getvalue().endswith("█" * 24 + " 40/40  z.png")  # the last state always shows
    line.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_line_logs_above_itself_and_fits_the_width():
    stream, clock = Terminal(), Clock()
    line = ProgressLine(stream, painter(False), delay=0, clock=clock)
    line.update(1, 3, "folder/" * 30 + "deep-name.png")
    line.log("examples/a.png: 0.10 new (ok)")
    line.close()
    frames = [frame for frame in stream.getvalue().split("\r\x1b[K") if frame]
    assert "examples/a.png: 0.10 new (ok)\n" in frames
    bars = [frame for frame in frames if "1/3" in frame]
    assert len(bars) == 2  # drawn, then redrawn under the logged line
    assert all(len(bar) <= 80 and bar.endswith("deep-name.png") and "…" in bar for bar in bars)


def test_spinner_ticks_while_work_is_silent_and_plain_ascii_elsewhere():
    class AsciiTerminal(Terminal):
        encoding = "ascii"

    stream = AsciiTerminal()
    line = ProgressLine(stream, painter(False), delay=0, ticking=True)
    line.update(note="embedding 960 views")

    def frames() -> list[str]:
        return [frame for frame in stream.getvalue().split("\r\x1b[K") if frame]

    deadline = time.monotonic() + 10  # three ticks waited for, not slept on: a busy machine is slow
    while len(frames()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    line.close()
    shown = frames()
    assert len(shown) >= 3 and all(frame.endswith("s  embedding 960 views") for frame in shown)
    stream.getvalue().encode("ascii")  # no glyph an ASCII terminal cannot show


def test_console_quiet_and_verbose():
    for verbosity, shown in ((-1, []), (0, ["info"]), (1, ["info", "detail"])):
        err = io.StringIO()
        console = Console(io.StringIO(), err, TERMINAL, verbosity=verbosity)
        console.info("info")
        console.detail("detail")
        assert err.getvalue().split() == shown


def test_quiet_check_prints_findings_only_and_verbose_adds_every_file(capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    old, new = str(EXAMPLES / "old-logo.png"), str(EXAMPLES / "new-logo.png")
    model = str(bundled_model_path())  # named: with no model configured, a warning is said even under -q
    assert run_cli("-q", old, new, "--no-cache", "--model", model) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{old}: old logo (")
    assert len(captured.out.splitlines()) == 1 and captured.err == ""
    assert run_cli("-v", old, new, "--no-cache") == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == "2 images checked, 1 with the old logo"
    assert re.search(rf"^{re.escape(new)}: \d\.\d\d \w+ \(ok\)$", captured.err, re.M)
    assert re.search(rf"^{re.escape(old)}: \d\.\d\d \w+ \(old logo\)$", captured.err, re.M)
    assert "model " in captured.err


def test_color_flag_and_no_color(capsys, monkeypatch):
    old = str(EXAMPLES / "old-logo.png")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert run_cli(old, "--color", "always") == 1
    assert "\x1b[31mold logo\x1b[0m" in capsys.readouterr().out
    assert run_cli(old) == 1  # auto, and captured output is no terminal
    assert "\x1b[" not in capsys.readouterr().out
    assert run_cli(old, "--color", "never") == 1
    assert "\x1b[" not in capsys.readouterr().out


def _run_on_a_terminal(*argv: str, **env: str) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal, as a person at a shell would."""
    controller, terminal = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "PRE_COMMIT", "NO_COLOR", "GITHUB_ACTIONS")}
    process = subprocess.Popen([sys.executable, "-m", "logolint", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=terminal, env={**environ, "TERM": "xterm", **env})
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            process.kill()
            pytest.fail("no output on the terminal within 60 s")
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out = process.stdout.read().decode()
    os.close(controller)
    return process.wait(timeout=60), out, seen.decode(errors="replace")


def test_progress_bar_on_a_terminal_and_none_in_a_hook():
    # Ten uncached images: longer than the bar's delay. The model named, so no warning follows the bar.
    argv = ("check", "examples", "--no-cache", "--model", str(bundled_model_path()))
    code, out, terminal = _run_on_a_terminal(*argv)
    total = len(list(EXAMPLES.iterdir()))
    assert code == 1 and out.splitlines()[-1].startswith(f"{total} images checked")
    assert f" {total}/{total}  examples/" in terminal and "█" in terminal
    assert terminal.endswith("\r\x1b[K")  # erased, so the report is not mixed with it

    code, out, terminal = _run_on_a_terminal(*argv, PRE_COMMIT="1")
    assert code == 1 and out.splitlines()[-1].startswith(f"{total} images checked")
    assert terminal == ""


@pytest.mark.parametrize("columns", [10, 20, 30, 60])
def test_progress_line_never_wraps_on_narrow_terminals_or_with_wide_names(columns, monkeypatch):
    import unicodedata

    import logolint.console

    monkeypatch.setattr(logolint.console, "_width", lambda stream: columns)
    stream, clock = Terminal(), Clock()
    line = ProgressLine(stream, painter(False), delay=0, clock=clock)
    for done, note in enumerate(["ファイル名前古い会社のロゴ" * 3 + ".png", "plain-name.png", "e\u0301" * 40], 1):
        clock.now += 1
        line.update(done, 7, note)
    line.close()
    frames = [frame for frame in stream.getvalue().split("\r\x1b[K") if frame]
    wide = lambda text: sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1  # noqa: E731
                            for c in text)
    assert all(wide(frame) < columns for frame in frames)
    if columns >= 30:
        assert len(frames) == 3 and all(f"{done}/7" in frame for done, frame in enumerate(frames, 1))
        assert frames[0].endswith("ロゴ.png") and frames[1].endswith("plain-name.png")
