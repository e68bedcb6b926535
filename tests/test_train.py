from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from logolint.detect import letterbox, old_match
from logolint.model import Model, ModelInfo, backbone_path
from logolint import train
from logolint.train import LABELS, NEW, OLD, OTHER, PROTOTYPES, Backbone, Examples, fit_softmax, fuse, prototypes, softmax

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _cluster(rng, centre, count):
    return centre + 0.3 * rng.normal(size=(count, len(centre)))


def test_prototypes_are_unit_old_and_new_views_with_a_match_range_between_other_and_old():
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8) * 3
    views = np.concatenate([_cluster(rng, centres[label], 100) for label in (OLD, NEW, OTHER)])
    labels = np.repeat([OLD, NEW, OTHER], 100)
    references, names, (low, high) = prototypes(rng, views, labels)
    assert names == ["old"] * PROTOTYPES + ["new"] * PROTOTYPES
    assert np.allclose(np.linalg.norm(references, axis=1), 1.0, atol=1e-5)
    assert (references[:PROTOTYPES] @ centres[OLD] > 0).all() and (references[PROTOTYPES:] @ centres[NEW] > 0).all()
    assert 0.0 < low < high < 1.0  # other views are far from old ones, old views close to each other


def test_old_match_maps_the_range_to_0_1_and_is_1_without_prototypes():
    info = ModelInfo(LABELS, ("old",), 0.5, 224, 512, {}, ("old", "new"), (0.6, 0.8))
    assert abs(old_match(info, {"old": 0.7, "new": 0.99}) - 0.5) < 1e-9
    assert old_match(info, {"old": 0.5}) == 0.0 and old_match(info, {"old": 0.95}) == 1.0
    assert old_match(info, {}) == 1.0


def _separable(rng, count=301, dim=12, classes=3):
    labels = rng.integers(0, classes, count)
    centres = rng.normal(size=(classes, dim)) * 2
    return (centres[labels] + rng.normal(size=(count, dim)) + 5).astype(np.float32), labels


@pytest.mark.parametrize("classes, scale", [(3, 0.1), (2, 0.1), (2, 50.0)])  # two classes: the brand map's own path
def test_gradients_a_block_of_rows_at_a_time_are_those_of_all_rows_at_once(monkeypatch, classes, scale):
    rng = np.random.default_rng(3)
    z, labels = _separable(rng, classes=classes)
    onehot = np.eye(classes, dtype=np.float32)[labels]
    weights = rng.uniform(0.5, 2, len(z)).astype(np.float32)[:, None]
    # At a scale of 50 the logits reach thousands: a logistic by exp() would overflow.
    w, b = (rng.normal(size=(12, classes)) * scale).astype(np.float32), rng.normal(size=classes).astype(np.float32)
    grad_logits = (softmax(z @ w + b) - onehot) * weights
    monkeypatch.setattr(train, "GRADIENT_ROWS", 40)  # 301 rows: the last block is short
    grad_w, grad_b = train._gradients(z, w, b, onehot, weights)
    assert np.allclose(grad_w, z.T @ grad_logits / len(z), atol=1e-5)
    assert np.allclose(grad_b, grad_logits.sum(axis=0) / len(z), atol=1e-6)


def test_fit_softmax_learns_the_classes_whatever_the_blocks_and_in_place_on_request(monkeypatch):
    rng = np.random.default_rng(4)
    x, labels = _separable(rng)
    monkeypatch.setattr(train, "GRADIENT_ROWS", 40)
    weights, bias = fit_softmax(x, labels, 3, steps=200)
    assert ((x @ weights.T + bias).argmax(axis=1) == labels).mean() > 0.95
    monkeypatch.setattr(train, "GRADIENT_ROWS", 10_000)  # one block
    assert np.allclose(fit_softmax(x, labels, 3, steps=200)[0], weights, atol=1e-4)
    copy = x.copy()
    assert np.allclose(fit_softmax(copy, labels, 3, steps=200, overwrite=True)[0], weights, atol=1e-4)
    assert abs(copy.mean()) < 1e-4 and not np.allclose(copy, x)  # standardised in place, not copied
    assert np.allclose(train._deviation(x - x.mean(axis=0)), x.astype(np.float64).std(axis=0), rtol=1e-5)


def test_rows_of_blocks_are_those_of_the_stacked_blocks_in_their_order():
    rng = np.random.default_rng(5)
    blocks = [rng.normal(size=(int(rng.integers(1, 9)), 4)).astype(np.float16) for _ in range(20)]
    stacked = np.concatenate(blocks)
    rows = rng.choice(len(stacked), 40, replace=False)
    chosen = train._rows(blocks, rows)
    assert chosen.dtype == np.float32 and np.array_equal(chosen, stacked[rows].astype(np.float32))


def test_examples_keep_every_logo_cell_and_a_sample_of_the_rest():
    class Fake:  # a feature map of 32 x 32 cells, as the backbone gives at 512 px
        def features(self, canvas):
            return np.zeros((32, 32, 4), np.float32)

    examples = Examples(np.random.default_rng(0))
    image = Image.new("RGB", (512, 512))
    examples.add_scene(Fake(), image, (100, 100, 196, 148))  # 6 x 3 cells of 16 px
    examples.add_scene(Fake(), image, None)
    with_logo, without = examples.cell_labels
    assert (with_logo == 1).sum() == 18 and (with_logo == 0).sum() == len(without) == 48
    assert (without == 0).all()


def test_fused_brand_map_is_the_linear_map_of_mid_and_parent_features():
    rng = np.random.default_rng(1)
    weights = rng.normal(size=112 + 1280).astype(np.float32) * 0.01
    metadata = {"labels": list(LABELS), "old_labels": ["old"], "threshold": 0.5, "input_size": 224,
                "locate_size": 512, "prototypes": ["old", "new"], "match_range": [0, 1]}
    head = (np.zeros((3, 1280), np.float32), np.zeros(3, np.float32))
    references = rng.normal(size=(2, 1280)).astype(np.float32)
    data = fuse(backbone_path(), head, (weights, np.array([0.3], np.float32)), references, metadata)
    canvas, _ = letterbox(Image.open(EXAMPLES / "old-banner.jpg").convert("RGB"), 512)
    expected = 1 / (1 + np.exp(-(Backbone().features(canvas) @ weights + 0.3)))
    brand = Model(Path("fused.tflite"), data).locate(canvas)
    assert brand.shape == (32, 32) and np.abs(brand - expected).max() < 1e-4


def test_a_transparent_logo_file_is_cut_out_to_its_drawing_and_a_huge_one_shrunk_as_it_is_cut(tmp_path):
    from PIL import ImageDraw

    from logolint.synth import logo_rgba
    from logolint.train import LOGO_SIDE, _sources

    def drawn(size: int, box: tuple, path: Path) -> Path:
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        ImageDraw.Draw(image).ellipse(box, fill=(200, 30, 30, 255))
        image.save(path)
        return path

    small = logo_rgba(drawn(300, (40, 60, 139, 159), tmp_path / "small.png"), side=LOGO_SIDE)
    assert small.size == (100, 100) and small.mode == "RGBA"  # cropped, not shrunk
    assert small.getpixel((50, 50)) == (200, 30, 30, 255) and small.getpixel((0, 0))[3] == 0
    huge = drawn(4000, (500, 1000, 3499, 2999), tmp_path / "huge.png")
    cut = logo_rgba(huge, side=LOGO_SIDE)
    assert LOGO_SIDE * 2 <= max(cut.size) < 3000 and abs(cut.width / cut.height - 1.5) < 0.01
    reference = Image.open(huge).crop((500, 1000, 3500, 3000))  # the full-size cut-out, shrunk afterwards
    (ours,) = _sources([huge])
    reference.thumbnail((LOGO_SIDE, LOGO_SIDE))
    assert ours.size == reference.size
    assert np.abs(np.asarray(ours, float) - np.asarray(reference, float)).mean() < 1.0
    opaque = Image.new("RGBA", (64, 64), (255, 255, 255, 255))  # alpha, but opaque: cut out from its border
    ImageDraw.Draw(opaque).rectangle((10, 20, 29, 29), fill=(0, 0, 0, 255))
    opaque.save(tmp_path / "opaque.png")
    assert logo_rgba(tmp_path / "opaque.png", side=LOGO_SIDE).size == (20, 10)


@pytest.mark.parametrize("others, expected, right", [
    # Scenes without the old logo all at 0: not 0.05 but the floor, over what many real pages
    # without the logo score (see train.THRESHOLD_FLOOR).
    (0.0, 0.4, 1.0),
    (0.5, 0.55, 1.0),  # just above them
    (0.99, 0.95, 1 / 3),  # at most 0.95, where the scenes without the old logo are flagged
])
def test_the_recommended_threshold_sits_just_above_the_scenes_without_the_old_logo_within_its_bounds(
        monkeypatch, others, expected, right):
    from logolint import detect
    from logolint.detect import Detection

    def scored(model, image):
        return [Detection(1.0 if image.getpixel((0, 0)) == (1, 2, 3) else others, "old", (0, 0, *image.size))]

    def drawn(rng, source, scale):  # a scene of the old logo marked by its corner pixel
        from logolint.synth import Scene

        return Scene(Image.new("RGB", (40, 40), (1, 2, 3) if source == "old file" else (9, 9, 9)), None, [])

    monkeypatch.setattr(detect, "score_views", scored)
    monkeypatch.setattr(detect, "known_drawing", lambda model, image: None)
    monkeypatch.setattr("logolint.synth.scene", drawn)
    monkeypatch.setattr("logolint.synth.degrade", lambda rng, image: image)
    threshold, accuracy = train._recommend_threshold(None, np.random.default_rng(0), {OLD: ["old file"], NEW: ["new file"]})
    assert threshold == pytest.approx(expected) and accuracy == pytest.approx(right)
