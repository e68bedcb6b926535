"""Tall images (full-page screenshots) are checked in tiles, at a screenshot's resolution."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from conftest import EXAMPLES, run_cli
from logolint.tiles import MAX_TILES, boxes, decode_side


@pytest.mark.parametrize("size", [(1280, 10000), (1280, 30000), (1000, 3000), (800, 2049), (100, 100_000)])
def test_tiles_cover_a_tall_image_with_overlap(size):
    scale = min(1.0, decode_side(size, 2048) / max(size))
    width, height = round(size[0] * scale), round(size[1] * scale)
    tiles = boxes((width, height), 2048)
    assert 2 <= len(tiles) <= MAX_TILES
    assert tiles[0][1] == 0 and tiles[-1][3] == height and all(t[0] == 0 and t[2] == width for t in tiles)
    assert all(b[1] < a[3] for a, b in zip(tiles, tiles[1:]))  # each overlaps the next
    assert all(t[3] - t[1] <= 2048 for t in tiles)  # no tile is reduced again when checked


@pytest.mark.parametrize("size", [(2000, 2100), (12000, 1280), (800, 1999), (1080, 2400)])
def test_other_images_are_checked_whole(size):
    """Wide ones too (a banner, a long wordmark, which tiles would cut), and phone screenshots."""
    assert decode_side(size, 2048) == 2048 and boxes(size, 2048) == []


def _page(tmp_path: Path, logo: str, top: int) -> Path:
    page = Image.new("RGB", (1280, 12000), (245, 245, 245))
    mark = Image.open(EXAMPLES / logo).convert("RGB")
    page.paste(mark.resize((280, round(280 * mark.height / mark.width))), (900, top))
    path = tmp_path / f"{logo}-{top}.png"
    page.save(path)
    return path


def test_a_logo_in_a_full_page_screenshot_is_found_where_it_is(tmp_path: Path, capsys):
    """Decoded whole at 2048 px, a 1280x12000 page was 218 px wide and its 280-px logo
    48 px: the old logo passed as "ok"."""
    old = _page(tmp_path, "old-logo.png", 7000)
    new = _page(tmp_path, "new-logo.png", 7000)
    assert run_cli(str(old), str(new), "--no-cache", "--format", "json") == 1
    results = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)["results"]}
    found = results[old.name]
    assert found["flagged"], found
    x0, y0, x1, y1 = found["box"]
    assert 880 <= x0 < x1 <= 1200 and 6980 <= y0 < y1 <= 7180, found  # in the whole page's pixels
    assert not results[new.name]["flagged"], results[new.name]
    assert run_cli("explain", str(old)) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{old}: old logo (1.00 >= 0.40) at [{x0}, {y0}, {x1}, {y1}]")
    (decides,) = [line for line in out.splitlines() if line.endswith("<- decides")]
    assert f"[{x0}, {y0}, {x1}, {y1}]" in decides
    # Its overlay's pens and fonts follow the page's width: widened to fit them at its
    # height, the canvas had 72 megapixels, and reading it back warned of a bomb.
    assert run_cli("explain", str(old), "-o", str(tmp_path / "overlay.png")) == 1
    assert "Warning" not in capsys.readouterr().err
    assert Image.open(tmp_path / "overlay.png").size == (2000, 12000)


def test_a_logo_in_a_tall_svg_page_is_found_as_in_the_same_page_as_pixels(tmp_path: Path, capsys):
    """An SVG was always drawn in a 1024-px square: a 1280x12000 page 109 px wide, its
    280-px logo 24 px, and it passed while the same page as a PNG was flagged."""
    models = Path(__file__).resolve().parent.parent / "model"
    pages = {}
    for kind in ("old", "new"):
        source = (models / f"demo-{kind}.svg").read_text()
        body = source[source.index(">") + 1:source.rindex("</svg>")]
        pages[kind] = tmp_path / f"{kind}-page.svg"
        pages[kind].write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="12000" viewBox="0 0 1280 12000">'
            f'<rect width="1280" height="12000" fill="#f5f5f5"/><g transform="translate(900 7000) scale(0.7)">{body}</g></svg>')
    assert run_cli(str(pages["old"]), str(pages["new"]), "--no-cache", "--format", "json") == 1
    results = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)["results"]}
    found = results["old-page.svg"]
    assert found["flagged"], found
    x0, y0, x1, y1 = found["box"]
    assert 880 <= x0 < x1 <= 1200 and 6980 <= y0 < y1 <= 7160, found  # in the document's pixels
    assert not results["new-page.svg"]["flagged"], results["new-page.svg"]
    assert run_cli("explain", str(pages["old"])) == 1 and "old logo (" in capsys.readouterr().out


def test_a_logo_in_a_later_frame_of_a_tall_animation_is_found(tmp_path: Path, capsys):
    """Only the first frame was decoded for tiles; the others whole at 2048 px, where a
    280-px logo on a 1280x12000 page is 48 px."""
    blank = Image.new("RGB", (1280, 12000), (245, 245, 245))
    shown = Image.open(_page(tmp_path, "old-logo.png", 7000))
    path = tmp_path / "scroll.gif"
    blank.save(path, save_all=True, append_images=[shown], duration=500)
    assert run_cli(str(path), "--no-cache", "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)["results"][0]
    assert found["flagged"] and found["part"] == "frame 2", found
    x0, y0, x1, y1 = found["box"]
    assert 880 <= x0 < x1 <= 1200 and 6980 <= y0 < y1 <= 7180, found
    assert run_cli("explain", str(path)) == 1
    assert "old logo (" in capsys.readouterr().out
