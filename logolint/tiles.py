"""Tall images (a full-page screenshot of a site or a document) checked in parts.

Decoded whole at 2048 px on its long side, a 1280x12000 page is 218 px wide, and the
280-px logo at its top 48 px: too small for every stage, and the page passed. Such an
image is decoded with its width as large as a screenshot's and checked in overlapping
tiles of a screenshot's shape; it scores as its highest tile, the box in the whole image.
Only tall images: a wide one is more often a banner or a long wordmark, which tiles would
cut apart.
"""

from __future__ import annotations

import math

TALL = 2.5  # an image this many times as high as wide, and higher than the side it is decoded at, is tiled
SHAPE = 1.5  # a tile's height, in widths
OVERLAP = 0.25  # of a tile's height, shared with the next: a logo on the seam is whole in one of them
MAX_TILES = 8  # a taller image is decoded smaller instead: each tile costs a check


def _tall(width: int, height: int, side: int) -> bool:
    return width > 0 and height > side and height >= TALL * width


def _tile(width: int, height: int) -> float:
    """A tile's height: SHAPE widths, or taller where that would take over MAX_TILES tiles."""
    return max(SHAPE * width, height / (1 + (MAX_TILES - 1) * (1 - OVERLAP)))


def decode_side(size: tuple[int, int], side: int) -> int:
    """The long side to decode an image of `size` (as the file declares it) at: `side`, or
    for a tall image, as much as makes each of its tiles `side` high at most."""
    width, height = size
    if not _tall(width, height, side):
        return side
    return max(side, round(height * min(1.0, side / _tile(width, height))))


def boxes(size: tuple[int, int], side: int) -> list[tuple[int, int, int, int]]:
    """The tiles (x0, y0, x1, y1) of a decoded image of `size`, top to bottom, MAX_TILES at
    most; [] for an image that is not tall (see decode_side), which is checked whole."""
    width, height = size
    if not _tall(width, height, side):
        return []
    tile = min(height, round(_tile(width, height)))
    count = 1 if height <= tile else math.ceil(round((height - tile) / (tile * (1 - OVERLAP)), 6)) + 1
    tops = [round(i * (height - tile) / max(1, count - 1)) for i in range(count)]
    return [(0, top, width, top + tile) for top in tops]


def shifted(box: tuple[int, int, int, int], tile: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A box in a tile's pixels, in the whole image's."""
    return box[0] + tile[0], box[1] + tile[1], box[2] + tile[0], box[3] + tile[1]
