"""Rasterise untrusted SVG safely: no entities, no external references, bounded size."""

from __future__ import annotations

import base64
import gzip
import io
import re
import urllib.parse
import xml.etree.ElementTree as ET
import zlib
from typing import Any, NamedTuple

from logolint.errors import ImageError
from logolint.formats import printable
from logolint.svg_css import (ANIMATED, ROOT_MARK, could_match, hides, inline_left_out, styled,
                              without_external_urls)
from logolint.svg_html import PAINTING_CSS, XHTML, as_text, text_lines

MAX_SVG_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 128  # the renderer itself crashed on groups about 250 deep
MAX_ELEMENTS = 200_000
CHECKED_EMBEDDED_PIXELS = 16_000_000  # embedded images up to this size are decoded whole here, to see that they are
# The renderer decodes each <image> anew, even where many hold the same data: a file of many
# copies of a small, highly compressed 16-MP PNG took minutes.
MAX_EMBEDDED_PIXELS = 64_000_000

_XLINK = "{http://www.w3.org/1999/xlink}href"
# Every pattern here reads untrusted text: none may backtrack more than linearly (two
# `\s*` with only optional text between them made a run of spaces quadratic).
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*>", re.IGNORECASE)  # matched where the first one starts only
MAX_REASONS = 8  # what a file leaves out, said at most this many ways
MAX_CONDITIONAL = 4  # a drawing's conditional CSS blocks (@media...) each drawn alone; with more, left out
# MIME parameters (`;charset=utf-8`) as browsers allow them.
_RASTER_DATA = re.compile(r"data:image/(png|jpe?g|gif|webp)(;[\w.+-]+=[^;,]*)*(;base64)?,", re.IGNORECASE)
# `;utf8` without a value too, as browsers read it; base64 is said last.
_SVG_DATA = re.compile(r"data:image/svg\+xml(;(?!base64[;,])[\w.+-]+(?:=[^;,]*)?)*(;base64)?,", re.IGNORECASE)
MAX_NESTED = 2  # an SVG embedded in an SVG embedded in the file, and no deeper
_DATA = re.compile(r"data:([^;,]*)", re.IGNORECASE)
_DRAWS_HREF = frozenset({"image", "feImage", "use"})  # elements whose href a viewer draws (an <a>'s is a link)
_DRAWS_RASTER = frozenset({"image", "feImage"})  # ... and of those, the ones the renderer draws a raster for
# The renderer draws a document as it stands before any animation; a viewer plays it, so a
# logo hidden at first and shown by an animation would pass unseen.
_ANIMATIONS = frozenset({"set", "animate", "animateTransform", "animateMotion", "animateColor"})
MAX_SIDE_PIXELS = 1e6  # a width or height past this renders blank: the viewBox decides instead


def _inflate(data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(MAX_SVG_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ImageError(f"corrupt compressed SVG: {exc}") from None
    if len(out) > MAX_SVG_BYTES:
        raise ImageError("SVG too large after decompression (possible bomb)")
    return out


class _Spent:
    """What a file's documents (itself and the SVGs it embeds) have cost so far: elements,
    and pixels of embedded images, which MAX_ELEMENTS and MAX_EMBEDDED_PIXELS bound in all;
    and each embedded image's verdict, so that a copy is decoded here once."""

    def __init__(self) -> None:
        self.elements = 0
        self.pixels = 0
        self.rasters: dict[str, tuple[str | None, int]] = {}


def _safe_data_uri(value: str, spent: _Spent) -> str | None:
    """An embedded raster image, as a data URI the renderer reads (its type as its bytes
    say, not as labelled), if it decodes whole and safely; else None. Raises ImageError
    once the file's embedded images add up to over MAX_EMBEDDED_PIXELS."""
    if value not in spent.rasters:
        spent.rasters[value] = _raster_verdict(value)
    readable, pixels = spent.rasters[value]
    spent.pixels += pixels
    if spent.pixels > MAX_EMBEDDED_PIXELS:
        raise ImageError(f"SVG embeds images of over {MAX_EMBEDDED_PIXELS:,} pixels in all (possible decoding bomb)")
    return readable


def _raster_verdict(value: str) -> tuple[str | None, int]:
    """_safe_data_uri's data URI or None, and the pixels the renderer would decode."""
    from logolint.imaging import _bombs_refused, open_raster

    match = _RASTER_DATA.match(value)
    if not match:
        return None, 0
    try:
        data = value[match.end():]
        # Without ";base64" the bytes are percent-encoded, as a browser reads them too.
        payload = base64.b64decode(data, validate=False) if match.group(3) else urllib.parse.unquote_to_bytes(data)
        image = open_raster(payload)
        if image.size[0] * image.size[1] <= CHECKED_EMBEDDED_PIXELS:
            with _bombs_refused():
                image.load()  # a truncated one: browsers draw part of it, the renderer nothing
    except Exception:  # ImageError, bad base64, or what PIL raises for a damaged image
        return None, 0
    kind = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}.get(image.format)
    if kind is None:
        return None, 0
    return f"data:image/{kind};base64,{base64.b64encode(payload).decode()}", image.size[0] * image.size[1]


def _embedded_svg(value: str, nested: int, spent: _Spent) -> tuple[str | None, list[str]]:
    """An SVG embedded as a data URI (shields.io embeds a badge's logo so), sanitised as a
    file is, as a data URI the renderer reads, or None; and what a viewer shows that its
    drawing leaves out."""
    if nested >= MAX_NESTED:
        return None, [f"SVG embeds SVGs more than {MAX_NESTED} deep, which logolint does not render"]
    match = _SVG_DATA.match(value)
    data = value[match.end():]
    try:
        payload = base64.b64decode(data) if match.group(2) else urllib.parse.unquote_to_bytes(data)
        folded = _folded(payload)
        if b"<!ENTITY" in folded:  # each document may grow by ENTITY_GROWTH: not one per embedded one
            raise ImageError("it declares entities")
        root = _parse(payload)  # not inflated: a browser does not unzip a data URI
        left_out, conditional = _sanitise(root, None, nested + 1, spent)
        _in_pixels(root)
    except (ImageError, ValueError) as exc:  # ValueError: bad base64
        return None, [f"SVG embeds an SVG logolint cannot check ({exc})"]
    if _links_stylesheet(folded):
        left_out.append(_external(["<?xml-stylesheet?>"]))
    reasons = [f"embedded {why}" for why in left_out]
    if conditional:
        reasons.append("SVG embeds an SVG with conditional CSS (@media...), which logolint does not apply there")
    if any("".join(node.itertext()).strip() for node in root.iter() if node.tag.rsplit("}", 1)[-1] == "text"):
        reasons.append("SVG embeds an SVG with text, which the renderer draws there without fonts")
    return f"data:image/svg+xml;base64,{base64.b64encode(ET.tostring(root, encoding='utf-8')).decode()}", reasons


def _folded(data: bytes) -> bytes:
    """The document upper-cased without its NUL bytes, so that markup is found in UTF-16 too."""
    return data.replace(b"\0", b"").upper()


def _links_stylesheet(folded: bytes) -> bool:
    """Whether the document (`_folded`) has an <?xml-stylesheet?>: ElementTree drops it, and
    a browser applies it."""
    return b"<?XML-STYLESHEET" in folded


def _named(element: ET.Element, names: set[str]) -> None:
    """Add the element's tag, ".class"es and "#id" to `names` (see svg_css.could_match)."""
    names.update([element.tag.rsplit("}", 1)[-1].lower(), f"#{element.get('id', '')}".lower()]
                 + [f".{word}".lower() for word in element.get("class", "").split()])


def _external(references: list[str]) -> str:
    """What to say of a drawing that shows files from outside itself, which a viewer loads."""
    first = references[0] if len(references[0]) <= 60 else references[0][:57] + "..."
    more = f" and {len(references) - 1} more" if len(references) > 1 else ""
    return (f"SVG shows what other files hold ({first!r}{more}), which logolint does not read: "
            "check those files on their own")


def _fonts() -> tuple:
    from logolint.fonts import generic_families

    return generic_families()


def _sanitise(root: ET.Element, variant: int | None = None, nested: int = 0,
              spent: _Spent | None = None) -> tuple[list[str], int]:
    """Remove what would read or fetch anything outside the document; refuse a tree too
    deep or too large. What a viewer would show and the renderer does not draw (embedded
    data it cannot read, CSS images, animations, HTML, scripts, other files) is left out of
    the drawing, and said: the list returned. Its CSS is read as svg_css.styled reads it,
    as `variant`; and how many conditional blocks it has (@media...). `nested`: how deep in
    other SVGs this one is embedded; `spent`: what the file's documents cost so far."""
    left_out: dict[str, None] = {}  # in order, each once
    external: list[str] = []  # what it shows from outside itself: href, url() or @import
    conditional = 0
    unapplied: list[str] = []  # said only where something is hidden
    hidden = False
    animated: list[str] = []  # selectors of CSS rules that animate
    names: set[str] = set()  # every tag, ".class" and "#id", for could_match
    namespace = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    root.set(ROOT_MARK, "")
    # A style sheet can paint HTML labels (::before with content, a box-shadow): then none is text only.
    styles = (f"{namespace}style", f"{XHTML}style")  # a browser applies an HTML <style> in an SVG too
    painted = any(PAINTING_CSS.search("".join(element.itertext())) for element in root.iter() if element.tag in styles)

    def leave_out(why: str | None) -> None:
        if why and len(left_out) < MAX_REASONS:
            left_out[why] = None

    spent = _Spent() if spent is None else spent
    stack = [(root, 0, None)]
    while stack:
        element, depth, parent = stack.pop()
        spent.elements += 1
        if depth > MAX_DEPTH or spent.elements > MAX_ELEMENTS:
            raise ImageError("SVG too deeply nested or too many elements")
        tag = element.tag.rsplit("}", 1)[-1]
        _named(element, names)
        # SVG 2 browsers read requiredFeatures as true, and resvg as false: draw.io's "Text is
        # not SVG - cannot display" is its fallback for SVG 1.1 viewers only.
        element.attrib.pop("requiredFeatures", None)
        for name, value in list(element.attrib.items()):
            if name in ("href", _XLINK):
                # As browsers read a URL: tabs and newlines dropped, spaces kept but at the ends
                # (an SVG's own spaces in a data URI are its text).
                value = element.attrib[name] = re.sub(r"[\t\n\r]", "", value).strip(" \f")
                embedded = _DATA.match(value)
                if embedded and tag in _DRAWS_HREF:
                    readable = _safe_data_uri(value, spent) if tag in _DRAWS_RASTER else None
                    kind = printable(embedded.group(1)[:40]) or "no type"  # the file's own text
                    if tag in _DRAWS_RASTER and _SVG_DATA.match(value):
                        readable, reasons = _embedded_svg(value, nested, spent)
                        for why in reasons:
                            leave_out(why)
                    elif readable is None and tag in _DRAWS_RASTER and _RASTER_DATA.match(value):
                        leave_out(f"SVG embeds an image logolint cannot check: damaged, too large, or "
                                  f"not PNG, JPEG, GIF or WebP ({kind} in <{tag}>)")
                    elif readable is None:  # a viewer draws it: left out, it could hide a logo
                        leave_out(f"SVG embeds data logolint does not render ({kind} in <{tag}>)")
                    if readable is None:
                        del element.attrib[name]
                    else:
                        element.attrib[name] = readable
                elif not value.startswith("#"):
                    if tag not in ("a", "script") and value:  # a link is not drawn; a script is said below
                        external.append(value)
                    del element.attrib[name]
            elif "url(" in value.lower():
                for why in inline_left_out(value):
                    leave_out(why)
                element.attrib[name], removed = without_external_urls(value)
                external += removed
            elif name == "style":
                for why in inline_left_out(value):
                    leave_out(why)
            hidden = hidden or hides(f"{name.rsplit('}', 1)[-1]}: {value};" if name != "style" else value)
            if name.rsplit("}", 1)[-1].lower().startswith("on") and value.strip():
                leave_out("SVG has a script, which logolint does not run")  # onload="...", as <script>
        if tag in _ANIMATIONS:  # the renderer draws the document as it stands before any
            leave_out(f"SVG is animated (<{tag}>), which logolint does not play")
        if tag == "script" and ((element.text or "").strip() or element.get("href") or element.get(_XLINK)):
            leave_out("SVG has a script, which logolint does not run")  # a viewer may draw what it adds
        if tag == "foreignObject" and (len(element) or (element.text or "").strip()):
            # Illustrator's editing data asks for its own extension: no browser draws it.
            extensions = element.get("requiredExtensions")
            label = None if painted else text_lines(element)
            for node in element.iter():  # HTML a rule may animate
                _named(node, names)
            if extensions is not None and XHTML[1:-1] not in extensions:
                element.clear()
            elif label is None:
                leave_out("SVG holds HTML other than text (foreignObject), which logolint does not render")
                element.clear()
            elif label[0] and not _fonts():
                leave_out("SVG has text, and no font was found on this machine to draw it")
                element.clear()
            elif parent is not None and parent.tag == f"{namespace}switch" and len(parent) > 1:
                element.clear()  # the renderer draws the switch's next choice: draw.io's same text
            else:
                as_text(element, namespace, *label)
        if tag == "text" and not _fonts() and "".join(element.itertext()).strip():
            leave_out("SVG has text, and no font was found on this machine to draw it")
        if tag == "style":
            css = "".join(element.itertext())  # a browser reads a child element's tail too
            del element[:]
            kind = (element.get("type") or "text/css").strip().lower()
            media = (element.get("media") or "all").strip()
            element.attrib.pop("media", None)
            element.text = None
            if element.tag in styles and kind == "text/css":  # else no browser applies it
                element.tag = f"{namespace}style"  # the renderer applies an SVG one only
                element.set("type", "text/css")
                if media.lower() not in ("all", "screen"):  # as a block of the same condition
                    css = f"@media {media.replace('{', '(').replace('}', ')')} {{{css}}}"
                found = styled(css, variant, conditional)
                for why in found.left_out:
                    leave_out(why)
                external += found.external
                conditional += found.conditional
                unapplied += [found.unapplied] if found.unapplied else []
                animated += found.animated
                hidden = hidden or found.hides
                element.text = found.css
        stack.extend((child, depth + 1, element) for child in element)
    if external:
        leave_out(_external(external))
    for why in unapplied if hidden else ():
        leave_out(why)
    if any(could_match(selector, names) for selector in animated):
        leave_out(ANIMATED)
    if conditional > MAX_CONDITIONAL:
        leave_out(f"SVG has {conditional} conditional CSS blocks (@media...); logolint draws at most "
                  f"{MAX_CONDITIONAL} of them one by one")
    return list(left_out), conditional


MAX_ENTITIES = 32  # Illustrator declares eight, each a namespace's URI
MAX_ENTITY_TEXT = 256
ENTITY_GROWTH = 1 << 20  # characters entities may add to a document, in all


def _scan(data: bytes) -> None:
    """Refuse entities that could grow the document (those that name other entities, other
    files, or text past MAX_ENTITY_TEXT, or that add more than ENTITY_GROWTH in all), any
    other declaration of an internal DTD subset, and deep nesting, as the XML parser reads
    them: a byte search alone misses them in UTF-16. Plain-text entities stay: Illustrator
    declares its namespaces so. Streaming, before ElementTree builds (and recurses over)
    the tree."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth, declared, grown = 0, 0, 0

    def start(name, attributes):
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise ImageError("SVG too deeply nested")

    def end(name):
        nonlocal depth
        depth -= 1

    def measured_start(name, attributes):
        counted(sum(len(value) for value in attributes.values()))
        start(name, attributes)

    def counted(size):
        nonlocal grown
        grown += size
        if grown > len(data) + ENTITY_GROWTH:
            raise ImageError("SVG's entities expand past what is allowed (possible entity bomb)")

    def entity(name, is_parameter, value, base, system_id, public_id, notation):
        nonlocal declared
        declared += 1
        if (is_parameter or value is None or len(value) > MAX_ENTITY_TEXT or declared > MAX_ENTITIES
                or any(char in value for char in "&%<")):
            raise ImageError("SVG declares entities that could grow it or read other files, which are not "
                             "allowed (possible entity bomb)")
        # Once entities are declared, what they add to the text and attributes is counted.
        parser.StartElementHandler, parser.CharacterDataHandler = measured_start, lambda text: counted(len(text))

    def other_declaration(*declaration):
        raise ImageError("SVG has an internal DTD subset declaring more than plain entities, which is not allowed")

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.EntityDeclHandler = entity
    parser.ElementDeclHandler = parser.AttlistDeclHandler = other_declaration
    parser.NotationDeclHandler = parser.UnparsedEntityDeclHandler = other_declaration
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise _invalid(data, exc) from None
    except (LookupError, ValueError, UnicodeError):  # Python's codecs, for an encoding expat lacks
        raise _unsupported_encoding(data) from None


def _unsupported_encoding(data: bytes) -> ImageError:
    declared = re.search(rb"""encoding\s*=\s*["']([^"']{1,40})""", data[:200])
    if not declared:
        return ImageError("invalid SVG: unsupported encoding")
    return ImageError(f"invalid SVG: unsupported encoding {declared.group(1).decode('ascii', 'backslashreplace')!r}")


def _invalid(data: bytes, exc: Exception) -> ImageError:
    """Markup that does not parse: a broken SVG, or no SVG at all (an HTML page saved as a
    .png), which is no image, not an SVG with a mismatched tag."""
    if b"<svg" not in data.lower():
        return ImageError(f"not an SVG document, nor any image: markup without an <svg> element ({exc})")
    return ImageError(f"invalid SVG: {exc}")


def _parse(data: bytes) -> ET.Element:
    first = data.upper().find(b"<!DOCTYPE")
    doctype = _DOCTYPE.match(data, first) if first >= 0 else None
    if doctype:  # one without an internal subset: nothing in it for the parser
        data = data[:first] + data[doctype.end():]
    _scan(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise _invalid(data, exc) from None
    except (LookupError, ValueError, UnicodeError):
        raise _unsupported_encoding(data) from None
    if root.tag.rsplit("}", 1)[-1] != "svg":
        raise ImageError("not an SVG document")
    return root


_LENGTH = re.compile(r"\s*\+?((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(?:(px|pt|pc|mm|cm|in)\s*)?",
                     re.IGNORECASE)  # units as browsers read them: "400PX" too
MAX_LENGTH_TEXT = 100  # a longer width or height is no length any file means
_PIXELS_PER = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


def _length(value: str | None) -> float | None:
    if value is None or len(value) > MAX_LENGTH_TEXT:
        return None
    match = _LENGTH.fullmatch(value)
    return float(match.group(1)) * _PIXELS_PER[(match.group(2) or "px").lower()] if match else None  # not %, em


def _renderable(pixels: float | None) -> bool:
    """Whether the renderer draws a width or height of this many pixels (else the viewBox decides)."""
    return pixels is not None and 1e-3 <= pixels <= MAX_SIDE_PIXELS


def intrinsic_size(root: ET.Element) -> tuple[int, int] | None:
    """The document's own size in CSS pixels, as it is rendered (see _in_pixels): its width
    and height; one of them and the viewBox's aspect; else the viewBox. A size the
    renderer leaves to the viewBox is not the document's (boxes scaled to a declared
    5,000,000 x 5,000,000 of a 560 x 320 drawing came out stretched). None where it
    declares neither (or only relative lengths)."""
    width, height = ((pixels if _renderable(pixels) else None)
                     for pixels in (_length(root.get("width")), _length(root.get("height"))))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        aspect_w, aspect_h = (float(v) for v in box[2:4]) if len(box) == 4 else (0.0, 0.0)
    except ValueError:
        aspect_w = aspect_h = 0.0
    if aspect_w > 0 and aspect_h > 0:
        if width is None and height is None:
            width, height = aspect_w, aspect_h
        elif height is None:
            height = width * aspect_h / aspect_w
        elif width is None:
            width = height * aspect_w / aspect_h
    if not (width and height and max(width, height) < 1e7):
        return None
    return max(1, round(width)), max(1, round(height))


class Rendered(NamedTuple):
    image: Any  # PIL RGBA, fitted in a RENDER_SIDE square (svg_worker), or drawn taller for tiles (rasterise)
    size: tuple[int, int] | None  # the document's own size (intrinsic_size)
    left_out: str | None  # what a viewer shows that the drawing leaves out (see _sanitise)
    conditional: int  # its CSS's blocks a browser applies only where their condition holds


def rasterise(data: bytes, variant: int | None = None, tiled_side: int | None = None,
              seconds: float | None = None) -> Rendered:
    """The SVG drawn as the renderer draws it or, with `variant`, with its CSS's @media,
    @supports and @container blocks applied: all of them (svg_css.ALL) or one. With
    `tiled_side`, a tall document (a page, see logolint.tiles) is drawn as tall as its tiles
    need at that side, as a tall raster is decoded, not fitted in RENDER_SIDE. `seconds`:
    fewer than a render's own limit (svg_worker.Renderer.render)."""
    from PIL import Image

    from logolint.svg_worker import RENDER_SIDE, render

    if len(data) > MAX_SVG_BYTES:
        raise ImageError("SVG file too large")
    data = _inflate(data)
    root = _parse(data)
    left_out, conditional = _sanitise(root, variant)
    if _links_stylesheet(_folded(data)):
        left_out.append(_external(["<?xml-stylesheet?>"]))
    size = intrinsic_size(root)
    _in_pixels(root)
    side = RENDER_SIDE
    if tiled_side and size:
        from logolint.tiles import decode_side

        tall = decode_side(size, tiled_side)  # tiled_side itself where the page is not tall
        side = tall if tall > tiled_side else side
    png = render(ET.tostring(root, encoding="unicode"), side, seconds)
    return Rendered(Image.open(io.BytesIO(png)).convert("RGBA"), size, "; ".join(left_out) or None, conditional)


def _in_pixels(root: ET.Element) -> None:
    """The root's width and height in plain pixels: the renderer refuses "210mm" or "4in"
    (common in files from Inkscape or Illustrator) as an invalid size, and a relative one
    ("100%") or an absurd one (1e30 renders blank) is left to the viewBox."""
    for name in ("width", "height"):
        value = root.get(name)
        if value is None:
            continue
        pixels = _length(value)
        if not _renderable(pixels) and (pixels is None or root.get("viewBox")):
            del root.attrib[name]
        elif not _renderable(pixels):
            raise ImageError(f"SVG {name} {value.strip()[:40]!r} is out of range and it has no viewBox")
        else:
            root.set(name, f"{pixels:g}")


def render_svg(data: bytes):
    """A PIL RGBA image of the whole SVG, fitted in a RENDER_SIDE square (see rasterise):
    ImageError where the drawing leaves out anything a viewer shows."""
    rendered = rasterise(data)
    if rendered.left_out:
        raise ImageError(rendered.left_out)
    return rendered.image
