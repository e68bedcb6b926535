"""A redesign that keeps the drawing and changes a colour: both logos' keypoints find the
same drawing in the same place, or, for a drawing with too few corners to tie on, the
outline finds the shape both logos share; the colours there decide."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from logolint import logo_colours, silhouette, verify
from logolint.detect import DEMOTED, VERIFIED, Detection, _verified, detect, hues_absent, overrule, recoloured
from logolint.model import Model
from tiny_model import tiny_model

# Red and green of the same grey: to keypoints, which see grey, the two logos are one drawing.
RED, GREEN, NAVY = (200, 30, 30), (30, 115, 40), (20, 20, 120)


def logo(letters: tuple[int, int, int]) -> Image.Image:
    """A transparent wordmark in `letters`' colour with navy shapes under it: the same
    drawing whatever the colour."""
    image = Image.new("RGBA", (360, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((10, 30), "Acme!", fill=(*letters, 255), font=ImageFont.load_default(size=72), stroke_width=3,
              stroke_fill=(*letters, 255))
    for i in range(4):
        x = 20 + 70 * i
        draw.polygon([(x, 120), (x + 30, 140), (x + 50, 110)], fill=(*NAVY, 255))
    return image


OLD, NEW = logo(RED), logo(GREEN)


def scene(mark: Image.Image | None, width: int = 240) -> Image.Image:
    rng = np.random.default_rng(1)
    page = Image.fromarray(rng.integers(90, 170, (600, 900, 3), dtype=np.uint8)).resize((900, 600), Image.BILINEAR)
    if mark is not None:
        placed = mark.resize((width, round(width * mark.size[1] / mark.size[0])), Image.LANCZOS)
        page.paste(placed, (260, 180), placed)
    return page


@pytest.fixture(scope="module")
def recolour_model(tmp_path_factory) -> Model:
    logos = {"old": [OLD], "new": [NEW]}
    outlines = silhouette.pack(silhouette.masks(logos), logo_colours.main_colours(logos))
    path = tiny_model(tmp_path_factory.mktemp("recolour"), keypoints=verify.pack(verify.references(logos)),
                      silhouettes=outlines)
    return Model(path, path.read_bytes())


def test_the_keypoints_of_a_recoloured_redesign_tie(recolour_model):
    matches = _matches(recolour_model, scene(OLD))
    assert verify.verdict(matches, ("old",)) is None
    old, new = verify.tie(matches, ("old",))
    assert min(old.inliers, new.inliers) >= verify.MIN_INLIERS and 230 <= old.box[0] <= 300


def test_the_old_colours_where_the_keypoints_tie_make_the_image_old(recolour_model):
    found = detect(recolour_model, scene(OLD))
    assert found.score >= VERIFIED and found.label == "old"
    assert found.verified >= verify.MIN_INLIERS and found.colours >= logo_colours.RECOLOUR_SHARE
    assert 230 <= found.box[0] <= 300


def test_the_new_colours_there_demote_the_view_that_looked_there(recolour_model):
    image = scene(NEW)
    matches = _matches(recolour_model, image)
    found = recoloured(recolour_model, image, matches)
    assert not found.old and found.label == "new" and found.share >= logo_colours.RECOLOUR_SHARE
    assert found.box == matches["new"].box and found.verified == matches["new"].inliers
    weak = Detection(0.8, "old", (0, 0, *image.size))
    assert detect(recolour_model, image).score < VERIFIED
    assert overrule(recolour_model, weak, matches, recolour=found).score == pytest.approx(0.8 * DEMOTED)
    elsewhere = Detection(0.8, "old", (0, 0, 100, 100))  # a view away from the logo is not demoted
    assert overrule(recolour_model, elsewhere, {}, recolour=found) == elsewhere


def test_in_grey_the_colours_cannot_tell_and_decide_nothing(recolour_model):
    image = scene(OLD).convert("L").convert("RGB")
    assert verify.tie(_matches(recolour_model, image), ("old",)) is not None
    assert recoloured(recolour_model, image, _matches(recolour_model, image)) is None
    assert detect(recolour_model, image).score < VERIFIED


def _matches(model, image):
    from logolint.detect import keypoint_matches

    return keypoint_matches(model, image)


def palette(*colours: tuple[int, int, int]) -> np.ndarray:
    lab = logo_colours.to_lab(np.array([colours], np.uint8))[0]
    return np.column_stack([lab, np.full(len(colours), 1 / len(colours))]).astype(np.float32)


def pixels(*parts: tuple[tuple[int, int, int], int]) -> np.ndarray:
    """An image (1 x n RGB) of `count` pixels of each colour."""
    return np.array([[colour for colour, count in parts for _ in range(count)]], np.uint8)


@pytest.mark.parametrize("parts, expected", [
    ([(RED, 30), ((128, 128, 128), 70)], True),  # the old colour over a grey page
    ([(GREEN, 30), ((128, 128, 128), 70)], False),
    ([(RED, 5), ((128, 128, 128), 95)], None),  # too little of it to be the logo
    ([(RED, 30), (GREEN, 30), ((128, 128, 128), 40)], None),  # both: no lead
    ([((90, 90, 90), 100)], None),  # grey
])
def test_the_colours_each_logo_changed_decide_when_one_side_clearly_shows(parts, expected):
    colours = {"old": palette(RED, NAVY), "new": palette(GREEN, NAVY)}
    found = logo_colours.recoloured(colours, pixels(*parts), ("old",))
    assert (found and found[0]) == expected if expected is not None else found is None


def test_colours_both_logos_share_never_decide():
    same = {"old": palette(RED, NAVY), "new": palette(RED, NAVY)}
    assert logo_colours.recoloured(same, pixels((RED, 50), (NAVY, 50)), ("old",)) is None
    # The new logo adds a colour but keeps all the old ones: the old logo has none of its own.
    added = {"old": palette(RED), "new": palette(RED, GREEN)}
    assert logo_colours.recoloured(added, pixels((RED, 50), (NAVY, 50)), ("old",)) is None
    assert logo_colours.recoloured({"old": palette(RED)}, pixels((RED, 50)), ("old",)) is None


def test_against_a_verdict_only_hues_count_and_one_side_of_them_is_enough():
    # The old logo was blue, the new one is black: black is also any greyed copy or shadow.
    colours = {"old": palette((22, 142, 234)), "new": palette((35, 31, 32))}
    black = pixels(((35, 31, 32), 40), ((128, 128, 128), 60))
    assert logo_colours.recoloured(colours, black, ("old",)) == (False, pytest.approx(0.4))
    assert logo_colours.recoloured(colours, black, ("old",), hues_only=True) is None
    blue = pixels(((22, 142, 234), 40), ((128, 128, 128), 60))
    assert logo_colours.recoloured(colours, blue, ("old",), hues_only=True) == (True, pytest.approx(0.4))
    white = {"old": palette((255, 255, 255)), "new": palette((35, 31, 32))}  # no hue on either side
    assert logo_colours.recoloured(white, pixels(((255, 255, 255), 100)), ("old",), hues_only=True) is None


def test_a_tie_needs_both_drawings_in_the_same_place_and_neither_ahead():
    def matches(old: int, new: int, new_box=(0, 0, 100, 50)) -> dict[str, verify.Match]:
        return {"old": verify.Match("old", old, (0, 0, 100, 50)), "new": verify.Match("new", new, new_box)}

    assert verify.tie(matches(20, 19), ("old",)) is not None
    assert verify.tie(matches(30, 12), ("old",)) is None  # the old logo leads: a verdict, no tie
    assert verify.tie(matches(7, 7), ("old",)) is None  # too few inliers on either side
    assert verify.tie(matches(20, 19, (200, 0, 300, 50)), ("old",)) is None  # in two places


def test_check_and_explain_say_the_old_colours_decided(recolour_model, tmp_path, capsys, monkeypatch):
    from conftest import run_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "images").mkdir()
    scene(OLD).save(tmp_path / "images/old.png")
    scene(NEW).save(tmp_path / "images/new.png")
    model = str(recolour_model.path)
    assert run_cli("check", "images", "--model", model, "--no-cache") == 1
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if "old.png" in line]
    assert flagged and re.search(r"\d+ keypoints matched in the old colours", flagged[0])
    assert "new.png: old logo" not in out
    assert run_cli("explain", "images/old.png", "--model", model) == 1
    assert re.search(r"reference keypoints and colours +fired", capsys.readouterr().out)


# A redesign that kept the outline and changed the colour, as Crate.io's plus did: a flat
# shape with few corners, so the keypoints find too little to tie on.
CYAN, BLUE = (84, 210, 244), (0, 157, 199)
PLUS = [(128, 0), (192, 0), (192, 64), (256, 64), (256, 128), (128, 128), (128, 192), (64, 192), (64, 128), (0, 128),
        (0, 64), (128, 64)]


def plus(colour: tuple[int, int, int], points=PLUS) -> Image.Image:
    image = Image.new("RGBA", (256, 192), (0, 0, 0, 0))
    ImageDraw.Draw(image).polygon(points, fill=(*colour, 255))
    return image


def kept_model(folder, new: Image.Image) -> Model:
    logos = {"old": [plus(CYAN)], "new": [new]}
    outlines = silhouette.pack(silhouette.masks(logos), logo_colours.main_colours(logos))
    path = tiny_model(folder, keypoints=verify.pack(verify.references(logos)), silhouettes=outlines)
    return Model(path, path.read_bytes())


@pytest.fixture(scope="module")
def plus_model(tmp_path_factory) -> Model:
    return kept_model(tmp_path_factory.mktemp("plus"), plus(BLUE))


def test_a_redesign_that_kept_the_outline_is_told_from_one_that_did_not(plus_model, tmp_path):
    assert plus_model.silhouettes().kept(("old",))
    bar = plus(BLUE, [(0, 60), (256, 60), (256, 132), (0, 132)])
    assert not kept_model(tmp_path, bar).silhouettes().kept(("old",))


@pytest.mark.parametrize("angle", [0, 20])
def test_where_nothing_else_decides_the_old_colour_of_the_kept_outline_makes_the_image_old(plus_model, monkeypatch,
                                                                                        angle):
    image = scene(plus(CYAN).rotate(angle, expand=True))
    matches = _matches(plus_model, image)
    assert verify.verdict(matches, ("old",)) is None and verify.tie(matches, ("old",)) is None
    found = detect(plus_model, image)
    assert found.score >= VERIFIED and found.label == "old"
    assert found.outline >= silhouette.MIN_FIT and found.colours >= logo_colours.RECOLOUR_SHARE and not found.verified
    assert 240 <= found.box[0] <= 280 and 160 <= found.box[1] <= 200  # the plus, pasted at (260, 180)
    monkeypatch.setattr(silhouette, "KEPT_OUTLINE", 1.01)  # as if the redesign had changed the outline
    assert detect(plus_model, image).score < VERIFIED


def test_the_new_colour_there_demotes_the_view_that_looked_there(plus_model):
    from logolint.detect import outline_match

    image = scene(plus(BLUE))
    outline, region = outline_match(plus_model, image)
    assert outline is None and region is not None
    found = recoloured(plus_model, image, {}, region)
    assert not found.old and found.label == "new" and found.box == region.box and found.outline == region.fit
    weak = Detection(0.8, "old", (0, 0, *image.size))
    assert overrule(plus_model, weak, {}, recolour=found).score == pytest.approx(0.8 * DEMOTED)
    assert detect(plus_model, image).score < VERIFIED


@pytest.mark.parametrize("image", [
    scene(plus(CYAN).convert("LA").convert("RGBA")),  # grey: the colours cannot tell
    scene(Image.new("RGBA", (180, 180), (*CYAN, 255))),  # the old colour, not the logo's shape
    scene(None),
], ids=["grey copy", "old colour, plain square", "no logo"])
def test_without_the_old_colour_in_the_logos_shape_nothing_is_decided(plus_model, image):
    assert detect(plus_model, image).score < VERIFIED


def test_check_says_the_outline_and_the_old_colours_decided(plus_model, tmp_path, capsys, monkeypatch):
    from conftest import run_cli

    monkeypatch.chdir(tmp_path)
    scene(plus(CYAN)).save(tmp_path / "old.png")
    assert run_cli("check", "old.png", "--model", str(plus_model.path), "--no-cache") == 1
    assert re.search(r"old\.png: old logo .*, outline fits 0\.\d\d in the old colours", capsys.readouterr().out)


# Logo files that look alike to keypoints (verify.LOOKALIKE): a keypoint verdict between them
# is chance, and colours that say the other logo overrule it (detect.LOOKALIKE_COLOURS).
PLACED = (260, 180, 500, 280)  # where scene() pastes a 240-px wordmark


def alike_model(folder, lookalike: float, logos: dict | None = None) -> Model:
    folder.mkdir(exist_ok=True)
    logos = logos or {"old": [OLD], "new": [NEW]}
    outlines = silhouette.pack(silhouette.masks(logos), logo_colours.main_colours(logos))
    path = tiny_model(folder, keypoints=verify.pack(verify.references(logos)), silhouettes=outlines,
                      lookalike=lookalike)
    return Model(path, path.read_bytes())


def verdict_for(label: str) -> dict[str, verify.Match]:
    """Keypoints that decided for `label` where the wordmark is, far ahead of the other."""
    return {label: verify.Match(label, 30, PLACED, distinct=30)}


def test_colours_overrule_a_keypoint_verdict_for_the_old_logo_between_files_that_look_alike(tmp_path):
    image, matches = scene(NEW), verdict_for("old")
    alike = alike_model(tmp_path / "alike", 0.7)
    found = recoloured(alike, image, matches)
    assert found.overrules and not found.old and found.label == "new" and found.box == PLACED
    weak = Detection(0.8, "old", (0, 0, *image.size))
    assert overrule(alike, weak, matches, recolour=found).score == pytest.approx(0.8 * DEMOTED)
    # Files that do not look alike: the keypoints' lead is evidence, and the verdict stands.
    unlike = alike_model(tmp_path / "unlike", verify.LOOKALIKE - 0.01)
    assert recoloured(unlike, image, matches) is None
    assert overrule(unlike, weak, matches).score >= VERIFIED


def test_the_old_colours_overrule_a_keypoint_verdict_for_the_new_logo_between_files_that_look_alike(tmp_path):
    image, matches = scene(OLD), verdict_for("new")
    alike = alike_model(tmp_path, 0.7)
    found = recoloured(alike, image, matches)
    assert found.overrules and found.old and found.label == "old"
    decided = overrule(alike, Detection(0.3, "new", PLACED), matches, recolour=found)
    assert decided.score >= VERIFIED and decided.label == "old" and decided.box == PLACED
    assert decided.verified == 30 and decided.colours >= logo_colours.RECOLOUR_SHARE


def test_a_keypoint_verdict_between_files_that_look_alike_is_graded_by_the_classifier_alone(tmp_path):
    from logolint.detect import GRADE_LEAD, VERIFIED_MOST, graded

    image, matches = scene(OLD), verdict_for("old")  # a lead of 30 distinct inliers
    weak, boxes = Detection(0.2, "other", (0, 0, *image.size)), []

    def prefers(share: float):
        return lambda box: boxes.append(box) or share

    alike = alike_model(tmp_path / "alike", 0.7)
    assert overrule(alike, weak, matches, preference=prefers(0.0)).score == pytest.approx(VERIFIED)
    assert overrule(alike, weak, matches, preference=prefers(0.6)).score == pytest.approx(graded(0.6))
    assert boxes == [PLACED, PLACED]  # the classifier is shown the verdict's box
    thin = {"old": verify.Match("old", verify.MIN_INLIERS, PLACED, distinct=verify.MIN_INLIERS)}
    assert (overrule(alike, weak, thin, preference=prefers(0.9)).score
            > overrule(alike, weak, matches, preference=prefers(0.3)).score)
    # Twin files (verify.TWIN): the image showing the verdict's own drawing grades it too.
    told = {"old": dataclasses.replace(matches["old"], twin=0.8)}
    assert overrule(alike, weak, told, preference=prefers(0.3)).score == pytest.approx(graded(0.8))
    assert overrule(alike, weak, told, preference=prefers(0.9)).score == pytest.approx(graded(0.9))
    # Still a verdict either way; and graded by its lead where the classifier was not asked.
    lead = (30 - verify.MIN_INLIERS + 1) / GRADE_LEAD
    assert overrule(alike, weak, matches).score == pytest.approx(graded(lead))
    # Between files that do not look alike, the lead is evidence: half of the grade.
    unlike = alike_model(tmp_path / "unlike", verify.LOOKALIKE - 0.01)
    assert overrule(unlike, weak, matches, preference=prefers(0.0)).score == pytest.approx(graded(lead / 2))
    assert overrule(unlike, weak, matches, preference=prefers(1.0)).score < VERIFIED_MOST


@pytest.mark.parametrize("image, label", [(scene(OLD), "old"), (scene(NEW), "new"),
                                          (scene(OLD).convert("L").convert("RGB"), "old"),
                                          (scene(NEW).convert("L").convert("RGB"), "old")])
def test_colours_that_agree_with_the_verdict_or_cannot_tell_leave_it_standing(tmp_path, image, label):
    alike = alike_model(tmp_path, 0.7)
    matches = verdict_for(label)
    assert recoloured(alike, image, matches) is None
    assert (overrule(alike, Detection(0.5, label, PLACED), matches).score >= VERIFIED) == (label == "old")


# Compose's cube, black and grey before and blue now: only the new file has a hue of its own.
PLAIN, CUBE_BLUE = logo((40, 40, 40)), logo((30, 90, 210))


def test_the_new_logo_s_own_hues_are_counted_only_where_the_old_logo_has_none():
    colours = {"old": palette((40, 40, 40), NAVY), "new": palette((30, 90, 210), NAVY)}
    blue = pixels(((30, 90, 210), 40), ((128, 128, 128), 60))
    assert logo_colours.new_hue_share(colours, blue, ("old",)) == pytest.approx(0.4)
    assert logo_colours.new_hue_share(colours, pixels(((40, 40, 40), 40), (NAVY, 60)), ("old",)) == 0.0
    # An old hue of its own: the colours can speak for the old logo too (recoloured).
    assert logo_colours.new_hue_share({"old": palette(RED, NAVY), "new": palette((30, 90, 210), NAVY)}, blue,
                                    ("old",)) is None
    assert logo_colours.new_hue_share({"old": palette((30, 90, 210)), "new": palette((40, 40, 40))}, blue,
                                    ("old",)) is None  # the new logo has no hue of its own


def test_a_new_verdict_between_look_alike_files_whose_box_lacks_the_new_hues_says_nothing(tmp_path):
    alike = alike_model(tmp_path / "alike", 0.7, {"old": [PLAIN], "new": [CUBE_BLUE]})
    view = Detection(0.8, "old", PLACED)  # the classifier's view of the old cube
    # The old logo in its colours, decided new: no blue where the new logo would be.
    assert hues_absent(alike, scene(PLAIN), verdict_for("new"))
    assert _verified(alike, scene(PLAIN), view, verdict_for("new"), None, None).score == pytest.approx(0.8)
    # The new logo in blue: the verdict stands, and the view showed the new logo.
    assert not hues_absent(alike, scene(CUBE_BLUE), verdict_for("new"))
    blue = _verified(alike, scene(CUBE_BLUE), view, verdict_for("new"), None, None)
    assert blue.score == pytest.approx(0.8 * DEMOTED)
    # An old verdict stands (the old file has no hue to miss, and an old logo in one colour
    # or grey shows none either), as does a new one where the old file has hues of its own;
    # between files that do not look alike the lead is evidence.
    assert not hues_absent(alike, scene(PLAIN), verdict_for("old"))
    both = alike_model(tmp_path / "both", 0.7)  # red letters before, green now
    assert not hues_absent(both, scene(OLD).convert("L").convert("RGB"), verdict_for("new"))
    unlike = alike_model(tmp_path / "unlike", verify.LOOKALIKE - 0.01, {"old": [PLAIN], "new": [CUBE_BLUE]})
    assert not hues_absent(unlike, scene(PLAIN), verdict_for("new"))
    assert _verified(unlike, scene(PLAIN), view, verdict_for("new"), None, None).score == pytest.approx(0.8 * DEMOTED)


def test_a_model_says_how_alike_its_logo_files_look_and_a_damaged_value_is_refused(tmp_path):
    from logolint.model import ModelError, load_model

    assert alike_model(tmp_path / "a", 0.7).info.lookalike == pytest.approx(0.7)
    assert tiny_model_info(tmp_path / "b").lookalike == 0.0  # models trained before it was kept
    for i, bad in enumerate((-1, float("nan"), "many")):
        (tmp_path / str(i)).mkdir()
        path = tiny_model(tmp_path / str(i), lookalike=bad)
        with pytest.raises(ModelError, match="unreadable logolint metadata"):
            load_model(path)


def test_a_model_says_whether_it_was_fitted_on_pages_of_text_and_a_damaged_value_is_refused(tmp_path):
    from logolint.model import ModelError, load_model

    assert tiny_model_info(tmp_path / "a").text_pages == 0  # not fitted again, or trained before it was kept
    (tmp_path / "b").mkdir()
    assert load_model(tiny_model(tmp_path / "b", text_pages=120)).info.text_pages == 120
    for i, bad in enumerate((-1, "many", True)):
        (tmp_path / str(i)).mkdir()
        with pytest.raises(ModelError, match="unreadable logolint metadata"):
            load_model(tiny_model(tmp_path / str(i), text_pages=bad))


def tiny_model_info(folder):
    folder.mkdir()
    path = tiny_model(folder)
    return Model(path, path.read_bytes()).info
