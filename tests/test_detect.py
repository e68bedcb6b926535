import numpy as np
from PIL import Image

from logolint import detect
from logolint.detect import STRIDE, letterbox, proposals, square


def test_proposals_follow_the_peaks_of_the_brand_map(monkeypatch):
    monkeypatch.setattr(detect, "MAX_PEAKS", 2)
    brand = np.zeros((32, 32), np.float32)
    brand[4:8, 20:28] = 0.9  # a wide logo near the top right
    brand[6, 24] = 0.95
    brand[24, 2] = 0.3  # a weaker, small one at the bottom left
    brand[16, 16] = 0.01  # noise below the floor
    boxes = proposals(brand, scale=0.5, size=(1024, 1024), stride=STRIDE)
    cell = STRIDE / 0.5
    (x0, y0, x1, y1), tight, small = boxes  # the wide logo's region and its peak, then the small one
    assert x0 < 20 * cell < 28 * cell < x1 and y0 < 4 * cell < 8 * cell < y1
    assert x0 <= tight[0] < 24 * cell < tight[2] <= x1 and (tight[2] - tight[0]) < (x1 - x0)
    assert small[0] < 2.5 * cell < small[2] and small[1] < 24.5 * cell < small[3]
    monkeypatch.undo()
    assert proposals(brand, scale=0.5, size=(1024, 1024), stride=STRIDE) == boxes[:2]  # the strongest only


def test_proposals_ignore_the_letterbox_padding():
    brand = np.zeros((32, 32), np.float32)
    brand[20, 5] = 1.0  # below a 1000 x 500 image letterboxed at scale 0.512: padding
    brand[10, 5] = 0.5
    boxes = proposals(brand, scale=0.512, size=(1000, 500), stride=STRIDE)
    assert boxes and all(box[1] < 10.5 * STRIDE / 0.512 < box[3] for box in boxes)


def test_proposals_stay_inside_the_image():
    brand = np.zeros((16, 16), np.float32)
    brand[0, 0] = brand[15, 15] = 1.0
    for x0, y0, x1, y1 in proposals(brand, scale=1.0, size=(300, 200)):
        assert 0 <= x0 < x1 <= 300 and 0 <= y0 < y1 <= 200


def test_letterbox_keeps_the_aspect_at_the_top_left():
    image = Image.new("RGB", (400, 100), (200, 0, 0))
    canvas, scale = letterbox(image, 512)
    assert canvas.shape == (512, 512, 3) and scale == 512 / 400
    assert tuple(canvas[10, 500]) == (200, 0, 0)
    assert tuple(canvas[300, 10]) == (200, 0, 0)  # padded with the border colour


def test_square_pads_instead_of_stretching():
    image = Image.new("RGB", (300, 100), (255, 255, 255))
    image.paste((0, 0, 0), (125, 25, 175, 75))  # a 50 x 50 black square
    view = square(image, 224)
    assert view.shape == (224, 224, 3)
    ys, xs = np.nonzero(view.max(axis=2) < 128)
    assert abs((xs.max() - xs.min()) - (ys.max() - ys.min())) <= 1  # still square
    assert view[0, 0].min() == 255  # padded with the border colour


def test_the_letterbox_and_the_outline_stage_share_one_reduced_copy(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 255, (866, 1155, 3), dtype=np.uint8))
    alone, _ = letterbox(image, 512)
    made = []
    resize = Image.Image.resize
    monkeypatch.setattr(Image.Image, "resize", lambda self, *a, **k: made.append(a[0]) or resize(self, *a, **k))
    shrunk = detect.Shrunk(image)
    with ThreadPoolExecutor(2) as pool:
        reduced = pool.submit(detect._scaled, image, 512, shrunk=shrunk)
        canvas, scale = letterbox(image, 512, shrunk)
        small, small_scale = reduced.result()
    assert made == [(512, 384)]  # once, for both
    assert np.array_equal(canvas, alone) and scale == small_scale
    assert np.array_equal(np.asarray(small), canvas[:384])


def test_an_error_in_one_lane_waits_for_the_other_before_the_next_image(monkeypatch):
    """The geometry lane of an image whose classifier failed (a MemoryError is reported as
    that image's error and the run goes on) ran on beside the next image's lanes."""
    import threading
    import time

    import pytest

    from logolint.model import bundled_model_path, load_model

    model = load_model(bundled_model_path())
    finished = threading.Event()

    def slow(*args, **kwargs):
        time.sleep(0.3)
        finished.set()
        return {}, None, None

    def failing(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(detect, "geometry", slow)
    monkeypatch.setattr(detect, "score_views", failing)
    with pytest.raises(MemoryError):
        detect.detect(model, Image.new("RGB", (64, 64), "white"))
    assert finished.is_set()


def test_remembered_geometry_works_an_image_out_once_per_set_of_reference_logos(monkeypatch):
    """As training's second check of its pages of text uses it: another fit of the same
    references (another Model of the same file here, or other metadata) reuses the answer;
    another image, other old labels, or no remembered_geometry, work it out afresh."""
    from conftest import EXAMPLES

    from logolint.model import Model, bundled_model_path, load_model

    calls = []
    worked_out = detect._geometry
    monkeypatch.setattr(detect, "_geometry", lambda *args: calls.append(args) or worked_out(*args))
    model = load_model(bundled_model_path())
    banner = Image.open(EXAMPLES / "old-banner.jpg").convert("RGB")
    page = Image.open(EXAMPLES / "other-page.png").convert("RGB")
    with detect.remembered_geometry():
        first = detect.geometry(model, banner)
        assert detect.geometry(Model(model.path, model.data), banner.copy()) is first
        assert detect.geometry(model.with_info(threshold=0.9), banner) is first
        assert len(calls) == 1
        detect.geometry(model, page)
        detect.geometry(model.with_info(old_labels=("new",)), banner)
        assert len(calls) == 3
    assert detect.geometry(model, banner) == first  # the same answer, worked out again
    assert len(calls) == 4
