"""Plain wordmarks: made-up brands whose old logo is a word in a common font, trained with
and without the second fit on pages of text (see logolint.plain_text), end to end through
the CLI.

    python benchmarks/plain_wordmarks.py [--work DIR] [--second] [--only BRAND ...]

Each brand's old logo is its name in one of the machine's fonts, dark on nothing; its new
logo the name in another font beside a coloured mark. Test pictures are 1200x630 banners
and 1920x1080 pages with a heading and body text (words neither training nor its check
uses), in random fonts, the wordmark's own among them: the old logo placed on 24, the new
logo on 24, no logo on 48. Prints, per brand and for each way of training: recall at the
model's threshold and at 1% false positives, the false positives at the model's threshold
(new logos and text pages together, and the text pages alone), and the training time.
Needs the DejaVu and Liberation fonts (a brand whose fonts are missing is left out).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from quality import _recall_at_fpr, evaluate

FONTS = Path("/usr/share/fonts/truetype")
# (name, old font, old ink, new font, new colour): no old font is one of the fonts training's
# pages of text are set in here (logolint.fonts.text_fonts: the regular DejaVu and Liberation
# fonts, DejaVu Sans and Serif Bold).
BRANDS = (
    ("Northwind", "liberation/LiberationSans-Bold.ttf", (34, 34, 34), "dejavu/DejaVuSerif-Italic.ttf", (0, 128, 128)),
    ("CONTOSO", "dejavu/DejaVuSerifCondensed-Bold.ttf", (27, 42, 74), "liberation/LiberationSans-Bold.ttf", (230, 120, 20)),
    ("fabrikam", "dejavu/DejaVuSansCondensed-Bold.ttf", (10, 10, 10), "liberation/LiberationSerif-Bold.ttf", (120, 40, 160)),
    ("Tailspin", "liberation/LiberationMono-Bold.ttf", (60, 60, 60), "dejavu/DejaVuSans-Bold.ttf", (200, 30, 60)),
    ("Proseware", "liberation/LiberationSerif-Italic.ttf", (0, 0, 0), "liberation/LiberationSans-Regular.ttf", (20, 90, 200)),
)
# A second five, made after the first five had been looked at and detect.TEXT_DRAWN chosen on
# two of them (--second): none of them was looked at before it was measured.
SECOND = (
    ("Litware", "dejavu/DejaVuSans-BoldOblique.ttf", (30, 30, 30), "liberation/LiberationSerif-Regular.ttf", (0, 150, 90)),
    ("ADATUM", "liberation/LiberationSerif-Bold.ttf", (40, 20, 20), "dejavu/DejaVuSans.ttf", (220, 60, 60)),
    ("woodgrove", "liberation/LiberationSansNarrow-Bold.ttf", (15, 40, 30), "dejavu/DejaVuSerif-Bold.ttf", (60, 140, 40)),
    ("Lucerne", "dejavu/DejaVuSerifCondensed.ttf", (0, 0, 0), "liberation/LiberationSans-Bold.ttf", (30, 110, 220)),
    ("Wingtip", "liberation/LiberationSans-Italic.ttf", (25, 25, 60), "dejavu/DejaVuSansMono-Bold.ttf", (240, 150, 0)),
)
PAGE_FONTS = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif.ttf", "liberation/LiberationSans-Regular.ttf",
              "liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSans-Bold.ttf")
HEADINGS = ("Release notes", "Start free trial", "Meet the team", "Support", "Blog", "Events near you",
            "Product tour", "LOG IN", "Customer stories", "Partners")
BODY = ("Everything you need to ship faster.", "Join thousands of teams already on board.",
        "No credit card required.", "See what changed in the latest version.")
OLD_PAGES, NEW_PAGES, TEXT_PAGES = 24, 24, 48


def wordmark(word: str, font_file: str, ink: tuple) -> Image.Image:
    font = ImageFont.truetype(str(FONTS / font_file), 96)
    box = ImageDraw.Draw(Image.new("RGBA", (1, 1))).textbbox((0, 0), word, font=font)
    image = Image.new("RGBA", (box[2] - box[0] + 24, box[3] - box[1] + 24), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((12 - box[0], 12 - box[1]), word, fill=(*ink, 255), font=font)
    return image


def new_logo(word: str, font_file: str, colour: tuple) -> Image.Image:
    text = wordmark(word.lower(), font_file, colour)
    image = Image.new("RGBA", (text.width + text.height, text.height), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([8, 8, text.height - 8, text.height - 8], fill=(*colour, 255))
    image.paste(text, (text.height, 0), text)
    return image


def page(rng: np.random.Generator, logo: Image.Image | None, own_font: str) -> Image.Image:
    """A banner or a page: a heading and body text, the logo (if any) placed small."""
    width, height = ((1200, 630), (1920, 1080))[int(rng.integers(2))]
    kind = rng.random()
    if kind < 0.5:
        paper, ink = rng.integers(230, 256, 3), rng.integers(0, 60, 3)
    elif kind < 0.75:
        paper, ink = rng.integers(15, 45, 3), rng.integers(210, 256, 3)
    else:
        paper = rng.integers(0, 256, 3)
        ink = rng.integers(235, 256, 3) if paper @ (0.3, 0.59, 0.11) < 150 else rng.integers(0, 40, 3)
    canvas = Image.new("RGB", (width, height), tuple(int(v) for v in paper))
    draw = ImageDraw.Draw(canvas)
    fill = tuple(int(v) for v in ink)
    font = own_font if rng.random() < 0.5 else PAGE_FONTS[int(rng.integers(len(PAGE_FONTS)))]
    size = int(height * rng.uniform(0.05, 0.1))
    x, y = int(width * rng.uniform(0.05, 0.3)), int(height * rng.uniform(0.3, 0.5))
    draw.text((x, y), HEADINGS[int(rng.integers(len(HEADINGS)))], fill=fill,
              font=ImageFont.truetype(str(FONTS / font), size))
    body = ImageFont.truetype(str(FONTS / PAGE_FONTS[int(rng.integers(len(PAGE_FONTS)))]), size // 3)
    draw.text((x, y + int(size * 1.6)), BODY[int(rng.integers(len(BODY)))], fill=fill, font=body)
    if logo is not None:
        if kind >= 0.5 and kind < 0.75:  # on a dark page, a dark logo is shown in white
            white = Image.new("RGBA", logo.size, (255, 255, 255, 255))
            white.putalpha(logo.getchannel("A"))
            logo = white
        side = int(width * rng.uniform(0.08, 0.3))
        logo = logo.resize((side, max(1, side * logo.height // logo.width)), Image.LANCZOS)
        corner = (int(width * rng.uniform(0.02, 0.6)), int(height * rng.uniform(0.03, 0.15)))
        canvas.paste(logo, corner, logo)
    return canvas


def train(old: Path, new: Path, output: Path, second_fit: bool) -> tuple[Path, float, str]:
    # Without the second fit: plain_text.alarmed patched to say no, in the CLI's own process.
    code = ("import sys, logolint.plain_text as p\n"
            + ("" if second_fit else "p.alarmed = lambda *a: False\n")
            + "from logolint.cli import main\nraise SystemExit(main(sys.argv[1:]))")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "train", "--old", str(old), "--new", str(new),
                           "--output", str(output)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"training failed:\n{done.stderr}")
    said = [line for line in done.stdout.splitlines() if "pages of plain text" in line]
    return output / "model.tflite", time.perf_counter() - start, said[0] if said else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", help="keep models and pictures here (default: a temporary folder)")
    parser.add_argument("--second", action="store_true", help="the second five brands (see SECOND)")
    parser.add_argument("--only", nargs="+", metavar="BRAND", help="these brands only (their seeds stay theirs)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(args.work or temporary)
        for n, (name, old_font, ink, new_font, colour) in enumerate(SECOND if args.second else BRANDS,
                                                                    start=100 if args.second else 0):
            if args.only and name not in args.only:
                continue
            if not all((FONTS / f).is_file() for f in (old_font, new_font, *PAGE_FONTS)):
                print(f"{name}: fonts missing, left out", file=sys.stderr)
                continue
            folder = work / name
            (folder / "pictures").mkdir(parents=True, exist_ok=True)
            old_logo, new_mark = wordmark(name, old_font, ink), new_logo(name, new_font, colour)
            old_logo.save(folder / "old.png")
            new_mark.save(folder / "new.png")
            rng = np.random.default_rng(1000 + n)
            test: dict[str, list[Path]] = {"old": [], "new": [], "none": []}
            for label, logo, count in (("old", old_logo, OLD_PAGES), ("new", new_mark, NEW_PAGES), ("none", None, TEXT_PAGES)):
                for i in range(count):
                    path = folder / "pictures" / f"{label}-{i:02d}.jpg"
                    page(rng, logo, old_font).save(path, quality=90)
                    test[label].append(path)
            for second_fit in (False, True):
                way = "fitted again" if second_fit else "first fit only"
                model, seconds, said = train(folder / "old.png", folder / "new.png", folder / way, second_fit)
                result = evaluate(model, test, folder / f"eval {way}")
                score = {item["path"]: item["score"] or 0.0 for item in result["items"]}
                threshold = result["threshold"]
                old = [score[str(p.resolve())] for p in test["old"]]
                new = [score[str(p.resolve())] for p in test["new"]]
                text = [score[str(p.resolve())] for p in test["none"]]
                recall_1pct, _ = _recall_at_fpr(old, new + text)
                rows.append((name, way, f"{np.mean([s >= threshold for s in old]):.0%}", f"{recall_1pct:.0%}",
                             f"{np.mean([s >= threshold for s in new + text]):.1%}",
                             f"{np.mean([s >= threshold for s in text]):.1%}", f"{threshold:.2f}", f"{seconds:.0f} s",
                             said.split(":")[0] if said.startswith("the first fit") else ("warned" if said else "")))
                print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    print("| brand | training | recall at its threshold | recall at 1% FP | false positives at its threshold "
          "| of the text pages | threshold | training time | plain-text check |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
