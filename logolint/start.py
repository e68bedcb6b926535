"""The console scripts' entry points. Ctrl-C while the CLI's modules are still being
imported (the first tens of milliseconds) is an interrupt like any other, not a traceback:
only this small module is imported before the handler is in place. SIGTERM (a CI job
cancelled, `timeout`) ends a run the same way, so that the SVG renderer is stopped and no
half-written file is left."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Callable

INTERRUPTED = 130


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as Ctrl-C's KeyboardInterrupt is, so that the same clean-up runs."""

    code = 128 + signal.SIGTERM


def _terminated(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second one ends the process, clean-up or not
    raise Terminated()


def why_stopped(exc: KeyboardInterrupt) -> tuple[str, int]:
    """What stopped the run ("interrupted", "terminated") and its exit code."""
    return ("terminated", Terminated.code) if isinstance(exc, Terminated) else ("interrupted", INTERRUPTED)


def stopped(exc: KeyboardInterrupt) -> int:
    """Say why the run stops; its exit code."""
    why, code = why_stopped(exc)
    print(f"logolint: {why}", file=sys.stderr)
    return code


def leave(code: int) -> int:
    """`code`, or the process ended with it at once where a worker thread is still running
    after an interrupt: one that waits on an import lock the interrupt left held never
    ends, and Python's exit would wait for it forever."""
    if code not in (INTERRUPTED, Terminated.code) or not any(
            thread.is_alive() and not thread.daemon and thread is not threading.main_thread()
            for thread in threading.enumerate()):
        return code
    import atexit

    atexit._run_exitfuncs()  # the SVG renderer's worker is stopped there
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def on_termination():
    """SIGTERM raises Terminated from here on; the handler it replaces (None where it cannot:
    not the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _terminated)
    except ValueError:
        return None


def run(entry: Callable[[], int]) -> int:
    """`entry`'s exit code, with SIGTERM raising Terminated while it runs, and an interrupt
    that escapes it said (see stopped and leave)."""
    previous = on_termination()
    try:
        code = entry()
    except KeyboardInterrupt as exc:
        code = stopped(exc)
    if previous is not None:  # the run is over: a SIGTERM now (in atexit) ends the process as it would have
        signal.signal(signal.SIGTERM, previous)
    return leave(code)


def _cli(name: str) -> int:
    from logolint import cli

    # The CLI's own handler is in place only once it has read its arguments.
    return getattr(cli, name)()


def main() -> int:
    return run(lambda: _cli("main"))


def hook() -> int:
    return run(lambda: _cli("hook"))
