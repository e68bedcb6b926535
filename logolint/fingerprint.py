"""Near-duplicate fast path: a re-export of a known logo file (resized, recompressed,
re-padded, on another plain background) is recognised by a fingerprint of its drawing,
before and independently of the model."""

from __future__ import annotations

import math

import numpy as np

from logolint.imaging import border_colour

HASH_SIZE = 8
WORK_SIDE = 192  # fingerprints are taken on a copy this large at most: trimming is per pixel
MIN_SIDE = 48  # a smaller drawing (a favicon) is too blurred to tell look-alikes apart
MAX_BITS = 6  # of 64 gradient bits that may differ
MAX_COLOUR = 24.0  # mean absolute difference of the 3x3 colour grid, 0-255
MAX_ASPECT = 0.15  # difference of the drawings' log aspect ratios
# Which parts of the drawing are drawn, and which show the background: the mean absolute
# difference of the 3x3 grid of drawn shares (0-1). A redesign from a filled badge to its
# outline keeps the shades: IMDb's new black frame and letters on a yellow page are, in
# colour and gradients, the old black-lettered yellow badge on dark (held-out set 42: two
# new IMDb logos decided old). The badge fills its cells, the frame only their edges.
MAX_COVERAGE = 0.2
BACKGROUNDS = (255, 32)  # the two that imaging.flatten chooses between
PLATE = "logolint-plate"  # in the info of a logo file kept on its plate (see synth.logo_rgba)


def _drawn(image) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """The box of what differs from the border colour (a logo file's margin depends on
    who exported it) and, within it, where it differs; None for a blank image."""
    array = np.asarray(image.convert("RGB"), dtype=np.int16)
    differs = np.abs(array - np.array(border_colour(array))).max(axis=2) > 24
    ys, xs = np.nonzero(differs)
    if len(xs) < 16:
        return None
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    return (x0, y0, x1, y1), differs[y0:y1, x0:x1]


def located(image) -> tuple[tuple, tuple[int, int, int, int]] | None:
    """The fingerprint of the drawing (gradient hash, 3x3 mean colours, aspect ratio, 3x3
    drawn shares) and the drawing's box in IMAGE's pixels, or None for a blank or tiny image."""
    from PIL import Image

    scale = min(1.0, WORK_SIDE / max(image.size))
    small = image
    if scale < 1.0:
        small = image.resize((max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale))),
                             Image.BILINEAR, reducing_gap=2.0)
    drawn = _drawn(small)
    if drawn is None or max(drawn[0][2] - drawn[0][0], drawn[0][3] - drawn[0][1]) < MIN_SIDE * scale:
        return None
    box, differs = drawn
    drawing = small.crop(box)
    grey = np.asarray(drawing.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), Image.BILINEAR), np.int16)
    bits = (grey[:, 1:] > grey[:, :-1]).flatten()
    colours = np.asarray(drawing.convert("RGB").resize((3, 3), Image.BOX), np.float32).flatten()
    shares = np.asarray(Image.fromarray(differs.astype(np.float32)).resize((3, 3), Image.BOX), np.float64).flatten()
    print_ = (int("".join("1" if b else "0" for b in bits), 2), colours.round(1).tolist(), drawing.size[0] / drawing.size[1],
              shares.round(3).tolist())
    sx, sy = image.size[0] / small.size[0], image.size[1] / small.size[1]
    return print_, (math.floor(box[0] * sx), math.floor(box[1] * sy), min(image.size[0], math.ceil(box[2] * sx)),
                    min(image.size[1], math.ceil(box[3] * sy)))


def fingerprint(image) -> tuple | None:
    """The fingerprint of the drawing (see located), or None for a blank or tiny image."""
    found = located(image)
    return found[0] if found else None


def distances(print_, prints: list) -> np.ndarray:
    """How far PRINT_ is from each of PRINTS in colour, or infinity where the drawings
    differ in shape, proportions or drawn parts, or in colour by more than MAX_COLOUR. A
    print of three parts (a model trained before the drawn shares) is not compared in those."""
    hashes = np.array([p[0] for p in prints], dtype=np.uint64)
    colours = np.array([p[1] for p in prints], dtype=np.float64)
    aspects = np.log(np.array([p[2] for p in prints], dtype=np.float64))
    bits = np.unpackbits((hashes ^ np.uint64(print_[0])).view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
    apart = np.abs(colours - np.asarray(print_[1], np.float64)).mean(axis=1)
    comparable = (bits <= MAX_BITS) & (np.abs(aspects - np.log(print_[2])) <= MAX_ASPECT) & (apart <= MAX_COLOUR)
    if len(print_) > 3:
        shares = np.array([p[3] if len(p) > 3 else print_[3] for p in prints], dtype=np.float64)
        comparable &= np.abs(shares - np.asarray(print_[3], np.float64)).mean(axis=1) <= MAX_COVERAGE
    return np.where(comparable, apart, np.inf)


def stored(prints: dict[str, list]) -> dict:
    """A model's metadata for its files' prints: the first three parts of each under
    "fingerprints", as logolint read them before the drawn shares, and the shares beside
    them under "fingerprint_shares" (in the same order), which an older logolint ignores."""
    return {"fingerprints": {label: [list(p[:3]) for p in found] for label, found in prints.items()},
            "fingerprint_shares": {label: [list(p[3]) for p in found] for label, found in prints.items()}}


def read(meta: dict) -> dict[str, list]:
    """The prints that `stored` put into metadata, each with its drawn shares where they
    are there (a model trained before them has none)."""
    prints_in, shares = meta.get("fingerprints") or {}, meta.get("fingerprint_shares")
    shares = {} if shares is None else shares
    if not isinstance(prints_in, dict):
        raise TypeError("fingerprints is not an object")
    if not isinstance(shares, dict):
        raise TypeError("fingerprint_shares is not an object")
    if set(shares) - set(prints_in):
        raise ValueError(f"fingerprint_shares of {sorted(set(shares) - set(prints_in))}, which have no fingerprints")
    prints = {}
    for label, found in prints_in.items():
        if not isinstance(found, list):
            raise TypeError(f"fingerprints of {label!r} are not a list")
        extra = shares.get(label)
        if extra is not None:
            if not isinstance(extra, list) or len(extra) != len(found):
                raise ValueError(f"fingerprint_shares of {label!r} do not match its fingerprints")
            found = [[*p, s] if isinstance(p, list) else p for p, s in zip(found, extra)]
        prints[str(label)] = found
    return prints


def reference_prints(logo) -> list:
    """Fingerprints of a logo file (RGBA) as a re-export may show it: on white and on a
    dark background. A plate or margin the colour of the background merges with it, so
    the two can show different drawings (Flickr's old file: two dots on a white plate on
    dark, the two dots alone on white)."""
    from PIL import Image

    # The file is cropped to its drawing: without a margin, a square badge's edge would be
    # taken for the background.
    margin = max(2, max(logo.size) // 32)
    prints = []
    for shade in BACKGROUNDS:
        canvas = Image.new("RGBA", (logo.size[0] + 2 * margin, logo.size[1] + 2 * margin), (shade, shade, shade, 255))
        canvas.alpha_composite(logo.convert("RGBA"), (margin, margin))
        found = fingerprint(canvas.convert("RGB"))
        if found is not None and found not in prints:
            prints.append(found)
    if logo.info.get(PLATE):
        # A full-bleed app icon (see synth.logo_rgba): the file itself shows the plate as its
        # background, and the drawing on it.
        found = fingerprint(logo.convert("RGB"))
        if found is not None and found not in prints:
            prints.append(found)
    return prints


def limit(references: dict[str, list]) -> float:
    """How near its reference a print must be to be taken for it, one limit for all of a
    model's files: half the least colour distance between prints of two labels that
    distances() compares, else MAX_COLOUR. Where a redesign kept the drawing and changed its
    shades a little, a re-export is only taken when it is nearer one file than half the
    way to the other label's; a model with such a pair is stricter with its other files too.
    Its cost grows with the square of the prints: about a second for 1,000 a label."""
    least = np.inf
    labels = list(references)
    for i, label in enumerate(labels):
        others = [p for other in labels[i + 1:] for p in references[other]]
        if not others:
            continue
        for print_ in references[label]:
            least = min(least, float(distances(print_, others).min()))
    return least / 2 if np.isfinite(least) else MAX_COLOUR


def nearest(print_, references: dict[str, list], most: float = MAX_COLOUR) -> str | None:
    """The label whose reference drawing this is a re-export of, if any: the closest in
    colour within MOST (see limit) wins, so a recoloured redesign with the same shape goes
    to the right side."""
    best = None
    for label, prints in references.items():
        d = float(distances(print_, prints).min()) if prints else np.inf
        if np.isfinite(d) and d <= most and (best is None or d < best[0]):
            best = (d, label)
    return best[1] if best else None
