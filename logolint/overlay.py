"""Draw what the detector saw over an image: a heat map from scored boxes and the
deciding box. Works from any list of (box, score), whatever produced it."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Box = tuple[int, int, int, int]
LOW, HIGH = np.array([255, 214, 0], np.float32), np.array([230, 20, 20], np.float32)
FLAGGED, PASSED = (230, 20, 20), (255, 255, 255)
MIN_SIDE = 400  # px: a smaller picture is drawn enlarged


def heat(size: tuple[int, int], scored: Sequence[tuple[Box, float]]) -> np.ndarray:
    """Per pixel, the mean score of the boxes over it, each weighted by 1/area: a
    small box says more about its pixels than the whole image does."""
    width, height = size
    total = np.zeros((height, width), np.float64)
    weight = np.zeros((height, width), np.float64)
    for (x0, y0, x1, y1), score in scored:
        area = max((x1 - x0) * (y1 - y0), 1)
        total[y0:y1, x0:x1] += score / area
        weight[y0:y1, x0:x1] += 1 / area
    return np.divide(total, weight, out=np.zeros_like(total), where=weight > 0).astype(np.float32)


def _smooth(level: np.ndarray, scored: Sequence[tuple[Box, float]]) -> np.ndarray:
    """Soften the box edges by a fraction of the smallest box, so the map reads as a map."""
    from PIL import ImageFilter

    side = min((min(x1 - x0, y1 - y0) for (x0, y0, x1, y1), _ in scored), default=0)
    if side < 8:
        return level
    grey = Image.fromarray(np.clip(level * 255 + 0.5, 0, 255).astype(np.uint8))
    return np.asarray(grey.filter(ImageFilter.GaussianBlur(side / 8)), np.float32) / 255


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _legend(image: Image.Image, scale: int) -> None:
    """A score scale in the bottom-right corner: the heat colours from 0 to 1."""
    draw = ImageDraw.Draw(image)
    font = _font(11 * scale)
    bar_w, bar_h, pad = 120 * scale, 8 * scale, 8 * scale
    label_h = 14 * scale
    x1, y1 = image.width - pad, image.height - pad
    x0, y0 = x1 - bar_w - 2 * pad, y1 - bar_h - label_h - 2 * pad
    draw.rounded_rectangle([x0, y0, x1, y1], 4 * scale, fill=(20, 22, 28))
    for i in range(bar_w):
        t = i / (bar_w - 1)
        colour = tuple(int(c) for c in LOW * (1 - t) + HIGH * t)
        draw.line([x0 + pad + i, y0 + pad, x0 + pad + i, y0 + pad + bar_h], fill=colour)
    text_y = y0 + pad + bar_h + 2 * scale
    draw.text((x0 + pad, text_y), "0", font=font, fill=(230, 230, 230))
    draw.text((x1 - pad, text_y), "1", font=font, fill=(230, 230, 230), anchor="ra")
    draw.text(((x0 + x1) // 2, text_y), "old-logo score", font=font, fill=(230, 230, 230), anchor="ma")


def draw(image: Image.Image, scored: Sequence[tuple[Box, float]], box: Box, caption: str,
         flagged: bool) -> Image.Image:
    """The image, muted, under the heat map, with `box` outlined and captioned. A small
    image is drawn enlarged (whole pixels), and a narrow one on a wider canvas, so the
    caption and legend fit beside it."""
    zoom = max(1, MIN_SIDE // max(image.size))
    if zoom > 1:
        image = image.resize((image.width * zoom, image.height * zoom), Image.NEAREST)
        scored = [(tuple(v * zoom for v in view), score) for view, score in scored]
        box = tuple(v * zoom for v in box)
    rgb = np.asarray(image.convert("RGB"), np.float32)
    grey = rgb.mean(axis=2, keepdims=True)
    muted = 0.35 * rgb + 0.65 * grey
    level = _smooth(heat(image.size, scored), scored)[..., None]
    colour = LOW * (1 - level) + HIGH * level
    alpha = 0.5 * level**1.5  # low scores stay nearly clear, and the logo shows through high ones
    out = Image.fromarray(np.clip(muted * (1 - alpha) + colour * alpha + 0.5, 0, 255).astype(np.uint8))
    # Of pens and fonts; for a tall page (see logolint.tiles) by its width, or the canvas widened
    # to fit them would be a picture of 72 megapixels.
    scale = max(1, round(min(max(out.size), 3 * min(out.size)) / 800))
    if out.width < MIN_SIDE * scale or out.height < MIN_SIDE // 4 * scale:
        # Narrow or flat even enlarged (60 x 600, 1 x 300): room beside it for the caption and legend.
        canvas = Image.new("RGB", (max(out.width, MIN_SIDE * scale), max(out.height, MIN_SIDE // 4 * scale)),
                           (255, 255, 255))
        canvas.paste(out, (0, 0))
        out = canvas
    pen = 3 * scale
    ink = FLAGGED if flagged else PASSED
    draw = ImageDraw.Draw(out)
    # Around the box, but kept inside the picture: a box at the border stays visible.
    x0, y0 = max(box[0] - pen, 0), max(box[1] - pen, 0)
    x1, y1 = max(min(box[2] + pen, out.width) - 1, x0), max(min(box[3] + pen, out.height) - 1, y0)
    draw.rectangle([x0, y0, x1, y1], outline=(0, 0, 0), width=pen + 2 * scale)
    # Inset by the outline's width where there is room (a picture a few pixels wide has none).
    draw.rectangle([x0 + scale, y0 + scale, max(x1 - scale, x0 + scale), max(y1 - scale, y0 + scale)],
                   outline=ink, width=pen)
    font = _font(14 * scale)
    left, top, right, bottom = draw.textbbox((0, 0), caption, font=font)
    tag_w, tag_h = right - left + 12 * scale, bottom - top + 10 * scale
    tag_x = min(x0, out.width - tag_w)
    tag_y = y0 - tag_h if y0 - tag_h >= 0 else min(y1 + 1, out.height - tag_h)
    draw.rectangle([tag_x, tag_y, tag_x + tag_w, tag_y + tag_h], fill=ink)
    text_ink = (255, 255, 255) if flagged else (0, 0, 0)
    draw.text((tag_x + 6 * scale - left, tag_y + 5 * scale - top), caption, font=font, fill=text_ink)
    _legend(out, scale)
    return out
