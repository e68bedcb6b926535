import io
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import EXAMPLES
from logolint.errors import ImageError
from logolint.imaging import border_colour, edge_colour, load_image, load_rgb


def _save(image: Image.Image, path: Path, **options) -> Path:
    image.save(path, **options)
    return path


def _pattern(size=(64, 48)) -> Image.Image:
    array = np.zeros((size[1], size[0], 3), np.uint8)
    array[:, : size[0] // 2] = (200, 30, 30)
    array[:, size[0] // 2 :] = (30, 30, 200)
    return Image.fromarray(array)


@pytest.mark.parametrize("suffix", ["png", "jpg", "gif", "webp", "bmp", "tiff", "ico"])
def test_every_raster_format_loads_as_rgb(tmp_path: Path, suffix: str):
    path = _save(_pattern(), tmp_path / f"a.{suffix}")
    array = load_rgb(path)
    assert array.dtype == np.uint8 and array.shape[2] == 3
    assert array[:, :10].mean(axis=(0, 1))[0] > 120  # the red half stays red
    assert array[:, -10:].mean(axis=(0, 1))[2] > 120


def test_exif_orientation_is_applied(tmp_path: Path):
    image = _pattern((80, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = _save(image, tmp_path / "r.jpg", exif=exif)
    loaded = load_image(path)
    assert loaded.image.size == (40, 80)
    assert loaded.source_size == (40, 80)


def test_a_bmp_of_negative_width_is_corrupt_not_too_large(tmp_path: Path):
    """PIL reads the width as unsigned: the file was refused as over 64 million pixels."""
    import io

    from logolint.errors import ImageError

    stored = io.BytesIO()
    _pattern((8, 4)).save(stored, "BMP")
    data = bytearray(stored.getvalue())
    data[18:22] = (-8).to_bytes(4, "little", signed=True)
    (tmp_path / "w.bmp").write_bytes(bytes(data))
    with pytest.raises(ImageError, match="^corrupt BMP file: its header declares a negative width$"):
        load_image(tmp_path / "w.bmp")
    data[18:22], data[22:26] = (8).to_bytes(4, "little"), (-4).to_bytes(4, "little", signed=True)
    (tmp_path / "h.bmp").write_bytes(bytes(data))  # a negative height is a top-down BMP: valid
    assert load_image(tmp_path / "h.bmp").image.size == (8, 4)


def test_cmyk_jpeg(tmp_path: Path):
    path = _save(_pattern().convert("CMYK"), tmp_path / "c.jpg")
    assert load_rgb(path)[:, :10].mean(axis=(0, 1))[0] > 120


def test_alpha_is_composited_so_light_marks_stay_visible(tmp_path: Path):
    white_mark = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    white_mark.paste((255, 255, 255, 255), (10, 10, 30, 30))
    array = load_rgb(_save(white_mark, tmp_path / "w.png"))
    assert array[0, 0].max() < 80 and array[20, 20].min() > 240  # dark background, white mark
    dark_mark = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    dark_mark.paste((0, 0, 90, 255), (10, 10, 30, 30))
    array = load_rgb(_save(dark_mark, tmp_path / "d.png"))
    assert array[0, 0].min() > 240


def test_palette_and_16_bit(tmp_path: Path):
    assert load_rgb(_save(_pattern().convert("P"), tmp_path / "p.png")).shape == (48, 64, 3)
    deep = Image.fromarray((np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20))
    array = load_rgb(_save(deep, tmp_path / "d.png"))
    assert array.shape == (48, 64, 3) and array.max() > 200


def test_large_images_are_reduced_and_keep_their_source_size(tmp_path: Path):
    path = _save(_pattern((4000, 3000)), tmp_path / "big.jpg", quality=80)
    loaded = load_image(path)
    assert max(loaded.image.size) <= 2048
    assert loaded.source_size == (4000, 3000)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"not an image at all", "not a supported image format"),
        ((EXAMPLES / "other-photo.jpg").read_bytes()[:20], "corrupt or truncated JPEG file"),
        ((EXAMPLES / "old-logo.png").read_bytes()[:12], "corrupt or truncated PNG file"),
        (_png_header_only(100_000, 100_000), "too large"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n", "Git LFS pointer"),
    ],
)
def test_bad_files_raise_one_error_type(tmp_path: Path, data: bytes, message: str):
    path = tmp_path / "bad.png"
    path.write_bytes(data)
    with pytest.raises(ImageError, match=message):
        load_image(path)


def test_truncated_image(tmp_path: Path):
    buffer = io.BytesIO()
    _pattern((300, 300)).save(buffer, "PNG")
    path = tmp_path / "t.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageError):
        load_image(path)


def test_missing_file_is_an_image_error(tmp_path: Path):
    with pytest.raises(ImageError, match="cannot read file"):
        load_image(tmp_path / "gone.png")


@pytest.mark.parametrize("size", [(1, 1), (7, 1), (1, 7), (41, 23)])
def test_the_edge_colour_of_an_image_is_the_border_colour_of_its_pixels(size):
    pixels = np.random.default_rng(3).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    pixels[1:-1, 1:-1] = (255, 0, 0)  # most of the larger image: the inside does not count
    assert edge_colour(Image.fromarray(pixels)) == border_colour(pixels) != (255, 0, 0)


def _checked(capsys, path) -> dict:
    """The one result of `logolint --no-cache --format json PATH`."""
    from conftest import run_cli

    run_cli("--no-cache", "--format", "json", str(path))
    return json.loads(capsys.readouterr().out)["results"][0]


def _square(image, side: int):
    canvas = Image.new("RGBA", (image.width, image.width), "white")
    canvas.paste(image, (0, (image.width - image.height) // 2))
    return canvas.resize((side, side), Image.LANCZOS)


def test_every_size_of_an_icon_is_checked(tmp_path, capsys):
    # A browser tab shows the 16- or 32-px icon, not the largest, which opens first.
    old, new = (Image.open(EXAMPLES / f"{name}-logo.png").convert("RGBA") for name in ("old", "new"))
    _square(new, 256).save(tmp_path / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)],
                           append_images=[_square(old, 16), _square(old, 32), _square(old, 48)])
    result = _checked(capsys, tmp_path / "favicon.ico")
    assert result["flagged"] and result["error"] is None, result
    _square(new, 256).save(tmp_path / "new.ico", sizes=[(32, 32), (256, 256)], append_images=[_square(new, 32)])
    assert not _checked(capsys, tmp_path / "new.ico")["flagged"]


def _ico(entries, bits: tuple[int, ...] = ()) -> bytes:
    """An ICO file of (declared width, declared height, PNG bytes) entries, as written by
    hand, with the colour depths `bits` declared (32 where not given)."""
    header = struct.pack("<HHH", 0, 1, len(entries))
    offset, directory, body = 6 + 16 * len(entries), b"", b""
    for i, (width, height, data) in enumerate(entries):
        depth = bits[i] if i < len(bits) else 32
        directory += struct.pack("<BBBBHHII", width % 256, height % 256, 0, 0, 1, depth, len(data), offset + len(body))
        body += data
    return header + directory + body


def _png(image) -> bytes:
    stream = io.BytesIO()
    image.save(stream, "PNG")
    return stream.getvalue()


def test_icons_a_viewer_opens_are_checked_whatever_their_neighbours(tmp_path, capsys):
    # A 512-px PNG entry (its directory can only say 256) opens in every viewer; a damaged
    # smaller entry must not hide what the others show.
    old, new = (Image.open(EXAMPLES / f"{name}-logo.png").convert("RGBA") for name in ("old", "new"))
    small = [(side, side, _png(_square(old, side))) for side in (48, 32, 16)]
    (tmp_path / "old.ico").write_bytes(_ico([(256, 256, _png(_square(new, 512))), *small]))
    (tmp_path / "new.ico").write_bytes(_ico([(256, 256, _png(_square(new, 512)))]
                                            + [(side, side, _png(_square(new, side))) for side in (48, 32, 16)]))
    (tmp_path / "damaged.ico").write_bytes(_ico([(256, 256, _png(_square(old, 256))),
                                                 (32, 32, _png(_square(new, 32))[:60])]))
    # Two entries of the largest size: PIL opens the one of fewer colours, a browser the other.
    (tmp_path / "depths.ico").write_bytes(_ico([(256, 256, _png(_square(new, 256))), (256, 256, _png(_square(old, 256)))],
                                               bits=(8, 32)))
    for name, flagged in (("old.ico", True), ("new.ico", False), ("damaged.ico", True), ("depths.ico", True)):
        result = _checked(capsys, tmp_path / name)
        assert result["error"] is None and result["flagged"] == flagged, (name, result)


def test_a_tiff_turned_by_its_orientation_has_the_box_a_viewer_sees(tmp_path, capsys):
    # PIL turns a TIFF by its orientation tag itself while loading: turned twice, the box
    # came out in a 630x1200 frame for a banner shown 1200x630.
    banner = Image.open(EXAMPLES / "old-banner.jpg")
    upright = _checked(capsys, EXAMPLES / "old-banner.jpg")["box"]
    banner.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "o6.tif", tiffinfo={274: 6})
    banner.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "o6-pages.tif", tiffinfo={274: 6}, save_all=True,
                                                     append_images=[Image.open(EXAMPLES / "new-banner.jpg")])
    exif = Image.Exif()
    exif[274] = 6
    banner.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "o6.jpg", quality=92, exif=exif.tobytes())
    for name in ("o6.tif", "o6-pages.tif", "o6.jpg"):
        result = _checked(capsys, tmp_path / name)
        assert result["flagged"] and all(abs(a - b) <= 3 for a, b in zip(result["box"], upright)), (name, result)


@pytest.mark.parametrize("name", ["deep.png", "deep.tif"])
def test_a_large_16_bit_grey_image_is_reduced_and_checked(tmp_path, capsys, name):
    # Reduced by 2 or more, PIL's reduce refused its mode: "corrupt or truncated image".
    grey = Image.open(EXAMPLES / "old-banner.jpg").convert("L")
    grey = grey.resize((5000, round(grey.size[1] * 5000 / grey.size[0])), Image.BILINEAR)
    deep = Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    assert deep.mode.startswith("I;16")
    deep.save(tmp_path / name)
    assert _checked(capsys, tmp_path / name)["flagged"]


def test_a_float_tiff_from_0_to_1(tmp_path, capsys):
    grey = np.asarray(Image.open(EXAMPLES / "old-banner.jpg").convert("L")).astype(np.float32)
    Image.fromarray(grey / 255.0, mode="F").save(tmp_path / "unit.tif")
    Image.fromarray(grey, mode="F").save(tmp_path / "bytes.tif")
    assert _checked(capsys, tmp_path / "unit.tif")["flagged"] and _checked(capsys, tmp_path / "bytes.tif")["flagged"]


@pytest.mark.parametrize("stray", [float("nan"), float("inf"), 1.5])
def test_one_stray_sample_does_not_blacken_a_float_tiff(tmp_path, capsys, stray):
    grey = np.asarray(Image.open(EXAMPLES / "old-banner.jpg").convert("L")).astype(np.float32) / 255.0
    grey[0, 0] = stray
    Image.fromarray(grey, mode="F").save(tmp_path / "stray.tif")
    assert _checked(capsys, tmp_path / "stray.tif")["flagged"]


def test_other_formats_are_never_opened_whatever_the_name(tmp_path, monkeypatch):
    # PIL's EPS plugin runs Ghostscript on the file: an EPS named logo.png must not reach it.
    gs = tmp_path / "bin" / "gs"
    gs.parent.mkdir()
    gs.write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\nexit 1\n")
    gs.chmod(0o755)
    monkeypatch.setenv("PATH", f"{gs.parent}{os.pathsep}{os.environ['PATH']}")
    image = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    for name, kind in (("eps.png", "EPS"), ("tga.png", "TGA"), ("sgi.jpg", "SGI")):
        image.save(tmp_path / name, kind)
        with pytest.raises(ImageError, match="not a supported image format"):
            load_image(tmp_path / name)
    assert not (tmp_path / "ran").exists()


def test_an_apng_is_checked_by_its_animation_not_its_fallback(tmp_path, capsys):
    old = Image.open(EXAMPLES / "old-logo.png").convert("RGBA")
    Image.new("RGBA", old.size, "white").save(tmp_path / "a.png", save_all=True, default_image=True,
                                              append_images=[old, old], duration=500)
    assert _checked(capsys, tmp_path / "a.png")["flagged"]
    data = bytearray((tmp_path / "a.png").read_bytes())  # a damaged fallback: not checked, no internal error
    at = data.index(b"IDAT") + 4
    data[at:at + 40] = bytes(40)
    (tmp_path / "b.png").write_bytes(bytes(data))
    assert _checked(capsys, tmp_path / "b.png")["error"].startswith("corrupt")


def test_icons_are_read_once_each_and_never_a_chunk_bomb(monkeypatch):
    # Entries may all point at one stored image, and a PNG inside an ICO is no PNG file to
    # the chunk limit: each stored image is read once, and one of too many chunks never.
    from logolint import imaging

    old = Image.open(EXAMPLES / "old-logo.png").convert("RGBA")
    large, plain = _png(_square(old, 64)), _png(_square(old, 32))
    chunky = plain[:33] + b"".join(struct.pack(">I", 0) + b"tEXt" + struct.pack(">I", zlib.crc32(b"tEXt"))
                                   for _ in range(20)) + plain[33:]
    data = _ico([(64, 64, large), (32, 32, plain), (16, 16, chunky)])
    # Fifteen more directory entries, all pointing at the 32-px image: 18 entries in all.
    first = 6 + 16 * 3
    directory = data[6:first]
    shared = directory[16:32]
    count = 3 + 15
    offset_shift = 16 * 15
    entries = [directory[i:i + 16] for i in range(0, len(directory), 16)] + [shared] * 15
    moved = [entry[:12] + struct.pack("<I", struct.unpack("<I", entry[12:])[0] + offset_shift) for entry in entries]
    data = struct.pack("<HHH", 0, 1, count) + b"".join(moved) + data[first:]
    image = imaging.open_raster(data)
    image.load()
    monkeypatch.setattr(imaging, "MAX_PNG_CHUNKS", 10)
    chosen, left = imaging._icons(image)
    assert [image.ico.entry[i].dim for i in chosen] == [(32, 32)]  # once, though named 16 times
    assert left == 1  # the chunky 16-px one is never decoded, and counts as not checked
    monkeypatch.setattr(imaging, "MAX_PNG_CHUNKS", 100_000)
    chosen, left = imaging._icons(image)
    assert sorted(image.ico.entry[i].dim for i in chosen) == [(16, 16), (32, 32)] and left == 0


def test_a_damaged_or_extra_icon_size_is_reported_where_the_others_pass(tmp_path, capsys, monkeypatch):
    from logolint import imaging

    new = Image.open(EXAMPLES / "new-logo.png").convert("RGBA")
    old = Image.open(EXAMPLES / "old-logo.png").convert("RGBA")
    (tmp_path / "damaged.ico").write_bytes(_ico([(256, 256, _png(_square(new, 256))),
                                                 (32, 32, _png(_square(old, 32))[:60])]))
    result = _checked(capsys, tmp_path / "damaged.ico")
    assert not result["flagged"] and "1 of the ICO's 2 sizes not checked" in result["error"], result
    # The old logo at the one size past the limit: reported, never passed.
    monkeypatch.setattr(imaging, "MAX_ICONS", 2)
    sizes = [(side, side, _png(_square(new, side))) for side in (16, 20, 24)]
    (tmp_path / "hidden.ico").write_bytes(_ico([(256, 256, _png(_square(new, 256))), *sizes,
                                                (32, 32, _png(_square(old, 32)))]))
    result = _checked(capsys, tmp_path / "hidden.ico")
    assert not result["flagged"] and "2 of the ICO's 5 sizes not checked" in result["error"], result
    monkeypatch.setattr(imaging, "MAX_ICONS", 15)
    result = _checked(capsys, tmp_path / "hidden.ico")
    assert result["flagged"] and result["error"] is None, result


def _animation(tmp_path, suffix: str, frames, **options) -> Path:
    path = tmp_path / f"anim{suffix}"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[20] * (len(frames) - 1) + [5000],
                   loop=0, **options)
    return path


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png", ".tif"])
def test_an_old_logo_in_a_later_frame_is_found(tmp_path, capsys, suffix):
    old = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    blank = Image.new("RGB", old.size, "white")
    path = _animation(tmp_path, suffix, [blank, blank, old])
    result = _checked(capsys, path)
    assert result["flagged"] and result["error"] is None, result
    from conftest import run_cli

    assert run_cli("explain", str(path)) == 1  # as check: it names the frame that decides
    assert "old logo" in capsys.readouterr().out.splitlines()[0]
    assert not _checked(capsys, _animation(tmp_path, suffix, [blank, blank.copy()]))["flagged"]


def test_an_animation_with_more_changing_frames_than_checked_is_reported(tmp_path, capsys, monkeypatch):
    from logolint import imaging

    old = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    new = Image.open(EXAMPLES / "new-logo.png").convert("RGB")
    turned = [new.rotate(angle, fillcolor="white") for angle in (0, 10, 20, 30)]
    monkeypatch.setattr(imaging, "MAX_FRAMES", 2)
    result = _checked(capsys, _animation(tmp_path, ".gif", turned + [old]))
    assert result["error"] == "frames from 4 on: at most 3 frames are checked (the first and 2 that change)", result
    # What was checked flags it: the rest cannot undo that.
    assert _checked(capsys, _animation(tmp_path, ".gif", [turned[0], old] + turned[1:]))["flagged"]
    # Frames that barely change (a cursor moving) cost no check and count for nothing.
    moving = []
    for x in range(0, 60, 10):
        frame = new.copy()
        frame.paste((0, 0, 0), (x, 0, x + 4, 4))
        moving.append(frame)
    result = _checked(capsys, _animation(tmp_path, ".gif", moving))
    assert result["error"] is None and not result["flagged"], result


def _still_gif(frames: int) -> bytes:
    """A GIF of `frames` 1x1 frames, none changing: 23 bytes each."""
    head = b"GIF89a" + struct.pack("<HH", 1, 1) + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
    loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    frame = b"!\xf9\x04\x00\x00\x00\x00\x00," + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00\x02\x02\x44\x01\x00"
    return head + loop + frame * frames + b";"


def test_an_animation_with_more_frames_to_read_than_allowed_is_reported(tmp_path, capsys, monkeypatch):
    """Frames that do not change cost no check, but each costs its reading: a 57-MB GIF of
    2.5 million such frames ran for minutes."""
    from logolint import imaging

    path = tmp_path / "still.gif"
    path.write_bytes(_still_gif(2 * imaging.MAX_FRAMES_READ))
    result = _checked(capsys, path)
    assert result["error"] == f"frames from {imaging.MAX_FRAMES_READ + 1:,} on: at most {imaging.MAX_FRAMES_READ:,} frames are read", result
    assert not result["flagged"]
    monkeypatch.setattr(imaging, "MAX_FRAMES_READ", 40)
    path.write_bytes(_still_gif(40))
    assert _checked(capsys, path)["error"] is None
    path.write_bytes(_still_gif(41))
    assert _checked(capsys, path)["error"] == "frames from 41 on: at most 40 frames are read"
    pages = [Image.new("L", (1, 1), 255) for _ in range(41)]
    pages[0].save(tmp_path / "pages.tif", save_all=True, append_images=pages[1:])
    assert _checked(capsys, tmp_path / "pages.tif")["error"] == "pages from 41 on: at most 40 pages are read"
    # The old logo after the frames read (a moving dot before it): not passed in silence.
    old = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    dots = []
    for x in range(40):
        dots.append(Image.new("RGB", old.size, "white"))
        dots[-1].putpixel((x, 0), (0, 0, 0))
    result = _checked(capsys, _animation(tmp_path, ".gif", dots + [old]))
    assert result["error"] == "frames from 41 on: at most 40 frames are read" and not result["flagged"], result


def test_an_animation_with_more_pixels_to_check_than_allowed_is_reported(tmp_path, capsys, monkeypatch):
    """Checking costs by the pixel: 33 large frames, each changing, took a minute."""
    from logolint import imaging

    assert imaging.MAX_CHECKED_PIXELS >= (imaging.MAX_FRAMES + 1) * 1920 * 1080  # a 1080p recording's frames
    old = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    new = Image.open(EXAMPLES / "new-logo.png").convert("RGB")
    turned = [new.rotate(angle, fillcolor="white") for angle in (0, 10, 20, 30)]
    frame = old.size[0] * old.size[1]
    monkeypatch.setattr(imaging, "MAX_CHECKED_PIXELS", int(2.5 * frame))
    result = _checked(capsys, _animation(tmp_path, ".gif", turned + [old]))
    assert result["error"] == f"frames from 3 on: over {int(2.5 * frame):,} pixels to check in all", result
    assert _checked(capsys, _animation(tmp_path, ".gif", [turned[0], old] + turned[1:]))["flagged"]
    monkeypatch.setattr(imaging, "MAX_CHECKED_PIXELS", 5 * frame)  # the bound counts every frame checked, no more
    result = _checked(capsys, _animation(tmp_path, ".gif", turned + [old]))
    assert result["flagged"] and result["error"] is None, result


def test_an_svg_after_more_than_a_kilobyte_of_blank_space_is_still_an_svg(tmp_path: Path):
    path = tmp_path / "logo.svg"
    path.write_bytes(b"\n" + b" " * 3000 + (EXAMPLES.parent / "model" / "demo-old.svg").read_bytes())
    assert load_image(path).image.size[0] > 0


def test_a_png_text_chunk_bomb_is_said_in_our_words():
    from logolint import imaging
    from logolint.errors import ImageError

    payload = b"Comment\0\0" + zlib.compress(b"a" * (8 << 20))  # 8 MB of text from 8 KB
    chunk = struct.pack(">I", len(payload)) + b"zTXt" + payload + struct.pack(">I", zlib.crc32(b"zTXt" + payload))
    plain = _png(Image.new("RGB", (8, 8), "red"))
    with pytest.raises(ImageError, match=r"^PNG text chunk over [\d,]+ bytes once decompressed \(possible decompression"):
        imaging.open_raster(plain[:33] + chunk + plain[33:])


def test_a_broken_later_page_says_why_without_the_decoders_warnings(tmp_path: Path):
    """A TIFF whose next-page offset points past its end: PIL's warnings about its tags went
    to stderr, naming no file, before the file's own result."""
    import struct
    import warnings

    from logolint.check import check_file
    from logolint.model import Model, bundled_model_path

    path = tmp_path / "page.tif"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path, compression="tiff_lzw")
    data = bytearray(path.read_bytes())
    ifd = struct.unpack("<I", data[4:8])[0]
    after = ifd + 2 + 12 * struct.unpack("<H", data[ifd:ifd + 2])[0]
    data[after:after + 4] = struct.pack("<I", 0x02000000)
    path.write_bytes(bytes(data))
    model = bundled_model_path()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = check_file(str(path), Model(model, model.read_bytes()), 0.5)
    assert result.error is not None and result.error.startswith("pages from 2 on: corrupt (")
    assert [str(w.message) for w in caught] == []


def test_a_jpeg_past_the_pixel_limit_is_checked_at_reduced_size(tmp_path: Path, capsys):
    """A 70-MP print photo was refused as a decompression bomb: a JPEG is decoded at reduced
    size (down to an eighth per side), never whole, so it costs no more than a small one."""
    from PIL import Image

    from conftest import EXAMPLES, run_cli
    from logolint.imaging import MAX_PIXELS

    page = Image.new("RGB", (10_000, 7_000), "white")
    logo = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    page.paste(logo.resize((6000, round(6000 * logo.height / logo.width))), (2000, 1500))
    page.save(tmp_path / "print.jpg", quality=85)
    page.save(tmp_path / "print.png")  # the same pixels in PNG, decoded whole: still refused
    assert page.width * page.height > MAX_PIXELS
    assert run_cli(str(tmp_path / "print.jpg"), str(tmp_path / "print.png"), "--no-cache", "--format", "json") == 1
    results = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)["results"]}
    assert results["print.jpg"]["flagged"] and results["print.jpg"]["error"] is None, results["print.jpg"]
    assert results["print.png"]["error"] == "image too large (over 64,000,000 pixels)"


def _declaring(size: tuple[int, int], progressive: bool = False) -> bytes:
    """A small JPEG whose frame header declares `size`: what PIL is told before decoding."""
    import io
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_hostile import _jpeg_with_size

    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, "JPEG", progressive=progressive)
    return _jpeg_with_size(out.getvalue(), *size)


def _one_channel_first_scan(data: bytes) -> bytes:
    """The JPEG with its first scan header saying it holds one channel of three: a
    baseline file in separate scans, as the reader sees it before decoding."""
    at = data.index(b"\xff\xda")
    return data[:at + 4] + b"\x01" + data[at + 5:]


@pytest.mark.parametrize("size, kind", [
    ((12000, 12000), "progressive"),  # libjpeg buffers every coefficient at full size
    ((12000, 12000), "scans"),  # so it does for a baseline file whose channels are in separate scans
    ((65535, 65535), "baseline"),  # past 64 times the limit
])
def test_a_jpeg_that_would_be_buffered_whole_is_refused_before_decoding(tmp_path: Path, size, kind):
    """The first allowance took any JPEG up to 64 times the limit: 2.3 GB for a 4.7-MB
    20000x20000 file in three scans."""
    data = _declaring(size, progressive=kind == "progressive")
    path = tmp_path / "big.jpg"
    path.write_bytes(_one_channel_first_scan(data) if kind == "scans" else data)
    with pytest.raises(ImageError, match=r"^image too large "):
        load_image(path, tiled=True)


@pytest.mark.parametrize("size, side, decoded", [
    ((10000, 7000), 2048, (2500, 1750)),
    ((65535, 4095), 2048, (8192, 512)),  # long: reduced by its long side, not left whole by its short one
    ((2560, 30000), 12800, (1280, 15000)),  # a tall page, decoded for its tiles
    ((12799, 65535), 12800, (3200, 16384)),
    ((4000, 3000), 2048, (4000, 3000)),  # under the limit: drafted as every image is, (side, side)
])
def test_a_jpeg_past_the_limit_is_drafted_by_its_long_side(size, side, decoded):
    from logolint.imaging import MAX_PIXELS, _draft_box, _reduced_pixels

    assert _reduced_pixels(size, _draft_box(size, side)) == decoded[0] * decoded[1]
    assert decoded[0] * decoded[1] <= MAX_PIXELS or size[0] * size[1] <= MAX_PIXELS


def test_a_large_jpeg_embedded_in_an_svg_is_not_drawn(tmp_path: Path):
    """The renderer decodes an embedded image whole: it keeps the plain limit (a 17000-px
    JPEG of the old logo was drawn as nothing and passed)."""
    import base64

    data = base64.b64encode(_declaring((17000, 17000))).decode()
    svg = tmp_path / "page.svg"
    svg.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
                   f'<image width="100" height="100" href="data:image/jpeg;base64,{data}"/></svg>')
    with pytest.raises(ImageError, match="SVG embeds an image logolint cannot check"):
        load_rgb(svg)


def test_a_tall_page_turned_by_exif_is_tiled_as_it_is_shown(tmp_path: Path, capsys):
    """The tiles followed the size as stored: a page stored wide and shown tall passed, one
    stored tall and shown wide was decoded 12000 px wide."""
    from conftest import run_cli

    page = Image.new("RGB", (1280, 12000), (245, 245, 245))
    mark = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    page.paste(mark.resize((280, round(280 * mark.height / mark.width))), (900, 7000))
    exif = Image.Exif()
    exif[0x0112] = 6  # turned 90 degrees clockwise to be shown
    page.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "stored-wide.jpg", exif=exif, quality=90)
    assert run_cli(str(tmp_path / "stored-wide.jpg"), "--no-cache", "--format", "json") == 1
    [result] = json.loads(capsys.readouterr().out)["results"]
    x0, y0, x1, y1 = result["box"]
    assert result["flagged"] and 880 <= x0 < x1 <= 1200 and 6980 <= y0 < y1 <= 7180, result
    page.save(tmp_path / "stored-tall.jpg", exif=exif, quality=90)  # shown 12000 x 1280: wide, whole
    assert load_image(tmp_path / "stored-tall.jpg", tiled=True).image.size == (2048, 218)
    # Other formats by the EXIF block PIL reads when it opens them (a PNG's eXIf chunk).
    page.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "stored-wide.png", exif=exif)
    assert load_image(tmp_path / "stored-wide.png", tiled=True).image.size == (1280, 12000)


def test_a_truncated_avif_is_said_to_be_one(tmp_path: Path):
    from PIL import features

    if not features.check("avif"):
        pytest.skip("this Pillow has no AVIF support")
    buffer = io.BytesIO()
    Image.open(EXAMPLES / "old-logo.png").convert("RGB").save(buffer, "AVIF")
    (tmp_path / "cut.avif").write_bytes(buffer.getvalue()[:200])
    with pytest.raises(ImageError, match="^corrupt or truncated AVIF file$"):
        load_image(tmp_path / "cut.avif")


def test_avif_is_checked_and_found_in_folders(tmp_path: Path, capsys, monkeypatch):
    """Folder scans passed .avif files over in silence, though Pillow reads them."""
    from PIL import features

    from conftest import run_cli

    if not features.check("avif"):
        pytest.skip("this Pillow has no AVIF (the message is tested below)")
    Image.open(EXAMPLES / "old-logo.png").convert("RGB").save(tmp_path / "banner.avif")
    assert run_cli(str(tmp_path), "--no-cache", "--format", "json") == 1
    [result] = json.loads(capsys.readouterr().out)["results"]
    assert result["flagged"] and result["path"].endswith("banner.avif")
    # An animation's later frames too, as a GIF's: the first frame blank, the logo in the second.
    blank = Image.new("RGB", (560, 320), "white")
    logo = Image.open(EXAMPLES / "old-logo.png").convert("RGB").resize((560, 320))
    blank.save(tmp_path / "anim.avif", save_all=True, append_images=[logo], duration=500)
    assert run_cli(str(tmp_path / "anim.avif"), "--no-cache", "--format", "json") == 1
    [result] = json.loads(capsys.readouterr().out)["results"]
    assert result["flagged"] and result["part"] == "frame 2", result
    monkeypatch.setattr(features, "check", lambda name: False)
    with pytest.raises(ImageError, match=r"^AVIF cannot be read with this Pillow \(.*AVIF needs 11.3 or later"):
        load_rgb(tmp_path / "banner.avif")


def _rle8_bmp(width: int, height: int, rows: bytes) -> bytes:
    palette = b"".join(bytes((i, i, i, 0)) for i in range(256))
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(rows), 2835, 2835, 256, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(rows), 0, 0, offset) + info + palette + rows


def test_a_large_run_length_bmp_is_refused_before_its_slow_decoding():
    from logolint import imaging

    # Each row one grey pixel, then end of line: Pillow pads the rest of it byte by byte.
    small = _rle8_bmp(3000, 2000, b"\x01\x80\x00\x00" * 2000 + b"\x00\x01")
    assert imaging.load_image("s.bmp", small).source_size == (3000, 2000)
    large = _rle8_bmp(5000, 4000, b"\x01\x80\x00\x00" * 4000 + b"\x00\x01")
    with pytest.raises(ImageError, match=r"^run-length BMP of over 16,000,000 pixels \(slow to decode"):
        imaging.open_raster(large)


def test_the_documented_size_limits_are_those_enforced(tmp_path: Path, monkeypatch):
    import gzip

    from logolint import imaging, svg

    assert imaging.MAX_FILE_BYTES == 200 * 2**20 and svg.MAX_SVG_BYTES == 20 * 2**20  # as docs/untrusted-files.md says
    huge = tmp_path / "huge.png"
    with open(huge, "wb") as stream:  # sparse: no 200 MB written
        stream.truncate(imaging.MAX_FILE_BYTES + 1)
    with pytest.raises(ImageError, match=r"^file too large \(over 209,715,200 bytes\)"):
        imaging.read_file(huge)
    monkeypatch.setattr(imaging, "MAX_FILE_BYTES", 1000)  # the bound itself, without reading 200 MB
    (tmp_path / "edge.png").write_bytes(b"x" * 1000)
    assert len(imaging.read_file(tmp_path / "edge.png")) == 1000
    (tmp_path / "edge.png").write_bytes(b"x" * 1001)
    with pytest.raises(ImageError, match="file too large"):
        imaging.read_file(tmp_path / "edge.png")

    drawing = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    with pytest.raises(ImageError, match="^SVG file too large"):
        svg.rasterise(drawing + b" " * svg.MAX_SVG_BYTES + b"</svg>")
    bomb = gzip.compress(drawing + b" " * svg.MAX_SVG_BYTES + b"</svg>")
    assert len(bomb) < 100_000
    with pytest.raises(ImageError, match=r"^SVG too large after decompression \(possible bomb\)"):
        svg.rasterise(bomb)
    assert svg.rasterise(gzip.compress(drawing + b" " * 1000 + b"</svg>")).image.size[0] > 0


def test_a_jpeg_of_64_scans_is_read_and_one_of_65_refused():
    from logolint import imaging

    plain = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(plain, "JPEG")
    scans = plain.getvalue().count(b"\xff\xda")
    assert scans == 1
    # Markers after the image's end are counted as the limit counts them; a decoder stops before them.
    assert imaging.open_raster(plain.getvalue() + b"\xff\xda" * (imaging.MAX_JPEG_SCANS - scans)).size == (32, 32)
    with pytest.raises(ImageError, match=r"^JPEG has over 64 scans"):
        imaging.open_raster(plain.getvalue() + b"\xff\xda" * (imaging.MAX_JPEG_SCANS + 1 - scans))
