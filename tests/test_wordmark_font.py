"""An old logo with a word set in a common font, against pages set in that font."""

from __future__ import annotations

import json
import math
import re
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


def flagged_in(folder: Path, model: str, capsys) -> set[str]:
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
    assert flagged_in(pages, model, capsys) == {"old logo, HOME", "old logo"}
    assert run_cli("explain", str(pages / "HOME.png"), "--model", model) == 0
    said = capsys.readouterr().out
    assert "keypoints of the old logo matched at [" in said and "not counted:" in said
    assert "the classifier sees neither logo there" in said
    # What passes them: the classifier sees neither logo where their letters matched.
    from logolint import detect

    monkeypatch.setattr(detect, "NEITHER_VETO", 0.0)
    assert len({"HOME", "NAME", "ACME Corporation"} & flagged_in(pages, model, capsys)) >= 2


def plain_wordmark() -> Image.Image:
    """Dark capitals alone: the old logo is a word in a common font."""
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((150, 75), "ACME", fill=(20, 20, 20, 255), font=font(64), anchor="ms",
                                stroke_width=2, stroke_fill=(20, 20, 20, 255))
    return image


def test_train_fits_again_where_the_model_takes_plain_text_for_the_old_logo(tmp_path: Path, capsys):
    """A plain wordmark teaches the first fit that headings are the logo: training sees it on
    plain_text's pages, fits again with made-up pages of text as other, and says so; the old
    logo is still found, and the pages (words it never fitted on) pass."""
    from logolint import plain_text
    from logolint.model import load_model

    plain_wordmark().save(tmp_path / "old.png")
    plate = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(plate).rounded_rectangle([20, 10, 280, 90], 20, fill=(30, 60, 200, 255))
    ImageDraw.Draw(plate).text((150, 70), "acme", fill="white", font=font(56), anchor="ms")
    plate.save(tmp_path / "new.png")
    assert run_cli("train", "--old", str(tmp_path / "old.png"), "--new", str(tmp_path / "new.png"),
                   "--output", str(tmp_path / "brand")) == 0
    printed = capsys.readouterr().out
    said = [line for line in printed.splitlines() if line.startswith("the first fit took text")]
    assert len(said) == 1 and "fitted again with 120 made-up pages of text as other" in said[0]
    total = len(plain_text.pages())
    # The first check stops at the page that makes enough flagged, unless that is the last one
    share = re.search(r"\((\d+) of (?:the first (\d+)|\d+) pages of plain text flagged\)", said[0])
    first, checked = int(share[1]), int(share[2] or total)
    assert first == math.ceil(plain_text.ALARM * total) and first <= checked <= total
    assert "pages of plain text (a heading" not in printed  # no warning: the second fit passes them
    model = load_model(tmp_path / "brand" / "model.tflite")
    assert model.info.text_pages == 120  # which detection reads (detect.TEXT_DRAWN)
    flagged, checked, pages_checked = plain_text.alarms(model, model.info.threshold)
    assert checked == pages_checked == total and len(flagged) < plain_text.WARN * total
    assert said[0].endswith(f"it flags {len(flagged)} of {total}")
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, left in (("old logo", 500), ("page", None)):
        canvas = Image.new("RGB", (900, 400), (245, 245, 245))
        ImageDraw.Draw(canvas).text((60, 250), "Welcome to our new site", fill=(20, 20, 20), font=font(32))
        if left is not None:
            canvas.paste(plain_wordmark(), (left, 40), plain_wordmark())
        canvas.save(pages / f"{name}.png")
    capsys.readouterr()
    assert flagged_in(pages, str(tmp_path / "brand" / "model.tflite"), capsys) == {"old logo"}


def test_the_training_pages_are_not_the_checked_ones():
    import numpy as np

    from logolint.plain_text import BODY, TRAINING_BODY, TRAINING_WORDS, WORDS, training_pages

    assert not set(WORDS) & set(TRAINING_WORDS) and BODY not in TRAINING_BODY
    made = training_pages(np.random.default_rng(1), 12)
    assert len(made) == 12 and len({page.size for page, _ in made}) > 1
    for page, (x0, y0, x1, y1) in made:
        assert 0 <= x0 < x1 and 0 <= y0 < y1 < page.height and x0 < page.width  # a long heading may run off the page
        heading = np.asarray(page.crop((x0, y0, min(x1, page.width), y1)).convert("L"), dtype=float)
        assert heading.std() > 20  # the heading's letters are inside its box


def test_the_plain_text_summary_warns_where_the_second_fit_still_flags_a_fifth_of_the_pages():
    from logolint.plain_text import ALARM, WARN, alarmed, refitted

    assert (ALARM, WARN) == (0.1, 0.2) and not alarmed(["a"], 18) and alarmed(["a"] * 2, 18) and not alarmed([], 0)
    said = refitted((6, 18), 120, ["DejaVuSans"] * 3, 18, 0.5)
    assert said == ("\nthe first fit took text in a common font for the old logo (6 of 18 pages of plain text "
                    "flagged): fitted again with 120 made-up pages of text as other, it flags 3 of 18")
    assert "logo (2 of the first 5 pages of plain text flagged): fitted" in refitted((2, 5), 120, [], 18, 0.5)
    said = refitted((6, 18), 120, ["DejaVuSerif", "DejaVuSans", "DejaVuSans", "DejaVuSerif"], 18, 0.5)
    assert said.split("\n")[2].startswith(
        "warning: 4 of 18 pages of plain text (a heading and a line of body text, in DejaVuSans, DejaVuSerif) "
        "score as the old logo at the recommended threshold 0.50") and "as --other" in said


def test_the_first_check_of_the_pages_stops_once_enough_are_flagged(monkeypatch):
    """Where every page is flagged, the check that decides whether to fit again stops at
    ALARM of them; the summary's check sees them all."""
    from logolint import check, plain_text
    from logolint.model import bundled_model_path, load_model
    from logolint.results import Result

    seen = []

    def flag_all(path, model, threshold):
        seen.append(path)
        return Result(path, 1.0, True)

    monkeypatch.setattr(check, "check_file", flag_all)
    model = load_model(bundled_model_path())
    total = len(plain_text.pages())
    flagged, checked, pages = plain_text.alarms(model, 0.5, enough=plain_text.ALARM)
    assert pages == total and checked == len(flagged) == math.ceil(plain_text.ALARM * total) < total
    assert flagged == [name for name, _ in plain_text.pages()[:checked]]  # the first pages, in order
    seen.clear()
    flagged, checked, pages = plain_text.alarms(model, 0.5)
    assert checked == len(seen) == len(flagged) == total
