"""The logo files' main colours, and which of them a picture shows.

A logo file's colours are found once, when a model is trained (`main_colours`), and kept
in the model beside its silhouettes. A region whose outline fits the old logo decides by
its colours where they agree with the old logo's clearly better than with the new one's
(`agreement`); a redesign that kept the drawing and changed its colours is told apart by
the colours that changed (`recoloured`, `new_hue_share`); and the keypoints are also
matched in a picture's closeness to each main colour (`closeness`).
"""

from __future__ import annotations

import math

import numpy as np

MIN_PIXELS = 16  # a logo file with fewer opaque pixels has no colours to speak of
MAX_COLOURS = 4
MIN_SHARE = 0.1  # of a logo's opaque pixels: a rarer colour is detail, not a part of the mark
CLUSTER = 20.0  # Lab distance: pixels this close to a main colour belong to it
NEAR = 16.0  # Lab distance: a pixel within this of its nearest main colour shows that colour
COLOUR_MARGIN = 0.45  # colour agreement (see agreement) over the other logos' colours
MIN_COVER = 0.5  # of its share in the logo: each old colour must show in the region this much
# Chroma (Lab, 8-bit scale) of a hue rather than white, black or grey. A blue mark with
# white in it is any blue button with white text; red, yellow and green in place are rarer.
MIN_CHROMA = 20.0
# A redesign that keeps the drawing and changes a colour (Rancher's cow, teal before and
# blue now) gives keypoints and outlines the same evidence for both logos; only its colours
# tell them apart (see recoloured). An old colour counts as changed where every new colour
# is RECOLOUR_DISTANCE or more from it (and the other way round). Keypoints and outlines
# from the logo files alone over brands-dev and held-out sets 2, 10, 12, 18 and 19 (11,520
# image-brand pairs): 98 pairs tie (detect.recoloured), in 9 brands. On Rancher's, the old
# blue covered 28-58% of the box on its old logos in colour and at most 0.3% on its new ones;
# in the other 8 brands neither side reached RECOLOUR_SHARE with RECOLOUR_LEAD over the other.
RECOLOUR_DISTANCE = 2 * NEAR
RECOLOUR_SHARE = 0.1  # of the box's pixels
RECOLOUR_LEAD = 4.0  # times the other side's changed colours
RECOLOUR_PIXELS = 40_000  # a larger box is sampled down to about this many pixels
OWN_COVER = 1.0 - MIN_SHARE  # see recoloured's hues_only


def main_colours(images: dict[str, list]) -> dict[str, np.ndarray]:
    """Per label, the main colours of the reference images that have transparency, one row
    each: Lab (OpenCV's 8-bit scale) and the share of the logo's pixels that show it (see
    shares). Greedy and deterministic: the most common colour and every pixel within
    CLUSTER of it, then the next, while one covers MIN_SHARE of the logo."""
    found: dict[str, np.ndarray] = {}
    for label, items in images.items():
        rows = []
        for image in items:
            if image.mode != "RGBA":
                continue
            pixels = np.asarray(image)
            opaque = pixels[pixels[:, :, 3] > 128][:, :3]
            if len(opaque) < MIN_PIXELS:
                continue
            lab = to_lab(opaque[None])[0]
            main = _clustered(lab, MAX_COLOURS - len(rows))
            if main:
                rows += [(*colour, share) for colour, share in zip(main, shares(lab, np.array(main)))]
        if rows:
            found[label] = np.array(rows, np.float32)
    return found


def _clustered(lab: np.ndarray, limit: int) -> list[np.ndarray]:
    """Up to `limit` main colours of the (n x 3 Lab) pixels, most common first."""
    main, left = [], lab
    while len(main) < limit and len(left) >= max(MIN_PIXELS, MIN_SHARE * len(lab)):
        bins, counts = np.unique((left // 8).astype(np.int32), axis=0, return_counts=True)
        near = np.linalg.norm(left - (bins[counts.argmax()] + 0.5) * 8, axis=1) < CLUSTER
        if near.sum() < MIN_SHARE * len(lab):
            break
        main.append(np.clip(left[near].mean(0, dtype=np.float64), 0, 255))
        left = left[~near]
    return main


def new_hue_share(colours: dict[str, np.ndarray], rgb: np.ndarray, old_labels: tuple[str, ...]) -> float | None:
    """The share of the (RGB) pixels in the hues only the new logo has (as recoloured's
    hues_only counts them), where the old logo has no hue of its own; else None."""
    own = _own_colours(colours, old_labels, hues_only=True)
    if own is None:
        return None
    _, _, old_own, new_own = own
    if old_own.any() or not new_own.any():
        return None
    return _own_shares(rgb, *own)[1]


def _own_colours(colours: dict[str, np.ndarray], old_labels: tuple[str, ...], hues_only: bool):
    """The old and new logos' main colours (rows of Lab and share) and, for each, whether
    it is the logo's own (see recoloured); None without both logos' colours."""
    old = [values for label, values in colours.items() if label in old_labels]
    new = [values for label, values in colours.items() if label not in old_labels]
    if not old or not new:
        return None
    old, new = np.concatenate(old), np.concatenate(new)
    apart = np.linalg.norm(old[:, None, :3] - new[None, :, :3], axis=2) >= RECOLOUR_DISTANCE
    old_own, new_own = apart.all(1), apart.all(0)
    if hues_only:
        old_own &= (np.hypot(old[:, 1] - 128, old[:, 2] - 128) >= MIN_CHROMA) & (new[:, 3].sum() >= OWN_COVER)
        new_own &= (np.hypot(new[:, 1] - 128, new[:, 2] - 128) >= MIN_CHROMA) & (old[:, 3].sum() >= OWN_COVER)
    return old, new, old_own, new_own


def _own_shares(rgb: np.ndarray, old: np.ndarray, new: np.ndarray, old_own: np.ndarray,
                new_own: np.ndarray) -> tuple[float, float]:
    """The share of the (RGB) pixels in the old logo's own colours, and in the new one's."""
    if not rgb.size:
        return 0.0, 0.0
    step = max(1, round(math.sqrt(rgb.shape[0] * rgb.shape[1] / RECOLOUR_PIXELS)))
    shown = shares(to_lab(rgb[::step, ::step]).reshape(-1, 3), np.concatenate([old, new]))
    return float(shown[:len(old)][old_own].sum()), float(shown[len(old):][new_own].sum())


def to_lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)


def shares(pixels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """The share of the (n x 3 Lab) pixels whose nearest palette colour is within NEAR, per colour."""
    distance = np.linalg.norm(pixels[:, None, :] - palette[None, :, :3], axis=2)
    nearest = distance.argmin(1)[distance.min(1) < NEAR]
    return np.bincount(nearest, minlength=len(palette)) / max(1, len(pixels))


def distance_to(planes: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Each pixel's Euclidean distance to `colour`; `planes` is the image channel by channel."""
    distance = np.square(planes[0] - colour[0])
    distance += np.square(planes[1] - colour[1])
    distance += np.square(planes[2] - colour[2])
    return np.sqrt(distance, out=distance)


def closeness(rgb: np.ndarray, colours: np.ndarray, distance: float):
    """Per Lab row of `colours`, how close each pixel of the (RGB) image is to it: 255 at
    the colour, falling to 0 at `distance` (a generator; see verify.LOGO_COLOUR_PASS)."""
    planes = np.ascontiguousarray(to_lab(rgb).transpose(2, 0, 1))
    for colour in colours:
        yield np.clip(255.0 * (1.0 - distance_to(planes, colour[:3]) / distance), 0, 255).astype(np.uint8)


def agreement(colours: dict[str, np.ndarray], pixels: np.ndarray,
                      old_labels: tuple[str, ...]) -> tuple[str, float] | None:
    """(old label, margin) if the region's pixels show every main colour of an old logo
    with two hues or more, each at MIN_COVER of its share in the logo or more, and agree with that
    logo's colours by COLOUR_MARGIN more than with any other label's. Agreement is the
    histogram intersection of the shares of the pixels' nearest colours and the logo's."""
    if not colours:
        return None
    labels = list(colours)
    palette = np.concatenate([colours[label] for label in labels])
    owner = np.concatenate([[label] * len(colours[label]) for label in labels])
    shown = shares(pixels, palette)
    agreement = {label: float(np.minimum(shown[owner == label], palette[owner == label, 3]).sum()) for label in labels}
    best = None
    for label in old_labels:
        rows = owner == label
        hues = np.hypot(palette[rows, 1] - 128, palette[rows, 2] - 128) >= MIN_CHROMA
        if hues.sum() < 2 or not np.all(shown[rows] >= MIN_COVER * palette[rows, 3]):
            continue
        margin = agreement[label] - max((v for other, v in agreement.items() if other not in old_labels), default=0.0)
        if margin >= COLOUR_MARGIN and (best is None or margin > best[1]):
            best = (label, margin)
    return best


def recoloured(colours: dict[str, np.ndarray], rgb: np.ndarray,
               old_labels: tuple[str, ...], hues_only: bool = False) -> tuple[bool, float] | None:
    """Whether the (RGB) pixels show the old logo's changed colours or the new one's (see
    RECOLOUR_DISTANCE), and their share of the pixels: (True, share) for the old, (False,
    share) for the new, where that side shows RECOLOUR_SHARE or more and RECOLOUR_LEAD times
    the other's. None where neither does, or the old and new logos have no colour of their
    own (the same colours, or a logo file without transparency). With `hues_only`, only
    changed colours that are hues (MIN_CHROMA) count, and one side's are enough: white,
    grey and black are also what a greyed or one-colour copy, a page or a shadow shows. A
    colour then counts as changed only where the other side's main colours cover nearly all
    of its logo (OWN_COVER): the colours left out of them, each under MIN_SHARE, may be it."""
    own = _own_colours(colours, old_labels, hues_only)
    if own is None:
        return None
    _, _, old_own, new_own = own
    sides = old_own.any(), new_own.any()
    if not (any(sides) if hues_only else all(sides)):
        return None
    old_share, new_share = _own_shares(rgb, *own)
    if old_share >= RECOLOUR_SHARE and old_share >= RECOLOUR_LEAD * new_share:
        return True, old_share
    if new_share >= RECOLOUR_SHARE and new_share >= RECOLOUR_LEAD * old_share:
        return False, new_share
    return None
