"""The SVG renderer's child process: bounded in time, replaced after a timeout or a crash."""

from __future__ import annotations

import io
import os
import re
import signal
import struct
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from logolint.errors import ImageError
from logolint.svg_worker import RENDER_SIDE, Renderer

SQUARE = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
          '<rect width="10" height="10" fill="red"/></svg>')
# A few bytes that keep resvg busy for minutes: morphology is radius^2 work per pixel.
SLOW = ('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><filter id="f">'
        '<feMorphology radius="80"/></filter>' + '<rect width="1000" height="1000" filter="url(#f)"/>' * 4 + "</svg>")


@pytest.fixture
def renderer():
    renderer = Renderer(seconds=1.0)
    yield renderer
    renderer.close()


def _size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def test_one_worker_serves_many_files(renderer: Renderer):
    assert _size(renderer.render(SQUARE)) == (1024, 512)
    assert _size(renderer.render(SQUARE, 300)) == (300, 150)  # fitted in the square asked for
    worker = renderer._process
    assert _size(renderer.render(SQUARE)) == (1024, 512)
    assert renderer._process is worker


def test_threads_sharing_the_worker_each_get_their_own_drawing():
    renderer = Renderer(seconds=30.0)  # a lost reply would wait all of it, then fail
    svgs = {width: SQUARE.replace('width="20"', f'width="{width}"') for width in range(11, 27)}  # each its own shape
    try:
        sizes = {width: _size(renderer.render(svg)) for width, svg in svgs.items()}
        assert len(set(sizes.values())) == len(svgs)
        with ThreadPoolExecutor(4) as pool:
            drawn = dict(zip(svgs, pool.map(lambda width: _size(renderer.render(svgs[width])), svgs)))
    finally:
        renderer.close()
    assert drawn == sizes


def test_an_overrun_is_an_image_error_and_the_next_file_renders(renderer: Renderer):
    start = time.monotonic()
    with pytest.raises(ImageError, match="longer than 1 s"):
        renderer.render(SLOW)
    assert time.monotonic() - start < 5
    assert _size(renderer.render(SQUARE)) == (1024, 512)


def test_a_render_can_be_given_less_time_than_the_workers_limit():
    renderer = Renderer(seconds=30.0)
    start = time.monotonic()
    try:
        with pytest.raises(ImageError, match="longer than 0.5 s"):
            renderer.render(SLOW, seconds=0.5)
        assert time.monotonic() - start < 5
        assert _size(renderer.render(SQUARE, seconds=60.0)) == (1024, 512)  # and the next file renders
        with pytest.raises(ImageError, match="longer than 0 s"):  # no time left is none, not the worker's own
            renderer.render(SQUARE, seconds=0.0)
    finally:
        renderer.close()


def test_a_dead_worker_is_replaced(renderer: Renderer):
    renderer.render(SQUARE)
    renderer._process.kill()
    renderer._process.wait()
    assert _size(renderer.render(SQUARE)) == (1024, 512)


def test_resvg_errors_are_image_errors(renderer: Renderer):
    with pytest.raises(ImageError, match="cannot render SVG"):
        renderer.render('<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>')
    assert _size(renderer.render(SQUARE)) == (1024, 512)


def test_a_worker_whose_parent_is_gone_ends_its_render_itself():
    # The parent's limit is a thread that kills the worker; if the parent is killed first
    # (SIGTERM to it alone), the worker's own CPU limit must end the render.
    import subprocess
    import sys

    import resource

    core = resource.getrlimit(resource.RLIMIT_CORE)[1]  # core dumps on where allowed, to see them turned off
    worker = subprocess.Popen([sys.executable, "-m", "logolint.svg_worker", "1"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (core, core)))
    data = struct.pack(">I", RENDER_SIDE) + SLOW.encode()  # the square's side, then the SVG
    worker.stdin.write(struct.pack(">I", len(data)) + data)
    worker.stdin.flush()
    try:
        if core != 0 and os.path.exists(f"/proc/{worker.pid}/limits"):  # no core dump in the checkout
            # Set once the worker has started Python and read the request: waited for, not slept on.
            deadline, limits = time.monotonic() + 20, ""
            while worker.poll() is None and time.monotonic() < deadline:
                try:
                    limits = open(f"/proc/{worker.pid}/limits").read()
                except OSError:  # ended meanwhile
                    break
                if re.search(r"Max core file size\s+0\s", limits):
                    break
                time.sleep(0.02)
            assert re.search(r"Max core file size\s+0\s", limits), limits
        assert worker.wait(timeout=30) == -signal.SIGXCPU  # ended by its own CPU limit, not by a reply
    finally:
        worker.kill()
        worker.stdin.close()


def test_the_cpu_limit_is_set_anew_for_each_render(monkeypatch):
    # A worker lives for the whole run: a limit set once would end it after some renders.
    import resource
    import types

    from logolint import svg_worker

    used = iter([0.2, 3.1, 7.4])
    limits = []
    monkeypatch.setattr(resource, "getrusage", lambda who: types.SimpleNamespace(ru_utime=next(used), ru_stime=0.0))
    monkeypatch.setattr(resource, "setrlimit", lambda which, value: limits.append((which, value)))
    request = struct.pack(">I", RENDER_SIDE) + SQUARE.encode()
    frames = b"".join(struct.pack(">I", len(request)) + request for _ in range(3))
    replies = io.BytesIO()
    svg_worker.serve(io.BytesIO(frames), replies, seconds=2.0)
    assert [value[0] for which, value in limits if which == resource.RLIMIT_CPU] == [4, 7, 11]
    assert replies.getvalue().count(b"K\x89PNG") == 3


def test_modules_in_the_checked_folder_are_never_imported(tmp_path, monkeypatch):
    # The checkout is the current folder in the hook and the action: a resvg_py.py
    # committed there must not render (or run) anything, nor make an old logo pass.
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from conftest import ROOT

    marker = tmp_path / "ran"
    (tmp_path / "resvg_py.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "def svg_to_bytes(svg_string, width, height, **kw):\n"
        "    import io\n    from PIL import Image\n    out = io.BytesIO()\n"
        "    Image.new('RGB', (width, height), 'white').save(out, 'PNG')\n    return out.getvalue()\n")
    (tmp_path / "logolint").mkdir()  # a package of the same name, too
    (tmp_path / "logolint" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    shutil.copy(ROOT / "model" / "demo-old.svg", tmp_path / "brand.svg")
    done = subprocess.run([str(Path(sys.executable).with_name("logolint")), "--no-cache", "brand.svg"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert not marker.exists()
    assert done.returncode == 1 and "brand.svg" in done.stdout, done.stdout + done.stderr


def test_a_killed_render_is_unfinished_not_a_verdict(renderer: Renderer):
    import threading

    from logolint.errors import ImageUnfinished

    renderer.seconds = 30.0
    threading.Timer(1.0, lambda: renderer._process.kill()).start()  # as the OOM killer would
    with pytest.raises(ImageUnfinished, match="crashed or ran out of memory"):
        renderer.render(SLOW)
    assert _size(renderer.render(SQUARE)) == (1024, 512)
