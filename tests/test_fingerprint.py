"""The re-export fast path: a known logo file, resized, recompressed or put on another plain
background, is recognised by its fingerprint; a redesign that kept the drawing is not taken
for the file it resembles."""

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from logolint.detect import detect
from logolint.errors import ModelError
from logolint.fingerprint import MAX_COLOUR, fingerprint, limit, nearest, stored
from logolint.model import METADATA_NAME, load_model
from logolint.tflite_metadata import read_metadata
from logolint.train import NEW, OLD, _fingerprints, _sources
from tiny_model import tiny_model

# Flickr's redesign, drawn as its two files are: the old dots on a rounded white plate,
# the new ones a little smaller and of other shades, on an opaque white square.
OLD_DOTS = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
<rect width="512" height="512" rx="15%" fill="#fff"/>
<circle cx="157" cy="256" fill="#006add" r="93"/><circle cx="355" cy="256" fill="#ff1981" r="93"/></svg>"""
NEW_DOTS = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
<path d="m0 0H512V512H0" fill="#fff"/>
<circle cx="157" cy="256" fill="#0063dc" r="79"/><circle cx="355" cy="256" fill="#ff0084" r="79"/></svg>"""
# Another brand's redesign with a new shape: a bar chart for a ring.
RING = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200">
<circle cx="100" cy="100" r="80" fill="none" stroke="#c0392b" stroke-width="30"/></svg>"""
BARS = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120">
<rect x="10" y="60" width="40" height="60" fill="#2c3e50"/><rect x="80" y="20" width="40" height="100" fill="#27ae60"/>
<rect x="150" y="0" width="40" height="120" fill="#2c3e50"/></svg>"""

# A filled badge with its letters cut out, redesigned as its outline (IMDb's): the new file's
# thin frame and letters, drawn black on the old badge's yellow, show the old badge on dark
# in every gradient and shade.
FILLED_BADGE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120"><path fill="#f5c518" fill-rule="evenodd"
d="M0 0H200V120H0Z M40 30H70V90H40Z M100 30H160V50H100Z M100 70H160V90H100Z"/></svg>"""
OUTLINED_BADGE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 120">
<rect x="2" y="2" width="196" height="116" rx="6" fill="none" stroke="#f5c518" stroke-width="4"/>
<path fill="#f5c518" d="M40 30H70V90H40Z M100 30H160V50H100Z M100 70H160V90H100Z"/></svg>"""

# A square-cornered badge on a transparent margin: training crops the file to the badge's edge.
BADGE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 220">
<rect x="10" y="10" width="300" height="200" fill="#1a5fb4"/><circle cx="160" cy="110" r="60" fill="#fff"/></svg>"""


def _references(tmp_path: Path, old: str, new: str) -> dict:
    (tmp_path / "old.svg").write_text(old)
    (tmp_path / "new.svg").write_text(new)
    return _fingerprints({OLD: _sources([tmp_path / "old.svg"]), NEW: _sources([tmp_path / "new.svg"])})


def _shown(svg: str, side: int, background: tuple[int, int, int], margin: int = 40, quality: int | None = None):
    """The logo file rendered at SIDE px, as a re-export would show it: on BACKGROUND with
    a margin, optionally through JPEG."""
    from logolint.svg import render_svg

    logo = render_svg(svg.encode()).convert("RGBA")
    logo = logo.resize((side, round(side * logo.size[1] / logo.size[0])), Image.LANCZOS)
    canvas = Image.new("RGBA", (logo.size[0] + 2 * margin, logo.size[1] + 2 * margin), background + (255,))
    canvas.alpha_composite(logo, (margin, margin))
    image = canvas.convert("RGB")
    if quality:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return image


def _decided(references: dict, image) -> str | None:
    return nearest(fingerprint(image), references, limit(references))


def test_re_exports_of_either_file_are_taken_for_it(tmp_path: Path):
    references = _references(tmp_path, RING, BARS)
    assert limit(references) == MAX_COLOUR  # the two drawings are not comparable
    # The colours of a transparent drawing's background count: white, near white and dark.
    for background in ((255, 255, 255), (246, 244, 238), (24, 24, 30)):
        assert _decided(references, _shown(RING, 300, background, quality=80)) == "old"
    for background in ((255, 255, 255), (240, 244, 250)):
        assert _decided(references, _shown(BARS, 420, background)) == "new"
    photo = Image.effect_noise((400, 300), 60).convert("RGB")
    assert _decided(references, photo) is None


def test_a_square_badge_is_fingerprinted_whole(tmp_path: Path):
    references = _references(tmp_path, BADGE, RING)
    assert {round(found[2], 1) for found in references["old"]} == {1.5}  # the badge, not its circle
    for background in ((255, 255, 255), (24, 24, 30)):
        assert _decided(references, _shown(BADGE, 240, background, quality=85)) == "old"


def test_a_redesign_that_kept_the_drawing_is_not_taken_for_the_other_file(tmp_path: Path):
    references = _references(tmp_path, OLD_DOTS, NEW_DOTS)
    assert 0 < limit(references) < MAX_COLOUR / 2  # the dots alone differ a little in shade
    # On white the old file's plate vanishes and its dots are all that is left; on a
    # coloured background the new file's white square shows around its dots.
    for side in (256, 600):
        assert _decided(references, _shown(OLD_DOTS, side, (255, 255, 255))) != "new"
        assert _decided(references, _shown(NEW_DOTS, side, (70, 130, 90), quality=85)) != "old"
    # Re-exports close to one file are still decided at once.
    assert _decided(references, _shown(OLD_DOTS, 400, (30, 30, 30))) == "old"
    assert _decided(references, _shown(NEW_DOTS, 400, (255, 255, 255))) == "new"


def test_an_outline_of_the_old_badge_is_not_taken_for_the_badge(tmp_path: Path):
    references = _references(tmp_path, FILLED_BADGE, OUTLINED_BADGE)
    outline_in_black = OUTLINED_BADGE.replace("#f5c518", "#000")
    for background in ((245, 197, 24), (250, 204, 40)):
        assert _decided(references, _shown(outline_in_black, 400, background, quality=85)) is None
    for background in ((255, 255, 255), (24, 24, 30)):
        assert _decided(references, _shown(FILLED_BADGE, 400, background, quality=85)) == "old"
        assert _decided(references, _shown(OUTLINED_BADGE, 400, background, quality=85)) == "new"


def test_each_logo_file_is_fingerprinted_on_white_and_on_dark(tmp_path: Path):
    references = _references(tmp_path, OLD_DOTS, NEW_DOTS)
    # The old file: its plate on dark, its dots alone on white (a square and a 2.1:1 drawing).
    assert sorted(round(found[2], 1) for found in references["old"]) == [1.0, 2.1]
    # The new file's white square is cut out as its background: the dots on both.
    assert all(abs(found[2] - 356 / 158) < 0.05 for found in references["new"])


def test_a_print_of_three_parts_is_compared_without_drawn_shares():
    """A model trained before the drawn shares keeps its prints of three parts."""
    drawing = (0b1011 << 40, [100.0] * 27, 2.0, [0.9] * 9)
    assert nearest(drawing, {"old": [list(drawing[:3])]}) == "old"
    assert nearest(drawing, {"old": [list(drawing)]}) == "old"
    assert nearest(drawing, {"old": [[*drawing[:3], [0.3] * 9]]}) is None


def test_limit_is_half_the_least_distance_between_two_labels_comparable_prints():
    drawing = (0b1011 << 40, [100.0] * 27, 2.0)
    assert limit({"old": [list(drawing)]}) == MAX_COLOUR
    shaded = (drawing[0] ^ 0b111, [110.0] * 27, 2.1)  # 3 bits and 10 shades apart
    assert limit({"old": [list(drawing)], "new": [list(shaded)]}) == 5.0
    assert limit({"old": [list(drawing), list(shaded)]}) == MAX_COLOUR  # one label: no limit
    far = (drawing[0], [150.0] * 27, 2.0)  # beyond what distances() compares
    assert limit({"old": [list(drawing)], "new": [list(far)]}) == MAX_COLOUR


def test_a_model_takes_only_re_exports_within_its_limit_for_its_files(tmp_path: Path):
    references = _references(tmp_path, OLD_DOTS, NEW_DOTS)
    model = load_model(tiny_model(tmp_path, fingerprints=references))
    assert model.info.fingerprint_limit == limit(references)
    found = detect(model, _shown(OLD_DOTS, 400, (30, 30, 30)))
    assert (found.known, found.score, found.label) == (True, 1.0, "old")
    assert all(abs(a - b) <= 3 for a, b in zip(found.box, (40, 40, 440, 440)))  # the plate, not the margin
    assert not detect(model, _shown(NEW_DOTS, 400, (70, 130, 90), quality=85), localise=False).known


def test_fingerprints_of_a_label_the_model_lacks_are_a_model_error(tmp_path: Path):
    references = _references(tmp_path, OLD_DOTS, NEW_DOTS)
    with pytest.raises(ModelError, match="fingerprints of 'retired', which is none of the labels"):
        load_model(tiny_model(tmp_path, fingerprints={"retired": references["old"], "new": references["new"]}))


def test_the_drawn_shares_are_stored_where_an_older_logolint_reads_none(tmp_path: Path):
    """An older logolint takes a print of four parts for a damaged one; it ignores an
    unknown key, so it reads a model trained now as one trained before the drawn shares."""
    references = _references(tmp_path, RING, BARS)
    meta = json.loads(read_metadata(tiny_model(tmp_path, fingerprints=references).read_bytes(), METADATA_NAME))
    assert all(len(found) == 3 for prints in meta["fingerprints"].values() for found in prints)
    assert load_model(tmp_path / "tiny.tflite").info.fingerprints == {
        label: [list(found) for found in prints] for label, prints in references.items()}
    old = load_model(tiny_model(tmp_path, fingerprints={label: [list(found[:3]) for found in prints]
                                                          for label, prints in references.items()}))
    assert all(len(found) == 3 for prints in old.info.fingerprints.values() for found in prints)


@pytest.mark.parametrize("shares", [[0.5] * 8, [0.5] * 8 + [1.5], [0.5] * 8 + [float("nan")], "0.5"])
def test_a_print_with_damaged_drawn_shares_is_a_model_error(tmp_path: Path, shares):
    references = _references(tmp_path, RING, BARS)
    damaged = {"old": [[*references["old"][0][:3], shares]], "new": references["new"]}
    with pytest.raises(ModelError, match="a fingerprint of 'old' is damaged"):
        load_model(tiny_model(tmp_path, fingerprints=damaged))


def test_drawn_shares_that_do_not_match_the_prints_are_a_model_error(tmp_path: Path):
    references = _references(tmp_path, RING, BARS)
    shares = stored(references)["fingerprint_shares"]
    for damaged, message in (({"old": [], "new": shares["new"]}, "fingerprint_shares of 'old' do not match its fingerprints"),
                             ({**shares, "retired": shares["old"]}, r"fingerprint_shares of \['retired'\], which have no fingerprints"),
                             ([], "fingerprint_shares is not an object")):
        with pytest.raises(ModelError, match=message):
            load_model(tiny_model(tmp_path, fingerprints=references, fingerprint_shares=damaged))
