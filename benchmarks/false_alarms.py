"""False alarms on real images that show no brand's logo: each trained model checks a folder
of them through the CLI, at the threshold it recommends.

    python benchmarks/false_alarms.py --images DIR MODEL.tflite [MODEL.tflite ...]

The images are anything a repository holds besides logos: icons, screenshots, photos. A
desktop icon theme is a hard case for flat, single-colour marks (on Debian,
/usr/share/icons/Adwaita: some 650 symbolic SVG glyphs and coloured PNG icons). Prints,
per model, how many images it flags and the highest scores, then the share over all models.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from measure import PYTHON, ROOT

WORST = 3  # highest-scoring images listed per model


def flagged(model: Path, images: Path) -> tuple[list[dict], int]:
    """(results of the images the model flags, highest first; images checked) at the
    model's own threshold; images that cannot be checked are left out of both."""
    with tempfile.TemporaryDirectory() as empty:  # no .logolint.yaml found upward: the model's threshold
        done = subprocess.run(
            [PYTHON, "-m", "logolint", "check", "--model", str(model), "--no-cache", "--format", "json",
             "-q", str(images.resolve())],
            cwd=empty, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
    if done.returncode not in (0, 1):
        raise SystemExit(f"logolint check with {model} exited {done.returncode}: {done.stderr[-2000:]}")
    results = json.loads(done.stdout)["results"]
    checked = [r for r in results if r.get("error") is None]
    return sorted((r for r in checked if r["flagged"]), key=lambda r: -r["score"]), len(checked)


def model_name(model: Path) -> str:
    """A model's name in the table: `train --output DIR` writes DIR/model.tflite (quality.py
    puts DIR in a brand's folder, as BRAND/model/model.tflite)."""
    if model.name != "model.tflite":
        return model.stem
    return model.parent.parent.name if model.parent.name == "model" else model.parent.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, help="a folder of images without any of the brands")
    parser.add_argument("models", nargs="+", type=Path)
    args = parser.parse_args()
    total_flagged = total_checked = 0
    print("| model | images checked | flagged at its threshold | highest |")
    print("|---|---|---|---|")
    for model in args.models:
        found, checked = flagged(model, args.images)
        total_flagged, total_checked = total_flagged + len(found), total_checked + checked
        worst = ", ".join(f"{Path(r['path']).name} {r['score']:.3f}" for r in found[:WORST]) or "-"
        print(f"| {model_name(model)} | {checked} | {len(found)} ({len(found) / max(checked, 1):.1%}) | {worst} |")
    print(f"| all {len(args.models)} models | {total_checked} | {total_flagged} "
          f"({total_flagged / max(total_checked, 1):.2%}) | |")


if __name__ == "__main__":
    main()
