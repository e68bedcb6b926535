"""Where a 1-megapixel picture's time goes: each detection stage alone, then the whole
detection, on the speed benchmark's pictures (quality.py --only speed), in one process.

    python benchmarks/stages.py [--count 40] [--model model/demo.tflite]

A stage's CPU time counts all its threads. Detection runs its three lanes at once (the
classifier's views, the keypoints, the outline stage; see logolint.detect.detect), so its
wall time can go no lower than their CPU time spread over the cores: the last rows print
that bound against the issue's 60 ms per picture.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from measure import ROOT, speed_pictures

TARGET_MS = 60.0


def timed(step, items) -> tuple[float, float]:
    """CPU and wall milliseconds per item of `step` over `items`."""
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        step(item)
    count = len(items)
    return (time.process_time() - cpu) * 1000 / count, (time.perf_counter() - wall) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--model", type=Path, default=ROOT / "model" / "demo.tflite")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from logolint import cli

    cli._one_blas_thread()  # the process as `logolint check` sets it up
    cli._keep_freed_memory()
    from logolint import detect
    from logolint.imaging import load_image
    from logolint.model import load_model

    model = load_model(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        paths = speed_pictures(Path(tmp), args.count)
        images = [load_image(path).image for path in paths]
        detect.detect(model, images[0])  # the interpreters, references and silhouettes, once
        rows = {
            "decode (file to RGB at 2048 px at most)": timed(load_image, paths),
            "classifier: brand map and views": timed(lambda image: detect.score_views(model, image), images),
            "keypoints: every pass that runs": timed(lambda image: detect.keypoint_matches(model, image), images),
            "outline stage": timed(lambda image: detect.outline_match(model, image), images),
        }
        whole = timed(lambda image: detect.detect(model, image), images)
    cores = len(os.sched_getaffinity(0))
    stages = sum(cpu for cpu, _ in list(rows.values())[1:])
    print(f"| stage, alone ({args.count} pictures of 1 MP, {cores} cores) | CPU ms | wall ms | share of the stages' CPU |")
    print("|---|---|---|---|")
    for name, (cpu, wall) in rows.items():
        share = f"{cpu / stages:.0%}" if not name.startswith("decode") else ""
        print(f"| {name} | {cpu:.0f} | {wall:.0f} | {share} |")
    print(f"| detection, the three lanes at once | {whole[0]:.0f} | {whole[1]:.0f} | |")
    print(f"| least wall time the stages' CPU allows on {cores} cores | | {stages / cores:.0f} "
          f"| {stages / cores / TARGET_MS:.1f}x the {TARGET_MS:.0f}-ms target |")


if __name__ == "__main__":
    main()
