"""What `train` makes of unusual logo files and example folders, and how `explain -o`
refuses a path it cannot write, before any work."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import EXAMPLES, no_training, run_cli

MODEL = Path(__file__).resolve().parent.parent / "model"
ICON = ('<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="200"><rect width="{w}" height="200" '
        'fill="{plate}"/><circle cx="100" cy="100" r="50" fill="white"/></svg>')


def test_a_tall_narrow_logo_makes_scenes_of_bounded_size():
    from logolint.synth import CLOSE_CROP_HEIGHT, scene

    bar = Image.new("RGBA", (6, 404), (200, 0, 0, 255))  # was drawn up to 59,000 px tall, 18 GB in training
    heights = []
    for seed in range(60):
        drawn = scene(np.random.default_rng(seed), bar, 0.5)
        heights.append(drawn.image.size[1])
        x0, y0, x1, y1 = drawn.box
        assert 0 <= x0 < x1 <= drawn.image.size[0] and 0 <= y0 < y1 <= drawn.image.size[1]
    assert max(heights) <= CLOSE_CROP_HEIGHT and max(heights) > 1000  # the close crops were drawn, bounded


def test_a_full_bleed_app_icon_keeps_its_plate_and_a_page_or_banner_is_cut_out(tmp_path: Path):
    from logolint.synth import logo_rgba

    files = {"icon": ICON.format(w=200, plate="#1040c0"), "on-white": ICON.format(w=200, plate="white"),
             "banner": ICON.format(w=400, plate="#1040c0")}
    logos = {}
    for name, text in files.items():
        (tmp_path / f"{name}.svg").write_text(text)
        logos[name] = logo_rgba(tmp_path / f"{name}.svg")
    icon = np.asarray(logos["icon"])
    side = logos["icon"].size[0]
    assert logos["icon"].size == (side, side) and icon[..., 3].min() == 255  # rendered whole
    assert tuple(icon[0, 0, :3]) == (16, 64, 192) and tuple(icon[side // 2, side // 2, :3]) == (255, 255, 255)
    for name in ("on-white", "banner"):  # the page's colour goes: the white disc is the mark
        width, height = logos[name].size
        assert abs(width - height) <= 2 and np.asarray(logos[name])[0, 0, 3] == 0, name


def test_a_16_bit_grey_logo_with_a_transparent_value_is_drawn(tmp_path: Path):
    """PIL's own conversion clipped every sample over 255 to white: `train` said the file
    was blank, though `check` flags it."""
    from logolint.synth import logo_rgba

    samples = np.full((60, 100), 65535, dtype=np.uint16)
    samples[10:50, 20:60] = 9000  # a dark square on a transparent ground
    path = tmp_path / "deep.png"
    Image.fromarray(samples).save(path, transparency=65535)
    assert Image.open(path).mode.startswith("I;16")
    logo = np.asarray(logo_rgba(path))
    assert logo.shape == (40, 40, 4) and logo[..., 3].min() == 255 and logo[..., :3].max() < 64


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_transparent_logo_is_learned_upright_as_check_sees_it(tmp_path: Path, orientation: int):
    """A file with alpha was decoded without its EXIF orientation: learned sideways, while
    check (and the opaque file) show it upright."""
    from logolint.imaging import load_image
    from logolint.synth import logo_rgba

    mark = np.zeros((40, 120, 4), np.uint8)
    mark[5:35, 5:115] = (200, 20, 20, 255)  # a red bar, its blue end on the left
    mark[5:35, 5:30] = (20, 20, 200, 255)
    exif = Image.Exif()
    exif[0x0112] = orientation
    turned = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}[orientation]
    stored = Image.fromarray(mark).transpose(turned)  # as a camera stores what it shows upright
    stored.save(tmp_path / "alpha.png", exif=exif.tobytes())
    opaque = Image.new("RGB", stored.size, (255, 255, 255))
    opaque.paste(stored, mask=stored.getchannel("A"))
    opaque.save(tmp_path / "opaque.png", exif=exif.tobytes())
    assert load_image(tmp_path / "opaque.png").image.size == (120, 40)  # as check sees it
    for name in ("alpha.png", "opaque.png"):
        logo = np.asarray(logo_rgba(tmp_path / name))
        assert logo.shape[:2] == (30, 110), name
        blue = logo[..., 2] > logo[..., 0]
        assert blue[:, :25].all() and not blue[:, 30:].any(), name


def test_icons_that_differ_by_their_plate_train_apart(tmp_path: Path, capsys):
    """Cut out from their plates, both icons were the same white disc: the new file was
    flagged (0.90) and the old one was not (0.61)."""
    for name, plate in (("old", "#1040c0"), ("new", "#10a040")):
        (tmp_path / f"{name}.svg").write_text(ICON.format(w=200, plate=plate))
        page = Image.new("RGB", (1200, 630), (240, 240, 240))
        page.paste(Image.open(io.BytesIO(_icon_png(plate))).convert("RGB"), (900, 60))
        page.save(tmp_path / f"page-{name}.jpg", quality=85)
    out = tmp_path / "brand\nfake: line"  # the printed name is escaped: no line of its own
    assert run_cli("train", "--old", str(tmp_path / "old.svg"), "--new", str(tmp_path / "new.svg"),
                   "--output", str(out)) == 0
    printed = capsys.readouterr().out
    assert "brand\\nfake: line" in printed and not any(line.startswith("fake") for line in printed.splitlines())
    model = ["--model", str(out / "model.tflite"), "--no-cache", "--format", "json"]
    import json

    assert run_cli(*[str(tmp_path / n) for n in ("old.svg", "new.svg", "page-old.jpg", "page-new.jpg")], *model) == 1
    flagged = {Path(r["path"]).name for r in json.loads(capsys.readouterr().out)["results"] if r["flagged"]}
    assert flagged == {"old.svg", "page-old.jpg"}


def _icon_png(plate: str) -> bytes:
    from PIL import ImageDraw

    icon = Image.new("RGB", (120, 120), plate)
    ImageDraw.Draw(icon).ellipse([30, 30, 90, 90], fill="white")
    buffer = io.BytesIO()
    icon.save(buffer, "PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_a_damaged_transparent_png_is_named_and_no_output_folder_is_left(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    mark = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    mark.paste((200, 0, 0, 255), (10, 10, 50, 50))
    buffer = io.BytesIO()
    mark.save(buffer, "PNG")
    data = buffer.getvalue()
    at = data.index(b"IDAT")
    body = data[at + 4: at + 4 + int.from_bytes(data[at - 4: at], "big")]
    # The pixels' second half in a chunk whose name is damaged: PIL raises SyntaxError on decoding.
    damaged = data[: at - 4] + _chunk(b"IDAT", body[: len(body) // 2]) + _chunk(b"\x08\x11\x99y", body[len(body) // 2:])
    (tmp_path / "mark.png").write_bytes(damaged + _chunk(b"IEND", b""))
    assert run_cli("train", "--old", str(tmp_path / "mark.png"), "--new", str(MODEL / "demo-new.svg"),
                   "--output", str(tmp_path / "out")) == 2
    assert f"cannot train from {tmp_path / 'mark.png'}: corrupt or truncated image" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_file_given_as_old_and_as_other_is_refused(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    old = str(MODEL / "demo-old.svg")
    assert run_cli("train", "--old", old, "--new", str(MODEL / "demo-new.svg"), "--other", old,
                   "--output", str(tmp_path / "out")) == 2
    assert "is given as both --old and --other" in capsys.readouterr().err


def test_large_folders_are_sampled_evenly_not_by_their_first_names():
    from logolint.train import _spread

    few = list(range(7))
    assert _spread(few, 120) is few
    chosen = _spread(list(range(1000)), 120)
    assert len(chosen) == len(set(chosen)) == 120 and chosen[0] == 0 and chosen[-1] >= 990


def test_a_model_write_that_fails_leaves_the_model_there_whole(tmp_path: Path):
    target = tmp_path / "model.tflite"
    target.write_bytes(b"a working model")
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096));"
              "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
              "from logolint.files import write_atomic; write_atomic(sys.argv[1], bytes(100_000))")
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True)
    assert done.returncode != 0 and "File too large" in done.stderr  # as a full disk would fail it
    assert target.read_bytes() == b"a working model" and os.listdir(tmp_path) == ["model.tflite"]
    from logolint.files import write_atomic

    write_atomic(target, b"the new model")
    assert target.read_bytes() == b"the new model" and os.listdir(tmp_path) == ["model.tflite"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()  # as a plain write makes it, not 0600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("output, problem", [
    ("overlay.psd", "logolint cannot write .psd images"),  # PIL reads PSD, but cannot write it
    ("overlay.xbm", "logolint cannot write .xbm images"),  # PIL writes XBM, but not in colour
    ("overlay.wmf", "logolint cannot write .wmf images"),  # a stub without its handler
    ("overlay", "no extension to name the format"),
    ("old-logo.png", "it is the image being explained"),
])
def test_explain_refuses_an_overlay_path_it_cannot_use_before_any_work(tmp_path: Path, capsys, monkeypatch,
                                                                       output: str, problem: str):
    import logolint.explain

    monkeypatch.setattr(logolint.explain, "explain", lambda *a, **k: pytest.fail("analysed first"))
    image = tmp_path / "old-logo.png"
    image.write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert run_cli("explain", str(image), "-o", output) == 2
    assert f"-o {output}: cannot write there: {problem}" in capsys.readouterr().err
    assert image.read_bytes() == (EXAMPLES / "old-logo.png").read_bytes()


def test_explain_takes_one_image_not_a_folder(capsys):
    assert run_cli("explain", str(EXAMPLES)) == 2
    assert "is a folder: explain takes one image" in capsys.readouterr().err


def test_a_copy_of_the_old_file_given_as_new_is_refused(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    copy = tmp_path / "new-logo.svg"
    copy.write_bytes((MODEL / "demo-old.svg").read_bytes())
    assert run_cli("train", "--old", str(MODEL / "demo-old.svg"), "--new", str(copy), "--output", str(tmp_path / "o")) == 2
    assert "(--new) are the same file's bytes" in capsys.readouterr().err


def test_a_copy_of_the_old_file_given_as_other_is_refused(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    copy = tmp_path / "photo.svg"
    copy.write_bytes((MODEL / "demo-old.svg").read_bytes())
    assert run_cli("train", "--old", str(MODEL / "demo-old.svg"), "--new", str(MODEL / "demo-new.svg"),
                   "--other", str(copy), "--output", str(tmp_path / "o")) == 2
    assert "(--old) and " in (err := capsys.readouterr().err) and "(--other) are the same file's bytes" in err


def test_an_other_folder_without_images_is_refused_as_old_and_new_are(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    (tmp_path / "others").mkdir()
    (tmp_path / "others" / "notes.txt").write_text("no images here")
    assert run_cli("train", "--old", str(MODEL / "demo-old.svg"), "--new", str(MODEL / "demo-new.svg"),
                   "--other", str(tmp_path / "others"), "--output", str(tmp_path / "o")) == 2
    assert f"--other: no supported images found in {tmp_path / 'others'}\n" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
