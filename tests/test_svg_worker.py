"""The SVG renderer's child process: bounded in time, replaced after a timeout or a crash."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from logolint.errors import ImageError
from logolint.svg_worker import Renderer

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
    worker = renderer._process
    assert _size(renderer.render(SQUARE)) == (1024, 512)
    assert renderer._process is worker


def test_an_overrun_is_an_image_error_and_the_next_file_renders(renderer: Renderer):
    start = time.monotonic()
    with pytest.raises(ImageError, match="longer than 1 s"):
        renderer.render(SLOW)
    assert time.monotonic() - start < 5
    assert _size(renderer.render(SQUARE)) == (1024, 512)


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
    import struct
    import subprocess
    import sys

    worker = subprocess.Popen([sys.executable, "-m", "logolint.svg_worker", "1"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    data = SLOW.encode()
    worker.stdin.write(struct.pack(">I", len(data)) + data)
    worker.stdin.flush()
    try:
        assert worker.wait(timeout=30) != 0  # ended by SIGXCPU, not by a reply
    finally:
        worker.kill()
        worker.stdin.close()
