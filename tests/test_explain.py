import dataclasses
import os
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import EXAMPLES, run_cli
from logolint.detect import Detection
from logolint.explain import RUNNERS_UP, Explanation, describe
from logolint.overlay import FLAGGED, draw, heat


def test_heat_lets_small_boxes_speak_for_their_pixels():
    level = heat((100, 50), [((0, 0, 100, 50), 0.2), ((0, 0, 50, 50), 1.0), ((50, 0, 100, 50), 0.0)])
    assert level.shape == (50, 100)
    # whole image weighs 1/5000, each half 1/2500: (0.2 + 2 * s) / 3
    assert level[25, 10] == pytest.approx((0.2 + 2.0) / 3)
    assert level[25, 90] == pytest.approx(0.2 / 3)
    assert heat((10, 10), []).max() == 0


def test_overlay_draws_the_box_and_the_heat_where_the_scores_are():
    image = Image.new("RGB", (400, 300), (200, 200, 200))
    scored = [((0, 0, 400, 300), 0.1), ((0, 0, 200, 150), 0.95), ((200, 150, 400, 300), 0.0)]
    out = np.asarray(draw(image, scored, (40, 30, 160, 120), "old logo 0.95 >= 0.65", True)).astype(int)
    assert out.shape == (300, 400, 3)
    row = [tuple(pixel) for pixel in out[75, 150:175]]
    assert FLAGGED in row and (0, 0, 0) in row  # the right edge: the box colour outlined in black
    assert tuple(out[75, 100]) != FLAGGED  # inside the box the picture shows
    hot, cold = out[100, 100], out[200, 250]
    assert hot[0] - hot[2] > 60  # red over the box that scored high
    assert abs(cold[0] - cold[2]) < 10  # the grey picture shows through where nothing fired


def test_breakdown_groups_views_and_reports_boxes_in_source_pixels():
    views = (Detection(0.30, "old", (0, 0, 200, 100)), Detection(0.90, "old", (10, 10, 50, 50)),
             *(Detection(0.01 * i, "other", (i, 0, i + 20, 20)) for i in range(7)),
             Detection(0.70, "old", (100, 50, 200, 100)))
    # analysed at half the file's size: boxes are printed in the file's pixels
    explanation = Explanation("a.png", Image.new("RGB", (200, 100)), (400, 200), views, views[1], 0.65)
    lines = describe(explanation, lambda text, style: text).splitlines()
    assert lines[0] == "a.png: old logo (0.90 >= 0.65) at [20, 20, 100, 100]"
    assert lines[1].startswith("10 views of the 400x200 image scored")
    assert lines[3].split() == ["whole", "image", "quiet", "0", "of", "1", "view,", "best", "0.30"]
    assert lines[4].split() == ["parts", "of", "the", "image", "fired", "2", "of", "9", "views,", "best", "0.90"]
    rows = [line.split() for line in lines[7:-1]]
    assert [row[0] for row in rows] == ["0.90", "0.70", "0.30", "0.06", "0.05"]
    assert rows[0][2:] == ["80x80", "[20,", "20,", "100,", "100]", "parts", "of", "the", "image", "<-", "decides"]
    assert rows[2][2:] == ["400x200", "[0,", "0,", "400,", "200]", "whole", "image"]
    assert not any("decides" in " ".join(row) for row in rows[1:])
    assert lines[-1].strip() == "... 5 more views, scoring 0.04 or less (-v lists them)"
    every = describe(explanation, lambda text, style: text, every_view=True)
    assert len(every.splitlines()) == 7 + len(views) and "more views" not in every


def test_the_views_table_stays_aligned_when_scores_need_four_decimals():
    views = (Detection(0.42, "other", (0, 0, 200, 100)), Detection(0.9952, "old", (10, 10, 50, 50)))
    explanation = Explanation("d.png", Image.new("RGB", (200, 100)), (200, 100), views, views[1], 0.9975)
    lines = describe(explanation, lambda text, style: text).splitlines()
    table = lines[lines.index(next(line for line in lines if line.lstrip().startswith("score"))):]
    assert [row[:18] for row in table[1:3]] == ["  0.9952  old     ", "  0.4200  other   "]
    assert {row.index("old") if "old" in row else row.index("other") for row in table[1:3]} == {table[0].index("label")}


def test_each_stage_that_scored_a_view_has_its_line():
    views = (Detection(0.10, "other", (0, 0, 200, 100)), Detection(0.62, "old", (20, 10, 80, 60), shaped=True),
             Detection(0.995, "old", (30, 20, 70, 50), outline=0.93))
    explanation = Explanation("c.png", Image.new("RGB", (200, 100)), (200, 100), views, views[2], 0.65)
    names = [line.split("  ")[1] for line in describe(explanation, lambda text, style: text).splitlines()[3:6]]
    assert names == ["whole image", "region shaped like the logo", "reference outline"]


@pytest.mark.parametrize("fitted_on_text, why", [
    (False, "the classifier sees neither logo there, and the image does not look like the logo's drawing"),
    (True, "they span little of the logo's drawing and the image does not look like it there: letters it shares "
           "with other text (the model was fitted on pages of text)"),
])
def test_old_keypoints_that_did_not_count_are_named_with_why(fitted_on_text, why):
    views = (Detection(0.10, "other", (0, 0, 200, 100)),)
    dismissed = (Detection(0.0, "old", (20, 10, 80, 30), verified=11, dismissed=True),)
    explanation = Explanation("t.png", Image.new("RGB", (200, 100)), (400, 200), views, views[0], 0.65,
                              dismissed=dismissed, fitted_on_text=fitted_on_text)
    lines = describe(explanation, lambda text, style: text).splitlines()
    at = lines.index("  11 keypoints of the old logo matched at [40, 20, 160, 60], not counted:")
    assert lines[at + 1] == "    " + why


@pytest.mark.parametrize("label, other", [("old", "new"), ("new", "old")])
def test_a_verdict_the_drawing_decided_against_the_keypoint_count_is_said(label, other):
    decisive = Detection(0.99 if label == "old" else 0.0, label, (20, 10, 80, 30), verified=14, outdrawn=30)
    explanation = Explanation("t.png", Image.new("RGB", (200, 100)), (400, 200), (decisive,), decisive, 0.65)
    lines = describe(explanation, lambda text, style: text).splitlines()
    at = lines.index(f"  the keypoints favoured the {other} logo: 30 matched in about the same place,")
    assert lines[at + 1] == f"    but the image looks like the {label} logo's drawing there, not the {other} one's"
    counted = dataclasses.replace(decisive, outdrawn=0)
    assert "favoured" not in describe(dataclasses.replace(explanation, verdict=counted, views=(counted,)),
                                      lambda text, style: text)


def test_the_view_that_decides_is_shown_even_when_others_score_higher():
    views = (Detection(0.20, "new", (0, 0, 100, 100)), *(Detection(0.8 + 0.01 * i, "old", (i, 0, i + 9, 9))
                                                         for i in range(6)))
    explanation = Explanation("b.png", Image.new("RGB", (100, 100)), (100, 100), views, views[0], 0.65)
    assert not explanation.flagged
    lines = describe(explanation, lambda text, style: text).splitlines()
    assert lines[0] == "b.png: no old logo (0.20 < 0.65) at [0, 0, 100, 100]"
    decides = [line for line in lines if line.endswith("<- decides")]
    assert len(decides) == 1 and decides[0].split()[:3] == ["0.20", "new", "100x100"]


def test_explain_prints_the_breakdown_and_writes_the_overlay(tmp_path: Path, capsys):
    overlay = tmp_path / "overlay.png"
    assert run_cli("explain", str(EXAMPLES / "old-logo.png"), "-o", str(overlay)) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    match = re.fullmatch(r".*old-logo\.png: old logo \((\d\.\d\d) >= (\d\.\d\d)\) at \[(\d+), (\d+), (\d+), (\d+)\]",
                         lines[0])
    assert match, lines[0]
    threshold = float(match.group(2))
    stages = [line for line in lines if re.match(r"  (known logo file|whole image|parts of the image) ", line)]
    # old-logo.png is a re-export of the demo's old SVG: the fingerprint stage decides first
    assert re.match(r"  known logo file +fired  1 of 1 view", stages[0])
    assert stages[1].startswith("  whole image") and any(" fired " in line for line in stages[1:])
    assert sum(int(re.search(r"(\d+) views?,", s).group(1)) for s in stages) == int(lines[1].split()[0])
    rows = [line for line in lines if re.match(r"  \d\.\d\d ", line)]
    scores = [float(row.split()[0]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    (decides,) = [row for row in rows if row.endswith("<- decides")]
    assert float(decides.split()[0]) == float(match.group(1))
    assert decides.split("[", 1)[1].startswith(", ".join(match.group(i) for i in range(3, 7)) + "]")
    fired = sum(int(re.search(r"(\d+) of", stage).group(1)) for stage in stages)
    assert fired >= 1 and all(s >= threshold for s in scores[:fired])
    assert all(s <= threshold for s in scores[fired:])

    picture = np.asarray(Image.open(overlay).convert("RGB")).astype(int)
    source = np.asarray(Image.open(EXAMPLES / "old-logo.png").convert("RGB")).astype(int)
    assert picture.shape == source.shape
    x0, y0, x1, y1 = (int(match.group(i)) for i in range(3, 7))
    middle = picture[(y0 + y1) // 2]
    for edge in (x0, x1):  # the box's colour at both side edges, even at the picture's border
        assert (middle[max(edge - 8, 0):edge + 8] == FLAGGED).all(axis=-1).any()
    assert not (middle[x0 + 12:x1 - 12] == FLAGGED).all(axis=-1).any()


def test_explain_without_output_and_verbose_lists_every_view(capsys):
    assert run_cli("explain", str(EXAMPLES / "new-logo.png"), "-v") == 0
    captured = capsys.readouterr()
    assert ": no old logo (" in captured.out.splitlines()[0]
    total = int(captured.out.splitlines()[1].split()[0])
    assert len([line for line in captured.out.splitlines() if re.match(r"  \d\.\d\d ", line)]) == total
    assert "-o overlay.png" in captured.err
    assert run_cli("explain", str(EXAMPLES / "new-logo.png")) == 0
    default = capsys.readouterr().out.splitlines()
    assert len([line for line in default if re.match(r"  \d\.\d\d ", line)]) == min(total, RUNNERS_UP)
    assert any("more views" in line for line in default) == (total > RUNNERS_UP)


def test_explain_reports_an_unreadable_image_as_check_does(tmp_path: Path, capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "fail.yaml").write_text("{}\n")
    assert run_cli("explain", str(broken), "--config", str(tmp_path / "fail.yaml")) == 1
    assert capsys.readouterr().out.startswith(f"{broken}: not checked: ")
    (tmp_path / "warn.yaml").write_text("unreadable: warn\n")
    assert run_cli("explain", str(broken), "--config", str(tmp_path / "warn.yaml")) == 0
    assert capsys.readouterr().out.startswith(f"{broken}: not checked: ")


def test_explain_says_when_the_baseline_or_allow_list_accepts_the_image(tmp_path: Path, capsys):
    import hashlib

    image = EXAMPLES / "old-logo.png"
    sha256 = hashlib.sha256(image.read_bytes()).hexdigest()
    (tmp_path / "allow.yaml").write_text(f"allow:\n  - sha256: {sha256}\n    reason: the 2019 press kit\n")
    assert run_cli("explain", str(image), "--config", str(tmp_path / "allow.yaml")) == 0  # as check passes it
    lines = capsys.readouterr().out.splitlines()
    assert ": old logo (" in lines[0] and lines[1] == "accepted (the 2019 press kit): `check` passes it"
    assert run_cli(str(image), "--config", str(tmp_path / "allow.yaml"), "--no-cache", "--format", "json") == 0
    (result,) = __import__("json").loads(capsys.readouterr().out)["results"]
    assert result["flagged"] is False and result["accepted"] == "the 2019 press kit" and result["score"] >= 0.99
    # A reason the terminal would act on (YAML's "\e" is ESC) is shown as escapes, as paths are.
    (tmp_path / "allow.yaml").write_text(f'allow:\n  - sha256: {sha256}\n    reason: "kit\\e[31m"\n')
    assert run_cli("explain", str(image), "--config", str(tmp_path / "allow.yaml"), "--color", "never") == 0
    assert capsys.readouterr().out.splitlines()[1] == "accepted (kit\\x1b[31m): `check` passes it"


def test_an_existing_file_is_overwritten_only_if_explain_wrote_it(tmp_path: Path, capsys):
    """`-o examples/old-logo.png` wrote an overlay over a tracked image of another name."""
    kept = tmp_path / "kept.png"
    kept.write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    notes = tmp_path / "notes.jpg"
    notes.write_text("not even an image")
    for output in (kept, notes):
        before = output.read_bytes()
        assert run_cli("explain", str(EXAMPLES / "old-banner.jpg"), "-q", "-o", str(output)) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.endswith(
            "cannot write there: the file exists and is not an overlay explain wrote (or it was edited since); "
            "remove it or choose another name\n")
        assert output.read_bytes() == before
    from logolint.model import bundled_model_path

    model = str(bundled_model_path())  # named: no demo-model warning on stderr
    for name in ("o.png", "o.jpg", "o.jpe", "o.gif", "o.webp", "o.tif"):  # written, then written again
        for _ in range(2):
            assert run_cli("explain", str(EXAMPLES / "old-banner.jpg"), "-q", "--model", model,
                           "-o", str(tmp_path / name)) == 1, name
            assert capsys.readouterr().err == ""
            assert Image.open(tmp_path / name).size == Image.open(EXAMPLES / "old-banner.jpg").size
    # Edited since, in a program that keeps the JPEG's comment (Pillow does): the mark no
    # longer matches the pixels, so the edit is kept.
    from PIL import ImageDraw

    edited = Image.open(tmp_path / "o.jpg")
    ImageDraw.Draw(edited).rectangle((0, 0, 50, 50), fill=(0, 0, 255))
    edited.save(tmp_path / "o.jpg", comment=Image.open(tmp_path / "o.jpg").info["comment"])
    before = (tmp_path / "o.jpg").read_bytes()
    assert run_cli("explain", str(EXAMPLES / "old-banner.jpg"), "-q", "-o", str(tmp_path / "o.jpg")) == 2
    assert "(or it was edited since)" in capsys.readouterr().err and (tmp_path / "o.jpg").read_bytes() == before
    # A format that keeps no mark is written once; a FIFO is refused, not read (it hung).
    assert run_cli("explain", str(EXAMPLES / "old-banner.jpg"), "-q", "-o", str(tmp_path / "o.bmp")) == 1
    assert run_cli("explain", str(EXAMPLES / "old-banner.jpg"), "-q", "-o", str(tmp_path / "o.bmp")) == 2
    assert "explain cannot mark .bmp files as its own" in capsys.readouterr().err
    os.mkfifo(tmp_path / "pipe.png")
    assert run_cli("explain", str(EXAMPLES / "old-banner.jpg"), "-q", "-o", str(tmp_path / "pipe.png")) == 2


def test_explain_errors_are_one_line(tmp_path: Path, capsys):
    assert run_cli("explain", str(EXAMPLES / "old-logo.png"), "--model", str(tmp_path / "none.tflite")) == 2
    assert capsys.readouterr().err.startswith("logolint: error: ")
    assert run_cli("explain", str(EXAMPLES / "old-logo.png"), "-o", str(tmp_path / "x.unknown")) == 2
    assert "cannot write" in capsys.readouterr().err
    assert run_cli("explain", str(EXAMPLES / "old-logo.png"), "-o", str(tmp_path)) == 2
    assert capsys.readouterr().err == f"logolint: error: -o {tmp_path}: cannot write there: it is a folder\n"
    # Said before the image is analysed: no breakdown, then an error; and "" is no file name, not no option.
    for output, problem in ((tmp_path / "no" / "o.png", "its folder does not exist"), ("", "an empty file name")):
        assert run_cli("explain", str(EXAMPLES / "old-logo.png"), "-o", str(output)) == 2
        captured = capsys.readouterr()
        expected = f"logolint: error: -o {shlex.quote(str(output))}: cannot write there: {problem}\n"
        assert captured.out == "" and captured.err == expected
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--output", "") == 2
    assert "--output '': cannot write there: an empty file name" in capsys.readouterr().err


@pytest.mark.parametrize("size", [(1, 1), (2, 100), (100, 2), (1, 1500), (60, 600), (60, 1300)])
def test_the_overlay_of_a_tiny_or_thin_image_is_drawn_with_room_for_its_caption(tmp_path: Path,
                                                                                 size: tuple[int, int], capsys):
    import numpy as np

    image = tmp_path / "thin.png"
    Image.new("RGB", size, "white").save(image)
    assert run_cli("explain", "-q", str(image), "-o", str(tmp_path / "overlay.png")) == 0, capsys.readouterr().err
    from logolint.overlay import _legend

    drawn = Image.open(tmp_path / "overlay.png").convert("RGB")
    zoom = max(1, 400 // max(size))  # a small picture is drawn enlarged, by whole pixels
    width, height = size[0] * zoom, size[1] * zoom
    # Pens and fonts grow with the picture, a tall one's no more than with three times its width.
    scale = max(1, round(min(max(width, height), 3 * min(width, height)) / 800))
    # A narrow or flat one is drawn on a wider canvas.
    assert drawn.size == (max(width, 400 * scale), max(height, 100 * scale))
    if width < 400 * scale:  # the caption reaches past the picture, into the room beside it
        legend_only = Image.new("RGB", drawn.size, "white")
        _legend(legend_only, scale)
        beside = np.asarray(drawn)[:, width:] != np.asarray(legend_only)[:, width:]
        assert beside.any()


def test_explain_on_a_missing_file_is_a_usage_error_as_in_check(tmp_path: Path, capsys):
    assert run_cli("explain", str(tmp_path / "nope.png")) == 2
    assert capsys.readouterr().err == f"logolint: error: no such file or directory: {tmp_path / 'nope.png'}\n"
    assert run_cli(str(tmp_path / "nope\x1b[2J.png")) == 2  # and a message names it escaped
    assert capsys.readouterr().err.endswith("nope\\x1b[2J.png\n")


@pytest.mark.parametrize("name", ["old-logo.png/", "old-logo.png/x.png", "a" * 300 + ".png"])
def test_explain_on_a_path_that_cannot_be_used_is_a_usage_error_as_in_check(name: str, capsys, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    errors = []
    for command in (("explain", name), (name,)):
        assert run_cli(*command) == 2
        errors.append(capsys.readouterr().err)
    assert errors[0] == errors[1] and errors[0].startswith(f"logolint: error: cannot use {name[:20]}")


def test_explain_follows_exclude_and_the_rounding_check_compares_with(tmp_path: Path, capsys, monkeypatch):
    import shutil

    shutil.copy(EXAMPLES / "old-logo.png", tmp_path / "logo.png")
    (tmp_path / ".logolint.yaml").write_text('exclude:\n  - "*.png"\n')
    monkeypatch.chdir(tmp_path)
    assert run_cli("logo.png", "--no-cache") == 0 and "0 images checked" in capsys.readouterr().out
    assert run_cli("explain", "logo.png") == 0
    assert "logo.png: not checked: excluded by the config's exclude" in capsys.readouterr().out
    (tmp_path / ".logolint.yaml").unlink()
    from logolint.config import load_config
    from logolint.explain import explain
    from logolint.model import load_model

    score = explain(str(EXAMPLES / "other-page.png"), load_config(), load_model()).verdict.score
    between = (round(score, 4) + score) / 2 if round(score, 4) != score else None
    if between is None:
        pytest.skip("the score has no digits past the fourth")
    verdicts = {}
    for command in ("check", "explain"):
        verdicts[command] = run_cli(command, str(EXAMPLES / "other-page.png"), "--threshold", repr(between),
                                    "--no-cache" if command == "check" else "-q")
    capsys.readouterr()
    assert verdicts["check"] == verdicts["explain"]


@pytest.mark.parametrize("score, threshold, shown", [
    (0.42, 0.35, ("0.42", "0.35")),
    (0.3499, 0.35, ("0.3499", "0.35")),  # not "0.35 < 0.35"
    (0.996, 0.9975, ("0.9960", "0.9975")),  # a threshold in the verdict band, as eval suggests
    (0.9975, 0.9975, ("0.9975", "0.9975")),
    (1.0, 0.5, ("1.00", "0.50")),
    (0.125, 0.125, ("0.125", "0.125")),
    (1.0, 0.99999, ("1.0000", "0.99999")),  # not "1.0000 >= 1.0000"
    (0.9999, 0.99999, ("0.9999", "0.99999")),
    (0.0, 0.00001, ("0.0000", "0.00001")),  # not "0.0000 < 0.0000"
    (1.0, 0.99999999999, ("1.0000", "0.99999999999")),  # not "1 >= 1."
    (0.0, 1e-11, ("0.0000", "0.00000000001")),
])
def test_scores_are_shown_with_the_decimals_their_comparison_needs(score, threshold, shown):
    from logolint.formats import shown_score, shown_threshold

    assert (shown_score(score, threshold), shown_threshold(threshold)) == shown


def test_a_verdict_of_the_new_logos_keypoints_is_said(capsys):
    """The deciding view of new-banner.jpg scores 0.00 under views of 0.01: the new logo's
    keypoints decided it, which the breakdown said nowhere."""
    assert run_cli("explain", str(EXAMPLES / "new-banner.jpg"), "-q", "--color", "never") == 0
    out = capsys.readouterr().out
    said = re.search(r"^  (\d+) keypoints of the new logo matched in the deciding view's box: it shows the new logo$",
                     out, re.M)
    assert said and int(said.group(1)) >= 8, out
    # Nor for the old logo's keypoints, flagged or (over a threshold inside the verdict band) not.
    for threshold, code in (("0.35", 1), ("0.99999", 0)):
        assert run_cli("explain", str(EXAMPLES / "old-banner.jpg"), "-q", "--color", "never",
                       "--threshold", threshold) == code
        assert "keypoints of the" not in capsys.readouterr().out


def test_explain_decides_as_check_does_also_in_tiles_and_frames(tmp_path: Path):
    from logolint.check import check_file
    from logolint.config import Config
    from logolint.explain import explain
    from logolint.model import load_model

    banner, page = (Image.open(EXAMPLES / name).convert("RGB") for name in ("old-banner.jpg", "other-page.png"))
    tall = Image.new("RGB", (600, 5000), "white")  # checked in tiles: the logo in the third
    tall.paste(page.resize((600, 400)), (0, 0))
    tall.paste(banner.resize((600, 300)), (0, 2600))
    tall.save(tmp_path / "tall.png")
    frames = [page.resize((400, 300)), banner.resize((400, 300))]  # the logo in the second frame
    frames[0].save(tmp_path / "moving.gif", save_all=True, append_images=frames[1:], duration=100)
    model, config = load_model(), Config(root=tmp_path)
    for path in [*map(str, sorted(EXAMPLES.iterdir())), str(tmp_path / "tall.png"), str(tmp_path / "moving.gif")]:
        explained, checked = explain(path, config, model), check_file(path, model, 0.35)
        assert explained.to_source(explained.verdict.box) == checked.box, path
        assert round(explained.verdict.score, 4) == checked.score and explained.part == checked.part, path
        if explained.verdict.verified or explained.verdict.known:  # the deciding row is marked by identity
            assert any(view is explained.verdict for view in explained.views), path
        if path.endswith("tall.png"):  # found in the tile that holds the banner
            assert checked.flagged and 2600 <= checked.box[1] < checked.box[3] <= 2900, checked
    assert checked.flagged and checked.part


def test_a_score_equal_to_the_threshold_fires_in_explain_as_in_check(capsys):
    logo = str(EXAMPLES / "old-logo.png")  # a known logo file: 1.0 exactly
    assert run_cli("check", logo, "--threshold", "1", "--no-cache") == 1
    capsys.readouterr()
    assert run_cli("explain", logo, "--threshold", "1") == 1
    assert "old logo (1.00 >= 1.00)" in capsys.readouterr().out
