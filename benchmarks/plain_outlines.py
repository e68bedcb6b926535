"""Where an outline verdict of a plain old silhouette can happen, without training a model.

    python benchmarks/plain_outlines.py SET_DIR [BRAND ...]

An outline verdict depends on the reference files' silhouettes alone, not on the classifier.
For each brand of a generated brands-dev set (all of them by default), this builds its
silhouettes from refs/BRAND/old.svg and new.svg as `train` does, runs the outline search
with no stop on every image of the brand and on the set's pages without a logo, and prints
those whose verdict fits a plain old silhouette (silhouette.PLAIN) with no old colours
behind it: the only images `detect.confirmed`'s plain rule can change. A superset: in a
check, other stages may stop the search first. One JSON line per brand.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logolint import detect, logo_colours, silhouette  # noqa: E402
from logolint.imaging import is_image_path, load_image  # noqa: E402
from logolint.train import _sources  # noqa: E402


def plain_verdicts(set_dir: Path, brand: str) -> dict:
    refs = set_dir / "refs" / brand
    logos = {"old": _sources([refs / "old.svg"]), "new": _sources([refs / "new.svg"])}
    packed = silhouette.pack(silhouette.masks(logos), logo_colours.main_colours(logos))
    shapes = silhouette.Silhouettes(*silhouette.unpack(packed))
    model = types.SimpleNamespace(silhouettes=lambda: shapes, info=types.SimpleNamespace(old_labels=("old",)))
    hits = []
    for folder in (set_dir / "test" / brand / "old", set_dir / "test" / brand / "new", set_dir / "test" / "negatives"):
        for path in sorted(folder.iterdir()):
            if is_image_path(path):
                found, _ = detect.outline_match(model, load_image(path).image)
                if found is not None and found.plain and not found.colours:
                    hits.append([path.relative_to(set_dir).as_posix(), found.fit, found.small])
    return {"brand": brand, "plain_rows": int(shapes.plain.sum()), "hits": hits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_dir", type=Path)
    parser.add_argument("brands", nargs="*")
    args = parser.parse_args()
    for brand in args.brands or sorted(p.name for p in (args.set_dir / "refs").iterdir()):
        print(json.dumps(plain_verdicts(args.set_dir, brand)), flush=True)


if __name__ == "__main__":
    main()
