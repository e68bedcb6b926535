"""`localise: false` / `--no-localise`: the fingerprint and one whole-image view, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLES, run_cli
from logolint.cache import ResultCache
from logolint.check import check_file, check_paths
from logolint.config import Config
from logolint.imaging import load_image
from logolint.model import Model, bundled_model_path

# Those the README's demo flags from the whole image; old-banner.jpg and old-screenshot.png
# show the logo small in a larger page: only the boxes of the localising detector find it.
WHOLE_IMAGE_OLD = ["old-card.webp", "old-logo.png"]


@pytest.fixture
def model() -> Model:
    """A model of its own, so the interpreters it creates are this test's alone."""
    path = bundled_model_path()
    return Model(path, path.read_bytes())


def test_plain_mode_never_locates_and_flags_the_whole_image_old_logos(model: Model, monkeypatch, tmp_path):
    def no_locate(canvas):
        raise AssertionError("locate called without localisation")

    monkeypatch.setattr(model, "locate", no_locate)
    report = check_paths([str(EXAMPLES)], Config(root=tmp_path, localise=False), model)
    assert not report.errors
    flagged = sorted(Path(result.path).name for result in report.results if result.flagged)
    assert flagged == WHOLE_IMAGE_OLD
    # A box is the whole image, or the drawing in the cards and logo files, which the
    # fingerprints of the demo's logo files decide.
    boxes = {Path(result.path).name: (result.box, load_image(result.path).source_size) for result in report.results}
    for name, (box, (width, height)) in boxes.items():
        if name.endswith(("-card.webp", "-logo.png")):
            assert 0 < box[0] < box[2] < width and 0 < box[1] < box[3] < height, name
        else:
            assert box == (0, 0, width, height), name
    assert all(abs(a - b) <= 4 for a, b in zip(boxes["old-card.webp"][0], (110, 220, 531, 424)))
    assert list(model._runners) == [model.info.input_size]  # no interpreter at the locate size


def test_localisation_is_part_of_the_cache_key(model: Model, tmp_path: Path):
    banner = str(EXAMPLES / "old-banner.jpg")
    cache = ResultCache(tmp_path / "cache")
    located = check_file(banner, model, 0.5, cache, localise=True)
    plain = check_file(banner, model, 0.5, cache, localise=False)
    assert (cache.hits, cache.misses) == (0, 2)
    assert located.box != plain.box  # a box inside the banner, and the whole banner
    assert check_file(banner, model, 0.5, cache, localise=True) == located
    assert check_file(banner, model, 0.5, cache, localise=False) == plain
    assert (cache.hits, cache.misses) == (2, 2)


def test_plain_mode_decodes_small_and_keeps_the_source_size():
    for name in ("old-banner.jpg", "old-screenshot.png"):
        full, small = load_image(EXAMPLES / name), load_image(EXAMPLES / name, side=448)
        assert max(small.image.size) <= 448 < max(full.image.size)
        assert small.source_size == full.source_size
    svg = load_image(Path(bundled_model_path()).parent / "demo-old.svg", side=300)
    assert max(svg.image.size) == 300


def test_flag_overrides_the_config(tmp_path: Path, capsys):
    config = tmp_path / "plain.yaml"
    config.write_text("localise: false\n")
    banner = str(EXAMPLES / "old-banner.jpg")
    assert run_cli("check", "--no-cache", "--config", str(config), banner) == 0
    assert run_cli("check", "--no-cache", "--config", str(config), "--localise", banner) == 1
    assert run_cli("check", "--no-cache", "--no-localise", banner) == 0
    capsys.readouterr()
    assert run_cli("explain", "--no-localise", banner) == 0
    assert "1 view of" in capsys.readouterr().out


def test_check_pins_openblas_to_one_thread_before_numpy_loads(tmp_path: Path):
    """numpy must not be imported before `check` starts (the hook path imports it lazily),
    or OpenBLAS would already have started its busy-waiting worker threads."""
    import os
    import subprocess
    import sys

    probe = ("import os, sys\n"
             "from logolint.cli import main\n"
             "code = main(['check', '--no-cache', '--no-localise', sys.argv[1]])\n"
             "print(code, os.environ.get('OPENBLAS_NUM_THREADS'))\n")
    env = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", probe, str(EXAMPLES / "old-logo.png")], env=env,
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.splitlines()[-1] == "1 1", done.stderr


def test_the_classifier_tells_the_demo_logos_apart_in_a_verdicts_box(model: Model, monkeypatch):
    from logolint import detect

    shares = {}
    for name in ("old-logo.png", "new-logo.png", "other-page.png", "other-photo.jpg"):
        image = load_image(EXAMPLES / name).image
        shares[name] = detect.old_share(model, image, (0, 0, *image.size))
    assert shares["old-logo.png"] > 0.9 and shares["new-logo.png"] < 0.1
    # A view of neither logo is no evidence either way, however the two small
    # probabilities compare (the page: old 0.09, new 0.01).
    assert 0.4 < shares["other-page.png"] < 0.6 and 0.4 < shares["other-photo.jpg"] < 0.6
    # detect grades its verdict by that share: told the classifier calls it new, the same
    # image stays a verdict, lower down the band.
    banner = load_image(EXAMPLES / "old-banner.jpg").image
    backed = detect.detect(model, banner)
    monkeypatch.setattr(detect, "old_share", lambda *args: 0.0)
    doubted = detect.detect(model, banner)
    assert detect.VERIFIED <= doubted.score < backed.score and doubted.box == backed.box
