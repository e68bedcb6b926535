"""Render SVG in a child process with a time and a memory limit.

resvg's work is not bounded by the file's size (one small filter can run for minutes) and
a crash in native code would end the whole run, so the sanitised SVG goes to a long-lived
worker (started on the first SVG, so the interpreter starts once per run); a worker that
overruns is killed and the next SVG starts a new one. The worker also bounds each render's
CPU time itself, so a render cannot outlive a parent that was killed before it could kill
the worker.

Protocol over stdin/stdout, both ways: a 4-byte big-endian length, then that many bytes.
Requests are the square's side (4 bytes, big-endian), then the UTF-8 SVG text; replies are
b"K" + PNG bytes or b"E" + a UTF-8 message.
"""

from __future__ import annotations

import atexit
import os
import struct
import subprocess
import sys
import threading

from logolint.errors import ImageError, ImageTimeout, ImageUnfinished

RENDER_SECONDS = 10.0
RENDER_MEMORY = 1 << 30  # bytes of address space for the worker, where the OS allows a limit
RENDER_SIDE = 1024  # the drawing is fitted in this square


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return data


def _read_frame(stream) -> bytes:
    (size,) = struct.unpack(">I", _read_exactly(stream, 4))
    return _read_exactly(stream, size)


def _write_frame(stream, payload: bytes) -> None:
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


# The checked repository is usually the current folder, and `python -m` imports from it
# first: a resvg_py.py committed there would render every SVG (and run code). So the
# worker runs isolated (-I: no current folder, no PYTHON* variables, no user site) and is
# told where logolint itself lives, after site-packages.
_BOOT = "import sys; sys.path.append(sys.argv.pop(1)); from logolint.svg_worker import main; main(sys.argv[1:])"


def worker_command(seconds: float, families: tuple[tuple[str, object], ...] = ()) -> list[str]:
    """The worker's command line; `families` are resvg's font options (see logolint.fonts)."""
    import json

    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return [sys.executable, "-I", "-c", _BOOT, home, str(seconds), json.dumps(dict(families))]


class Renderer:
    """The parent's side: one worker at a time, restarted after a timeout or a crash."""

    def __init__(self, seconds: float = RENDER_SECONDS) -> None:
        self.seconds = seconds
        self._process: subprocess.Popen | None = None
        # One exchange at a time: threads sharing the one pipe read each other's replies (the
        # HTML report's thumbnails), and one timed out while the other held the worker.
        self._lock = threading.Lock()

    def _worker(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            from logolint.fonts import generic_families

            self._process = subprocess.Popen(
                worker_command(self.seconds, generic_families()),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )
        return self._process

    def render(self, svg_text: str, side: int = RENDER_SIDE, seconds: float | None = None) -> bytes:
        """PNG bytes of the SVG fitted in a square of `side`, or ImageError; given up after
        `seconds` where fewer than the worker's own limit are left."""
        with self._lock:
            return self._render(svg_text, side, self.seconds if seconds is None else min(self.seconds, seconds))

    def _render(self, svg_text: str, side: int, seconds: float) -> bytes:
        process = self._worker()
        reply: list[bytes] = []

        def exchange() -> None:
            try:
                _write_frame(process.stdin, struct.pack(">I", side) + svg_text.encode("utf-8"))
                reply.append(_read_frame(process.stdout))
            except (OSError, EOFError, ValueError):
                pass  # the worker died or was killed: no reply

        thread = threading.Thread(target=exchange, daemon=True)
        thread.start()
        thread.join(seconds)
        if thread.is_alive():
            self.close()
            thread.join()
            raise ImageTimeout(f"SVG took longer than {seconds:g} s to render")
        if not reply:
            self.close()
            raise ImageUnfinished("cannot render SVG: the renderer crashed or ran out of memory")
        status, payload = reply[0][:1], reply[0][1:]
        if status != b"K":
            raise ImageError(f"cannot render SVG: {payload.decode('utf-8', 'replace')}")
        return payload

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass


_shared: Renderer | None = None


def render(svg_text: str, side: int = RENDER_SIDE, seconds: float | None = None) -> bytes:
    """Render with the process's one worker (see Renderer.render)."""
    global _shared
    if _shared is None:
        _shared = Renderer()
        atexit.register(_shared.close)
    return _shared.render(svg_text, side, seconds)


def _limit_memory() -> None:
    """The worker's address space, and no core dump (one that its CPU limit ends would land
    in the checkout)."""
    try:
        import resource
    except ImportError:  # Windows: the time limit still holds
        return
    for limit, value in ((resource.RLIMIT_AS, RENDER_MEMORY), (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass


def _limit_cpu(seconds: float) -> None:
    """End this process (SIGXCPU) once it has used `seconds` more of CPU time from now: the
    parent's wall-clock limit does not hold once the parent is gone (SIGTERM to it alone)."""
    try:
        import math
        import resource
    except ImportError:  # Windows: the parent's limit only
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))
    except (ValueError, OSError):  # a hard limit below it: that one holds
        pass


def serve(stdin, stdout, seconds: float = RENDER_SECONDS, families: dict[str, object] | None = None) -> None:
    """The worker's loop: one reply per request (the square's side, then the SVG) until
    stdin closes, each render bounded to about `seconds` of CPU time, with `families` as
    resvg's font options."""
    import resvg_py

    while True:
        try:
            request = _read_frame(stdin)
        except EOFError:
            return
        _limit_cpu(seconds)
        try:
            (side,) = struct.unpack(">I", request[:4])
            png = bytes(resvg_py.svg_to_bytes(
                svg_string=request[4:].decode("utf-8"), width=side, height=side, **(families or {}),
            ))
            reply = b"K" + png
        except BaseException as exc:  # ValueError, or a Rust panic
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            reply = b"E" + (str(exc).strip() or type(exc).__name__).encode("utf-8", "replace")
        _write_frame(stdout, reply)


def main(argv: list[str]) -> None:
    _limit_memory()
    import json

    serve(sys.stdin.buffer, sys.stdout.buffer, float(argv[0]) if argv else RENDER_SECONDS,
          json.loads(argv[1]) if len(argv) > 1 else None)


if __name__ == "__main__":
    main(sys.argv[1:])
