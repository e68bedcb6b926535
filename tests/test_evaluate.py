import json
from pathlib import Path

import pytest

from logolint.errors import ConfigError
from logolint.evaluate import as_json, as_text, evaluate, labelled_files, mislabelled, threshold_for_fpr
from logolint.results import Result


def _results(scores: list[float | None]) -> list[Result]:
    return [Result(f"{i}.png", s, False, error=None if s is not None else "broken") for i, s in enumerate(scores)]


def test_threshold_for_fpr_lets_through_at_most_the_allowed_share():
    negatives = [i / 200 for i in range(200)]  # 0.0 .. 0.995
    threshold = threshold_for_fpr(negatives, 0.01)
    assert sum(n >= threshold for n in negatives) <= 2
    assert sum(n >= threshold - 0.01 for n in negatives) > 2  # and is the lowest such


def test_negatives_at_one_leave_no_threshold_in_range():
    assert threshold_for_fpr([1.0] * 10 + [0.1] * 90, 0.01) > 1.0
    # Not "suggested threshold: 1.0000", which flags them all the same.
    e = evaluate(["old"] * 2 + ["new"] * 100, _results([1.0, 0.5] + [1.0] * 10 + [0.1] * 90), threshold=0.5)
    assert e.suggested_threshold is None and e.recall_at_target_fpr == 0.0
    text = as_text(e)
    assert "suggested threshold: none: new or none images score 1.0, which every threshold flags" in text
    assert "old recall at 1% false positives: 0.0%" in text and '"suggested_threshold": null' in as_json(e)


def test_evaluation_counts_and_suggests():
    truths = ["old", "old", "old", "new", "new", "none", "none"]
    scores = [0.9, 0.7, None, 0.8, 0.1, 0.2, 0.05]
    e = evaluate(truths, _results(scores), threshold=0.75)
    assert e.confusion["old"] == {"flagged": 1, "passed": 1, "error": 1}
    assert e.confusion["new"] == {"flagged": 1, "passed": 1, "error": 0}
    assert e.confusion["none"] == {"flagged": 0, "passed": 2, "error": 0}
    # The unreadable old image counts in no rate: it was neither found nor passed.
    assert e.accuracy == pytest.approx(4 / 6)
    assert e.recall == pytest.approx(1 / 2) and e.false_positive_rate == pytest.approx(1 / 4)
    assert 0.8 < e.suggested_threshold <= 0.81  # just above the worst negative
    assert e.recall_at_target_fpr == pytest.approx(1 / 2)
    missed, alarms = e.worst(1)
    assert missed[0].path == "1.png" and alarms[0].path == "3.png"
    text = as_text(e)
    assert "accuracy: 66.7%" in text and "could not be checked (1, counted in no rate above):\n  2.png: broken" in text
    assert "\n  0.7000  1.png\n" in text and "\n  0.8000  3.png\n" in text  # one number format: not 0.7 beside 0.9959
    assert '"recall_at_1pct_fpr"' in as_json(e) and '"unchecked": 1' in as_json(e)


def test_recall_at_1pct_is_measured_at_the_threshold_suggested():
    """Measured at the worst negative + 1e-4 unrounded (0.12480001), an old image at the
    suggested 0.1248 counted as missed, though that threshold flags it."""
    e = evaluate(["old", "none"], _results([0.1248, 0.1247]), threshold=0.5)
    assert e.suggested_threshold == 0.1248 and e.recall_at_target_fpr == 1.0


def test_unreadable_negatives_are_not_counted_as_passed():
    truths = ["old", "new", "none", "none"]
    e = evaluate(truths, _results([0.9, 0.1, None, None]), threshold=0.5)
    assert e.accuracy == 1.0 and e.false_positive_rate == 0.0
    assert e.confusion["none"] == {"flagged": 0, "passed": 0, "error": 2}
    everything_unreadable = evaluate(["old", "none"], _results([0.9, None]), threshold=0.5)
    assert everything_unreadable.false_positive_rate is None and everything_unreadable.suggested_threshold is None


def test_the_reason_an_image_was_not_checked_is_printed_as_escapes():
    results = [Result("a.png", 0.9, True), Result("b.svg", None, False, error="cannot render: <\x1b[2J>")]
    text = as_text(evaluate(["old", "none"], results, threshold=0.5))
    assert "\x1b" not in text and "  b.svg: cannot render: <\\x1b[2J>" in text


def test_without_new_or_none_images_no_rate_or_threshold_is_made_up():
    e = evaluate(["old", "old"], _results([0.9, 0.2]), threshold=0.5)
    assert e.recall == 0.5 and e.false_positive_rate is None
    assert e.recall_at_target_fpr is None and e.suggested_threshold is None
    text = as_text(e)
    assert "old recall at 1% false positives: n/a (no new or none image checked)" in text
    assert "suggested threshold: n/a (no new or none image checked)" in text
    assert '"suggested_threshold": null' in as_json(e)


def test_labelled_folders(tmp_path: Path):
    for name in ("old/a.png", "new/b.jpg", "negatives/c.gif", "old/notes.txt", "misc/d.png"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    pairs = labelled_files(tmp_path)
    assert sorted((Path(p).name, t) for p, t in pairs) == [("a.png", "old"), ("b.jpg", "new"), ("c.gif", "none")]
    with pytest.raises(ConfigError, match="no images in old/: expected labelled sub-folders old/ and optionally"):
        labelled_files(tmp_path / "new")
    (tmp_path / "typo" / "olds").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"typo: no images in old/ \(it has olds/\)"):
        labelled_files(tmp_path / "typo")
    with pytest.raises(ConfigError, match="a.png: not a folder"):
        labelled_files(tmp_path / "old" / "a.png")


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_dangling_link_among_the_examples_is_listed(tmp_path: Path):
    # listed, so that it is reported not checked rather than left out of the counts
    import os

    (tmp_path / "old").mkdir()
    (tmp_path / "none").mkdir()
    (tmp_path / "old" / "a.png").write_bytes(b"x")
    os.mkfifo(tmp_path / "old" / "pipe.png")
    os.symlink("missing.png", tmp_path / "none" / "gone.png")
    (tmp_path / "none" / "folder.png").mkdir()
    pairs = labelled_files(tmp_path)
    assert sorted((Path(p).name, t) for p, t in pairs) == [("a.png", "old"), ("gone.png", "none"), ("pipe.png", "old")]


@pytest.mark.skipif(not hasattr(__import__("os"), "symlink"), reason="no symbolic links here")
def test_linked_folders_among_the_examples_are_followed_once_and_a_loop_ends(tmp_path: Path):
    # Skipped, as `check` skips them in a repository, they left images out of the counts without a word.
    import os

    shared = tmp_path / "shared"
    (shared / "deep").mkdir(parents=True)
    (shared / "deep" / "b.png").write_bytes(b"x")
    (tmp_path / "data" / "old").mkdir(parents=True)
    (tmp_path / "data" / "old" / "a.png").write_bytes(b"x")
    os.symlink(shared, tmp_path / "data" / "old" / "more")
    os.symlink(shared, tmp_path / "data" / "old" / "again")  # one folder twice: its images once
    os.symlink("..", shared / "deep" / "up")  # a link back up the tree
    pairs = labelled_files(tmp_path / "data")
    names = sorted(Path(p).relative_to(tmp_path / "data").as_posix() for p, _ in pairs)
    assert names == ["old/a.png", "old/again/deep/b.png"]


def test_a_threshold_from_too_few_others_to_measure_1pct_says_so():
    # Lower than the threshold in use: a guess from two images, so the one in use is kept.
    few = evaluate(["old", "new", "none"], _results([0.9, 0.0017, 0.001]), threshold=0.5)
    text = as_text(few)
    assert ("suggested threshold: keep 0.50 (from 2 new or none images: 1% false positives takes 100 or more to "
            "measure; 0.0018 is only the least that keeps these below it)") in text
    document = json.loads(as_json(few))  # scripts get the same advice
    assert document["others_checked"] == 2 and document["suggestion_measured"] is False
    assert document["suggested_threshold"] == 0.5 and document["threshold_at_1pct_fpr"] == 0.0018
    equal = evaluate(["old", "new"], _results([0.9, 0.4999]), threshold=0.5)
    assert "suggested threshold: keep 0.50 (from 1 new or none image" in as_text(equal)
    higher = evaluate(["old", "new", "none"], _results([0.9, 0.7, 0.001]), threshold=0.5)
    assert ("suggested threshold: 0.7001 (from 2 new or none images: 1% false positives takes 100 or more to "
            "measure; this only keeps those below it)") in as_text(higher)
    enough = evaluate(["old"] + ["none"] * 100, _results([0.9] + [0.001] * 100), threshold=0.5)
    assert "takes 100 or more" not in as_text(enough)
    measured = json.loads(as_json(enough))
    assert measured["suggestion_measured"] is True and measured["suggested_threshold"] == 0.0011


def test_a_list_with_nothing_in_it_is_not_shown():
    only_old = as_text(evaluate(["old", "old"], _results([0.9, 0.1]), threshold=0.5))
    assert "old images scored lowest (1 missed at the threshold):\n  0.1000  1.png" in only_old
    assert "other images scored highest" not in only_old
    only_others = as_text(evaluate(["new"], _results([0.2]), threshold=0.5))
    assert "old images scored lowest" not in only_others and "other images scored highest (0 flagged" in only_others
    assert json.loads(as_json(evaluate(["new"], _results([0.2]), threshold=0.5)))["version"] == 1


def test_the_same_bytes_under_two_labels_are_found_once_per_label():
    results = [Result("old/a.png", 0.9, True, sha256="x"), Result("new/a.png", 0.9, True, sha256="x"),
               Result("new/b.png", 0.9, True, sha256="x"), Result("none/a.png", 0.9, True, sha256="x"),
               Result("old/c.png", 0.1, False, sha256="y"), Result("old/d.png", 0.1, False, sha256="y"),
               Result("none/broken.png", None, False, error="damaged"),
               Result("old/broken.png", None, False, error="damaged")]
    truths = ["old", "new", "new", "none", "old", "old", "none", "old"]
    assert mislabelled(truths, results) == [("old/a.png", "new/a.png"), ("old/a.png", "none/a.png")]


def test_eval_training_first_without_a_temporary_folder_says_so(tmp_path: Path, monkeypatch, capsys):
    import shutil
    import tempfile

    from conftest import EXAMPLES, run_cli

    for label in ("old", "new"):
        (tmp_path / "data" / label).mkdir(parents=True)
        shutil.copy(EXAMPLES / f"{label}-logo.png", tmp_path / "data" / label / "a.png")

    def nowhere(*args, **kwargs):
        raise FileNotFoundError(2, "No usable temporary directory found")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", nowhere)
    assert run_cli("eval", str(tmp_path / "data"), "--old", str(EXAMPLES / "old-logo.png"),
                   "--new", str(EXAMPLES / "new-logo.png")) == 2
    assert "no temporary folder to train in: No usable temporary directory found" in capsys.readouterr().err
    from logolint.model import bundled_model_path

    # A model given: nothing to train, so no temporary folder is needed.
    assert run_cli("eval", str(tmp_path / "data"), "--model", str(bundled_model_path())) == 0
    assert "temporary" not in capsys.readouterr().err


def test_the_suggested_threshold_says_how_many_old_images_it_leaves_under_it():
    """A new or none image scoring with an old one (0.9951 both, to the 4 decimals shown) is
    kept out by a suggestion 0.0001 above it, and so is the old image."""
    tied = evaluate(["old", "old", "new"], _results([0.999, 0.9951, 0.9951]), threshold=0.5)
    assert "suggested threshold: 0.9952 (from 1 new or none image" in as_text(tied)
    assert as_text(tied).split("suggested threshold: ")[1].splitlines()[0].endswith("; 1 of 2 old images scores under it")
    apart = evaluate(["old", "old", "new"], _results([0.999, 0.9953, 0.9951]), threshold=0.5)
    assert "under it" not in as_text(apart)
