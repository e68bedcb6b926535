"""Shared by the benchmarks: run a command and measure it; make test images."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


# Runs a command from a small process: Linux counts the memory a process had before exec
# in its peak RSS, so a command started straight from a benchmark holding hundreds of
# megabytes would seem to use them too.
_LAUNCH = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps([time.perf_counter() - start, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)]))
"""


def run(command: list[str], cwd: Path | None = None, env: dict | None = None,
        ok=(0, 1)) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of `command` and every process it waited for."""
    done = subprocess.run([PYTHON, "-c", _LAUNCH, *command], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"cannot run {command[:4]}: {done.stderr[-2000:]}")
    seconds, peak, code = json.loads(done.stdout)
    if code not in ok:
        raise SystemExit(f"{' '.join(command[:4])}... exited {code}: {done.stderr[-2000:]}")
    return seconds, peak


def mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


def make_images(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` photo-like images of mixed formats and sizes up to 4000x3000, some with a
    demo logo pasted in: what a repository's assets look like to the decoder."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    from logolint.imaging import load_image

    rng = np.random.default_rng(seed)
    logos = [load_image(ROOT / "model" / name).image for name in ("demo-old.svg", "demo-new.svg")]
    sizes = [(4000, 3000), (3000, 2000), (1920, 1080), (1280, 720), (1200, 630), (800, 600), (512, 512)]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        width, height = sizes[rng.integers(len(sizes))]
        small = (rng.random((height // 50 + 2, width // 50 + 2, 3)) * 255).astype(np.uint8)
        image = Image.fromarray(small).resize((width, height), Image.BICUBIC)
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = int(rng.integers(width)), int(rng.integers(height))
            draw.rectangle((x, y, x + width // 5, y + height // 7), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
        if i % 3 == 0:
            logo = logos[i % 2].copy()
            logo.thumbnail((width // 4, height // 4))
            image.paste(logo, (int(rng.integers(width - logo.width)), int(rng.integers(height - logo.height))))
        image = image.filter(ImageFilter.GaussianBlur(0.7))
        kind = ("jpg", "jpg", "jpg", "png", "webp")[i % 5]
        path = folder / f"{i:04d}.{kind}"
        image.save(path, quality=85) if kind != "png" else image.save(path, compress_level=6)
        paths.append(path)
    return paths


def speed_pictures(folder: Path, count: int = 40) -> list[Path]:
    """The speed benchmark's pictures: `count` smooth 1-megapixel JPEGs (1155x866) with
    a line of text and no logo."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        image = Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)).resize((1155, 866))
        ImageDraw.Draw(image).text((40, 40), f"page {i}", fill=(0, 0, 0))
        path = folder / f"{i:03d}.jpg"
        image.save(path, quality=90)
        paths.append(path)
    return paths
