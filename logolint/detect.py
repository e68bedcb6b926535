"""Find the old logo in one image: score the whole image and overlapping tiles."""

from __future__ import annotations

import dataclasses
import math

Box = tuple[int, int, int, int]

SETTINGS = "tiles-v1"  # part of the cache key: change it when detection changes
TILE_FRACTIONS = (1.0, 0.5)  # tile side as a fraction of the image's shorter side
MIN_TILE = 160  # source pixels; smaller tiles would be upsampled into the model


@dataclasses.dataclass(frozen=True)
class Detection:
    score: float  # old-logo confidence in [0, 1]
    label: str  # the most likely label of the best view
    box: Box  # where, in the coordinates of the analysed image


def _positions(length: int, side: int) -> list[int]:
    if side >= length:
        return [0]
    count = math.ceil((length - side) / (side / 2)) + 1
    return [round(i * (length - side) / (count - 1)) for i in range(count)]


def views(width: int, height: int) -> list[Box]:
    """The whole image, then square tiles overlapping by half, largest first."""
    boxes: list[Box] = [(0, 0, width, height)]
    for fraction in TILE_FRACTIONS:
        side = round(min(width, height) * fraction)
        if side < MIN_TILE or (side == width and side == height):
            continue
        for y in _positions(height, side):
            for x in _positions(width, side):
                boxes.append((x, y, x + side, y + side))
    return list(dict.fromkeys(boxes))


def square(image, size: int):
    """Pad to a square with the border colour, then resize: logos keep their shape."""
    import numpy as np
    from PIL import Image

    width, height = image.size
    if width != height:
        array = np.asarray(image)
        border = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
        colour = tuple(int(c) for c in np.median(border, axis=0))
        side = max(width, height)
        canvas = Image.new("RGB", (side, side), colour)
        canvas.paste(image, ((side - width) // 2, (side - height) // 2))
        image = canvas
    return np.asarray(image.resize((size, size), Image.BILINEAR, reducing_gap=2.0))


def score_views(model, image) -> list[Detection]:
    """Every view of a PIL RGB image with its old-logo score (what `explain` draws)."""
    labels = model.info.labels
    old = [labels.index(label) for label in model.info.old_labels if label in labels]
    scored = []
    for box in views(*image.size):
        crop = image if box == (0, 0, *image.size) else image.crop(box)
        probs = model.predict(square(crop, model.info.input_size))
        score = min(max(float(sum(probs[i] for i in old)), 0.0), 1.0)
        scored.append(Detection(score, labels[int(probs.argmax())], box))
    return scored


def detect(model, image) -> Detection:
    """The best old-logo view of a PIL RGB image gives its score and box."""
    return max(score_views(model, image), key=lambda found: found.score)
