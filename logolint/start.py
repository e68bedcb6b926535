"""The console scripts' entry points. Ctrl-C while the CLI's modules are still being
imported (the first tens of milliseconds) is an interrupt like any other, not a traceback:
only this small module is imported before the handler is in place."""

from __future__ import annotations

import sys

INTERRUPTED = 130


def _run(name: str) -> int:
    try:
        from logolint import cli

        # The CLI's own handler is in place only once it has read its arguments.
        return getattr(cli, name)()
    except KeyboardInterrupt:
        print("logolint: interrupted", file=sys.stderr)
        return INTERRUPTED


def main() -> int:
    return _run("main")


def hook() -> int:
    return _run("hook")
