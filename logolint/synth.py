"""Synthetic training views: logo files placed on varied backgrounds, photos jittered."""

from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from logolint.imaging import load_image, open_raster


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def logo_rgba(path: str | os.PathLike[str]):
    """A logo file as RGBA cropped to its drawing. Opaque files get an alpha mask from
    their difference to the border colour, so the mark can go on any background."""
    from logolint.svg import render_svg

    with open(path, "rb") as stream:
        data = stream.read()
    if str(path).lower().endswith((".svg", ".svgz")):
        image = render_svg(data)
    else:
        raw = open_raster(data)
        image = raw.convert("RGBA") if _has_alpha(raw) else load_image(path, data).image
    rgba = np.asarray(image.convert("RGBA")).copy()
    if image.mode != "RGBA" or rgba[..., 3].min() == 255:
        rgb = rgba[..., :3].astype(np.int16)
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        distance = np.abs(rgb - np.median(border, axis=0)).max(axis=2)
        rgba[..., 3] = np.clip(distance * 8, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(rgba[..., 3] > 16)
    if len(xs) == 0:
        return Image.fromarray(rgba)
    return Image.fromarray(rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 256, 3))


def background(rng: np.random.Generator, size: int):
    """Flat, gradient, noise, UI-like blocks or scribbled text: what logos sit on."""
    kind = rng.integers(0, 5)
    if kind == 0:
        return Image.new("RGB", (size, size), _colour(rng) if rng.random() < 0.6 else (255,) * 3)
    if kind == 1:
        a, b = np.array(_colour(rng)), np.array(_colour(rng))
        t = np.linspace(0, 1, size)[:, None, None]
        grad = a * (1 - t) + b * t
        grad = np.broadcast_to(grad, (size, size, 3))
        if rng.random() < 0.5:
            grad = grad.transpose(1, 0, 2)
        return Image.fromarray(grad.astype(np.uint8))
    if kind == 2:
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        image = Image.fromarray(small).resize((size, size), Image.BICUBIC)
        return image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 3))))
    image = Image.new("RGB", (size, size), _colour(rng) if rng.random() < 0.5 else (245,) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 12))):
        x0, y0 = rng.integers(0, size, 2)
        w, h = rng.integers(8, size // 2, 2)
        if kind == 3:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=_colour(rng))
        else:
            y = int(y0)
            for _ in range(int(rng.integers(1, 4))):
                draw.text((int(x0), y), "".join(rng.choice(list("abcdefghij klmno"), 12)),
                          fill=_colour(rng))
                y += 12
    return image


def _recolour(rng: np.random.Generator, logo):
    """Sometimes a logo is shown in one colour, or in grey; mostly it keeps its colours."""
    roll = rng.random()
    if roll < 0.08:
        flat = Image.new("RGBA", logo.size, _colour(rng) + (255,))
        flat.putalpha(logo.getchannel("A"))
        return flat
    if roll < 0.16:
        grey = ImageOps.grayscale(logo.convert("RGB")).convert("RGBA")
        grey.putalpha(logo.getchannel("A"))
        return grey
    return logo


def degrade(rng: np.random.Generator, image):
    """Blur, low resolution and JPEG artefacts, as re-exported files have."""
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.5))))
    if rng.random() < 0.2:
        w, h = image.size
        factor = float(rng.uniform(0.25, 0.6))
        image = image.resize((max(8, int(w * factor)), max(8, int(h * factor))), Image.BILINEAR)
        image = image.resize((w, h), Image.BILINEAR)
    if rng.random() < 0.4:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=int(rng.integers(35, 95)))
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return image


def compose(rng: np.random.Generator, logo, size: int):
    """One training view: the logo at a random scale, place and angle on a background."""
    canvas = background(rng, size)
    logo = _recolour(rng, logo)
    if rng.random() < 0.3:
        logo = logo.rotate(float(rng.uniform(-10, 10)), Image.BICUBIC, expand=True)
    scale = float(rng.uniform(0.2, 0.95)) * size / max(logo.size)
    w, h = max(4, round(logo.size[0] * scale)), max(4, round(logo.size[1] * scale))
    logo = logo.resize((w, h), Image.LANCZOS)
    x = int(rng.integers(0, max(1, size - w + 1)))
    y = int(rng.integers(0, max(1, size - h + 1)))
    canvas.paste(logo, (x, y), logo)
    return degrade(rng, canvas)


def jitter(rng: np.random.Generator, image, size: int):
    """One training view of an example photo: a random crop, colour and quality change."""
    from logolint.detect import square

    w, h = image.size
    keep = float(rng.uniform(0.75, 1.0))
    cw, ch = max(1, int(w * keep)), max(1, int(h * keep))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    view = Image.fromarray(square(image.crop((x, y, x + cw, y + ch)), size))
    array = np.asarray(view, dtype=np.float32) * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)
    return degrade(rng, Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)))
