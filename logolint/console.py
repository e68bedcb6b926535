"""How the CLI talks to a person: verbosity, colour, and one redrawn progress line that
appears only on a real terminal, never in hooks, CI or logs."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Callable, Iterator, Mapping, TextIO

COLOR_CHOICES = ("auto", "always", "never")
QUIET, NORMAL, VERBOSE = -1, 0, 1
STYLES = {"bad": "31", "warn": "33", "good": "32", "dim": "2", "bold": "1", "bar": "36"}
Paint = Callable[[str, str], str]


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or file-like without a descriptor
        return False


def color_enabled(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """--color always/never win; auto follows NO_COLOR (https://no-color.org) and the TTY."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    return _isatty(stream) and environ.get("TERM") != "dumb"


def progress_enabled(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """A redrawn line only helps a person watching a terminal; in a hook, CI or a log
    it is noise, so each of those turns it off."""
    if environ.get("PRE_COMMIT") == "1" or "CI" in environ:
        return False
    return _isatty(stream) and environ.get("TERM") != "dumb"


def painter(enabled: bool) -> Paint:
    if not enabled:
        return lambda text, style: text
    return lambda text, style: f"\x1b[{STYLES[style]}m{text}\x1b[0m" if text else text


def _width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80  # 0: a terminal whose size was never set


class ProgressLine:
    """A bar when the total is known, else a spinner with the elapsed time. It waits
    `delay` seconds before drawing, so quick runs leave no trace, and erases itself on
    close. `ticking` redraws from a thread, for work that reports rarely."""

    REFRESH = 0.1

    def __init__(self, stream: TextIO, paint: Paint, delay: float = 0.5, ticking: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream, self._paint, self._clock = stream, paint, clock
        self._start = clock()
        self._shown_after = self._start + delay
        self._drawn_at = None  # when the line was last drawn; None while nothing is on screen
        self._done, self._total, self._note = 0, None, ""
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self._glyphs = ("█", "░", "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏", "…") if encoding == "utf8" else ("#", "-", "|/-\\", "...")
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True) if ticking else None
        if self._ticker:
            self._ticker.start()

    def update(self, done: int | None = None, total: int | None = None, note: str = "") -> None:
        with self._lock:
            if done is not None:
                self._done = done
            if total is not None:
                self._total = total
            self._note = note
            now = self._clock()
            finished = self._total is not None and self._done >= self._total
            if now >= self._shown_after and (
                self._drawn_at is None or now - self._drawn_at >= self.REFRESH or finished
            ):
                self._draw(now)

    def log(self, line: str) -> None:
        """Print a permanent line above the progress line."""
        with self._lock:
            drawn = self._drawn_at is not None
            self._erase()
            self._stream.write(line + "\n")
            if drawn:
                self._draw(self._clock())
            self._stream.flush()

    def close(self) -> None:
        self._stopped.set()
        if self._ticker:
            self._ticker.join()
        with self._lock:
            self._erase()
            self._stream.flush()

    def _tick(self) -> None:
        while not self._stopped.wait(self.REFRESH):
            self.update(note=self._note)

    def _erase(self) -> None:
        if self._drawn_at is not None:
            self._stream.write("\r\x1b[K")
            self._drawn_at = None

    def _draw(self, now: float) -> None:
        # Never wider than the terminal, in cells: a line that wraps is only half erased
        # by the next redraw, and every redraw leaves a line of junk behind.
        width = _width(self._stream) - 1
        full, empty, spinner, ellipsis = self._glyphs
        if self._total:
            counter = f" {self._done}/{self._total}"
            cells = max(0, min(24, (width - len(counter)) // 3))  # the file name gets the rest
            filled = round(min(self._done / self._total, 1.0) * cells)
            head = self._paint(full * filled, "bar") + self._paint(empty * (cells - filled), "dim") + counter
            visible = cells + len(counter)
        else:
            frame = spinner[int((now - self._start) / self.REFRESH) % len(spinner)]
            head = self._paint(frame, "bar") + f" {now - self._start:4.0f} s"
            visible = len(frame) + len(f" {now - self._start:4.0f} s")
        if visible > width:  # narrower than the counter itself: draw nothing
            return
        room = width - visible - 2
        note = self._note
        if _cells(note) > room:  # keep the end of a long path: the file name
            keep = room - len(ellipsis)
            note = ellipsis + _tail(note, keep) if keep > 0 else ""
        self._stream.write("\r\x1b[K" + head + (f"  {note}" if note else ""))
        self._stream.flush()
        self._drawn_at = now


def _cells(text: str) -> int:
    """How many terminal cells `text` takes: East Asian wide characters two, combining ones none."""
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _tail(text: str, room: int) -> str:
    """The end of `text` that fits in `room` cells."""
    used = 0
    for start in range(len(text) - 1, -1, -1):
        used += _cells(text[start])
        if used > room:
            return text[start + 1:]
    return text


class Console:
    """Where the CLI's messages go, and how loud and colourful they are."""

    def __init__(self, out: TextIO, err: TextIO, environ: Mapping[str, str],
                 verbosity: int = NORMAL, color: str = "auto") -> None:
        self.out, self.err, self.verbosity, self.color = out, err, verbosity, color
        self.paint_out = painter(color_enabled(color, out, environ))
        self.paint_err = painter(color_enabled(color, err, environ))
        self._progress = verbosity > QUIET and progress_enabled(err, environ)
        self._line: ProgressLine | None = None

    def info(self, message: str) -> None:
        """Status for people, on stderr; silenced by -q."""
        if self.verbosity >= NORMAL:
            self._say(message)

    def warn(self, message: str) -> None:
        """A warning, on stderr; shown even with -q."""
        self._say(message)

    def detail(self, message: str) -> None:
        """Shown only with -v."""
        if self.verbosity >= VERBOSE:
            self._say(message)

    def _say(self, message: str) -> None:
        if self._line:
            self._line.log(message)
        else:
            print(message, file=self.err, flush=True)

    @contextlib.contextmanager
    def progress(self, ticking: bool = False) -> Iterator[ProgressLine | None]:
        """A progress line for the duration of the block, or None where none should show."""
        self._line = ProgressLine(self.err, self.paint_err, ticking=ticking) if self._progress else None
        try:
            yield self._line
        finally:
            if self._line:
                self._line.close()
                self._line = None
