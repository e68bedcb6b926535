"""An SVG's CSS, read as a browser reads it, rewritten for a renderer that reads less.

resvg skips every at-rule block, knows few selectors and loads nothing. A browser applies
@media, @supports and @container rules where their condition holds (a dark colour scheme):
a drawing with such blocks is also drawn with them applied, all at once and each alone
(`variant`). What a browser would apply and resvg never does (other at-rules such as @layer
or @scope, selectors it does not know, nested or escaped rules) is said to be left out,
as is every file the CSS loads but fonts. Every pattern reads untrusted text: none may
backtrack more than linearly, and tokens are found outside strings only.
"""

from __future__ import annotations

import re
from typing import NamedTuple

ALL = -1  # the variant with every conditional block applied
ROOT_MARK = "data-logolint-root"  # set on the root element: `:root` becomes [ROOT_MARK], as specific

_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_STRING = re.compile(r"\"[^\"\n]*\"?|'[^'\n]*'?")
_TOKEN = re.compile(r"@([a-zA-Z-]+)|[{};]")
_ROOT = re.compile(r":root\b", re.IGNORECASE)
_URL = re.compile(r"url\(", re.IGNORECASE)
_INTERNAL = re.compile(r"\s*['\"]?#")  # url(#id) points inside the document
_ATTRIBUTE = re.compile(r"\[[^\]]*\]?")  # [title~=x] in a selector: no combinator
_PSEUDO = re.compile(r":{1,2}[a-zA-Z-]+")
_CSS_DATA = re.compile(r"url\(\s*(?:['\"]\s*)?data:", re.IGNORECASE)
_CSS_ANIMATION = re.compile(r"\banimation(-name)?\s*:", re.IGNORECASE)
ANIMATED = "SVG is animated by CSS, which logolint does not play"
_COMBINATOR = re.compile(r"[ \t\n\r\f>+~]+")  # CSS's white space only: a no-break space is a name's
_PLAIN = re.compile(r"(?:\*|[a-z][a-z0-9-]*)?(?:[.#][a-z_][a-z0-9_-]*)*")
_SIMPLE = re.compile(r"([.#]?)([a-z_][a-z0-9_-]*)")
_HIDES = re.compile(r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)"
                    r"|opacity\s*:\s*0*(?:\.0*)?%?\s*(?:[;}!]|\Z)", re.IGNORECASE)
_FONT_SERVICE = re.compile(r"(?:url\(\s*)?['\"]?\s*https://fonts\.googleapis\.com/", re.IGNORECASE)
# What resvg's CSS parser (simplecss) matches; it skips a rule with any other pseudo-class.
_KNOWN_PSEUDO = frozenset({":first-child", ":link", ":visited", ":hover", ":active", ":focus", ":lang"})
_CONDITIONAL = frozenset({"media", "supports", "container"})
# Blocks that draw nothing in a still drawing (an animation is said elsewhere): kept, as
# resvg skips them. Any other block a browser applies: left out.
_INERT = frozenset({"keyframes", "-webkit-keyframes", "page", "property", "counter-style",
                    "font-feature-values", "font-palette-values"})


class Styled(NamedTuple):
    css: str  # for the renderer
    left_out: list[str]  # what a browser applies that the drawing leaves out
    external: list[str]  # the other files it loads (not fonts)
    conditional: int  # how many conditional blocks it has
    # Selectors the renderer skips: left out only where something is hidden (see hides),
    # which such a rule could show; else they change nothing a check sees (Observable
    # Plot's `:where(.plot) { display: block; max-width: 100% }` is in every plot).
    unapplied: str | None
    hides: bool
    # The selectors of rules that animate (see could_match); an empty one: a rule that may
    # match anything.
    animated: list[str]


def _masked(css: str) -> str:
    """`css` with its strings' insides blanked, at the same length: tokens outside strings."""
    return _STRING.sub(lambda found: found.group(0)[0] + "_" * (len(found.group(0)) - 1), css)


def styled(css: str, variant: int | None = None, first: int = 0) -> Styled:
    """A <style>'s text for the renderer. `variant`: None as resvg reads it (conditional
    blocks skipped), ALL with every conditional block applied, or an index with that one
    only (counted from `first`, across the document's <style>s)."""
    css = _ROOT.sub(f"[{ROOT_MARK}]", _COMMENT.sub(" ", css))
    masked = _masked(css)
    left_out: list[str] = []
    external: list[str] = []
    if "\\" in masked:
        left_out.append("SVG has escaped names in its CSS, which logolint does not apply")
    out: list[str] = []
    frames: list[str] = []  # "plain", "open", "kept" or "dropped", one per open block
    position, pending, count, dropped = 0, None, 0, 0  # pending: (at-rule name, where it starts)
    for token in _TOKEN.finditer(masked):
        text, dropping = token.group(0), dropped > 0
        if token.group(1):
            if pending is None:
                pending = (token.group(1).lower(), token.start())
        elif text == ";":
            if pending and not dropping and _cut(css, *pending, token.start(), external, left_out):
                out.append(css[position:pending[1]])
                position = token.end()
            pending = None
        elif text == "{":
            kind = "dropped" if dropping else "plain"
            if pending and not dropping:
                name, start = pending
                if name in _CONDITIONAL:
                    opened = variant == ALL or variant == first + count
                    count += 1
                    kind = "open" if opened else "kept"
                    if opened:
                        out.append(css[position:start])
                        position = token.end()
                elif name == "font-face":  # text falls back to an installed font, as for any missing one
                    kind = "dropped"
                    out.append(css[position:start])
                else:
                    kind = "kept"
                    if name not in _INERT:
                        left_out.append(f"SVG has CSS @{name} rules, which logolint does not apply")
            elif frames and frames[-1] == "plain":
                left_out.append("SVG has nested CSS rules, which logolint does not apply")
            frames.append(kind)
            dropped += kind == "dropped"
            pending = None
        elif text == "}":
            pending = None
            kind = frames.pop() if frames else "plain"
            dropped -= kind == "dropped"
            if kind == "open":
                out.append(css[position:token.start()])
                position = token.end()
            elif kind == "dropped" and not dropped:
                position = token.end()
    if pending and not dropped and _cut(css, *pending, len(css), external, left_out):  # the sheet's end ends it too
        out.append(css[position:pending[1]])
        position = len(css)
    if not dropped:
        out.append(css[position:])
    css = "".join(out)
    masked = _masked(css)
    left_out += [why for why in (_css_left_out(css, masked),) if why]
    css, removed = _without_external_urls(css, masked)
    return Styled(css, left_out, external + removed, count, _css_unapplied(masked), hides(masked),
                  _animated(masked))


def _cut(css: str, name: str, start: int, end: int, external: list[str], left_out: list[str]) -> bool:
    """Act on the at-rule statement `name` from `start` to `end` (its ";" or the end of the
    sheet): whether it is cut out of the sheet (an @import: its file counted as external)."""
    if name == "import":  # loads a style sheet: a browser applies it
        if not _FONT_SERVICE.match(css, _skip_spaces(css, start + 7)):
            external.append(css[start + 7:end].strip())
        return True
    if name == "layer":
        left_out.append("SVG has CSS @layer rules, which logolint does not apply")
    return False


def _skip_spaces(text: str, start: int) -> int:
    while start < len(text) and text[start].isspace():
        start += 1
    return start


def _css_left_out(css: str, masked: str) -> str | None:
    """What of CSS a browser draws and the renderer does not: embedded data (a background
    image, say). `masked`: css with its strings blanked (see _masked)."""
    if _CSS_DATA.search(css):
        return "SVG draws embedded data through CSS url(), which logolint does not render"
    return None


def _animated(masked: str) -> list[str]:
    """The selectors of the rules that set an animation. Mermaid 11 writes an animation for
    edge classes that most diagrams never use: an unused rule plays nothing."""
    pieces = re.split(r"([{}])", masked)
    found = []
    for at in range(0, len(pieces) - 2, 2):
        if pieces[at + 1] == "{" and _CSS_ANIMATION.search(pieces[at + 2]):
            selector = pieces[at].rsplit(";", 1)[-1].strip()
            found.append("" if selector.startswith("@") else selector)
    return found


def could_match(selector: str, names: set[str]) -> bool:
    """Whether `selector` may match an element of a document whose tags, ".class"es and
    "#id"s are `names` (all lower case). False only where each selector's last compound is
    plain (a tag, classes, an id: ASCII, no attribute or pseudo-class) and names what no
    element has; anything else may match."""
    for one in selector.lower().split(","):
        if not one.isascii() or "[" in one or "\\" in one:
            return True
        compound = _COMBINATOR.split(one.strip(" \t\n\r\f"))[-1]
        if not _PLAIN.fullmatch(compound):
            return True
        if all(kind + name in names for kind, name in _SIMPLE.findall(compound)):
            return True
    return False


def hides(css: str) -> bool:
    """Whether CSS (or a style attribute, or a presentation attribute as "name: value")
    hides anything."""
    return _HIDES.search(css) is not None


def inline_left_out(style: str) -> list[str]:
    """_css_left_out for a style attribute, and its animation: one there animates its own
    element, with no selector that might match nothing."""
    masked = _masked(style)
    return [why for why in (_css_left_out(style, masked), _CSS_ANIMATION.search(masked) and ANIMATED) if why]


def _css_unapplied(masked: str) -> str | None:
    """Selectors a browser applies and the renderer skips (:is(), :not(), ~). A logo hidden
    by one rule and shown by such another would pass unseen."""
    blocks = re.split(r"([{}])", masked)
    for text in (text for text, after in zip(blocks, blocks[1:]) if after == "{"):
        selector = text.rsplit(";", 1)[-1].strip()  # after any statement (@charset ...;)
        if selector.startswith("@"):  # an at-rule's prelude, (prefers-color-scheme:dark): no selector
            continue
        selector = _ATTRIBUTE.sub("", selector)
        unknown = [found for found in _PSEUDO.findall(selector) if found.lower() not in _KNOWN_PSEUDO]
        if unknown or "~" in selector:
            return f"SVG has CSS selectors logolint does not apply ({(unknown or ['~'])[0]})"
    return None


def without_external_urls(css: str) -> tuple[str, list[str]]:
    """A style attribute's text with every url(...) that does not point inside the document
    replaced by `none`, and the references so removed that name something other than
    embedded data."""
    return _without_external_urls(css, _masked(css))


def _without_external_urls(css: str, masked: str) -> tuple[str, list[str]]:
    """One pass over `masked` (css with its strings blanked); an unclosed url( runs to the
    end, as CSS reads it."""
    out, removed, position = [], [], 0
    while (found := _URL.search(masked, position)) is not None:
        close = masked.find(")", found.end())
        end = len(css) if close < 0 else close + 1
        if _INTERNAL.match(css, found.end()):
            out.append(css[position:end])
        else:
            out.append(css[position:found.start()] + "none")
            reference = css[found.end():end].rstrip(")").strip().strip("'\"")
            if not reference.lower().startswith("data:"):
                removed.append(reference)
        position = end
    out.append(css[position:])
    return "".join(out), removed
