"""Regenerate the demo brand's example images and the bundled demo model.

    python scripts/build_demo.py            # examples/ and model/demo.tflite
    python scripts/build_demo.py --examples-only

The demo logos are drawn by hand in model/demo-old.svg and model/demo-new.svg.
The model is trained from those two files alone, with `logolint train`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "model"


def logo(version: str, width: int) -> Image.Image:
    from logolint.synth import logo_rgba

    mark = logo_rgba(MODEL_DIR / f"demo-{version}.svg")
    return mark.resize((width, round(mark.size[1] * width / mark.size[0])), Image.LANCZOS)


def banner(version: str | None, rng: np.random.Generator) -> Image.Image:
    """A 1200x630 social banner: gradient, headline bars, the logo small in a corner."""
    t = np.linspace(0, 1, 1200)[None, :, None]
    grad = np.array([250, 240, 225]) * (1 - t) + np.array([210, 225, 245]) * t
    image = Image.fromarray(np.broadcast_to(grad, (630, 1200, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([80, 220, 900, 290], 12, fill=(40, 40, 60))
    draw.rounded_rectangle([80, 320, 700, 360], 10, fill=(90, 90, 110))
    draw.ellipse([850, 380, 1150, 600], fill=tuple(int(c) for c in rng.integers(60, 200, 3)))
    if version:
        mark = logo(version, 190)
        image.paste(mark, (60, 50), mark)
    return image


def screenshot(version: str | None, rng: np.random.Generator) -> Image.Image:
    """A 1440x900 web page: nav bar with the logo, cards, text lines."""
    image = Image.new("RGB", (1440, 900), (248, 249, 251))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 1440, 80], fill=(255, 255, 255))
    draw.line([0, 80, 1440, 80], fill=(220, 220, 225), width=2)
    for i, x in enumerate(range(900, 1350, 110)):
        draw.rounded_rectangle([x, 30, x + 80, 50], 6, fill=(120, 125, 140))
    for col in range(3):
        x = 80 + col * 440
        draw.rounded_rectangle([x, 140, x + 400, 560], 14, fill=(255, 255, 255), outline=(225, 225, 230))
        draw.rectangle([x + 20, 160, x + 380, 340], fill=tuple(int(c) for c in rng.integers(120, 230, 3)))
        for row in range(4):
            draw.rounded_rectangle([x + 20, 370 + row * 40, x + 20 + int(rng.integers(200, 360)), 388 + row * 40], 5,
                                   fill=(170, 172, 180))
    for row in range(5):
        draw.rounded_rectangle([80, 620 + row * 45, 80 + int(rng.integers(600, 1280)), 640 + row * 45], 6,
                               fill=(185, 187, 195))
    if version:
        mark = logo(version, 150)
        image.paste(mark, (40, 3), mark)
    return image


def dark_card(version: str) -> Image.Image:
    image = Image.new("RGB", (640, 640), (28, 30, 36))
    mark = logo(version, 420)
    image.paste(mark, (110, 220), mark)
    return image


def photo(rng: np.random.Generator) -> Image.Image:
    """A soft landscape-like picture with no logo at all."""
    sky = np.linspace([120, 170, 230], [230, 240, 250], 450)[:, None, :]
    ground = np.linspace([70, 130, 60], [40, 80, 35], 350)[:, None, :]
    array = np.concatenate([sky, ground]) * np.ones((1, 1200, 1))
    array += rng.normal(0, 6, array.shape)
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    ImageDraw.Draw(image).ellipse([900, 80, 1040, 220], fill=(255, 236, 160))
    return image


def build_examples(folder: Path) -> None:
    rng = np.random.default_rng(2026)
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    for version in ("old", "new"):
        mark = logo(version, 480)
        white = Image.new("RGB", (560, 320), (255, 255, 255))
        white.paste(mark, (40, 40), mark)
        white.save(folder / f"{version}-logo.png", optimize=True)
        banner(version, rng).save(folder / f"{version}-banner.jpg", quality=88)
        screenshot(version, rng).save(folder / f"{version}-screenshot.png", optimize=True)
        dark_card(version).save(folder / f"{version}-card.webp", quality=90)
    photo(rng).save(folder / "other-photo.jpg", quality=88)
    screenshot(None, rng).save(folder / "other-page.png", optimize=True)


def build_model() -> None:
    """Train from the two logo files, plus a few pages and photos without the logo, as a
    brand team would give them (drawn with another seed than examples/, so that the
    examples stay unseen)."""
    from logolint.cli import main

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        others = Path(tmp, "other")
        others.mkdir()
        for i in range(4):
            screenshot(None, rng).save(others / f"page-{i}.png")
            banner(None, rng).save(others / f"banner-{i}.png")
            photo(rng).save(others / f"photo-{i}.jpg")
        code = main(["train", "--old", str(MODEL_DIR / "demo-old.svg"),
                     "--new", str(MODEL_DIR / "demo-new.svg"), "--other", str(others),
                     "--output", tmp])
        if code:
            sys.exit(code)
        shutil.copyfile(Path(tmp) / "model.tflite", MODEL_DIR / "demo.tflite")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples-only", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    build_examples(ROOT / "examples")
    if not args.examples_only:
        build_model()


if __name__ == "__main__":
    main()
