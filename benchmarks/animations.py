"""What the bound on an animation's checked pixels saves: `logolint check` on animations
made to be costly, with imaging.MAX_CHECKED_PIXELS as shipped and lifted, in one run.

    python benchmarks/animations.py [--frames 33] [--tall-frames 8]

Makes, in a temporary folder, APNGs whose every frame changes (coloured shapes on grey,
which compress to a few MB): 2048x2048 frames, tall 1280x12800 frames (checked in tiles),
and a 1920x1080 screen recording, which the bound must leave whole. Each is checked once
in a fresh process per setting, with no cache.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import ROOT

_CHECK = """
import sys
from logolint import cli, imaging
if sys.argv[1] == "lifted":
    imaging.MAX_CHECKED_PIXELS = float("inf")
sys.exit(cli.main(["check", "--no-cache", "--format", "json", sys.argv[2]]))
"""


def animation(path: Path, size: tuple[int, int], frames: int, shapes: int) -> None:
    from PIL import Image, ImageDraw

    rng = random.Random(1)
    width, height = size
    images = []
    for _ in range(frames):
        image = Image.new("RGB", size, (rng.randrange(256),) * 3)
        draw = ImageDraw.Draw(image)
        for _ in range(shapes):
            x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(5, 120)
            shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
            shape((x, y, x + r, y + r * rng.uniform(0.3, 2)), fill=tuple(rng.randrange(256) for _ in range(3)))
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], duration=100)


def checked(path: Path, setting: str) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHECK, setting, str(path)], capture_output=True, text=True,
                          cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"logolint failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)["results"][0]


def said(result: dict) -> str:
    if result.get("error"):
        return f"not checked: {result['error']}"
    return f"{'flagged' if result['flagged'] else 'ok'} ({result['score']:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=33)
    parser.add_argument("--tall-frames", type=int, default=8)
    args = parser.parse_args()
    cases = (("2048x2048", (2048, 2048), args.frames, 300), ("1280x12800", (1280, 12800), args.tall_frames, 1500),
             ("1920x1080 recording", (1920, 1080), args.frames, 150))
    print("| frames | file | bound as shipped | lifted | ratio |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as temporary:
        for name, size, frames, shapes in cases:
            path = Path(temporary, f"{name.split()[0]}.png")
            animation(path, size, frames, shapes)
            bound, result = checked(path, "shipped")
            lifted, whole = checked(path, "lifted")
            print(f"| {frames} x {name} | {path.stat().st_size / 1e6:.1f} MB | {bound:.1f} s, {said(result)} "
                  f"| {lifted:.1f} s, {said(whole)} | {lifted / bound:.2f}x |")


if __name__ == "__main__":
    main()
