"""An old logo with a word set in a common font, against pages set in that font."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from conftest import run_cli


def font(size: int):
    return ImageFont.load_default(size=size)  # Pillow's own scalable font: the same on every machine


def old_logo() -> Image.Image:
    """White bold capitals on a red disc, over a white bar: the letters are a font's."""
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([10, 10, 230, 230], fill=(214, 40, 40, 255))
    draw.text((120, 118), "ACME", fill="white", font=font(56), anchor="ms", stroke_width=2, stroke_fill="white")
    draw.polygon([(45, 175), (195, 130), (200, 148), (50, 193)], fill="white")
    return image


def new_logo() -> Image.Image:
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([10, 10, 230, 230], 40, fill=(30, 60, 200, 255))
    draw.text((120, 140), "acme", fill="white", font=font(60), anchor="ms")
    return image


def page(logo: Image.Image | None = None, heading: str = "") -> Image.Image:
    canvas = Image.new("RGB", (900, 400), (245, 245, 245))
    draw = ImageDraw.Draw(canvas)
    if heading:
        draw.text((60, 100), heading, fill=(20, 20, 20), font=font(40), stroke_width=1, stroke_fill=(20, 20, 20))
    if logo is not None:
        small = logo.resize((120, 120), Image.LANCZOS)
        canvas.paste(small, (700, 40), small)
    return canvas


def flagged(folder: Path, model: str, capsys) -> set[str]:
    """The names (without suffix) of the images in `folder` that `check` flags; it must flag one."""
    assert run_cli(str(folder), "--model", model, "--no-cache", "--format", "json") == 1
    return {Path(r["path"]).stem for r in json.loads(capsys.readouterr().out)["results"] if r["flagged"]}


def test_headings_in_the_old_wordmarks_font_are_not_the_old_logo(tmp_path: Path, capsys, monkeypatch):
    """Letter for letter, "HOME" and "ACME Corporation" share the old wordmark's keypoints
    (16-31 in place), and every one of these pages was flagged at 0.99 by them alone."""
    old_logo().save(tmp_path / "old.png")
    new_logo().save(tmp_path / "new.png")
    assert run_cli("train", "--old", str(tmp_path / "old.png"), "--new", str(tmp_path / "new.png"),
                   "--output", str(tmp_path / "brand")) == 0
    pages = tmp_path / "pages"
    pages.mkdir()
    for heading in ("HOME", "NAME", "ACME Corporation"):
        page(heading=heading).save(pages / f"{heading}.png")
        page(new_logo(), heading).save(pages / f"new logo, {heading}.png")
    page(old_logo(), "HOME").save(pages / "old logo, HOME.png")
    page(old_logo()).save(pages / "old logo.png")
    capsys.readouterr()
    model = str(tmp_path / "brand" / "model.tflite")
    assert flagged(pages, model, capsys) == {"old logo, HOME", "old logo"}
    assert run_cli("explain", str(pages / "HOME.png"), "--model", model) == 0
    said = capsys.readouterr().out
    assert "keypoints of the old logo matched at [" in said and "not counted:" in said
    assert "the classifier sees neither logo there" in said
    # What passes them: the classifier sees neither logo where their letters matched.
    from logolint import detect

    monkeypatch.setattr(detect, "NEITHER_VETO", 0.0)
    assert len({"HOME", "NAME", "ACME Corporation"} & flagged(pages, model, capsys)) >= 2


def plain_wordmark() -> Image.Image:
    """Dark capitals alone: the old logo is a word in a common font."""
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((150, 75), "ACME", fill=(20, 20, 20, 255), font=font(64), anchor="ms",
                                stroke_width=2, stroke_fill=(20, 20, 20, 255))
    return image


def test_train_warns_where_the_model_takes_plain_text_for_the_old_logo(tmp_path: Path, capsys):
    """A plain wordmark's headings look like it to every stage (classifier, keypoints,
    drawing): detection cannot pass them, so training says so, and what to do."""
    from logolint import plain_text

    plain_wordmark().save(tmp_path / "old.png")
    plate = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(plate).rounded_rectangle([20, 10, 280, 90], 20, fill=(30, 60, 200, 255))
    ImageDraw.Draw(plate).text((150, 70), "acme", fill="white", font=font(56), anchor="ms")
    plate.save(tmp_path / "new.png")
    assert run_cli("train", "--old", str(tmp_path / "old.png"), "--new", str(tmp_path / "new.png"),
                   "--output", str(tmp_path / "brand")) == 0
    printed = capsys.readouterr().out
    warned = [line for line in printed.splitlines() if "pages of plain text" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: ") and "Pillow's default font" in warned[0]
    count, total = map(int, warned[0].split("warning: ", 1)[1].split(" pages", 1)[0].split(" of "))
    assert total == len(plain_text.pages()) and plain_text.ALARM * total <= count <= total
    assert "as --other" in warned[0]


def test_the_plain_text_warning_takes_half_the_pages_and_names_their_fonts():
    from logolint.plain_text import ALARM, warning

    assert ALARM == 0.5
    assert warning(["DejaVuSans"] * 3, 8, 0.5) == ""
    said = warning(["DejaVuSerif", "DejaVuSans", "DejaVuSans", "DejaVuSerif"], 8, 0.5)
    assert said.startswith("\nwarning: 4 of 8 pages of plain text (a heading and a line of body text, in "
                           "DejaVuSans, DejaVuSerif) score as the old logo at the recommended threshold 0.50")
    assert warning([], 0, 0.5) == ""
