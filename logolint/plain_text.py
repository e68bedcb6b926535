"""Pages of plain text, checked with a newly trained model: `logolint train` fits again
with made-up pages of text as other where the model takes text in a common font for the old
logo, and warns where it still does.

An old logo that is a word in a plain font teaches the classifier that a line of text is
that logo. Held-out set 42's DataStax (a dark sans wordmark) flagged 28 of 32 such pages
(four words, four fonts) at its recommended threshold, and at that threshold 7.7% of set
42's images without its logo, every text page among them. Of the 18 pages here, DataStax's
model flags 8; of the other 59 models of held-out sets 41-44 and brands-dev, Shortcut's 5,
Clubhouse's 1 and the rest none (set 45's twelve none); of ten made-up plain wordmarks'
first fits (benchmarks/plain_wordmarks.py), seven flag 4-10 and three 2-3, and those three
flagged 2-19% of the benchmark's pages of text: hence fitting again from 2 of the 18 (ALARM,
chosen after seeing those three), and a warning only where 4 are still flagged (WARN). The
first form of the check, 8 small pages dark on white with half of them needed, missed two of
the first five wordmarks, whose models flagged 48% and 23% of the benchmark's pages of text.
Fitted again, DataStax's model flags none of the 18 and 0.8% of its set's images without its
logo, its recall the same. Checking the pages costs 2-9 s of training (set 45's twelve
brands; skipped for more than four old files, such as seed-google's folders of photos). The
check stops as soon as enough pages are flagged (DataStax: 3 pages, 1.4 s instead of 10.3);
fitting again costs about 15 s, and a second check of all the pages for the summary.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

WORDS = ("Welcome back", "CONTACT")
BODY = "Some smaller body text under the heading."
ALARM = 0.1  # of the pages flagged: fit again
WARN = 0.2  # of the pages still flagged after that: a warning
# Headings of the pages `train` fits on again where a model flags ALARM of the pages above:
# none of WORDS, so those pages still measure what the fit learned.
TRAINING_WORDS = ("Pricing", "About us", "Getting started", "SIGN IN", "Documentation", "Our team",
                  "NEWS", "Download the app", "Privacy policy", "Careers", "FAQ", "Contact sales")
TRAINING_BODY = ("Read the release notes for this version.", "Plans for teams of every size, billed yearly.",
                 "Questions? Our support team answers within a day.", "Last updated on 12 March.")


def _fonts() -> list[tuple[str, object]]:
    """(name, size -> font): Pillow's own font, and the common fonts found on the machine
    (logolint.fonts.text_fonts)."""
    from PIL import ImageFont

    from logolint.fonts import text_fonts

    found: list[tuple[str, object]] = [("Pillow's default font", lambda size: ImageFont.load_default(size=size))]
    for path in text_fonts():
        found.append((Path(path).stem, lambda size, path=path: ImageFont.truetype(path, size)))
    return found


# Banners' colours for the checked pages, white text on each.
BANNERS = ((36, 99, 235), (22, 128, 61), (190, 24, 93), (71, 85, 105), (234, 88, 12))


def pages() -> list[tuple[str, object]]:
    """(font name, page), two per font of _fonts: WORDS[0] as a heading over a line of body
    text, dark on white, and WORDS[1] large in white on a 960x504 banner in a colour."""
    from PIL import Image, ImageDraw

    made = []
    for i, (name, font) in enumerate(_fonts()):
        page = Image.new("RGB", (640, 220), "white")
        draw = ImageDraw.Draw(page)
        draw.text((40, 60), WORDS[0], fill=(20, 20, 20), font=font(40))
        draw.text((40, 130), BODY, fill=(60, 60, 60), font=font(16))
        made.append((name, page))
        banner = Image.new("RGB", (960, 504), BANNERS[i % len(BANNERS)])
        draw = ImageDraw.Draw(banner)
        draw.text((96, 190), WORDS[1], fill="white", font=font(68))
        draw.text((96, 296), BODY, fill="white", font=font(22))
        made.append((name, banner))
    return made


def training_pages(rng, count: int) -> list[tuple[object, tuple[int, int, int, int]]]:
    """(page, the heading's box): `count` made-up pages of text in the fonts of _fonts, each
    a heading of TRAINING_WORDS over lines of body text, at random sizes and places, dark on
    light, light on dark, or on a colour."""
    from PIL import Image, ImageDraw

    fonts = [font for _, font in _fonts()]
    made = []
    for i in range(count):
        font = fonts[i % len(fonts)]
        kind = rng.random()
        if kind < 0.5:  # dark on light
            paper, ink = rng.integers(225, 256, 3), rng.integers(0, 70, 3)
        elif kind < 0.75:  # light on dark
            paper, ink = rng.integers(10, 50, 3), rng.integers(200, 256, 3)
        else:  # a page or banner in a brand colour, white or dark text on it
            paper = rng.integers(0, 256, 3)
            ink = rng.integers(235, 256, 3) if paper @ (0.3, 0.59, 0.11) < 150 else rng.integers(0, 40, 3)
        paper, ink = tuple(int(v) for v in paper), tuple(int(v) for v in ink)
        page = Image.new("RGB", (int(rng.integers(480, 1280)), int(rng.integers(180, 680))), paper)
        draw = ImageDraw.Draw(page)
        size = int(rng.integers(24, 96))
        x, y = int(rng.integers(10, page.width // 4)), int(rng.integers(10, page.height // 3))
        word = TRAINING_WORDS[int(rng.integers(len(TRAINING_WORDS)))]
        draw.text((x, y), word, fill=ink, font=font(size))
        box = draw.textbbox((x, y), word, font=font(size))
        line = box[3] + size // 2
        for _ in range(int(rng.integers(0, 4))):
            body = int(rng.integers(12, 20))
            draw.text((x, line), TRAINING_BODY[int(rng.integers(len(TRAINING_BODY)))], fill=ink, font=font(body))
            line += 2 * body
        made.append((page, tuple(int(v) for v in box)))
    return made


def alarmed(flagged: list[str], total: int, share: float = ALARM) -> bool:
    return bool(total) and len(flagged) >= share * total


def alarms(model, threshold: float, enough: float | None = None) -> tuple[list[str], int, int]:
    """The fonts of the pages `model` flags at `threshold`, one entry per page, how many pages
    were checked, each as `check` would check a PNG of it, and how many there are. With
    `enough`, the check stops once that share of all the pages is flagged: `alarmed` can then
    only say yes (with train's first fit of DataStax, set 42, after 3 pages of 18)."""
    import threading

    from logolint.check import check_file
    from logolint.model import Model
    from logolint.workers import worker_threads

    own = threading.local()

    def flags(path: Path) -> bool:
        if not hasattr(own, "model"):  # an interpreter is not shared between threads
            own.model = Model(model.path, model.data)
        return check_file(str(path), own.model, threshold).flagged

    flagged, made = [], pages()
    checked = 0
    with tempfile.TemporaryDirectory() as folder, worker_threads(2) as pool:
        paths = [Path(folder) / f"text-{i}.png" for i in range(len(made))]
        for (_, page), path in zip(made, paths):
            page.save(path)
        # Two pages at once: a page's keypoints keep one core busy and the other mostly waiting
        # (DataStax's 18 pages: 9.9 -> 6.4 s, the same scores). Read in order, so the check
        # stops where one page after another would.
        for (name, _), flag in zip(made, [pool.submit(flags, path) for path in paths]):
            if enough is not None and alarmed(flagged, len(made), enough):
                break
            checked += 1
            if flag.result():
                flagged.append(name)
    return flagged, checked, len(made)


def flagged_share(flagged: int, checked: int, total: int) -> str:
    """'2 of the first 3 pages' of a check `alarms` stopped early, else '2 of 18 pages'."""
    return f"{flagged} of the first {checked} pages" if checked < total else f"{flagged} of {total} pages"


def refitted(first: tuple[int, int], added: int, flagged: list[str], total: int, threshold: float) -> str:
    """Lines for the training summary where the first fit flagged `first` (pages flagged,
    pages checked) and `train` fitted again with `added` pages of text as other, after which
    it flags `flagged` of all `total` pages."""
    said = (f"\nthe first fit took text in a common font for the old logo ({flagged_share(*first, total)} of plain "
            f"text flagged): fitted again with {added} made-up pages of text as other, it flags {len(flagged)} of "
            f"{total}")
    if not alarmed(flagged, total, WARN):
        return said
    fonts = ", ".join(sorted(set(flagged)))
    return (said + f"\nwarning: {len(flagged)} of {total} pages of plain text (a heading and a line of body text, in "
            f"{fonts}) score as the old logo at the recommended threshold {threshold:.2f}: the model takes text in a "
            f"common font for it, so headings and screenshots of text will be flagged. Train again with pictures "
            f"of your own pages and documents as --other, then measure with `logolint eval`.")
