"""Synthetic training views: logo files placed on varied backgrounds, photos jittered."""

from __future__ import annotations

import functools
import io
import os
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from logolint.errors import ImageError
from logolint.fingerprint import PLATE
from logolint.imaging import (DEEP_MODES, border_colour, eight_bit, exif_orientation, is_svg, load_image,
                              open_raster, read_file, refuse_placeholders, upright)


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _see_through(image) -> bool:
    """Whether some pixel is transparent, or partly: a mark, not an opaque picture that
    happens to carry an alpha channel."""
    if not _has_alpha(image):
        return False
    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA", "PA") else image.convert("RGBA").getchannel("A")
    return alpha.getextrema()[0] < 255


def _deep_rgba(image):
    """A grey image of more than 8 bits with a transparent value as RGBA: PIL's own
    conversion clips every sample over 255 to white, and the logo came out blank."""
    grey = eight_bit(image)
    alpha = np.where(np.asarray(image) == image.info["transparency"], 0, 255).astype(np.uint8)
    return Image.merge("RGBA", (grey, grey, grey, Image.fromarray(alpha)))


def logo_rgba(path: str | os.PathLike[str], side: int | None = None):
    """A logo file as RGBA cropped to its drawing. Opaque files get an alpha mask from
    their difference to the border colour, so the mark can go on any background. With
    SIDE, a transparent drawing much larger than that is shrunk as it is cropped."""
    from logolint.svg import render_svg

    data = read_file(path)
    refuse_placeholders(data)
    if is_svg(data):
        image = render_svg(data)
    else:
        raw = open_raster(data)
        if not _has_alpha(raw):
            image = load_image(path, data).image
        else:
            try:  # decoded here, not by load_image: its alpha is wanted
                if raw.mode in DEEP_MODES:
                    image = _deep_rgba(raw)
                else:
                    image = raw if raw.mode == "RGBA" else raw.convert("RGBA")
                image = upright(image, exif_orientation(raw))  # as check sees the file
                if _see_through(image):
                    return _cut_out(image, side)
            except Exception as exc:  # whatever PIL raises for a damaged file
                raise ImageError(f"corrupt or truncated image: {exc}") from None
    rgba = np.asarray(image.convert("RGBA")).copy()
    if image.mode != "RGBA" or rgba[..., 3].min() == 255:
        rgb = rgba[..., :3].astype(np.int16)
        colour = border_colour(rgb)
        distance = np.abs(rgb - np.array(colour)).max(axis=2)
        if _on_a_plate(colour, distance):
            plate = Image.fromarray(rgba)
            plate.info[PLATE] = True  # for the fingerprints: the file shows the plate as its background
            return plate
        rgba[..., 3] = np.clip(distance * 8, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(rgba[..., 3] > 16)
    if len(xs) == 0:
        return Image.fromarray(rgba)
    return Image.fromarray(rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


PLATE_CHROMA = 48  # a border this colourful is the logo's own plate, not a page


def _on_a_plate(colour: tuple[int, ...], distance) -> bool:
    """Whether an opaque drawing is a full-bleed app icon: a square canvas whose whole
    border is one colourful shade, with something else drawn inside. Such a plate is part
    of the logo, and often all a redesign changed. A white, grey or black border is the
    page the logo was exported on, and a wide one a banner (white letters on the brand's
    colour): both are cut out, so the mark goes on any background."""
    height, width = distance.shape
    if max(colour) - min(colour) < PLATE_CHROMA or max(width, height) > 1.25 * min(width, height):
        return False
    border = np.concatenate([distance[0], distance[-1], distance[:, 0], distance[:, -1]])
    return bool((border <= 16).mean() >= 0.98 and (distance > 16).any())


def _cut_out(image, side: int | None):
    """IMAGE (RGBA) cropped to where it is drawn, without full-size copies: an 8000-px
    transparent logo file would otherwise take over a gigabyte."""
    drawn = image.getchannel("A").point(lambda a: 255 if a > 16 else 0).getbbox()
    if drawn is None:
        return image
    factor = max(drawn[2] - drawn[0], drawn[3] - drawn[1]) // (2 * side) if side else 0
    return image.reduce(factor, box=drawn) if factor > 1 else image.crop(drawn)


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 256, 3))


def background(rng: np.random.Generator, width: int, height: int | None = None):
    """Flat, gradient, smooth noise, UI-like blocks or scribbles: what logos sit on."""
    height = height or width
    kind = rng.integers(0, 8)
    if kind >= 5:
        return photo_like(rng, width, height)
    if kind == 0:
        colour = _colour(rng) if rng.random() < 0.6 else (255,) * 3
        return Image.new("RGB", (width, height), colour)
    if kind == 1:
        ends = np.array([_colour(rng), _colour(rng)], np.uint8)[None]
        gradient = Image.fromarray(ends).resize((width, height), Image.BILINEAR)
        return gradient if rng.random() < 0.5 else gradient.transpose(Image.Transpose.ROTATE_180)
    if kind == 2:
        small = rng.integers(0, 256, (int(rng.integers(2, 9)),) * 2 + (3,), dtype=np.uint8)
        return Image.fromarray(small).resize((width, height), Image.BICUBIC)
    image = Image.new("RGB", (width, height), _colour(rng) if rng.random() < 0.5 else (245,) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 12))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(8, width // 2 + 9)), int(rng.integers(8, height // 2 + 9))
        if kind == 3:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=_colour(rng))
        else:
            draw.text((x0, y0), _words(rng, 3), fill=_colour(rng), font=_font(h // 4))
    return image


def photo_like(rng: np.random.Generator, width: int, height: int):
    """Something with the statistics of a photo: octaves of smooth noise under a random
    colour ramp, a horizon, soft shapes and grain. Real photos would be better, but none
    ship with the package, and flat backgrounds alone teach that any texture is a logo."""
    from PIL import ImageFilter

    w, h = max(8, width // 2), max(8, height // 2)  # drawn at half size, for speed
    total = np.zeros((h, w, 3), np.float32)
    weight, amplitude = 0.0, 1.0
    cells = int(rng.integers(2, 7))
    for _ in range(5):
        small = rng.random((max(2, cells * h // max(w, h)) + 1, cells + 1, 3)).astype(np.float32)
        total += amplitude * np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize(
            (w, h), Image.BICUBIC), np.float32) / 255.0
        weight += amplitude
        amplitude *= float(rng.uniform(0.4, 0.7))
        cells *= 2
    total /= weight
    light = total.mean(axis=2, keepdims=True)
    light = (light - light.min()) / max(1e-6, float(light.max() - light.min()))
    grey = float(rng.uniform(60, 200))
    muted = lambda: (np.array(_colour(rng), np.float32) + grey) / 2  # noqa: E731 (photos are rarely saturated)
    ramps = [(muted(), muted()) for _ in range(2)]
    array = ramps[0][0] * (1 - light) + ramps[0][1] * light
    if rng.random() < 0.5:  # a horizon: ground below in other colours
        horizon = int(h * rng.uniform(0.3, 0.8))
        array[horizon:] = (ramps[1][0] * (1 - light) + ramps[1][1] * light)[horizon:]
    array += (total - 0.5) * float(rng.uniform(40, 140))
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(0, 6))):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        rx, ry = (int(rng.integers(2, max(3, min(w, h) // 6))) for _ in range(2))
        draw.ellipse([x - rx, y - ry, x + rx, y + ry], fill=_colour(rng))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 2)))).resize((width, height), Image.BILINEAR)
    grain = rng.normal(0, float(rng.uniform(2, 10)), (height, width, 1))
    return Image.fromarray(np.clip(np.asarray(image, np.float32) + grain, 0, 255).astype(np.uint8))


def _recolour(rng: np.random.Generator, logo):
    """Sometimes a logo is shown in one colour, or in grey; mostly it keeps its colours."""
    roll = rng.random()
    if roll < 0.08 and logo.getchannel("A").getextrema()[0] < 255:  # a mark, not a photo
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


@functools.lru_cache(maxsize=64)
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=max(8, min(size, 200)))


def _words(rng: np.random.Generator, count: int) -> str:
    letters = list("abcdefghijklmnopqrstuvwxyz")
    return " ".join("".join(rng.choice(letters, int(rng.integers(2, 9)))) for _ in range(count))


def ui(rng: np.random.Generator, width: int, height: int):
    """A page, app screen or banner: panels, cards, buttons and lines of text."""
    image = background(rng, width, height)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 14))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(20, width // 2 + 21)), int(rng.integers(10, height // 3 + 11))
        roll = rng.random()
        if roll < 0.45:
            draw.rounded_rectangle([x0, y0, x0 + w, y0 + h], int(rng.integers(0, 16)), fill=_colour(rng))
        elif roll < 0.85:
            size = int(rng.integers(10, 48))
            draw.text((x0, y0), _words(rng, int(rng.integers(1, 6))), fill=_colour(rng), font=_font(size))
        else:
            draw.ellipse([x0, y0, x0 + h, y0 + h], fill=_colour(rng))
    return image


def distractor(rng: np.random.Generator):
    """A made-up logo: a few shapes and letters in brand-like colours, on transparency."""
    size = 256
    mark = Image.new("RGBA", (size * 2, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(mark)
    for _ in range(int(rng.integers(1, 4))):
        box = sorted(rng.integers(0, size, 2)), sorted(rng.integers(0, size, 2))
        shape = [box[0][0], box[1][0], box[0][1] + 20, box[1][1] + 20]
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.ellipse(shape, fill=_colour(rng) + (255,))
        elif kind == 1:
            draw.rounded_rectangle(shape, int(rng.integers(0, 30)), fill=_colour(rng) + (255,))
        else:
            points = [tuple(int(v) for v in rng.integers(0, size, 2)) for _ in range(3)]
            draw.polygon(points, fill=_colour(rng) + (255,))
    if rng.random() < 0.8:
        text = _words(rng, 1).capitalize()
        draw.text((int(size * 1.05), size // 3), text, fill=_colour(rng) + (255,), font=_font(70))
    bbox = mark.getbbox()
    return mark.crop(bbox) if bbox else mark


SCENES = ((1200, 630), (1920, 1080), (1440, 900), (800, 800), (1080, 1920), (640, 480))


class Scene(NamedTuple):
    image: Image.Image
    box: tuple[int, int, int, int] | None  # where the logo is, if there is one
    others: list[tuple[int, int, int, int]]  # where the made-up logos are


CLOSE_CROP_HEIGHT = 1800  # at most, for a logo file or close crop (a 6x400 bar was 59,000 px)


def scene(rng: np.random.Generator, logo, scale: float = 1.0) -> Scene:
    """A realistic image holding `logo` (or none) at a random size and place, with
    made-up logos around it, drawn at `scale` of its nominal size for speed."""
    if logo is not None and rng.random() < 0.3:  # a logo file or close crop of one
        margin = float(rng.uniform(0.02, 0.4))
        width = int(rng.integers(96, 900))
        logo_w = max(8, int(width / (1 + 2 * margin)))
        aspect = logo.size[1] / logo.size[0]
        if logo_w * (aspect + 2 * margin) > CLOSE_CROP_HEIGHT:  # a tall, narrow logo: its height decides
            logo_w = max(1, int(CLOSE_CROP_HEIGHT / (aspect + 2 * margin)))
        height = max(32, int(logo_w * aspect + 2 * margin * logo_w))
        canvas = background(rng, width, height)
    else:
        width, height = (round(side * scale) for side in SCENES[int(rng.integers(0, len(SCENES)))])
        canvas = ui(rng, width, height)
        logo_w = int(width * rng.uniform(0.05, 0.5))
    others = []
    for _ in range(int(rng.integers(0, 3))):
        other = distractor(rng)
        w = int(width * rng.uniform(0.05, 0.3))
        other = other.resize((w, max(4, round(other.size[1] * w / other.size[0]))), Image.LANCZOS)
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        canvas.paste(other, (x, y), other)
        others.append((x, y, min(width, x + other.size[0]), min(height, y + other.size[1])))
    box = None
    if logo is not None:
        logo = _recolour(rng, logo.convert("RGBA"))
        if rng.random() < 0.2:
            logo = logo.rotate(float(rng.uniform(-12, 12)), Image.BICUBIC, expand=True)
        h = max(4, round(logo.size[1] * logo_w / logo.size[0]))
        logo_w, h = min(logo_w, width), min(h, height)
        logo = logo.resize((logo_w, h), Image.LANCZOS)
        x, y = int(rng.integers(0, width - logo_w + 1)), int(rng.integers(0, height - h + 1))
        canvas.paste(logo, (x, y), logo)
        box = (x, y, x + logo_w, y + h)
    return Scene(canvas, box, others)


def covered(tile: tuple[int, int, int, int], box: tuple[int, int, int, int]) -> float:
    """The fraction of `box` that lies inside `tile`."""
    w = min(tile[2], box[2]) - max(tile[0], box[0])
    h = min(tile[3], box[3]) - max(tile[1], box[1])
    area = (box[2] - box[0]) * (box[3] - box[1])
    return max(0, w) * max(0, h) / area if area else 0.0
