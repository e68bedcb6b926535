"""HTML labels in an SVG (a foreignObject), as diagram tools write them, drawn as SVG text.

draw.io and Mermaid write each label as HTML, which resvg does not draw. A label that holds
only text is drawn here as SVG text centred in its box; a browser lays it out with more
care, but it is text in a page font either way. A label with anything else (an image, a
nested SVG, a style that paints more than text) is no label: the caller says it is left
out.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

XHTML = "{http://www.w3.org/1999/xhtml}"
# Text and its formatting: nothing here draws more than glyphs (and a list's bullets).
_INLINE = frozenset({"span", "b", "i", "u", "em", "strong", "font", "sub", "sup", "small", "big", "code",
                     "s", "strike", "del", "ins", "mark", "a", "abbr", "cite", "q", "kbd", "samp", "var", "tt"})
_BLOCK = frozenset({"div", "p", "br", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5",
                    "h6", "table", "tbody", "thead", "tr", "td", "th", "center"})
# What a label's style may set: text and where it goes. Anything else can paint (a
# background, a border, a box-shadow drawn pixel by pixel) or move (an animation).
_TEXT_STYLE = ("font", "color", "text-", "line-height", "white-space", "word-", "overflow", "letter-spacing",
               "direction", "unicode-bidi", "vertical-align", "display", "align-", "justify-", "flex", "width",
               "height", "min-", "max-", "padding", "margin", "box-sizing", "pointer-events", "position", "top",
               "left", "right", "bottom", "z-index", "cursor", "user-select", "-webkit-user-select",
               "visibility", "float", "clear", "table-layout", "border-collapse")
_TEXT_ATTRIBUTES = frozenset({"style", "class", "id", "dir", "lang", "title", "align", "valign", "href", "target",
                              "rel", "color", "face", "size", "colspan", "rowspan"})
_PICTURES = r"gradient\(|image-set\(|element\(|paint\("  # CSS functions that draw a picture
_PAINTS = re.compile(rf"url\(|{_PICTURES}", re.IGNORECASE)
# A style sheet rule that paints an HTML label without any element to show (::before with
# content) or as a picture: such a sheet makes no label text only.
PAINTING_CSS = re.compile(r"(?<![\w-])content\s*:|box-shadow|border-image|background-image|list-style-image|mask"
                          rf"|{_PICTURES}", re.IGNORECASE)
_FONT = re.compile(r"font-(family|size|weight|style)\s*:\s*([^;]+)", re.IGNORECASE)
_LINE_HEIGHT = 1.2
_DEFAULT_SIZE = 16.0
_MAX_PIXELS = 1e6  # as svg.MAX_SIDE_PIXELS: past this a drawing renders blank


def text_lines(element: ET.Element) -> tuple[list[str], dict[str, str]] | None:
    """The lines of text a foreignObject holds and the font its HTML names (font-family,
    font-size, colour...), or None where it holds anything but text."""
    lines, font = [""], {}
    for node in element.iter():
        if node is element:
            continue
        if not node.tag.startswith(XHTML) or node.tag[len(XHTML):] not in _INLINE | _BLOCK:
            return None
        for name in node.attrib:
            if name.lower() not in _TEXT_ATTRIBUTES and not name.lower().startswith(("data-", "aria-")):
                return None
        style = node.get("style", "")
        if _PAINTS.search(style) or not all(_text_only(declaration, node) for declaration in style.split(";")):
            return None
        for key, value in _FONT.findall(style):
            font[f"font-{key.lower()}"] = value.strip()  # the innermost: draw.io's outer div has size 0
        colour = re.search(r"(?:^|;)\s*color\s*:\s*([^;]+)", style, re.IGNORECASE)
        if colour:
            font["fill"] = colour.group(1).strip()
    _lines(element, lines)
    return [line.strip() for line in lines if line.strip()], font


def _text_only(declaration: str, node: ET.Element) -> bool:
    """Whether a style declaration sets only text or where it goes. A plain background
    colour behind the element's own text is a label's (draw.io's edge labels)."""
    name = declaration.split(":", 1)[0].strip().lower()
    if not name or name.startswith(_TEXT_STYLE):
        return True
    return name == "background-color" and bool((node.text or "").strip())


def _lines(node: ET.Element, lines: list[str]) -> None:
    """Each block element starts a line and ends it. The parser refuses nesting deeper than
    svg.MAX_DEPTH, so this recursion is bounded."""
    lines[-1] += node.text or ""
    for child in node:
        block = child.tag[len(XHTML):] in _BLOCK
        if block:
            lines.append("")
        _lines(child, lines)
        if block:
            lines.append("")
        lines[-1] += child.tail or ""


def _number(value: str | None) -> float | None:
    """A length in plain pixels ("12px", "0"), or None: "100%", "1em", "nan", "1e400"."""
    try:
        number = float((value or "0").strip().removesuffix("px"))
    except ValueError:
        return None
    return number if math.isfinite(number) and abs(number) <= _MAX_PIXELS else None


def as_text(element: ET.Element, namespace: str, lines: list[str], font: dict[str, str]) -> None:
    """Turn the foreignObject `element` into SVG text: its lines centred in its box, or from
    its corner where the box is not in plain numbers (width="100%")."""
    x, y = _number(element.get("x")), _number(element.get("y"))
    width, height = _number(element.get("width")), _number(element.get("height"))
    size = _number(font.get("font-size"))
    size = size if size and size > 0 else _DEFAULT_SIZE
    centred = None not in (x, y, width, height)
    transform = element.get("transform")
    element.clear()
    element.tag = f"{namespace}text"
    if transform is not None:
        element.set("transform", transform)
    element.set("dominant-baseline", "central")
    for name, value in font.items():
        if name != "font-size" or size == _number(value):
            element.set(name, value)
    if centred:
        element.set("text-anchor", "middle")
        left, top = x + width / 2, y + height / 2 - (len(lines) - 1) * size * _LINE_HEIGHT / 2
    else:
        left, top = x or 0.0, (y or 0.0) + size / 2
    for number, line in enumerate(lines):
        span = ET.SubElement(element, f"{namespace}tspan", x=f"{left:g}", y=f"{top + number * size * _LINE_HEIGHT:g}")
        span.text = line
