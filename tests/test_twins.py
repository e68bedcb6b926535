"""Twin logo files: an old and a new drawing of nearly the same shape, told apart by which
one the image shows where a keypoint fit places them (logolint.twins, verify.TWIN)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from logolint import twins, verify
from logolint.model import Model
from test_verify import NEW, OLD, scene
from tiny_model import tiny_model


def fan(bold: int = 0) -> Image.Image:
    """Five dark blades on a bar, like a peacock's feathers; `bold` px thicker each."""
    image = Image.new("RGBA", (300, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for angle in np.radians(range(-60, 61, 30)):
        tip = (150 + 120 * np.sin(angle), 200 - 150 * np.cos(angle))
        side = (np.cos(angle) * (18 + bold), np.sin(angle) * (18 + bold))
        draw.polygon([(150 - side[0], 200 - side[1]), (150 + side[0], 200 + side[1]), tip], fill=(30, 30, 30, 255))
        radius = 14 + bold / 2
        draw.ellipse([tip[0] - radius, tip[1] - radius, tip[0] + radius, tip[1] + radius], fill=(30, 30, 30, 255))
    draw.rectangle([40, 196, 260, 214], fill=(30, 30, 30, 255))
    return image


LOGOS = {"old": [fan()], "new": [fan(5)]}  # the redesign thickened every blade a little


@pytest.fixture(scope="module")
def refs() -> list[verify.Reference]:
    return verify.paired(verify.references(LOGOS))


def file_of(refs, label: str) -> verify.Reference:
    return next(ref for ref in refs if ref.label == label)


def test_files_of_nearly_the_same_shape_are_twins_and_others_are_not(refs):
    assert all(ref.twin is not None and ref.twin.label != ref.label for ref in refs)
    assert not any(ref.twin for ref in verify.paired(verify.references({"old": [OLD], "new": [NEW]})))
    # Files of one label are never twins, and a photo has no drawing to align.
    assert not any(ref.twin for ref in verify.paired(verify.references({"old": LOGOS["old"] + LOGOS["new"]})))
    photo = Image.fromarray(np.asarray(fan().convert("RGB"))).convert("RGB")
    assert not any(ref.twin for ref in verify.paired(verify.references({"old": LOGOS["old"], "new": [photo]})))


def test_align_lays_a_moved_and_scaled_copy_over_its_shape():
    opacity = verify.drawings(fan())[3]
    moved = cv2.warpAffine(opacity, np.float32([[0.8, 0, 30], [0, 0.8, 12]]), opacity.shape[::-1])
    homography, overlap = twins.align(cv2, opacity, moved)
    assert overlap > 0.9
    assert np.allclose(homography[:2], [[0.8, 0, 30], [0, 0.8, 12]], atol=0.05 * np.float32([1, 1, 40]))
    assert twins.align(cv2, opacity, np.zeros_like(opacity)) is None


@pytest.mark.parametrize("angle, width", [(0, 300), (10, 220), (-5, 160), (0, 120)])
def test_the_evidence_says_which_twin_the_image_shows(refs, angle, width):
    for shown in ("old", "new"):
        grey = np.asarray(scene(LOGOS[shown][0], width=width, angle=angle).convert("L"))
        matches = verify.with_twins(verify.match(refs, grey)[0], grey)
        assert matches[shown].twin >= verify.TWIN, (shown, matches)
        other = "new" if shown == "old" else "old"
        assert other not in matches or matches[other].twin is None or matches[other].twin <= -verify.TWIN


def test_no_evidence_where_the_files_differ_in_colour_alone_or_nothing_is_drawn(refs):
    old = file_of(refs, "old")
    homography = np.float64([[0.5, 0, 40], [0, 0.5, 30], [0, 0, 1]])
    shown = 255 - cv2.warpPerspective(old.opacity, homography, (400, 300))  # dark on light
    assert twins.evidence(cv2, old.opacity, old.twin, homography, shown) >= verify.TWIN
    same = dataclasses.replace(old.twin, opacity=old.opacity, homography=np.eye(3))  # a recolour: one shape
    assert twins.evidence(cv2, old.opacity, same, homography, shown) is None
    assert twins.evidence(cv2, old.opacity, old.twin, homography, np.full((300, 400), 200, np.uint8)) is None
    off = np.float64([[0.5, 0, 340], [0, 0.5, 30], [0, 0, 1]])  # mostly outside the image
    assert twins.evidence(cv2, old.opacity, old.twin, off, shown) is None


@pytest.mark.parametrize("shown", ["old", "new"])
def test_a_drawing_cut_by_the_image_edge_is_told_by_the_part_inside(refs, shown):
    """A fifth of the drawing lies past the image's right edge: the evidence comes from the
    rest, not from a ground painted where the image has no pixels."""
    placed, other = file_of(refs, shown), file_of(refs, "new" if shown == "old" else "old")
    homography = np.float64([[0.5, 0, 280], [0, 0.5, 40], [0, 0, 1]])
    width = 280 + round(0.8 * placed.opacity.shape[1] * 0.5)
    grey = 255 - cv2.warpPerspective(placed.opacity, homography, (width, 240))
    assert twins.evidence(cv2, placed.opacity, placed.twin, homography, grey) >= verify.TWIN
    at_twin = homography @ np.linalg.inv(placed.twin.homography)  # where the twin's fit would place it
    assert twins.evidence(cv2, other.opacity, other.twin, at_twin, grey) <= -verify.TWIN


def match(label: str, inliers: int, twin: float | None, box=(100, 100, 300, 250), distinct: int = 0) -> verify.Match:
    return verify.Match(label, inliers, box, distinct=distinct, drawn=0.9, twin=twin)


def test_the_twin_evidence_decides_ties_and_overturns_leads():
    old_labels = ("old",)
    tie = {"old": match("old", 12, 0.6), "new": match("new", 11, -0.6)}
    assert verify.decision(tie, old_labels) == (tie["old"], None)
    little = {"old": match("old", 12, 0.2), "new": match("new", 11, -0.2)}
    assert verify.decision(little, old_labels) == (None, None)
    assert verify.decision({"old": match("old", 12, None), "new": match("new", 11, None)}, old_labels) == (None, None)
    lead = {"old": match("old", 20, -0.6), "new": match("new", 8, 0.6)}
    assert verify.decision(lead, old_labels) == (lead["new"], lead["old"])
    elsewhere = {**lead, "new": match("new", 8, 0.6, box=(500, 500, 600, 600))}
    assert verify.decision(elsewhere, old_labels) == (None, lead["old"])
    few = {**lead, "new": match("new", 6, 0.6)}  # too few inliers to be a verdict of its own
    assert verify.decision(few, old_labels) == (None, lead["old"])
    agreed = {"old": match("old", 20, 0.6), "new": match("new", 8, -0.6)}
    assert verify.decision(agreed, old_labels) == (agreed["old"], None)
    # Without the lead's own evidence the rival's tells; where the two disagree, neither does.
    for one_told in ({**lead, "old": match("old", 20, None)}, {**lead, "new": match("new", 8, None)}):
        assert verify.decision(one_told, old_labels) == (one_told["new"], one_told["old"])
    both_claim = {"old": match("old", 20, 0.5), "new": match("new", 8, 0.5)}
    assert verify.decision(both_claim, old_labels) == (both_claim["old"], None)
    assert verify.decision({**tie, "new": match("new", 11, 0.6)}, old_labels) == (None, None)
    # A lead of distinct inliers where the other side has none, told apart by keypoints alone, stands.
    counted = {"old": match("old", 20, -0.6, distinct=12), "new": match("new", 8, 0.6)}
    decided, overruled = verify.decision(counted, old_labels)
    assert decided.label == "old" and decided.distinct == 12 and overruled is None
    contested = {"old": match("old", 20, -0.6, distinct=9), "new": match("new", 12, 0.6, distinct=5)}
    assert verify.decision(contested, old_labels)[0] == contested["new"]
    # A lead of all inliers alone, the distinct ones even, whose evidence leans the other
    # way short of TWIN, decides nothing; leaning its own way, or with a distinct lead, it stands.
    doubted = {"old": match("old", 23, 0.67, distinct=20), "new": match("new", 44, 0.33, distinct=23)}
    assert verify.decision(doubted, old_labels) == (None, None)
    leaning = {**doubted, "old": match("old", 23, -0.2, distinct=20)}
    assert verify.decision(leaning, old_labels)[0] == leaning["new"]
    distinctly = {**doubted, "new": match("new", 44, 0.33, distinct=40)}
    assert verify.decision(distinctly, old_labels)[0].label == "new"
    # Keypoints short of a verdict do not count for a drawing the image shows the twin of.
    short = {"old": match("old", 7, None, distinct=6)}
    assert verify.partial(short, old_labels) is not None
    assert verify.partial({"old": match("old", 7, -0.6, distinct=6)}, old_labels) is None


def test_a_model_pairs_its_twin_files_when_it_reads_them(tmp_path):
    path = tiny_model(tmp_path, keypoints=verify.pack(verify.references(LOGOS)))
    refs = Model(path, path.read_bytes()).references()
    assert refs and all(ref.twin is not None for ref in refs)
