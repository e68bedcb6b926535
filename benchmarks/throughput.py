"""Throughput over many real-size images, and the warm-cache rerun of the same files.

    python benchmarks/throughput.py [--count 1000] [--profile 100]

Makes --count photo-like images (JPEG, PNG, WebP; 512x512 up to 4000x3000; a third with
a demo logo) in a temporary folder, then measures, each in a fresh process:
- the floor: a raw loop that decodes (JPEG at reduced size), resizes to the model's input
  and runs one inference per file;
- `logolint check --no-localise` over the folder, cold (empty result cache): the plain
  classifier path, the fingerprint and one inference per file (target: >= 0.7x the floor);
- `logolint check` over the folder, cold: the whole pipeline, with localisation (the
  brand map on a larger canvas) and the classifier on each proposal; what it costs more
  than the plain path is what localisation costs;
- the same command again, warm: every result from the cache (target: <= 1 s for 1000).
A profiled run over the first --profile files (0: none) splits the pipeline's time into decoding,
localisation and classification.
"""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
from pathlib import Path

from measure import PYTHON, ROOT, make_images, mib, run

RAW = """
import sys
from pathlib import Path
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter
interpreter = Interpreter(model_path=sys.argv[1], num_threads=2)
interpreter.allocate_tensors()
image_input = interpreter.get_input_details()[0]
output = interpreter.get_output_details()[0]["index"]
side = int(image_input["shape"][1])
for path in sorted(Path(sys.argv[2]).iterdir()):
    image = Image.open(path)
    image.draft("RGB", (side, side))
    pixels = np.asarray(image.convert("RGB").resize((side, side), Image.BILINEAR), np.float32)
    interpreter.set_tensor(image_input["index"], pixels[None])
    interpreter.invoke()
    interpreter.get_tensor(output)
"""

# Where the pipeline's time goes, by function (cumulative seconds), from a cProfile dump.
PARTS = {
    "decode (load_image)": ("imaging.py", "load_image"),
    "localisation (Model.locate)": ("model.py", "locate"),
    "classification (Model.classify_and_match)": ("model.py", "classify_and_match"),
    "all detection (detect)": ("detect.py", "detect"),
}


def _pixels(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as image:
        return image.size[0] * image.size[1]


def breakdown(profile: Path) -> dict[str, float]:
    stats = pstats.Stats(str(profile)).stats
    found = {}
    for name, (file, function) in PARTS.items():
        found[name] = sum(row[3] for (path, _, func), row in stats.items()
                          if path.endswith(file) and func == function)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--profile", type=int, default=100)
    parser.add_argument("--images", type=Path, help="make the images here, or reuse those already here")
    args = parser.parse_args()
    model = ROOT / "model" / "demo.tflite"
    with tempfile.TemporaryDirectory() as temp:
        images, cache, subset = args.images or Path(temp, "images"), Path(temp, "cache"), Path(temp, "subset")
        paths = sorted(images.iterdir()) if images.is_dir() else make_images(images, args.count)
        megapixels = sum(_pixels(path) for path in paths) / 1e6
        print(f"{len(paths)} images, {megapixels / len(paths):.1f} megapixels on average", file=sys.stderr)
        raw = run([PYTHON, "-c", RAW, str(model), str(images)])
        check = [PYTHON, "-m", "logolint", "check", "--format", "json", str(images)]
        plain = run([*check, "--no-localise", "--cache-dir", str(Path(temp, "cache-plain"))])
        cold = run([*check, "--cache-dir", str(cache)])
        warm = run([*check, "--cache-dir", str(cache)])
        parts = {}
        if args.profile > 0:  # --profile 0 skips the profiled run
            subset.mkdir()
            for path in paths[: args.profile]:
                (subset / path.name).symlink_to(path)
            profile = Path(temp, "profile")
            run([PYTHON, "-m", "cProfile", "-o", str(profile), "-m", "logolint", "check", "--no-cache",
                 *map(str, sorted(subset.iterdir()))])
            parts = breakdown(profile)
    per_raw, per_plain, per_cold = (seconds / len(paths) for seconds, _ in (raw, plain, cold))
    floor = f"{1 / per_raw:.2f} img/s ({per_raw * 1000:.0f} ms each)"
    print("| measure | logolint | floor | ratio |")
    print("|---|---|---|---|")
    print(f"| throughput, {len(paths)} images, plain classifier (`--no-localise`; floor: raw decode "
          f"+ resize + 1 invoke loop) | {1 / per_plain:.2f} img/s ({per_plain * 1000:.0f} ms each) "
          f"| {floor} | {per_raw / per_plain:.2f}x of the floor (target >= 0.7x) |")
    print(f"| throughput, {len(paths)} images, full pipeline (localisation on, the default) "
          f"| {1 / per_cold:.2f} img/s ({per_cold * 1000:.0f} ms each) | {floor} "
          f"| {per_raw / per_cold:.2f}x of the floor |")
    print(f"| what localisation costs: full pipeline - plain path | +{(per_cold - per_plain) * 1000:.0f} ms "
          f"per image | | {per_cold / per_plain:.1f}x the plain path's time |")
    print(f"| peak RSS, plain / full cold run | {mib(plain[1])} / {mib(cold[1])} | {mib(raw[1])} | |")
    print(f"| warm-cache rerun, {len(paths)} images | {warm[0]:.2f} s (target <= 1 s) | | |")
    print(f"| peak RSS, warm run | {mib(warm[1])} | | |")
    total = parts.get("all detection (detect)", 0.0) + parts.get("decode (load_image)", 0.0)
    for name, seconds in parts.items():
        print(f"| per image over {args.profile} profiled: {name} | {seconds / args.profile * 1000:.0f} ms "
              f"| | {seconds / total:.0%} of decode + detection |")


if __name__ == "__main__":
    main()
