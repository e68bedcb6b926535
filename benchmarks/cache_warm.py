"""Cold vs warm result cache: `logolint check` over N distinct images, twice.

    python benchmarks/cache_warm.py [--count 200]

Makes N images from examples/ (each with one pixel changed, so every file's content and
cache key differ) in a temporary folder, then times two fresh `logolint` processes with the
same empty cache folder: the cold run analyses every image, the warm run reads every result
from the cache and never loads the model into a runtime.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def make_images(folder: Path, count: int) -> None:
    from PIL import Image

    sources = sorted(EXAMPLES.iterdir())
    for i in range(count):
        source = sources[i % len(sources)]
        image = Image.open(source).convert("RGB")
        x, y = (i // len(sources)) % image.width, 0
        r, g, b = image.getpixel((x, y))
        image.putpixel((x, y), ((r + 97) % 256, g, b))
        image.save(folder / f"{i:03d}-{source.stem}{source.suffix}", quality=92)


def timed_run(images: Path, cache: Path) -> tuple[float, int]:
    command = [sys.executable, "-m", "logolint", "check", str(images), "--format", "json",
               "--cache-dir", str(cache)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"logolint failed ({done.returncode}): {done.stderr}")
    return elapsed, done.stdout.count('"path"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        images, cache = Path(temporary, "images"), Path(temporary, "cache")
        images.mkdir()
        make_images(images, args.count)
        cold, checked = timed_run(images, cache)
        warm, rechecked = timed_run(images, cache)
        entries = sum(1 for _ in cache.rglob("*.json"))
    assert checked == rechecked == args.count == entries, (checked, rechecked, entries)
    print(f"{args.count} images, {entries} cache entries")
    print(f"cold (empty cache): {cold:7.2f} s  {1000 * cold / args.count:7.1f} ms/image")
    print(f"warm (all cached):  {warm:7.2f} s  {1000 * warm / args.count:7.1f} ms/image")
    print(f"speed-up: {cold / warm:.0f}x")


if __name__ == "__main__":
    main()
