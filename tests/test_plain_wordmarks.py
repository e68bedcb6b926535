"""benchmarks/plain_wordmarks.py draws its made-up wordmarks and pages as it says."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def plain_wordmarks(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # its `from quality import ...`
    spec = importlib.util.spec_from_file_location("plain_wordmarks", BENCHMARKS / "plain_wordmarks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delitem(sys.modules, "quality", raising=False)
    monkeypatch.delitem(sys.modules, "measure", raising=False)
    fonts = [f for brand in module.BRANDS + module.SECOND for f in brand[1:4:2]] + list(module.PAGE_FONTS)
    if not all((module.FONTS / font).is_file() for font in fonts):
        pytest.skip("the DejaVu and Liberation fonts are not installed")
    return module


def test_no_old_logo_is_set_in_a_font_the_training_pages_use(plain_wordmarks):
    from logolint.fonts import text_fonts

    used = {Path(path).name for path in text_fonts()}
    assert not used & {Path(brand[1]).name for brand in plain_wordmarks.BRANDS + plain_wordmarks.SECOND}
    assert not {b[0] for b in plain_wordmarks.BRANDS} & {b[0] for b in plain_wordmarks.SECOND}


def test_the_old_logo_is_on_its_pages_and_no_logo_on_the_pages_of_text(plain_wordmarks):
    name, old_font, ink, _, _ = plain_wordmarks.BRANDS[0]
    logo = plain_wordmarks.wordmark(name, old_font, ink)
    alpha = np.asarray(logo.getchannel("A"))
    assert alpha.max() == 255 and alpha[0].max() == 0 and alpha[:, 0].max() == 0  # inked, with a margin
    on = plain_wordmarks.page(np.random.default_rng(5), logo, old_font)
    without = plain_wordmarks.page(np.random.default_rng(5), None, old_font)
    assert on.size == without.size and on.size in ((1200, 630), (1920, 1080))
    changed = np.abs(np.asarray(on, dtype=int) - np.asarray(without, dtype=int)).sum(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert changed.any() and ys.max() < on.height // 2  # the logo, placed near the top, and nothing else
    assert 0.05 * on.width <= xs.max() - xs.min() + 1 <= 0.3 * on.width + 1  # placed 8-30% of the width, margin and all
