"""Overlay files that `explain -o` may replace: each carries a mark naming logolint and a
digest of its pixels, so that an existing file is overwritten only if it is an overlay
logolint wrote and no one has edited since (an editor keeps a JPEG's comment, not its pixels)."""

from __future__ import annotations

import hashlib
import io
import os

MARK = "logolint explain"
SOFTWARE = 0x0131  # the EXIF/TIFF tag for the program that wrote a file
MARKED = ("PNG", "JPEG", "GIF", "WEBP", "TIFF")  # formats whose files can carry the mark


def kind(path: str) -> str | None:
    """PIL's format for the file name's extension."""
    from PIL import Image

    return Image.registered_extensions().get(os.path.splitext(path)[1].lower())


def encode(picture, format_: str) -> bytes:
    """The picture in `format_`, marked where the format can carry a mark."""
    if format_ not in MARKED:
        return _encoded(picture, format_, None)
    # The mark holds the digest of the pixels as they decode, which the mark itself leaves alone.
    digest = _digest(_encoded(picture, format_, MARK))
    return _encoded(picture, format_, f"{MARK} {digest}")


def ours(path: str) -> bool:
    """Whether the file at `path` is an overlay logolint wrote, unedited since."""
    from PIL import Image

    from logolint.imaging import read_file

    try:
        data = read_file(path)  # a regular file only: a FIFO would hang the read
        with Image.open(io.BytesIO(data)) as existing:
            mark = _mark(existing)
    except Exception:  # not an image PIL reads: not ours
        return False
    return mark is not None and mark == f"{MARK} {_digest(data)}"


def _encoded(picture, format_: str, mark: str | None) -> bytes:
    from PIL import Image, PngImagePlugin

    out = io.BytesIO()
    if mark is None:
        picture.save(out, format_)
    elif format_ == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", mark)
        picture.save(out, format_, pnginfo=info)
    elif format_ in ("JPEG", "GIF"):
        picture.save(out, format_, comment=mark.encode())
    else:  # WEBP, TIFF
        exif = Image.Exif()
        exif[SOFTWARE] = mark
        picture.save(out, format_, exif=exif)
    return out.getvalue()


def _mark(image) -> str | None:
    for value in (image.info.get("Software"), image.info.get("comment"), image.getexif().get(SOFTWARE)):
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value.startswith(MARK):
            return value.rstrip("\0")
    return None


def _digest(data: bytes) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        pixels = image.convert("RGBA")
        return hashlib.sha256(f"{pixels.size}".encode() + pixels.tobytes()).hexdigest()[:32]
