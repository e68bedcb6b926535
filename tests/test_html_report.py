import base64
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from browser import Browser, find_chromium
from conftest import run_cli
from logolint.formats import FORMATS
from logolint.html_report import THUMB_BYTES
from logolint.results import Report, Result

HOSTILE = "<img src=x onerror=alert(1)>.png"


def _report(*results: Result, threshold: float = 0.6) -> Report:
    return Report(tuple(results), threshold, "ab" * 32)


def _links(page: str) -> list[str]:
    """Every URL the page would load: src, href and CSS url() values."""

    found = re.findall(r"url\(([^)]*)\)", page)

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value for name, value in attrs if name in ("src", "href", "srcset", "poster"))

    Links().feed(page)
    return found


def _cards(page: str) -> list[str]:
    return re.findall(r'<article class="card">.*?</article>', page, re.S)


def test_cards_are_worst_first_with_box_path_score_and_threshold(examples: Path):
    low = Result(str(examples / "old-logo.png"), 0.71, True, label="old", box=(10, 20, 290, 160))
    high = Result(str(examples / "old-banner.jpg"), 0.98, True, label="old", box=(0, 0, 315, 315))
    clean = Result(str(examples / "new-logo.png"), 0.05, False, label="new", box=(0, 0, 560, 320))
    page = FORMATS["html"](_report(low, clean, high))
    cards = _cards(page)
    assert [re.search(r'<p class="path">(.*?)</p>', c).group(1) for c in cards] == [high.path, low.path]
    assert "new-logo.png" not in page  # passing files get no card
    assert "<b>0.98</b>" in cards[0] and "&ge; 0.60" in cards[0]
    # old-logo.png is 560x320: the box is drawn in percent of the picture
    assert 'left:1.79%;top:6.25%;width:50.00%;height:43.75%' in cards[1]
    for card in cards:
        uri = re.search(r'<img src="data:image/jpeg;base64,([^"]+)" width="(\d+)" height="(\d+)"', card)
        thumb = Image.open(io.BytesIO(base64.b64decode(uri.group(1))))
        assert thumb.size == (int(uri.group(2)), int(uri.group(3)))
        assert max(thumb.size) <= 300 and thumb.format == "JPEG"


def test_page_is_self_contained_and_escapes_file_names(examples: Path):
    hostile = examples / HOSTILE
    shutil.copyfile(examples / "old-logo.png", hostile)
    page = FORMATS["html"](_report(
        Result(str(hostile), 0.9, True, label="old", box=(0, 0, 10, 10)),
        Result(str(examples / 'gone".png'), None, False, error="cannot read file: <no such file>"),
    ))
    assert "<img src=x" not in page and "onerror=alert(1)&gt;.png" in page
    assert "&lt;no such file&gt;" in page and 'gone&quot;.png' in page
    assert "<script" not in page.lower()
    assert _links(page) and all(link.startswith("data:image/jpeg;base64,") for link in _links(page))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_file_names_are_escaped_as_every_report_prints_them():
    names = ["bad-\udcff.png", "new\nline.png", "rlo\u202egnp.exe-old.png", "esc\x1b[31m.png"]
    page = FORMATS["html"](_report(*(Result(name, None, False, error="corrupt image") for name in names)))
    rows = re.findall(r'<td class="path">(.*?)</td>', page.encode("utf-8").decode())
    assert rows == sorted(["bad-\\xff.png", "new\\nline.png", "rlo\\u202egnp.exe-old.png", "esc\\x1b[31m.png"])
    assert not re.search("[\x00-\x1f\u202e]", page.replace("\n", ""))


def test_a_page_with_nothing_flagged_says_what_was_not_checked_or_accepted():
    unreadable = FORMATS["html"](_report(Result("a.png", None, False, error="corrupt image")))
    assert "No image shows the old logo." not in unreadable
    assert "No image checked shows the old logo, but 1 could not be checked." in unreadable
    accepted = FORMATS["html"](_report(Result("b.png", 0.9, False, label="old", accepted="allow: brand history")))
    assert "No image shows the old logo." not in accepted
    assert "No image checked shows the old logo, but 1 with it was accepted by the baseline or allow list." in accepted
    section = accepted.split("Accepted by the baseline or allow list (1)", 1)[1]
    assert re.findall(r'<td class="path">(.*?)</td><td>(.*?)</td>', section) == [("b.png", "allow: brand history")]


def test_unreadable_files_are_listed_apart_and_a_vanished_file_keeps_its_card(tmp_path: Path):
    page = FORMATS["html"](_report(
        Result(str(tmp_path / "deleted-since.png"), 0.9, True, label="old", box=(0, 0, 5, 5)),
        Result("b-broken.png", None, False, error="corrupt image"),
        Result("a-lfs.png", None, False, error="Git LFS pointer"),
    ))
    cards = _cards(page)
    assert len(cards) == 1 and "preview unavailable" in cards[0] and "<img" not in cards[0]
    section = page.split("Not checked (2)", 1)[1]
    rows = re.findall(r'<td class="path">(.*?)</td><td>(.*?)</td>', section)
    assert rows == [("a-lfs.png", "Git LFS pointer"), ("b-broken.png", "corrupt image")]


def test_no_findings_says_so():
    page = FORMATS["html"](_report(Result("a.png", 0.1, False, label="new")))
    assert not _cards(page) and "No image shows the old logo." in page
    assert "1 image checked, 0 with the old logo" in page


def test_five_hundred_findings_stay_a_reasonable_size(tmp_path: Path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(5):  # noise: the worst case for JPEG
        path = tmp_path / f"noise-{i}.png"
        Image.fromarray(rng.integers(0, 256, (300, 450, 3), dtype=np.uint8)).save(path)
        paths.append(str(path))
    results = [Result(paths[i % 5], 0.9, True, label="old", box=(0, 0, 100, 100)) for i in range(500)]
    page = FORMATS["html"](_report(*results))
    assert len(_cards(page)) == 500
    assert len(page.encode()) < 500 * (THUMB_BYTES * 4 // 3 + 2_000)  # base64 + markup per card
    assert len(page.encode()) < 12_000_000


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = find_chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    return executable


def test_report_renders_in_chromium(examples: Path, tmp_path: Path, chromium: str, capsys, monkeypatch):
    monkeypatch.chdir(examples.parent)
    shutil.copyfile(examples / "old-logo.png", examples / HOSTILE)
    (examples / "truncated.png").write_bytes((examples / "old-logo.png").read_bytes()[:300])
    common = ("examples", "--cache-dir", str(tmp_path / "cache"))
    run_cli(*common, "--format", "json")
    results = json.loads(capsys.readouterr().out)["results"]
    flagged = sorted(r["path"] for r in results if r["flagged"])
    unreadable = sorted(r["path"] for r in results if r["error"])
    assert "examples/old-logo.png" in flagged and unreadable == ["examples/truncated.png"]
    run_cli(*common, "--format", "html", "--output", str(tmp_path / "report.html"))

    with Browser(chromium) as browser:
        browser.open((tmp_path / "report.html").as_uri(), width=1280, height=900)
        seen = browser.evaluate("""(async () => {
            const images = [...document.images];
            await Promise.all(images.map(image => image.decode().catch(() => null)));
            const shown = element => { const r = element.getBoundingClientRect();
                                       return r.width > 0 && r.height > 0; };
            return {
                cards: document.querySelectorAll("article.card").length,
                images: images.filter(image => image.naturalWidth > 0 && shown(image)).length,
                boxes: [...document.querySelectorAll("article.card .box")].filter(shown).length,
                paths: [...document.querySelectorAll("article.card .path")].map(p => p.textContent),
                scores: [...document.querySelectorAll("article.card .score b")].map(b => +b.textContent),
                unreadable: [...document.querySelectorAll("table.unreadable td.path")].map(t => t.textContent),
                injected: document.querySelectorAll("[onerror]").length,
            };
        })()""")
        png = browser.screenshot()
        fetched = [url for url in browser.requested_urls() if not url.startswith(("data:", "file:"))]

    assert seen["cards"] == len(flagged) and seen["images"] == len(flagged) and seen["boxes"] == len(flagged)
    assert sorted(seen["paths"]) == flagged and f"examples/{HOSTILE}" in seen["paths"]
    assert seen["scores"] == sorted(seen["scores"], reverse=True)
    assert seen["unreadable"] == unreadable and seen["injected"] == 0
    assert fetched == []
    screenshot = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert screenshot.shape == (900, 1280, 3)
    colours = np.unique(screenshot.reshape(-1, 3), axis=0)
    assert len(colours) > 500 and screenshot.std() > 20  # thumbnails and text, not a blank page
    reddish = (screenshot[..., 0] > 180) & (screenshot[..., 1] < 80) & (screenshot[..., 2] < 80)
    assert reddish.sum() > 1000  # the boxes and score bars are drawn


def test_an_animation_decided_by_a_later_frame_shows_that_frame_and_names_it(tmp_path: Path, capsys):
    """The card showed the first frame, blank here, with the box over nothing."""
    from conftest import EXAMPLES

    logo = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    Image.new("RGB", logo.size, "white").save(tmp_path / "late.gif", save_all=True, append_images=[logo])
    assert run_cli(str(tmp_path / "late.gif"), "--no-cache", "--format", "json") == 1
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["part"] == "frame 2" and result["box"]
    assert run_cli(str(tmp_path / "late.gif"), "--no-cache", "--format", "text") == 1
    assert f"{tmp_path / 'late.gif'}: old logo (1.00 >= 0.40) in frame 2 at [" in capsys.readouterr().out
    assert run_cli(str(tmp_path / "late.gif"), "--no-cache", "--format", "html", "--output", str(tmp_path / "r.html")) == 1
    uri = re.search(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", (tmp_path / "r.html").read_text()).group(1)
    thumbnail = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri))).convert("L"))
    assert thumbnail.min() < 100  # the logo's frame, not the white first one
    # Checked smaller without localisation, the frames fit the pixels a check may cost, as
    # decoded for the card they do not: the card still shows the frame the check named.
    from logolint import imaging

    checked = logo.copy()
    checked.thumbnail((448, 448))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(imaging, "MAX_CHECKED_PIXELS", 2 * checked.size[0] * checked.size[1])
        assert logo.size[0] > 448
        assert run_cli(str(tmp_path / "late.gif"), "--no-cache", "--no-localise", "--format", "html",
                       "--output", str(tmp_path / "r.html")) == 1
    uri = re.search(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", (tmp_path / "r.html").read_text()).group(1)
    assert np.asarray(Image.open(io.BytesIO(base64.b64decode(uri))).convert("L")).min() < 100
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--no-cache", "--format", "json") == 1
    assert json.loads(capsys.readouterr().out)["results"][0]["part"] is None
    for name, said in (("github", ": old logo (1.00 >= 0.40) in frame 2 at ["), ("sarif", ") in frame 2 at [")):
        assert run_cli(str(tmp_path / "late.gif"), "--no-cache", "--format", name) == 1
        assert said in capsys.readouterr().out

