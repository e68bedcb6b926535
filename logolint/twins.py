"""Twin logo files: an old and a new file whose drawings are nearly the same shape (NBC's
peacock, Robinhood's feather, PeerTube's triangles redrawn), which keypoints match alike.
Laid over each other, they differ only in a few places; where a keypoint fit places one
of them in an image, aligning each drawing to the image there (OpenCV's ECC) and comparing
how well each fits tells which of the two the image shows (see verify.TWIN).

Spike, keypoint stage's first pass (at 768 px), on the 21 brands of held-out sets 11, 12,
41-43, 46 and brands-dev whose files are twins: of 393 old logos with a fit and evidence,
312 said old at 0.3 or more and 3 new; of 324 new ones, 249 said new and 6 old. NBC,
Robinhood, Docker, Dropbox and Material UI were told apart at an area under the curve of
0.999-1.0. IntelliJ IDEA's and Chrome's files differ in colour alone (TWIN_DIFFERENT): no
evidence. Made after looking at those sets, so not clean on them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# Files of two labels whose opacities, once aligned, overlap this much (intersection over
# union) are twins. Pairs from 0.73 (Obsidian, Android) to 0.97 (Jupyter) were told apart
# as well as the closest; under 0.7 the drawings differ enough for keypoints.
TWIN_IOU = 0.7
ALIGN_SIDE = 200  # px: the opacities are aligned this large
# Where the two drawings placed correlate so closely that they differ in less than this
# (1 - correlation), they differ in colour alone, or the logo is too small for the details.
TWIN_DIFFERENT = 0.015
LIKENESS = 0.5  # the better-fitting drawing's correlation with the image, at the least
ITERATIONS = 50
WINDOW_SIDE = 320  # px: a larger place in the image is compared at this size
MIN_SIDE = 16  # px: a smaller place is not compared
INSIDE = 0.6  # of the place's area, in the image at the least
MIN_INK = 16  # pixels that both drawings cover there, at the least
FLAT = 16  # of 255: the least difference between the drawing's lightness and its ground


@dataclasses.dataclass(frozen=True)
class Twin:
    label: str
    opacity: np.ndarray  # the twin file's opacity over its own drawing (verify.Reference.opacity)
    homography: np.ndarray  # 3 x 3: from this file's drawing to the twin's


def _scaled(cv2, opacity: np.ndarray) -> tuple[np.ndarray, float]:
    scale = min(1.0, ALIGN_SIDE / max(opacity.shape))
    size = (max(1, round(opacity.shape[1] * scale)), max(1, round(opacity.shape[0] * scale)))
    small = cv2.resize(opacity.astype(np.float32) / 255, size, interpolation=cv2.INTER_AREA)
    return small, scale


def _bounds(opacity: np.ndarray) -> tuple[float, float, float, float] | None:
    ys, xs = np.nonzero(opacity > 0.5)
    return None if len(xs) < 16 else (xs.min(), ys.min(), xs.max() + 1.0, ys.max() + 1.0)


def align(cv2, opacity: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The homography (3 x 3, an affine one) from the drawing of `opacity` to that of
    `other` that lays the second shape best over the first, and their intersection over
    union so laid; None where either is empty or they cannot be aligned."""
    a, scale_a = _scaled(cv2, opacity)
    b, scale_b = _scaled(cv2, other)
    p, q = _bounds(a), _bounds(b)
    if p is None or q is None:
        return None
    sx, sy = (q[2] - q[0]) / (p[2] - p[0]), (q[3] - q[1]) / (p[3] - p[1])
    warp = np.float32([[sx, 0, q[0] - sx * p[0]], [0, sy, q[1] - sy * p[1]]])  # box onto box, to start
    try:
        _, warp = cv2.findTransformECC(a, b, warp, cv2.MOTION_AFFINE,
                                       (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5), None, 5)
    except cv2.error:  # no convergence: not the same shape
        return None
    laid = cv2.warpAffine(b, warp, a.shape[::-1], flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    union = np.maximum(a, laid).sum()
    iou = float(np.minimum(a, laid).sum() / union) if union > 0 else 0.0
    small = np.vstack([warp, [0, 0, 1]]).astype(np.float64)
    return np.diag([1 / scale_b, 1 / scale_b, 1]) @ small @ np.diag([scale_a, scale_a, 1]), iou


def pairs(cv2, files: list[tuple[str, np.ndarray]]) -> list[Twin | None]:
    """For each file (label, opacity), the file of another label it is the twin of (the
    best aligned at TWIN_IOU or more), or None."""
    found: list[tuple[float, Twin | None]] = [(0.0, None)] * len(files)
    for i, (label, opacity) in enumerate(files):
        for j, (other_label, other) in enumerate(files[i + 1:], i + 1):
            if other_label == label:
                continue
            aligned = align(cv2, opacity, other)
            if aligned is None or aligned[1] < TWIN_IOU:
                continue
            homography, iou = aligned
            for k, twin in ((i, Twin(other_label, other, homography)),
                            (j, Twin(label, opacity, np.linalg.inv(homography)))):
                if iou > found[k][0]:
                    found[k] = iou, twin
    return [twin for _, twin in found]


def _fitted(cv2, template: np.ndarray, image: np.ndarray, mask: np.ndarray | None = None) -> float | None:
    """ECC's correlation of `image` with `template` once it is aligned (an affine warp
    from where it lies), over the image's pixels in `mask` (all without); None where it
    does not converge."""
    try:
        likeness, _ = cv2.findTransformECC(template, image, np.eye(2, 3, dtype=np.float32), cv2.MOTION_AFFINE,
                                           (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ITERATIONS, 1e-4), mask, 3)
    except cv2.error:
        return None
    return float(likeness)


def _placed(cv2, shape: tuple, homography: np.ndarray) -> np.ndarray:
    height, width = shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    return cv2.perspectiveTransform(corners[None], homography)[0]


def evidence(cv2, opacity: np.ndarray, twin: Twin, homography: np.ndarray, plane: np.ndarray) -> float | None:
    """Whether the image (`plane`, its lightness) shows the file of `opacity` where
    `homography` places its drawing (above 0, up to about 1) or its twin (below 0): how much
    better the one fits than the other once each is aligned there, over how much they differ
    there. None where they differ too little there (TWIN_DIFFERENT), neither fits
    (LIKENESS), or less than INSIDE of the place lies in the image, or it is flat. The part
    outside the image counts for neither."""
    other_homography = homography @ np.linalg.inv(twin.homography)
    corners = np.vstack([_placed(cv2, opacity.shape, homography), _placed(cv2, twin.opacity.shape, other_homography)])
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    height, width = plane.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)  # the part in the image
    if (min(x1 - x0, y1 - y0) < MIN_SIDE
            or max(0, cx1 - cx0) * max(0, cy1 - cy0) / ((x1 - x0) * (y1 - y0)) < INSIDE):
        return None
    inner = plane[cy0:cy1, cx0:cx1]
    image = np.full((y1 - y0, x1 - x0), np.median(inner), np.float32)  # no dark seam where it is scaled down
    seen = np.zeros(image.shape, np.uint8)
    image[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = inner
    seen[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = 1
    scale = min(1.0, WINDOW_SIDE / max(image.shape))
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    if scale < 1.0:
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        seen = cv2.resize(seen, size, interpolation=cv2.INTER_NEAREST)
    into = np.diag([scale, scale, 1.0]) @ np.float64([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]])
    own = cv2.warpPerspective(opacity.astype(np.float32) / 255, into @ homography, size, flags=cv2.INTER_LINEAR)
    other = cv2.warpPerspective(twin.opacity.astype(np.float32) / 255, into @ other_homography, size,
                                flags=cv2.INTER_LINEAR)
    valid = seen.astype(bool)
    drawn = (own > 0.05) | (other > 0.05)
    both = (own > 0.5) & (other > 0.5) & valid
    if np.count_nonzero(both) < MIN_INK or (drawn | ~valid).all():
        return None
    ink, ground = np.median(image[both]), np.median(image[~drawn & valid])
    if abs(ink - ground) < FLAT:
        return None
    image[~valid] = ground  # out of the image: neither drawing's ink, and masked from the fits
    if ink < ground:  # dark on light: the fits are of a light shape on dark
        image = 255 - image
    different = 1 - float(np.corrcoef(own[valid], other[valid])[0, 1])
    if different < TWIN_DIFFERENT:
        return None
    mask = None if valid.all() else seen
    mine, theirs = _fitted(cv2, own, image, mask), _fitted(cv2, other, image, mask)
    if mine is None or theirs is None or max(mine, theirs) < LIKENESS:
        return None
    return (mine - theirs) / different
