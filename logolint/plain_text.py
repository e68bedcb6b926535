"""Pages of plain text, checked with a newly trained model: `logolint train` warns where
the model takes text in a common font for the old logo.

An old logo that is a word in a plain font teaches the classifier that a line of dark text
is that logo. Held-out set 42's DataStax (a dark sans wordmark) flagged 28 of 32 such pages
(four words, four fonts) at its recommended threshold, and at that threshold 7.7% of set
42's images without its logo, every text page among them. Trained again with 16 of the
pages as --other, it flagged 0.8%, and still found 96.7% of its old logos at 1% false
positives, as before. Of the 8 pages here, DataStax's model flags 5, and a made-up plain
"ACME" wordmark's (tests/test_wordmark_font.py) 5; of the other 47 models of held-out sets
41-43 and brands-dev, Shortcut's flags 2 (its ten text pages in set 41 scored 0.004 at most)
and the rest none: hence a warning from half of them. Checking them costs 1-5 s of
training (7 s for a model from seed-google's folders of 98 photos, which train skips).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

WORDS = ("Welcome back", "CONTACT")
BODY = "Some smaller body text under the heading."
ALARM = 0.5  # of the pages flagged: a warning


def _fonts() -> list[tuple[str, object]]:
    """(name, size -> font): Pillow's own font, and the sans, serif and monospace fonts found
    on the machine (logolint.fonts)."""
    from PIL import ImageFont

    from logolint.fonts import generic_families

    found: list[tuple[str, object]] = [("Pillow's default font", lambda size: ImageFont.load_default(size=size))]
    for path in dict(generic_families()).get("font_files", ()):
        found.append((Path(path).stem, lambda size, path=path: ImageFont.truetype(path, size)))
    return found


def pages() -> list[tuple[str, object]]:
    """(font name, page): each of WORDS as a heading over a line of body text, dark on white,
    in each font of _fonts."""
    from PIL import Image, ImageDraw

    made = []
    for name, font in _fonts():
        for word in WORDS:
            page = Image.new("RGB", (640, 220), "white")
            draw = ImageDraw.Draw(page)
            draw.text((40, 60), word, fill=(20, 20, 20), font=font(40))
            draw.text((40, 130), BODY, fill=(60, 60, 60), font=font(16))
            made.append((name, page))
    return made


def alarms(model, threshold: float) -> tuple[list[str], int]:
    """The fonts of the pages `model` flags at `threshold`, one entry per page, and how many
    pages were checked, each as `check` would check a PNG of it."""
    from logolint.check import check_file

    flagged, made = [], pages()
    with tempfile.TemporaryDirectory() as folder:
        for i, (name, page) in enumerate(made):
            path = Path(folder) / f"text-{i}.png"
            page.save(path)
            if check_file(str(path), model, threshold).flagged:
                flagged.append(name)
    return flagged, len(made)


def warning(flagged: list[str], total: int, threshold: float) -> str:
    """A line for the training summary where ALARM or more of the pages were flagged, else ""."""
    if not total or len(flagged) < ALARM * total:
        return ""
    fonts = ", ".join(sorted(set(flagged)))
    return (f"\nwarning: {len(flagged)} of {total} pages of plain text (a heading and a line of body text, in "
            f"{fonts}) score as the old logo at the recommended threshold {threshold:.2f}: the model takes text in a "
            f"common font for it, so headings and screenshots of text will be flagged. Train again with pictures "
            f"of your own pages and documents as --other, then measure with `logolint eval`.")
