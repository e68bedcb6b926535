"""A logo over a page as dark and as colourful as itself: gone in grey and in
colourfulness, found in the image's closeness to the logo files' own colours."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from logolint import logo_colours, silhouette, verify
from logolint.detect import keypoint_matches
from logolint.model import Model
from test_verify import NEW, OLD, iou
from tiny_model import tiny_model

# Navy and dark red of one grey (ITU-R 601 luma 41) and one chroma (90).
NAVY, RED = (25, 35, 115), (105, 15, 15)


def in_colour(mark: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    pixels = np.asarray(mark).copy()
    pixels[..., :3] = colour
    return Image.fromarray(pixels)


NAVY_OLD, NAVY_NEW = in_colour(OLD, NAVY), in_colour(NEW, NAVY)
KEYPOINTS = verify.keypoints


def on_red(mark: Image.Image | None, size=(256, 170), width=200) -> Image.Image:
    """The mark over a dark red page with a little texture; small enough (FINE_ANYWAY_SIDE)
    for the finer passes whatever the first pass paired."""
    rng = np.random.default_rng(0)
    texture = np.clip(np.array(RED) + rng.integers(-6, 7, (size[1] // 4, size[0] // 4, 1)), 0, 255)
    page = Image.fromarray(texture.astype(np.uint8)).resize(size, Image.BILINEAR)
    if mark is not None:
        placed = mark.resize((width, round(width * mark.size[1] / mark.size[0])), Image.LANCZOS)
        page.paste(placed, (size[0] // 8, size[1] // 4), placed)
    return page


def model(folder, logos: dict, colours: bool = True) -> Model:
    outlines = silhouette.pack(silhouette.masks(logos), logo_colours.main_colours(logos) if colours else None)
    path = tiny_model(folder, keypoints=verify.pack(verify.references(logos)), silhouettes=outlines)
    return Model(path, path.read_bytes())


@pytest.fixture(scope="module")
def navy_model(tmp_path_factory) -> Model:
    return model(tmp_path_factory.mktemp("navy"), {"old": [NAVY_OLD], "new": [NAVY_NEW]})


def test_the_page_hides_the_mark_in_grey_and_in_colourfulness():
    grey = lambda colour: 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]  # noqa: E731
    assert abs(grey(NAVY) - grey(RED)) < 1 and np.ptp(NAVY) == np.ptp(RED)


@pytest.mark.parametrize("mark, label", [(NAVY_OLD, "old"), (NAVY_NEW, "new")])
def test_a_logo_as_dark_and_as_colourful_as_its_page_is_found_in_its_own_colour(navy_model, monkeypatch, mark,
                                                                                 label):
    image = on_red(mark)
    found = verify.verdict(keypoint_matches(navy_model, image), ("old",))
    assert found is not None and found.label == label and found.inliers >= verify.MIN_INLIERS
    truth = (32, 42, 232, 42 + round(200 * mark.size[1] / mark.size[0]))
    assert iou(found.box, truth) > 0.8, found.box
    monkeypatch.setattr(verify, "LOGO_COLOUR_PASS", False)
    assert keypoint_matches(navy_model, image) == {}


def test_a_page_without_the_logo_has_no_verdict_in_the_logo_colour(navy_model):
    assert verify.verdict(keypoint_matches(navy_model, on_red(None)), ("old",)) is None


def counted_passes(monkeypatch, model: Model, image: Image.Image) -> list[int]:
    calls = []
    monkeypatch.setattr(verify, "keypoints", lambda *args: calls.append(max(args[0].shape)) or KEYPOINTS(*args))
    keypoint_matches(model, image)
    return calls


def test_one_pass_per_logo_colour_and_only_with_the_finer_passes(navy_model, tmp_path, monkeypatch):
    plain = model(tmp_path, {"old": [NAVY_OLD], "new": [NAVY_NEW]}, colours=False)
    small = counted_passes(monkeypatch, navy_model, on_red(NAVY_OLD))
    without = counted_passes(monkeypatch, plain, on_red(NAVY_OLD))
    # Both files are navy: one colour, one pass more than a model without palettes.
    assert len(navy_model.silhouettes().palette()) == 1 and len(small) == len(without) + 1
    # A large page where the first pass paired nothing never reaches the finer passes.
    assert len(counted_passes(monkeypatch, navy_model, on_red(None, (900, 600)))) == 1


def test_closeness_is_full_at_the_colour_and_none_from_the_distance_on():
    rgb = np.uint8([[NAVY, (30, 35, 115), (105, 120, 115), (0, 0, 0)]])
    lab = logo_colours.to_lab(rgb)[0]
    assert np.linalg.norm(lab[2] - lab[0]) >= verify.LOGO_COLOUR_DISTANCE
    near = next(logo_colours.closeness(rgb, lab[:1], verify.LOGO_COLOUR_DISTANCE))
    assert near[0, 0] == 255 and 0 < near[0, 1] < 255 and near[0, 2] == 0 and near[0, 3] == 0


def test_the_palette_holds_each_colour_of_either_file_once():
    shapes = silhouette.Silhouettes({"old": [np.ones((8, 8), bool)]}, {
        "old": np.float32([[50, 128, 128, 0.7], [200, 140, 100, 0.3]]),
        "new": np.float32([[52, 130, 127, 1.0], [120, 60, 200, 0.2]])})
    assert shapes.palette().tolist() == [[50, 128, 128], [200, 140, 100], [120, 60, 200]]
    assert silhouette.Silhouettes({}).palette().shape == (0, 3)


def test_the_logo_colour_pass_runs_only_where_the_other_passes_decided_nothing(navy_model, monkeypatch):
    decided = {"new": verify.Match("new", 30, (32, 42, 232, 126), 30)}
    ran = []
    monkeypatch.setattr(verify, "match_logo_colours", lambda *args: ran.append(1) or {})
    monkeypatch.setattr(verify, "match_fine", lambda *args: decided)
    assert verify.verdict(keypoint_matches(navy_model, on_red(NAVY_NEW)), ("old",)).label == "new" and not ran
    monkeypatch.setattr(verify, "match_fine", lambda *args: {})
    keypoint_matches(navy_model, on_red(NAVY_NEW))
    assert ran == [1]
