"""Turn any supported file into an RGB array, or raise ImageError with a clear message."""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import struct
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, NamedTuple

from logolint.errors import ImageError, ImageTimeout
from logolint.files import open_regular

IMAGE_EXTENSIONS = frozenset(
    ".png .apng .jpg .jpeg .jpe .jfif .gif .webp .avif .bmp .dib .tif .tiff .ico .svg .svgz".split()
)
# What PIL may open, whatever a file is named: the formats above and no other plugin (PIL's
# EPS plugin runs Ghostscript on the file; others widen what hostile bytes can reach).
RASTER_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "DIB", "TIFF", "ICO")  # JPEG opens MPO too
AVIF_BRANDS = (b"avif", b"avis")  # an ISO media file's major brand (bytes 8-12) that makes it AVIF
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_PIXELS = 64_000_000  # declared size; anything larger is treated as a decompression bomb
# A baseline JPEG that load_image decodes at reduced size (its draft, down to an eighth per
# side) may declare this many times MAX_PIXELS, as long as what it decodes to stays under
# MAX_PIXELS: a 70-MP print photo needs no more memory than a 4-MP one, and was refused as
# a bomb. Not a progressive one (libjpeg buffers its coefficients at full size), nor one
# read whole (embedded in an SVG, an MPO's frames, training's logo files).
JPEG_REDUCTION = 64
_LIMIT = threading.Lock()  # PIL's bomb limit is one global; HTML thumbnails are made in threads
MAX_JPEG_SCANS = 64
# Pillow decodes a run-length BMP in Python, pixel by pixel: a 33-KB 8000x8000 one took 11 s.
MAX_RLE_BMP_PIXELS = 16_000_000
MAX_PNG_CHUNKS = 100_000  # an 8 KB IDAT each would make 800 MB
WORK_SIDE = 2048  # longer side kept for detection; larger images are reduced on load
LFS_POINTER = b"version https://git-lfs.github.com/spec/"

# PIL logs what is broken in a file on its own loggers, which Python prints on stderr when
# no handler is set; the file's error already says it. An application's handlers still see them.
logging.getLogger("PIL").addHandler(logging.NullHandler())


def border_colour(array) -> tuple[int, ...]:
    """The median colour of an HxWx3 array's outermost pixels: its background, for a
    logo file or a page."""
    import numpy as np

    return _median(np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]]))


def edge_colour(image) -> tuple[int, ...]:
    """border_colour of a PIL RGB image, read from its four edges alone: a whole 1-MP image
    takes about 6 ms to become an array."""
    import numpy as np

    width, height = image.size
    top, bottom, left, right = (np.asarray(image.crop(box)) for box in (
        (0, 0, width, 1), (0, height - 1, width, height), (0, 0, 1, height), (width - 1, 0, width, height)))
    return _median(np.concatenate([top[0], bottom[0], left[:, 0], right[:, 0]]))


def _median(pixels) -> tuple[int, ...]:
    import numpy as np

    return tuple(int(c) for c in np.median(pixels, axis=0))


def extension(path: str | os.PathLike[str]) -> str:
    """The name's extension, lowercase: also of a name that is nothing else (`.png`, which
    Path.suffix reads as no extension, and the hook's manifest as an image)."""
    name = Path(path).name.lower()
    return name[name.rfind("."):] if "." in name else ""


def is_image_path(path: str | os.PathLike[str]) -> bool:
    return extension(path) in IMAGE_EXTENSIONS


_MARKUP = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<")  # a match reads no further than the first "<"
# The first bytes of each raster format, to say "truncated" rather than "not supported".
_MAGIC = {b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF", b"BM": "BMP", b"II*\0": "TIFF",
          b"MM\0*": "TIFF", b"\0\0\1\0": "ICO"}


def is_svg(data: bytes) -> bool:
    """Markup or gzip (SVGZ) by content alone, whatever the name: results are cached by
    content, and a PNG named .svg is still a PNG."""
    if data.startswith((b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff")):  # gzip, UTF-16
        return True
    return _MARKUP.match(data) is not None


def open_raster(data: bytes, reducible: bool = False):
    """Open raster bytes with PIL after the bomb checks, without decoding pixels yet. With
    `reducible` (load_image, which decodes a JPEG at reduced size and checks what it
    decodes to, see JPEG_REDUCTION), a baseline JPEG may declare more pixels."""
    from PIL import Image

    if data.startswith(b"\x89PNG\r\n\x1a\n") and _png_chunks(data) > MAX_PNG_CHUNKS:
        raise ImageError(f"PNG has over {MAX_PNG_CHUNKS:,} chunks (possible decoding bomb)")
    if (data.startswith(b"BM") and len(data) >= 26 and int.from_bytes(data[14:18], "little") >= 40
            and int.from_bytes(data[18:22], "little", signed=True) < 0):
        # PIL reads the width as unsigned: four billion pixels wide, "too large".
        raise ImageError("corrupt BMP file: its header declares a negative width")
    reduced = reducible and data.startswith(b"\xff\xd8")
    try:
        with _LIMIT, _bombs_refused(MAX_PIXELS * JPEG_REDUCTION if reduced else MAX_PIXELS):
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS * JPEG_REDUCTION if reduced else MAX_PIXELS
            try:
                image = Image.open(io.BytesIO(data), formats=RASTER_FORMATS + _avif(data))
            finally:
                Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    except ImageError:
        raise
    except Image.UnidentifiedImageError:
        kind = next((name for magic, name in _MAGIC.items() if data.startswith(magic)), None)
        if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            kind = "WebP"
        if kind is None and data[4:8] == b"ftyp" and data[8:12] in AVIF_BRANDS:
            kind = "AVIF"
        raise ImageError(f"corrupt or truncated {kind} file" if kind else "not a supported image format") from None
    except Exception as exc:  # PIL raises many types for corrupt headers
        if "MAX_TEXT_CHUNK" in str(exc):  # Pillow's own bound, in Pillow's words
            from PIL import PngImagePlugin

            raise ImageError(f"PNG text chunk over {PngImagePlugin.MAX_TEXT_CHUNK:,} bytes once decompressed "
                             "(possible decompression bomb)") from None
        raise ImageError(f"corrupt image: {exc}") from None
    width, height = image.size
    # Not an MPO's: its other frames are decoded whole (see other_images).
    limit = MAX_PIXELS * JPEG_REDUCTION if reduced and _baseline_jpeg(image, data) else MAX_PIXELS
    if width * height > limit or width <= 0 or height <= 0:
        raise ImageError(f"image too large or empty ({width}x{height} pixels)")
    # Each progressive scan walks every block of the image again: a small file of
    # repeated scans takes minutes to decode. Real files have about ten.
    if image.format in ("JPEG", "MPO") and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise ImageError(f"JPEG has over {MAX_JPEG_SCANS} scans (possible decoding bomb)")
    if image.format in ("BMP", "DIB") and image.info.get("compression") in (1, 2) and width * height > MAX_RLE_BMP_PIXELS:
        raise ImageError(f"run-length BMP of over {MAX_RLE_BMP_PIXELS:,} pixels (slow to decode: possible decoding bomb)")
    return image


def _baseline_jpeg(image, data: bytes) -> bool:
    """A JPEG that libjpeg decodes without buffering every coefficient of the image: not
    progressive, and its first scan holds every channel (else, even baseline, it buffers
    them all: 500 MB for a 9000x9000 file of 1 MB in three scans)."""
    return image.format == "JPEG" and not image.info.get("progressive") and _one_scan(data)


def _one_scan(data: bytes) -> bool:
    """Whether the first scan (SOS) of a JPEG holds as many channels as its frame (SOF).
    The segments are walked by their lengths: an EXIF thumbnail's own markers are skipped."""
    at, channels = 2, None
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = struct.unpack_from(">H", data, at + 2)[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and at + 9 < len(data):
            channels = data[at + 9]
        elif marker == 0xDA:
            return channels is not None and at + 4 < len(data) and data[at + 4] == channels
        at += 2 + length
    return False


def _draft_box(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The box a JPEG's draft is asked for: (side, side) as for every image, but for one
    over MAX_PIXELS the box its reduced image fills, so that a long or tall one is reduced
    by its long side too (PIL picks the scale from the smaller of the two ratios)."""
    width, height = size
    if width * height <= MAX_PIXELS:
        return side, side
    longest = max(width, height)
    return max(1, -(-width * side // longest)), max(1, -(-height * side // longest))


def _reduced_pixels(size: tuple[int, int], box: tuple[int, int]) -> int:
    """The pixels a JPEG of `size` decodes to with its draft at `box`, as PIL picks the
    scale: 1/8, 1/4 or 1/2 where both sides allow it, else none."""
    width, height = size
    ratio = min(width // box[0], height // box[1])
    scale = next(s for s in (8, 4, 2, 1) if ratio >= s or s == 1)
    return -(-width // scale) * -(-height // scale)


def _avif(data: bytes) -> tuple[str, ...]:
    """("AVIF",) for AVIF data where this Pillow reads it (11.3 and later, with libavif);
    an ImageError naming what is missing where it does not; () for other data."""
    if data[4:8] != b"ftyp" or data[8:12] not in AVIF_BRANDS:
        return ()
    from PIL import features

    if not features.check("avif"):
        import PIL

        raise ImageError(f"AVIF cannot be read with this Pillow ({PIL.__version__}; AVIF needs 11.3 or later, "
                         "built with libavif)")
    return ("AVIF",)


def _png_chunks(data: bytes) -> int:
    """How many chunks, counting no further than MAX_PNG_CHUNKS + 1. PIL spends a few
    microseconds on each in Python, from the moment it opens the file: 200 MB of empty
    chunks would take minutes."""
    at, count = 8, 0
    while at + 8 <= len(data) and count <= MAX_PNG_CHUNKS:
        at += 12 + struct.unpack_from(">I", data, at)[0]
        count += 1
    return count


@contextlib.contextmanager
def _bombs_refused(limit: int = MAX_PIXELS):
    """PIL's bomb warning as an ImageError, also for frames an ICO or a TIFF opens late.
    Its other warnings (odd tags, short EXIF) are silenced: hook output stays clean."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"image too large (over {limit:,} pixels)") from None


@contextlib.contextmanager
def _native_stderr_silenced():
    """libtiff writes its complaints about a broken file straight to file descriptor 2;
    the file's error already says it could not be read."""
    sys.stderr.flush()
    saved = os.dup(2)
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 2)
    os.close(sink)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


DEEP_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")  # more than 8 bits a sample: PIL's conversions clip them


def eight_bit(image):
    """An image of one of DEEP_MODES as an 8-bit grey ("L") one, scaled from its range."""
    import numpy as np
    from PIL import Image

    array = np.asarray(image, dtype=np.float64)
    finite = np.isfinite(array)
    # The scale from nearly the brightest sample: one stray one (NaN, inf, 1.5 in an
    # image of 0 to 1) set it for all and left the picture black. Floating-point
    # samples mostly run from 0 to 1.
    top = float(np.percentile(array[finite], 99.9)) if finite.any() else 0.0
    peak = 65535.0 if top > 255 else 1.0 if image.mode == "F" and top <= 1.0 else 255.0
    array = np.where(finite, array, 0.0)
    return Image.fromarray(np.clip(array * (255.0 / peak), 0, 255).astype(np.uint8))


def flatten(image):
    """RGB on a background chosen to keep the drawing visible (dark for light marks)."""
    import numpy as np
    from PIL import Image

    if image.mode in DEEP_MODES:
        image = eight_bit(image)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        if image.getchannel("A").getextrema()[0] == 255:
            return image.convert("RGB")
        # The drawing's mean brightness, from a small copy: the full-size float
        # arithmetic cost a second and 200 MB on a large image.
        rgba = np.asarray(image.reduce(max(1, max(image.size) // 256)), dtype=np.float32)
        alpha = rgba[..., 3:] / 255.0
        luma = (rgba[..., :3].mean(axis=2, keepdims=True) * alpha).sum() / max(float(alpha.sum()), 1.0)
        background = 32 if luma > 200 else 255
        canvas = Image.new("RGBA", image.size, (background,) * 3 + (255,))
        return Image.alpha_composite(canvas, image).convert("RGB")
    return image.convert("RGB")


class Loaded(NamedTuple):
    image: Any  # PIL RGB image, reduced to at most WORK_SIDE (or the side asked for) on a side
    source_size: tuple[int, int]  # (width, height) of the file as a viewer shows it
    others: bool = False  # whether the file holds other images a viewer shows (see other_images)
    left_out: str | None = None  # what a viewer shows that the image leaves out (an SVG's), or None


# Besides the image that opens first, a file may hold others that a viewer shows: an ICO's
# other sizes (a browser tab shows the 16- or 32-px one, not the one PIL opens, the largest),
# an animation's later frames, a TIFF's later pages. They are checked too (other_images), and
# the file scores as its highest. An ICO's other entries are checked up to MAX_ICONS, the
# smallest first, each of at most ICON_PIXELS by its own header, in a file of at most
# MAX_ICON_FILE bytes. A later frame is checked where it differs from the last one checked
# (CHANGED_LEVELS on more than CHANGED_SHARE of its pixels, or CHANGED_PIXELS in a large
# frame: a moving cursor does not count, a logo coming in does), up to MAX_FRAMES of them,
# MAX_FRAMES_READ read, MAX_FRAME_PIXELS decoded in all and MAX_CHECKED_PIXELS checked in all,
# the first image's included (as decoded for checking: at most 2048 px on a side, or a tall
# image's tiles).
# Whatever is left over is reported: the file is not checked unless what was checked flags it.
# An SVG whose CSS has @media, @supports or @container rules is also drawn with them
# applied, all at once and each alone: a browser applies them where their condition holds
# (a dark colour scheme, a size), and the renderer never (see logolint.svg_css).
CONDITIONAL_CSS = "the drawing with its CSS @media rules applied"
MAX_ICONS = 15
ICON_PIXELS = 512 * 512
MAX_ICON_FILE = 4 * 1024 * 1024
MAX_FRAMES = 32
# Reading a frame costs about 70 us however small it is: a 57-MB GIF of 2.5 million 1x1
# frames, none changing, ran for minutes under the other bounds, and a TIFF's pages cost more
# the later they are (100,000 1x1 pages: 67 s).
MAX_FRAMES_READ = 5_000
MAX_FRAME_PIXELS = 500_000_000
# Checking costs by the pixel: a 2-MB APNG of 33 changing 2048x2048 frames took 60 s, one of 8
# tall 1280x12800 frames (tiled) 90 s, 30 and 44 s with this bound (benchmarks/animations.py),
# which still checks all 33 frames of a 1920x1080 screen recording (68 MP).
MAX_CHECKED_PIXELS = 72_000_000
CHANGED_LEVELS = 24
CHANGED_SHARE = 0.001
CHANGED_PIXELS = 4096  # in a 1280x12000 page, a 280-px logo changes 0.09% of the pixels


def _icons(image) -> tuple[list[int], int]:
    """The ICO entries checked besides the one PIL opened (see MAX_ICONS), each stored image
    once, sized by its own header, which a directory entry cannot tell past 256; and how
    many other entries are left unchecked."""
    buf = image.ico.buf
    seen = {image.ico.entry[image.ico.getentryindex(image.size)].offset}
    found, left = [], 0
    for i, entry in enumerate(image.ico.entry):
        if entry.offset in seen:
            continue
        seen.add(entry.offset)
        pixels = _entry_pixels(buf, entry)
        if pixels is not None and pixels <= ICON_PIXELS:
            found.append((pixels, i))
        else:
            left += 1
    if buf.seek(0, 2) > MAX_ICON_FILE:
        return [], left + len(found)
    found.sort()
    return [i for _, i in found[:MAX_ICONS]], left + len(found[MAX_ICONS:])


def _entry_pixels(buf, entry) -> int | None:
    """Width x height from an ICO entry's own PNG or DIB header; None for one that is not
    read (too short, or a PNG with too many chunks to decode in reasonable time)."""
    buf.seek(entry.offset)
    head = buf.read(24)
    if len(head) < 24:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        buf.seek(entry.offset)
        if _png_chunks(buf.read(entry.size)) > MAX_PNG_CHUNKS:
            return None
        width, height = struct.unpack(">II", head[16:24])
    else:
        width, height = struct.unpack("<ii", head[4:12])
        height = abs(height) // 2  # the colours and the transparency mask, one above the other
    return abs(width) * height


def other_images(data: bytes, side: int, first, tiled: bool = False, bounded: bool = True):
    """The file's images besides `first` (the PIL image load_image gave) that a viewer
    shows, as (what it is, Loaded), e.g. ("frame 3", ...); see MAX_FRAMES. With `tiled`,
    a tall frame is decoded as load_image decodes a tall image (see logolint.tiles).
    Not `bounded` by MAX_CHECKED_PIXELS where none is checked: a report finding the frame
    a check named, decoded larger than the check decoded it.
    Raises ImageError, after yielding those it checks, where any are left unchecked."""
    if is_svg(data):
        yield from _other_drawings(data, side, first, tiled, bounded)
        return
    image = open_raster(data)
    if image.format == "ICO":
        yield from _other_icons(image, side)
    else:
        yield from _other_frames(image, side, first, tiled, bounded)


def _other_drawings(data: bytes, side: int, first, tiled: bool, bounded: bool):
    """other_images of an SVG with conditional CSS. Where `bounded`, the drawings share one
    render's time (the time spent drawing them, not checking them) and, as frames do,
    MAX_CHECKED_PIXELS: an 11-KB file of slow blurs and four @media rules took a minute
    (each render had its own limit), a tall page 48 tiles' checks."""
    import time

    from logolint.svg import MAX_CONDITIONAL, rasterise
    from logolint.svg_css import ALL
    from logolint.svg_worker import RENDER_SECONDS

    pixels = first.size[0] * first.size[1]  # every drawing of the document is as large
    drawing, spent = 0.0, pixels

    def drawn(variant: int, what: str):
        nonlocal drawing, spent
        late = f"{what}: not drawn: an SVG's other drawings share {RENDER_SECONDS:g} s of rendering"
        if bounded and spent + pixels > MAX_CHECKED_PIXELS:  # refused before its render is paid for
            raise ImageError(f"{what}: over {MAX_CHECKED_PIXELS:,} pixels to check in all")
        if bounded and drawing >= RENDER_SECONDS:
            raise ImageTimeout(late)
        start = time.monotonic()
        try:
            rendered = rasterise(data, variant, side if tiled else None, RENDER_SECONDS - drawing if bounded else None)
        except ImageTimeout:
            raise ImageTimeout(late) from None
        finally:
            drawing += time.monotonic() - start
        spent += pixels
        return rendered, _drawn(rendered, side, tiled)

    every, loaded = drawn(ALL, CONDITIONAL_CSS)
    yield CONDITIONAL_CSS, loaded
    if 1 < every.conditional <= MAX_CONDITIONAL:  # conditions that exclude each other cancel out at once
        for index in range(every.conditional):
            what = f"the drawing with its CSS @media rule {index + 1} applied"
            yield what, drawn(index, what)[1]


def _other_icons(image, side: int):
    indices, left = _icons(image)
    total = 1 + len(indices) + left
    for index in indices:
        try:
            with _bombs_refused():
                icon = image.ico.frame(index)
            loaded = _decoded(icon, side)
        except Exception:  # ImageError, or whatever PIL raises for a damaged entry
            left += 1
            continue
        yield f"the {icon.size[0]}x{icon.size[1]} size", loaded
    if left:
        raise ImageError(f"{left} of the ICO's {total} sizes not checked (damaged, over 512x512, past the "
                         f"{MAX_ICONS + 1} smallest, or in a file over {MAX_ICON_FILE // 2**20} MB)")


def _other_frames(image, side: int, first, tiled: bool, bounded: bool):
    import numpy as np

    if image.format == "PNG" and image.info.get("default_image"):
        image.seek(1)  # as _decoded: the APNG's fallback image is not shown
    what = "page" if image.format == "TIFF" else "frame"
    last, checked, decoded, index = np.asarray(first), 0, 0, image.tell()
    spent = last.shape[0] * last.shape[1]
    while True:
        index += 1
        try:
            with _bombs_refused():  # its other warnings too: a TIFF's broken tags printed them
                image.seek(index)
        except EOFError:
            return
        except Exception as exc:
            raise ImageError(f"{what}s from {index + 1} on: corrupt ({exc})") from None
        if index >= MAX_FRAMES_READ:
            raise ImageError(f"{what}s from {index + 1:,} on: at most {MAX_FRAMES_READ:,} {what}s are read")
        width, height = image.size
        decoded += width * height
        if width * height > MAX_PIXELS or decoded > MAX_FRAME_PIXELS:
            raise ImageError(f"{what}s from {index + 1} on: over {MAX_FRAME_PIXELS:,} pixels to decode")
        try:
            with _bombs_refused(), _native_stderr_silenced() if what == "page" else contextlib.nullcontext():
                image.load()
            loaded = _decoded(image.copy(), _tiled_side(image, side) if tiled else side)
        except Exception as exc:
            raise ImageError(f"{what}s from {index + 1} on: corrupt ({exc})") from None
        pixels = np.asarray(loaded.image)
        if pixels.shape == last.shape and not _changed(pixels, last):
            continue
        if checked == MAX_FRAMES:
            raise ImageError(f"{what}s from {index + 1} on: at most {MAX_FRAMES + 1} {what}s are checked "
                             f"(the first and {MAX_FRAMES} that change)")
        spent += pixels.shape[0] * pixels.shape[1]
        if bounded and spent > MAX_CHECKED_PIXELS:
            raise ImageError(f"{what}s from {index + 1} on: over {MAX_CHECKED_PIXELS:,} pixels to check in all")
        checked, last = checked + 1, pixels
        yield f"{what} {index + 1}", loaded


def _changed(a, b) -> bool:
    import numpy as np

    moved = np.abs(a.astype(np.int16) - b).max(axis=2) > CHANGED_LEVELS
    return int(np.count_nonzero(moved)) > min(CHANGED_SHARE * moved.size, CHANGED_PIXELS)


def _others(image) -> bool:
    """Whether other_images has anything to look at (cheap: no frame is decoded)."""
    if image.format == "ICO":
        return len(image.ico.entry) > 1
    if image.format not in ("GIF", "WEBP", "PNG", "TIFF", "AVIF"):  # not MPO: a JPEG's depth map or preview
        return False
    if image.tell() == 0:
        return bool(getattr(image, "is_animated", False))
    return getattr(image, "n_frames", 1) > 1 + image.tell()


def exif_orientation(image) -> int:
    """The EXIF orientation (1 upright, 2-8 turned or mirrored) of a loaded image: PIL turns
    a TIFF itself as it loads it, and drops the tag."""
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # a damaged EXIF block: as shown, upright
        return 1
    return orientation if isinstance(orientation, int) else 1  # a tag of another type: as shown, upright


def upright(image, orientation: int):
    """`image` turned as its EXIF `orientation` says it is shown (the tag's own, unread)."""
    from PIL import Image

    turns = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
             5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}
    return image.transpose(turns[orientation]) if orientation in turns else image


def _decoded(image, side: int, draft: tuple[int, int] | None = None) -> Loaded:
    from PIL import Image

    try:
        with _bombs_refused():
            if image.format == "PNG" and image.info.get("default_image") and getattr(image, "n_frames", 1) > 1:
                # An APNG's first image is a fallback no current browser shows: the animation is.
                image.seek(1)
            width, height = image.size  # before a JPEG's draft reduces it
            others = _others(image)
            if image.format == "JPEG":
                image.draft("RGB", draft or (side, side))
            with _native_stderr_silenced() if image.format == "TIFF" else contextlib.nullcontext():
                image.load()
            # Read once loaded: PIL turns a TIFF by its orientation itself while loading (its
            # size already turned), and drops the tag.
            orientation = exif_orientation(image)
            if orientation in (5, 6, 7, 8):  # EXIF orientation turns it
                width, height = height, width
            if max(image.size) > side:
                # PIL's reduce, which reducing_gap uses, refuses 16-bit grey ("wrong mode").
                gap = None if image.mode.startswith("I;16") else 1.0
                image.thumbnail((side, side), Image.BILINEAR, reducing_gap=gap)
            image = upright(image, orientation)  # turned after reducing: one small copy
            return Loaded(flatten(image), (width, height), others)
    except ImageError:
        raise
    except Exception as exc:
        raise ImageError(f"corrupt or truncated image: {exc}") from None


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, refusing files too large to be images we would check, and
    anything but a regular file."""
    try:
        with open_regular(path) as (stream, info):
            if info.st_size > MAX_FILE_BYTES:
                raise ImageError(f"file too large (over {MAX_FILE_BYTES:,} bytes)")
            # Sized to the file: read(MAX_FILE_BYTES) would allocate 200 MB for each one.
            data = stream.read(info.st_size + 1)
    except OSError as exc:
        if os.path.isdir(path):  # named because it could not be listed (paths.collect): say why
            raise ImageError(f"cannot list folder: {_listing_error(path)}") from None
        if exc.errno == errno.ENAMETOOLONG:  # a file's, or a folder's that could not be listed: no telling which
            raise ImageError(f"cannot read: the path is too long ({exc.strerror})") from None
        raise ImageError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise ImageError(f"file too large (over {MAX_FILE_BYTES:,} bytes)")
    return data


def _listing_error(folder: str | os.PathLike[str]) -> str:
    try:
        os.listdir(folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    return "it changed while it was being read"


def refuse_placeholders(data: bytes) -> None:
    """ImageError for a file that stands in for an image: empty, or a Git LFS pointer."""
    if not data:
        raise ImageError("empty file")
    if data.startswith(LFS_POINTER):
        raise ImageError("Git LFS pointer (run `git lfs pull` first)")


def load_image(path: str | os.PathLike[str], data: bytes | None = None, side: int = WORK_SIDE,
               partial: bool = False, tiled: bool = False) -> Loaded:
    """Read `path` (or the given bytes) into an RGB image at most `side` on a side, or with
    `tiled`, a tall image as tall as its tiles need (see logolint.tiles). An SVG
    whose drawing leaves out something a viewer shows is an ImageError, or with `partial`
    (for a check, which can still flag what it draws) says so in `left_out`."""
    if data is None:
        data = read_file(path)
    refuse_placeholders(data)
    if is_svg(data):
        from logolint.svg import rasterise

        rendered = rasterise(data, tiled_side=side if tiled else None)
        if rendered.left_out and not partial:
            raise ImageError(rendered.left_out)
        return _drawn(rendered, side, tiled)
    image = open_raster(data, reducible=True)
    if tiled:
        side = _tiled_side(image, side)
    width, height = image.size
    draft = _draft_box(image.size, side)
    if width * height > MAX_PIXELS and _reduced_pixels(image.size, draft) > MAX_PIXELS:
        raise ImageError(f"image too large ({width}x{height} pixels, over {MAX_PIXELS:,} even decoded at reduced size)")
    return _decoded(image, side, draft)  # at the first frame shown (see other_images)


def _drawn(rendered, side: int, tiled: bool = False) -> Loaded:
    """An SVG's drawing (a svg.Rendered) as load_image gives it: with CSS that applies only
    where a condition holds, it holds another image, the drawing with those rules applied.
    Drawn for tiles (svg.rasterise), a tall page keeps its size."""
    flat = flatten(rendered.image)
    if max(flat.size) > side and not tiled:
        from PIL import Image

        flat.thumbnail((side, side), Image.BILINEAR, reducing_gap=1.0)
    # Boxes in the document's own pixels.
    return Loaded(flat, rendered.size or rendered.image.size, others=rendered.conditional > 0,
                  left_out=rendered.left_out)


def _tiled_side(image, side: int) -> int:
    """The long side to decode `image` at for tiles (see logolint.tiles), by its size as shown."""
    from logolint.tiles import decode_side

    return decode_side(_shown_size(image), side)


def _shown_size(image) -> tuple[int, int]:
    """(width, height) as a viewer shows the image: turned by the EXIF orientation PIL
    read when it opened the file. Not getexif(), which decodes a PNG to find it (and an
    APNG's damaged fallback image then went unsaid)."""
    raw = image.info.get("exif")
    if not isinstance(raw, bytes):
        return image.size
    from PIL import Image

    try:
        with _bombs_refused():  # and the warnings of a broken EXIF block, which stderr would show
            exif = Image.Exif()
            exif.load(raw)
            turned = exif.get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:
        turned = False
    return image.size[::-1] if turned else image.size


def load_rgb(path: str | os.PathLike[str], data: bytes | None = None):
    """The image as a HxWx3 uint8 numpy array."""
    import numpy as np

    return np.asarray(load_image(path, data).image)
