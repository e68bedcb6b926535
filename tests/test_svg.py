import base64
import http.server
import json
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLES
from logolint.errors import ImageError, ImageTimeout
from logolint.imaging import CONDITIONAL_CSS, load_rgb
from logolint.svg import MAX_REASONS, rasterise
from logolint.svg_css import ALL

RED_SQUARE = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="50" height="50" fill="red"/></svg>'


def _svg(tmp_path: Path, text: str, name: str = "a.svg") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_svg_renders_with_its_aspect(tmp_path: Path):
    array = load_rgb(_svg(tmp_path, RED_SQUARE))
    assert array.shape == (512, 1024, 3)
    assert tuple(array[100, 100]) == (255, 0, 0)


def test_svg_detected_by_content_under_another_name(tmp_path: Path):
    assert load_rgb(_svg(tmp_path, RED_SQUARE, "logo.png")).shape[2] == 3


def test_a_web_page_saved_under_an_image_name_is_no_image_not_a_broken_svg(tmp_path: Path):
    page = _svg(tmp_path, "<!doctype html>\n<html><body><p>Moved<br></body></html>", "logo.png")
    with pytest.raises(ImageError, match=r"^not an SVG document, nor any image: markup without an <svg> element"):
        load_rgb(page)
    with pytest.raises(ImageError, match="^invalid SVG: mismatched tag"):
        load_rgb(_svg(tmp_path, '<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'))


def test_entity_bomb_is_refused(tmp_path: Path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "&{chr(97 + i)};&{chr(97 + i)};&{chr(97 + i)};">' for i in range(9))
        + ']><svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>'
    )
    with pytest.raises(ImageError, match="entities"):
        load_rgb(_svg(tmp_path, bomb))


def _utf16(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wide.svg"
    path.write_bytes(('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16"))  # with its BOM
    return path


ILLUSTRATOR = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
               '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n'
               '\t<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">\n'
               '\t<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">\n]>\n'
               '<svg xmlns:x="&ns_extend;" xmlns:i="&ns_ai;" xmlns="http://www.w3.org/2000/svg" '
               'xmlns:xlink="http://www.w3.org/1999/xlink" width="100px" height="50px"><switch>'
               '<foreignObject requiredExtensions="&ns_ai;" width="1" height="1"><i:pgfRef xlink:href="#pgf"/>'
               '</foreignObject><g i:extraneous="self"><rect width="50" height="50" fill="red"/></g></switch></svg>')


def test_illustrator_files_with_their_namespace_entities_are_checked(tmp_path: Path):
    """Illustrator's "Save As SVG" declares its namespaces as entities: such files were
    refused as entity bombs, and their editing data as HTML."""
    assert tuple(load_rgb(_svg(tmp_path, ILLUSTRATOR))[100, 100]) == (255, 0, 0)


def test_entities_that_would_grow_the_file_past_the_limit_are_refused(tmp_path: Path):
    value = "a" * 256
    text = (f'<!DOCTYPE svg [<!ENTITY a "{value}">]><svg xmlns="http://www.w3.org/2000/svg">'
            + "<text>" + "&a;" * 8000 + "</text></svg>")  # 24 KB that would hold 2 MB
    with pytest.raises(ImageError, match="entities expand"):
        load_rgb(_svg(tmp_path, text))


def test_utf16_svg_renders(tmp_path: Path):
    assert tuple(load_rgb(_utf16(tmp_path, RED_SQUARE))[100, 100]) == (255, 0, 0)


@pytest.mark.parametrize("subset, reason", [
    ('<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">', "entities"),
    ('<!ATTLIST svg width CDATA "100">', "internal DTD subset"),
])
def test_utf16_svg_declarations_are_refused(tmp_path: Path, subset: str, reason: str):
    # In UTF-16 every other byte is zero: the declarations must be seen as the parser reads them.
    text = f'<!DOCTYPE svg [{subset}]><svg xmlns="http://www.w3.org/2000/svg"><text>x</text></svg>'
    with pytest.raises(ImageError, match=reason):
        load_rgb(_utf16(tmp_path, text))


def test_public_doctype_is_accepted(tmp_path: Path):
    text = ('<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">' + RED_SQUARE)
    assert load_rgb(_svg(tmp_path, text)).shape == (512, 1024, 3)


def test_deep_nesting_is_refused(tmp_path: Path):
    text = '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 5000 + "</g>" * 5000 + "</svg>"
    with pytest.raises(ImageError, match="nested"):
        load_rgb(_svg(tmp_path, text))


def test_extreme_aspect_stays_small(tmp_path: Path):
    text = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="100000"><rect width="1" height="100000"/></svg>'
    array = load_rgb(_svg(tmp_path, text))
    assert max(array.shape) <= 1024


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_external_references_are_never_fetched_or_read(tmp_path: Path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/x.png"
    secret = tmp_path / "outside.png"
    import PIL.Image

    PIL.Image.new("RGB", (50, 50), (0, 255, 0)).save(secret)
    repo = tmp_path / "repo"
    repo.mkdir()
    text = f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">
      <style>@import url({url}); rect {{ fill: url({url}); }}</style>
      <image href="{url}" width="100" height="100"/>
      <image xlink:href="file://{secret}" width="100" height="100"/>
      <image href="../outside.png" width="100" height="100"/>
      <image href="file:///etc/passwd" width="100" height="100"/>
      <rect width="10" height="10" style="fill: url({url})"/>
      <rect width="10" height="10" filter="url({url}#f)"/>
    </svg>"""
    try:
        image, _, left_out, _ = rasterise(_svg(repo, text).read_bytes())
    finally:
        server.shutdown()
    assert _Recorder.requests == []
    array = np.asarray(image)
    assert not np.any((array[..., 1] > 200) & (array[..., 0] < 50) & (array[..., 3] > 0))  # the green file was not drawn
    # ... and the file is not passed as if it showed nothing: a viewer would load them.
    assert "shows what other files hold" in left_out and "and 7 more" in left_out
    with pytest.raises(ImageError, match="check those files on their own"):
        load_rgb(_svg(repo, text))


@pytest.mark.parametrize("attributes, size", [
    ('width="400" height="200"', (400, 200)),
    ('width="4in" height="2in" viewBox="0 0 10 5"', (384, 192)),
    ('width="100%" height="100%" viewBox="0 0 50 25"', (50, 25)),  # relative: the viewBox tells
    ('viewBox="0,0,30,90"', (30, 90)),
    ('width="300pt" height="150pt"', (400, 200)),  # the renderer refused such units before
    ('width="400PX" height="2IN"', (400, 192)),  # units in capitals, as browsers read them
    ('width="+40" height="20."', (40, 20)),  # numbers as the renderer reads them
    ("", (1024, 512)),  # nothing declared: the rendering's size
    ('width="200" viewBox="0 0 560 320"', (200, 114)),  # one side and the viewBox's aspect, as rendered
    ('height="200" viewBox="0 0 560 320"', (350, 200)),
    ('width="5000000" height="5000000" viewBox="0 0 560 320"', (560, 320)),  # left to the viewBox, as rendered
    ('width="5000000" height="200" viewBox="0 0 560 320"', (350, 200)),
])
def test_svg_boxes_are_in_the_documents_own_pixels(tmp_path: Path, attributes: str, size: tuple[int, int]):
    from logolint.imaging import load_image

    text = f'<svg xmlns="http://www.w3.org/2000/svg" {attributes}><rect width="10" height="5" fill="red"/></svg>'
    assert load_image(_svg(tmp_path, text)).source_size == size


def test_units_in_capitals_are_drawn_at_their_size():
    drawn = rasterise(b'<svg xmlns="http://www.w3.org/2000/svg" width="400PX" height="200PX">'
                      b'<rect width="100" height="100" fill="red"/></svg>')
    assert drawn.image.size == (1024, 512) and drawn.image.getbbox() == (0, 0, 256, 256)


def test_embedded_images_are_drawn_or_the_file_is_not_checked(tmp_path: Path):
    # Viewers draw a data URI with MIME parameters or spaces, and a nested SVG: dropped in
    # silence, they hid the logo and the file passed.
    import base64
    import io

    from PIL import Image

    from conftest import EXAMPLES
    from logolint.errors import ImageError

    png = base64.b64encode((EXAMPLES / "old-logo.png").read_bytes()).decode()
    head = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><image width="400" height="200" href="'
    plain = load_rgb(_svg(tmp_path, f'{head}data:image/png;base64,{png}"/></svg>', "plain.svg"))
    assert plain.std() > 20  # the logo is drawn
    for uri in (f"data:image/png;charset=utf-8;base64,{png}", f" data:image/png;base64,{png}"):
        assert np.array_equal(load_rgb(_svg(tmp_path, f'{head}{uri}"/></svg>', "odd.svg")), plain), uri
    assert np.array_equal(load_rgb(_svg(tmp_path, f'{head}data:image/png;base64,\n{png[:80]}\n{png[80:]}"/></svg>',
                                        "wrapped.svg")), plain)  # a URL's newlines are dropped, as browsers do
    import urllib.parse

    encoded = urllib.parse.quote_from_bytes((EXAMPLES / "old-logo.png").read_bytes())  # data without ";base64"
    assert np.array_equal(load_rgb(_svg(tmp_path, f'{head}data:image/png,{encoded}"/></svg>', "percent.svg")), plain)
    nested = base64.b64encode(_svg(tmp_path, RED_SQUARE, "inner.svg").read_bytes()).decode()
    for uri, kind in ((f"data:;base64,{png}", "no type"), (f"data:image/svg+xml;base64,{nested}", "image/svg+xml")):
        with pytest.raises(ImageError, match=f"embeds data logolint does not render \\({re.escape(kind)} in <use>\\)"):
            load_rgb(_svg(tmp_path, f'{head.replace("<image", "<use")}{uri}"/></svg>', "odd.svg"))
    with pytest.raises(ImageError, match=r"embeds data logolint does not render \(no type in <image>\)"):
        load_rgb(_svg(tmp_path, f'{head}data:;base64,{png}"/></svg>', "odd.svg"))
    with pytest.raises(ImageError, match=r"embeds an image logolint cannot check: damaged, too large, or not PNG, JPEG, GIF or WebP \(image/png in <image>\)"):
        load_rgb(_svg(tmp_path, f'{head}data:image/png,%89PNG"/></svg>', "odd.svg"))
    # A JPEG labelled PNG is drawn as what it is; a truncated one, or one a <use> names, is not checked.
    jpeg = io.BytesIO()
    Image.open(EXAMPLES / "old-logo.png").convert("RGB").save(jpeg, "JPEG")
    labelled = load_rgb(_svg(tmp_path, f'{head}data:image/png;base64,{base64.b64encode(jpeg.getvalue()).decode()}"/></svg>',
                             "labelled.svg"))
    assert np.abs(labelled.astype(int) - plain).mean() < 8
    truncated = base64.b64encode((EXAMPLES / "old-logo.png").read_bytes()[:2000]).decode()
    with pytest.raises(ImageError, match="not PNG, JPEG, GIF or WebP \\(image/png in <image>"):
        load_rgb(_svg(tmp_path, f'{head}data:image/png;base64,{truncated}"/></svg>', "truncated.svg"))
    used = head.replace("<image", "<use")
    with pytest.raises(ImageError, match="image/png in <use>"):
        load_rgb(_svg(tmp_path, f'{used}data:image/png;base64,{png}"/></svg>', "use.svg"))
    image = head[head.index("<image"):]
    link = (f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><a href="data:text/html,hi">'
            f'{image}data:image/png;base64,{png}"/></a></svg>')
    assert np.array_equal(load_rgb(_svg(tmp_path, link, "link.svg")), plain)  # a link's data is no drawing
    html = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><foreignObject width="400" height="200">'
            f'<img xmlns="http://www.w3.org/1999/xhtml" src="data:image/png;base64,{png}"/></foreignObject></svg>')
    with pytest.raises(ImageError, match="foreignObject"):
        load_rgb(_svg(tmp_path, html, "html.svg"))
    for css in (f'<style>svg {{ background: url("data:image/png;base64,{png}") }}</style>',
                f'<rect width="9" height="9" style="background-image: url( data:image/png;base64,{png})"/>'):
        with pytest.raises(ImageError, match="through CSS"):
            load_rgb(_svg(tmp_path, f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">{css}</svg>',
                          "css.svg"))


def test_embedded_images_are_bounded_in_all_and_a_copy_is_decoded_once(tmp_path: Path, monkeypatch):
    import io

    from PIL import Image

    import logolint.svg as svg

    def copies(image: Image.Image, count: int) -> str:
        data = io.BytesIO()
        image.save(data, "PNG")
        uri = f"data:image/png;base64,{base64.b64encode(data.getvalue()).decode()}"
        images = "".join(f'<image x="{i}" width="50" height="50" href="{uri}"/>' for i in range(count))
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100">{images}</svg>'

    decoded = []
    verdict = svg._raster_verdict
    monkeypatch.setattr(svg, "_raster_verdict", lambda value: decoded.append(value) or verdict(value))
    # A 16-MP PNG of one colour is 75 kB: a file of its copies took the renderer minutes.
    big = Image.new("RGB", (4000, 4000), (200, 30, 30))
    with pytest.raises(ImageError, match="embeds images of over 64,000,000 pixels in all"):
        load_rgb(_svg(tmp_path, copies(big, 40), "copies.svg"))
    assert len(decoded) == 1  # refused at the fifth copy, and decoded once
    decoded.clear()
    blue = Image.new("RGB", (40, 40), (0, 90, 200))
    icon = load_rgb(_svg(tmp_path, copies(blue, 200), "icons.svg"))
    assert len(decoded) == 1 and (icon[10:40, 10:40] == (0, 90, 200)).all()  # a diagram's node icon, drawn
    monkeypatch.setattr(svg, "MAX_EMBEDDED_PIXELS", 3 * 40 * 40)  # the bound itself, cheaply
    assert (load_rgb(_svg(tmp_path, copies(blue, 3), "three.svg"))[10:40, 10:40] == (0, 90, 200)).all()
    with pytest.raises(ImageError, match="over 4,800 pixels in all"):
        load_rgb(_svg(tmp_path, copies(blue, 4), "four.svg"))


BADGE = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="20">'
         '<rect width="100" height="20" fill="#555"/><image x="5" y="3" width="28" height="14" xlink:href="{uri}"/></svg>')


def _badge(inner: str | bytes, base64_encoded: bool = True) -> str:
    import urllib.parse

    data = inner.encode() if isinstance(inner, str) else inner
    if base64_encoded:
        return BADGE.format(uri=f"data:image/svg+xml;base64,{base64.b64encode(data).decode()}")
    return BADGE.format(uri=f"data:image/svg+xml;charset=utf-8,{urllib.parse.quote_from_bytes(data)}")


@pytest.mark.parametrize("base64_encoded", [True, False])
def test_an_svg_embedded_as_a_badge_logo_is_drawn(tmp_path: Path, base64_encoded: bool):
    # shields.io embeds a badge's logo as an SVG data URI: such badges were not checked.
    rendered = rasterise(_badge(RED_SQUARE, base64_encoded).encode())
    array = np.asarray(rendered.image)
    scale = array.shape[1] / 100
    assert rendered.left_out is None
    assert tuple(array[int(10 * scale), int(10 * scale), :3]) == (255, 0, 0)  # the inner square
    assert tuple(array[int(10 * scale), int(60 * scale), :3]) == (0x55, 0x55, 0x55)
    assert load_rgb(_svg(tmp_path, _badge(RED_SQUARE, base64_encoded))).std() > 20


@pytest.mark.parametrize("inner, said", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.com/logo.png" width="9" height="9"/></svg>',
     "embedded SVG shows what other files hold ('https://example.com/logo.png')"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"><set attributeName="x" to="1"/></rect></svg>',
     "embedded SVG is animated"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><style>@media (prefers-color-scheme: dark) { rect { fill: red } }'
     '</style><rect width="9" height="9"/></svg>', "embeds an SVG with conditional CSS"),
    # Entities are read in a file, within a budget that one embedded SVG after another would renew.
    ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]><svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>',
     "embeds an SVG logolint cannot check (it declares entities)"),
    ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]><svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>'
     .encode("utf-16"), "embeds an SVG logolint cannot check (it declares entities)"),
    ("<html><body>no svg</body></html>", "embeds an SVG logolint cannot check (not an SVG document"),
    (_badge(_badge(RED_SQUARE)), "embeds SVGs more than 2 deep"),
])
def test_what_an_embedded_svg_leaves_out_is_said(inner: str | bytes, said: str):
    rendered = rasterise(_badge(inner).encode())
    assert rendered.left_out is not None and said in rendered.left_out, rendered.left_out


def test_spaces_in_a_percent_encoded_svg_are_its_own():
    # Browsers keep a data URI's spaces: `translate(-10000) translate(10000 0)` is no move at all.
    inner = RED_SQUARE.replace("<rect", '<rect transform="translate(-10000) translate(10000 0)"').replace('"', "'")
    for uri in (f"data:image/svg+xml,{inner.replace('<', '%3C').replace('>', '%3E')}",
                f"data:image/svg+xml;utf8,{inner.replace('<', '%3C').replace('>', '%3E')}"):
        rendered = rasterise(BADGE.format(uri=uri).encode())
        assert rendered.left_out is None, uri
        assert (np.asarray(rendered.image)[..., :3] == (255, 0, 0)).all(axis=-1).sum() > 1000, uri


@pytest.mark.parametrize("inner, said", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><text y="9">MM</text></svg>', "with text"),
    ('<?xml-stylesheet type="text/css" href="data:text/css,rect%7Bfill:red%7D"?>' + RED_SQUARE,
     "embedded SVG shows what other files hold ('<?xml-stylesheet?>')"),
])
def test_what_the_renderer_leaves_out_of_an_embedded_svg_is_said(inner: str, said: str):
    rendered = rasterise(_badge(inner).encode())
    assert rendered.left_out is not None and said in rendered.left_out, rendered.left_out


def test_a_style_sheet_instruction_in_utf16_is_said():
    svg = '<?xml-stylesheet type="text/css" href="data:text/css,rect%7Bfill:red%7D"?>' + RED_SQUARE
    assert "<?xml-stylesheet?>" in rasterise(svg.encode("utf-16")).left_out


def test_the_element_limit_counts_embedded_svgs_too(monkeypatch):
    from logolint import svg

    monkeypatch.setattr(svg, "MAX_ELEMENTS", 40)
    inner = '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * 30 + "</svg>"
    assert rasterise(_badge(inner).encode()).left_out is None
    with pytest.raises(ImageError, match="too many elements"):
        rasterise(_badge(inner).replace("</svg>", _badge(inner)[_badge(inner).index("<rect"):]).encode())


def test_an_svg_embedded_in_an_embedded_svg_is_drawn():
    array = np.asarray(rasterise(_badge(_badge(RED_SQUARE)).encode()).image)
    assert (array[..., :3] == (255, 0, 0)).all(axis=-1).sum() > 1000  # the innermost square


@pytest.mark.parametrize("size", ['width="1e30" height="1e30"', 'width="1e11"', 'height="0.0000001"'])
def test_an_absurd_size_is_left_to_the_viewbox(tmp_path: Path, size: str):
    # Rendered at such a size the drawing came out blank: an old logo would pass.
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" {size} viewBox="0 0 100 50"><rect width="50" height="50" fill="red"/></svg>'
    array = load_rgb(_svg(tmp_path, svg))
    assert array.shape == (512, 1024, 3) and tuple(array[100, 100]) == (255, 0, 0)


def test_an_absurd_size_without_a_viewbox_is_not_checked(tmp_path: Path):
    with pytest.raises(ImageError, match="out of range"):
        load_rgb(_svg(tmp_path, '<svg xmlns="http://www.w3.org/2000/svg" width="1e30" height="50"><rect width="50" height="50"/></svg>'))


HIDDEN = '<g opacity="0"{style}>{animation}<rect width="50" height="50" fill="red"/></g>'


@pytest.mark.parametrize("style, animation", [
    ("", '<set attributeName="opacity" to="1" begin="0s"/>'),
    ("", '<animate attributeName="opacity" values="0;1" dur="1ms" fill="freeze"/>'),
    ("", '<animateTransform attributeName="transform" type="scale" to="1"/>'),
    (' style="animation: show 1ms forwards"', ""),
    ("", '<style>@keyframes show { to { opacity: 1 } } g { animation: show 1ms forwards }</style>'),
    (' class="in"', '<style>@keyframes show { to { opacity: 1 } } svg .in:hover { animation-name: show }</style>'),
    (' id="logo"', '<style>@media all { #logo { animation: show 1ms } } @keyframes show { to { opacity: 1 } }</style>'),
    (' class="a b"', '<style>@keyframes show { to { opacity: 1 } } .x, g.b[id] { animation: show 1ms }</style>'),
    # Selectors read as matching nothing where they did match.
    (' class="logo"', '<style>@keyframes show { to { opacity: 1 } } [class~=logo] { animation: show 1ms }</style>'),
    (' class="--x"', '<style>@keyframes show { to { opacity: 1 } } .--x { animation: show 1ms }</style>'),
    (' class="élogo"', '<style>@keyframes show { to { opacity: 1 } } .élogo { animation: show 1ms }</style>'),
    (' class="x\u00a0y"', '<style>@keyframes show { to { opacity: 1 } } .x\u00a0y { animation: show 1ms }</style>'),
    (' style="fill: url(#p); -webkit-animation: show 1ms"', ""),
])
def test_an_animated_svg_is_not_checked(tmp_path: Path, style: str, animation: str):
    # The renderer draws the first frame; a viewer plays the animation and shows the logo.
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">{HIDDEN.format(style=style, animation=animation)}</svg>'
    with pytest.raises(ImageError, match="animated"):
        load_rgb(_svg(tmp_path, svg))


@pytest.mark.parametrize("unused", [
    # As Mermaid 11 writes every diagram's stylesheet: rules for edge classes no element has.
    "#my-svg .edge-animation-slow{stroke-dasharray:9,5!important;animation:dash 50s linear infinite;}"
    "@keyframes dash{to{stroke-dashoffset:0;}}",
    "@keyframes show { to { opacity: 1 } }",
    "g.edge > rect#other, use.l { animation: show 1ms }",
])
def test_css_animation_that_no_element_uses_is_drawn(tmp_path: Path, unused: str):
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" id="my-svg" width="100" height="50"><style>{unused}</style>'
           '<g class="edge"><rect class="l" width="50" height="50" fill="red"/></g></svg>')
    assert tuple(load_rgb(_svg(tmp_path, svg))[100, 100]) == (255, 0, 0)


SHOWN_BY_CSS = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><style>.l {{ display: none }} '
                '{rule}</style><rect class="l" width="50" height="50" fill="red"/></svg>')


def _shown(image) -> bool:
    return np.asarray(image)[256, 256, 3] > 0  # the red square's middle


@pytest.mark.parametrize("rule, said", [
    (".l:is(.l) { display: inline }", ":is"),
    ("rect:not(.x) { display: inline }", ":not"),
    ("style ~ .l { display: inline }", "~"),
    (".\\6c { display: inline }", "escaped"),
    (".l { display: none } </style><style>x ~ .l { display: inline }", "~"),
    ("@charset 'utf-8'; .l:not(.x) { display: inline }", ":not"),
    ("@\\6d edia all { .l { display: inline } }", "escaped"),
])
def test_css_selectors_the_renderer_skips_are_said_to_be_left_out(tmp_path: Path, rule: str, said: str):
    # A browser shows the red square; the renderer skips the rule and draws nothing.
    rendered = rasterise(SHOWN_BY_CSS.format(rule=rule).encode())
    assert not _shown(rendered.image)
    assert rendered.left_out is not None and said in rendered.left_out
    with pytest.raises(ImageError, match="does not apply"):
        load_rgb(_svg(tmp_path, SHOWN_BY_CSS.format(rule=rule)))


@pytest.mark.parametrize("rule", ["@media all { .l { display: inline } }",
                                  "@media (prefers-color-scheme:dark) { .l { display: inline } }",
                                  "@supports (display: inline) { .l { display: inline } }",
                                  "@container (min-width: 1px) { .l { display: inline } }"])
def test_a_drawing_with_conditional_css_is_also_drawn_with_it(rule: str):
    """The renderer skips @media; a browser applies it where its condition holds: the
    drawing is checked both ways, not left unchecked (dark-mode favicons have such rules)."""
    plain = rasterise(SHOWN_BY_CSS.format(rule=rule).encode())
    assert plain.left_out is None and plain.conditional and not _shown(plain.image)
    assert _shown(rasterise(SHOWN_BY_CSS.format(rule=rule).encode(), ALL).image)


def test_an_old_logo_shown_only_in_dark_mode_is_flagged(tmp_path: Path, capsys):
    """And one hidden in dark mode is flagged too: each drawing is checked."""
    from conftest import run_cli

    logo = base64.b64encode((EXAMPLES / "old-logo.png").read_bytes()).decode()
    head = '<svg xmlns="http://www.w3.org/2000/svg" width="560" height="320">'
    body = f'<image class="l" href="data:image/png;base64,{logo}" width="560" height="320"/></svg>'
    dark = "@media (prefers-color-scheme: dark) {{ .l {{ display: {} }} }}"
    (tmp_path / "dark-only.svg").write_text(f"{head}<style>.l {{ display: none }} {dark.format('inline')}</style>{body}")
    (tmp_path / "light-only.svg").write_text(f"{head}<style>{dark.format('none')}</style>{body}")
    assert run_cli(str(tmp_path), "--no-cache", "--format", "json") == 1
    results = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)["results"]}
    assert results["dark-only.svg"]["flagged"] and results["dark-only.svg"]["part"] == CONDITIONAL_CSS
    assert results["light-only.svg"]["flagged"] and results["light-only.svg"]["part"] is None


def _with_rules(count: int, height: int = 50) -> bytes:
    rules = " ".join(f"@media (min-width: {i}px) {{ .l {{ fill: #{i}{i}0000 }} }}" for i in range(1, count + 1))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="{height}"><style>{rules}</style>'
            f'<rect class="l" width="50" height="50" fill="blue"/></svg>').encode()


def test_the_other_drawings_of_an_svg_share_one_renders_time(monkeypatch):
    """Four @media rules made six renders of 10 s each: a minute for one 11-KB file."""
    from logolint import svg_worker
    from logolint.imaging import load_image, other_images

    real, given = svg_worker.render, []

    def render(text, side=svg_worker.RENDER_SIDE, seconds=None):  # as a render taking 0.4 s
        given.append(seconds)
        if seconds is not None and seconds < 0.4:
            raise ImageTimeout(f"SVG took longer than {seconds:g} s to render")
        time.sleep(0.4)
        return real(text, side)

    data = _with_rules(4)
    loaded = load_image("x.svg", data)
    monkeypatch.setattr(svg_worker, "RENDER_SECONDS", 1.2)
    monkeypatch.setattr(svg_worker, "render", render)
    drawn = []
    with pytest.raises(ImageTimeout, match=r"CSS @media rule 2 applied: not drawn: an SVG's other drawings share 1.2 s"):
        for what, _ in other_images(data, 2048, loaded.image):
            drawn.append(what)
            time.sleep(0.5)  # checking a drawing takes none of the renderer's time
    assert drawn == [CONDITIONAL_CSS, "the drawing with its CSS @media rule 1 applied"]
    assert given[0] == 1.2 and 0.4 <= given[1] < 0.8


def test_the_other_drawings_of_an_svg_count_towards_the_pixels_checked(monkeypatch):
    from logolint import imaging

    data = _with_rules(4, height=100)
    loaded = imaging.load_image("x.svg", data)
    size = loaded.image.size[0] * loaded.image.size[1]
    monkeypatch.setattr(imaging, "MAX_CHECKED_PIXELS", size * 3)  # the first drawing and 2 others
    drawn = []
    with pytest.raises(ImageError, match="CSS @media rule 2 applied: over .* pixels to check in all"):
        for what, _ in imaging.other_images(data, 2048, loaded.image):
            drawn.append(what)
    assert len(drawn) == 2
    assert len(list(imaging.other_images(data, 2048, loaded.image, bounded=False))) == 5


@pytest.mark.parametrize("rule", [".l:first-child { display: inline }", "rect[class~=l] { display: inline }",
                                  "@font-face { font-family: x; src: url(https://e.com/Virgil.woff2) }",
                                  "@import url(https://fonts.googleapis.com/css?family=Roboto);",
                                  ":root { --c: red } /* url(https://e.com/x.png) @import 'y.css'; */",
                                  '.x { font-family: "a@media b:not(c)" }'])
def test_css_the_renderer_applies_or_that_shows_no_file_is_checked(rule: str):
    assert rasterise(SHOWN_BY_CSS.format(rule=rule).encode()).left_out is None


def _caught(svg: str) -> bool:
    """Whether a check would see the red square a browser shows: said to be left out, or
    drawn in one of the drawings check judges (see imaging.other_images)."""
    plain = rasterise(svg.encode())
    if plain.left_out is not None:
        return True
    drawings = [plain] + ([rasterise(svg.encode(), ALL)] if plain.conditional else [])
    drawings += [rasterise(svg.encode(), index) for index in range(plain.conditional)] if plain.conditional > 1 else []
    return any(_shown(drawing.image) for drawing in drawings)


SQUARE = '<rect class="l" width="50" height="50" fill="red"/>'
HEAD = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'


@pytest.mark.parametrize("svg", [
    # Each of these passed unseen after a change or before it (two reviews' cases).
    f'{HEAD}<image class="l" href="https://cdn.example.com/logo.png#.woff" width="9" height="9"/></svg>',
    f"{HEAD}<style>@import url(https://e.example/show.css?f=.woff2); .l {{ display: none }}</style>{SQUARE}</svg>",
    f'{HEAD}<style>.l {{ display: none }} .x {{ font-family: "@import x" }} .l {{ display: inline }}</style>{SQUARE}</svg>',
    f"{HEAD}<style>.l {{ display: none }} @media (prefers-color-scheme: dark) {{ .l {{ display: inline }} }} "
    f"@media (prefers-color-scheme: light) {{ .l {{ display: none }} }}</style>{SQUARE}</svg>",
    f"{HEAD}<style>.l {{ display: inline }} @layer a {{ .l {{ display: none }} }}</style>{SQUARE}</svg>",
    f"{HEAD}<style>.l {{ display: none }} @scope (svg) {{ .l {{ display: inline }} }}</style>{SQUARE}</svg>",
    f'{HEAD}<style>.y {{ font-family: "@layer {{" }} .l {{ display: inline }}</style>{SQUARE}</svg>',
    f"{HEAD}<style>:root .l {{ display: inline }} svg .l {{ display: none }}</style>{SQUARE}</svg>",
    f'{HEAD}<style media="print">.l {{ display: none }}</style>{SQUARE}</svg>',
    f'{HEAD}<style type="TEXT/CSS">.l {{ display: none }} svg .l {{ display: inline }}</style>{SQUARE}</svg>',
    f'{HEAD}<x:style xmlns:x="urn:x">.l {{ display: none }}</x:style>{SQUARE}</svg>',
    f"{HEAD}<style>.l {{ display: none }} svg {{ .l {{ display: inline }} }}</style>{SQUARE}</svg>",
    f"{HEAD}<style>@\\69mport 'https://e.example/show.css'; .l {{ display: none }}</style>{SQUARE}</svg>",
    f'<?xml-stylesheet href="https://e.example/show.css"?>{HEAD}<style>.l {{ display: none }}</style>{SQUARE}</svg>',
    # CSS ends an @import at the end of the sheet as at a ";" (a third review's cases).
    f'{HEAD}<style>.l {{ display: none }}</style><style>@import "https://e.example/show.css"</style>{SQUARE}</svg>',
    f"{HEAD}<style>.l {{ display: none }} @IMPORT 'show.css' screen/* c */</style>{SQUARE}</svg>",
    # A browser applies an HTML <style> in an SVG as its own.
    f'{HEAD}<style>.l {{ display: none }}</style><style xmlns="http://www.w3.org/1999/xhtml">.l {{ display: inline }}'
    f'</style>{SQUARE}</svg>',
    f'{HEAD}<style>.l {{ display: none }}</style><h:style xmlns:h="http://www.w3.org/1999/xhtml">@import "show.css";'
    f'</h:style>{SQUARE}</svg>',
])
def test_what_a_browser_shows_is_drawn_or_said(svg: str):
    assert _caught(svg)


def test_an_html_style_sheet_hides_what_it_hides_in_a_browser():
    drawn = rasterise(f'{HEAD}<style xmlns="http://www.w3.org/1999/xhtml">.l {{ display: none }}</style>{SQUARE}</svg>'
                      .encode())
    assert drawn.left_out is None and not _shown(drawn.image)


@pytest.mark.parametrize("markup", [
    # Observable Plot: a selector the renderer skips, but nothing hidden for it to show.
    "<style>:where(.plot) { --plot-background: white; display: block; max-width: 100% }</style>",
    # Illustrator's editing data, which asks for Illustrator's own extension.
    '<switch><foreignObject requiredExtensions="http://ns.adobe.com/AdobeIllustrator/10.0/">'
    '<i:pgfRef xmlns:i="http://ns.adobe.com/AdobeIllustrator/10.0/" href="#pgf"/></foreignObject><g/></switch>',
])
def test_what_ordinary_files_hold_is_not_said_to_be_left_out(markup: str):
    assert rasterise(f"{HEAD}{markup}{SQUARE}</svg>".encode()).left_out is None


def test_a_font_embedded_in_css_is_drawn_with_an_installed_one():
    """Excalidraw embeds its fonts: such a file was `not checked`."""
    css = "@font-face { font-family: V; src: url(data:font/woff2;base64,AAAA) }"
    assert rasterise(SHOWN_BY_CSS.format(rule=css).encode()).left_out is None


def test_root_rules_apply_to_the_svg():
    rendered = rasterise(SHOWN_BY_CSS.format(rule=":root .l { display: inline }").encode())
    assert rendered.left_out is None and _shown(rendered.image)


@pytest.mark.parametrize("markup, said", [
    ('<rect width="9" height="9" onclick="draw()"/>', "script"),
    ("<script>document.documentElement.appendChild(document.createElement('image'))</script>", "script"),
    ('<pattern id="p" href="other.svg#q"/><rect width="9" height="9" fill="url(#p)"/>', "other.svg#q"),
])
def test_scripts_and_other_files_are_said_to_be_left_out(markup: str, said: str):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{markup}</svg>'
    assert said in rasterise(svg.encode()).left_out


def test_what_is_left_out_is_said_a_few_ways_at_most():
    """Each <style> could add its own reason, and each was compared with all the others."""
    names = ("".join(chr(97 + int(digit)) for digit in f"{i:05d}") for i in range(20_000))  # :aaaab ...
    styles = "<style>.h { display: none }</style>" + "".join(f"<style>a:{name} {{ fill: red }}</style>" for name in names)
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{styles}</svg>'
    assert rasterise(svg.encode()).left_out.count("; ") == MAX_REASONS - 1


@pytest.mark.parametrize("encoding", ["x-no-such", "rot13", "utf-7", "punycode", "UTF-32"])
def test_an_encoding_the_parser_cannot_read_is_an_invalid_svg(tmp_path: Path, encoding: str):
    """Python's codec errors came out as `internal error: LookupError: ...`."""
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n' + RED_SQUARE
    with pytest.raises(ImageError, match=rf"^invalid SVG: unsupported encoding '{encoding}'$"):
        load_rgb(_svg(tmp_path, text))


def test_nesting_the_renderer_cannot_draw_is_refused_before_it_crashes(tmp_path: Path):
    """Groups about 250 deep crashed the renderer's process, under the old limit of 256."""
    def nested(depth: int) -> str:
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">' + "<g>" * depth
                + '<rect width="64" height="64" fill="red"/>' + "</g>" * depth + "</svg>")

    with pytest.raises(ImageError, match="^SVG too deeply nested$"):
        load_rgb(_svg(tmp_path, nested(250)))
    assert tuple(load_rgb(_svg(tmp_path, nested(100)))[10, 10]) == (255, 0, 0)


def test_what_a_check_can_draw_still_flags_an_svg_that_leaves_something_out(tmp_path: Path, capsys):
    """An SVG that shows the old logo beside something the renderer does not draw (a damaged
    embedded image, an animation, HTML) was only `not checked`, and passed under
    `unreadable: warn`. Now a check draws the rest: the old logo flags it; without one, the
    file is still not checked, saying what was left out. Training still refuses such a file."""
    import base64

    from conftest import EXAMPLES, run_cli
    from logolint.model import bundled_model_path
    from logolint.train import train

    def embedded(name: str) -> str:
        png = base64.b64encode((EXAMPLES / name).read_bytes()).decode()
        return f'<image x="0" y="0" width="560" height="320" href="data:image/png;base64,{png}"/>'

    damaged = '<image x="0" y="330" width="10" height="10" href="data:image/png;base64,iVBORw0KGgo="/>'
    animated = '<rect width="5" height="5"><set attributeName="fill" to="red" begin="1s"/></rect>'
    html = ('<foreignObject width="9" height="9"><p xmlns="http://www.w3.org/1999/xhtml">hi <video src="#v"/></p>'
            '</foreignObject>')
    model = ["--model", str(bundled_model_path()), "--no-cache", "--format", "json"]
    for extra, why in ((damaged, "SVG embeds an image logolint cannot check"), (animated, "SVG is animated (<set>)"),
                       (html, "SVG holds HTML other than text (foreignObject)")):
        for logo, flagged in (("old-logo.png", True), ("new-logo.png", False)):
            path = _svg(tmp_path, '<svg xmlns="http://www.w3.org/2000/svg" width="560" height="340">'
                        f'{embedded(logo)}{extra}</svg>', "page.svg")
            assert run_cli(str(path), *model) == 1
            [result] = json.loads(capsys.readouterr().out)["results"]
            if flagged:
                assert result["flagged"] and result["error"] is None, result
            else:
                assert not result["flagged"] and result["error"].startswith(why), result
        with pytest.raises(ImageError, match=re.escape(why)):
            load_rgb(path)  # what training and thumbnails of unflagged files read: the whole or nothing
    with pytest.raises(Exception, match=re.escape("SVG holds HTML")):
        train([str(path)], [str(EXAMPLES / "new-logo.png")], [], str(tmp_path / "model"))


XHTML = 'xmlns="http://www.w3.org/1999/xhtml"'
# How Mermaid writes a node's label, and draw.io a shape's, with its SVG text as the fallback.
MERMAID_LABEL = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><g transform="translate(20, 10)">'
                 f'<foreignObject width="160" height="80"><div {XHTML} style="display: table-cell; font-size: 48px">'
                 '<span class="nodeLabel"><p>{text}</p></span></div></foreignObject></g></svg>')
DRAWIO_LABEL = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><switch><foreignObject width="100%" '
                'height="100%" requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility">'
                f'<div {XHTML} style="font-size: 0px"><div style="font-size: 12px">{{text}}</div></div>'
                '</foreignObject><text x="100" y="60" font-size="48" text-anchor="middle">ACME</text></switch></svg>')


# The kind of rules Mermaid 11 writes into every diagram: backgrounds for labels, a tooltip's,
# drop shadows and an animation for edge classes that this diagram does not use.
MERMAID_STYLE = ('<style>#d{{font-family:"trebuchet ms",verdana,arial,sans-serif;font-size:16px;fill:#333;}}'
                 "@keyframes dash{{to{{stroke-dashoffset:0;}}}}#d .edge-animation-slow{{stroke-dasharray:9,5!important;"
                 "animation:dash 50s linear infinite;}}#d .edgeLabel{{background-color:rgba(232,232,232, 0.8);}}"
                 "#d .labelBkg{{background-color:rgba(232, 232, 232, 0.5);}}#d div.mermaidTooltip{{position:absolute;"
                 "background:hsl(80, 100%, 96%);border:1px solid #aaaa33;}}#d [data-look=\"neo\"].node rect{{"
                 "filter:drop-shadow(1px 2px 2px rgba(185, 185, 185, 1));}}#d :root{{--mermaid-font-family:x;}}</style>")


@pytest.mark.parametrize("svg", [MERMAID_LABEL, DRAWIO_LABEL,
                                 MERMAID_LABEL.replace("<g transform", MERMAID_STYLE + "<g transform")])
def test_html_labels_that_hold_only_text_are_drawn(svg: str):
    # Diagrams from Mermaid and draw.io label shapes with HTML: every one was not checked.
    rendered = rasterise(svg.format(text="ACME").encode())
    ink = np.asarray(rendered.image)[..., 3] > 128  # drawn at 1024 x 512
    assert rendered.left_out is None
    rows, columns = np.nonzero(ink)
    assert ink.sum() > 5000 and 420 < columns.mean() < 600 and 190 < rows.mean() < 320  # text in the middle


def test_html_labels_keep_their_place():
    moved = MERMAID_LABEL.replace('<g transform="translate(20, 10)">', "<g>").replace(
        "<foreignObject", '<foreignObject transform="translate(20, 10)"')
    expected = rasterise(MERMAID_LABEL.format(text="ACME").encode())
    assert np.array_equal(np.asarray(rasterise(moved.format(text="ACME").encode()).image), np.asarray(expected.image))


def test_a_fallback_for_viewers_of_svg_1_1_is_not_drawn():
    # draw.io's files end so: browsers draw the empty group, and resvg drew the warning.
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><switch>'
           '<g requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility"/>'
           '<text x="0" y="60" font-size="40">Text is not SVG - cannot display</text></switch></svg>')
    assert not (np.asarray(rasterise(svg.encode()).image)[..., 3] > 0).any()


@pytest.mark.parametrize("text", [
    '<img src="data:image/png;base64,iVBORw0KGgo="/>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>',
    '<span style="background: url(#logo)">x</span>',
    '<span style="background-image: image-set(&quot;a.png&quot; 1x)">x</span>',
    '<span onclick="x()">x</span>',
    '<canvas/>',
    '<style>p { color: red }</style>',
    # What paints without loading anything: a box-shadow draws a logo pixel by pixel.
    '<div style="width: 90px; height: 90px; background: red">x</div>',
    '<div style="width: 9px; height: 9px; box-shadow: 9px 0 red, 18px 9px red"></div>',
    '<div style="border: 40px solid red">x</div>',
    '<div style="background-color: red; width: 90px; height: 90px"></div>',
    '<table><tr><td bgcolor="red">x</td></tr></table>',
    '<span style="animation: show 1s">x</span>',
    'x<hr size="40" color="red"/>',
])
def test_html_labels_with_anything_but_text_are_left_out(text: str):
    for svg in (MERMAID_LABEL, DRAWIO_LABEL):
        rendered = rasterise(svg.format(text=text).encode())
        assert rendered.left_out is not None and "HTML other than text" in rendered.left_out


@pytest.mark.parametrize("size", ["nan", "inf", "-5px", "1e30px", "2em"])
def test_html_labels_of_a_size_that_is_no_length_are_drawn_at_the_default_one(size: str):
    rendered = rasterise(MERMAID_LABEL.replace("48px", size).format(text="ACME").encode())
    label = rasterise(MERMAID_LABEL.replace("font-size: 48px", "").format(text="ACME").encode())
    assert rendered.left_out is None and np.array_equal(np.asarray(rendered.image), np.asarray(label.image))


def test_a_style_sheet_that_paints_html_labels_makes_them_more_than_text():
    sheet = '<style>div::before { content: ""; display: block; width: 90px; height: 90px; background: red }</style>'
    rendered = rasterise(MERMAID_LABEL.format(text="ACME").replace("<g transform", sheet + "<g transform").encode())
    assert rendered.left_out is not None and "HTML other than text" in rendered.left_out


def test_html_labels_keep_their_colour_and_a_background_behind_their_own_text():
    # draw.io draws an edge's label over a plain background colour.
    label = MERMAID_LABEL.replace('<span class="nodeLabel"><p>{text}</p></span>',
                                  '<span style="color: rgb(255, 0, 0); background-color: white">{text}</span>')
    rendered = rasterise(label.format(text="ACME").encode())
    red = (np.asarray(rendered.image)[..., :3] == (255, 0, 0)).all(axis=-1)
    assert rendered.left_out is None and red.sum() > 2000


def test_an_html_label_in_a_switch_without_another_choice_is_drawn():
    alone = DRAWIO_LABEL.replace('<text x="100" y="60" font-size="48" text-anchor="middle">ACME</text>', "")
    rendered = rasterise(alone.replace("font-size: 12px", "font-size: 48px").format(text="ACME").encode())
    assert rendered.left_out is None and (np.asarray(rendered.image)[..., 3] > 128).sum() > 2000


def test_html_labels_are_read_line_by_line():
    from logolint.svg_html import text_lines

    label = ET.fromstring(f'<foreignObject xmlns="http://www.w3.org/2000/svg"><div {XHTML} style="font-family: '
                          'Georgia; font-size: 9px">one <b>two</b><br/>three<p>four</p> </div></foreignObject>')
    assert text_lines(label) == (["one two", "three", "four"], {"font-family": "Georgia", "font-size": "9px"})


TEXT = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        '<text x="10" y="70" font-size="60"{family}>ACME</text></svg>')


@pytest.mark.parametrize("family", ["", ' font-family="sans-serif"', ' font-family="serif"',
                                    ' font-family="Helvetica, Arial, sans-serif"', ' font-family="No Such Font"'])
def test_text_is_drawn_in_a_font_the_machine_has(tmp_path: Path, family: str):
    """resvg's generic fonts are Arial, Times New Roman...: where those are not installed,
    text in sans-serif, in a font the machine lacks, or in none was drawn as nothing, and
    an old wordmark set in <text> passed as "ok"."""
    from logolint.fonts import generic_families

    if not generic_families():
        pytest.skip("no known font on this machine (the next test covers that case)")
    array = load_rgb(_svg(tmp_path, TEXT.format(family=family)))
    assert (array < 128).all(axis=2).mean() > 0.05  # dark ink of four large letters


def test_text_without_any_font_is_said_to_be_left_out(tmp_path: Path, monkeypatch):
    from logolint import fonts

    assert fonts.generic_families((str(tmp_path),)) == ()  # a folder without fonts
    monkeypatch.setattr(fonts, "generic_families", lambda: ())
    with pytest.raises(ImageError, match="^SVG has text, and no font was found on this machine to draw it$"):
        load_rgb(_svg(tmp_path, TEXT.format(family="")))
    # Shapes alone need no font; an empty text element draws nothing either way.
    load_rgb(_svg(tmp_path, RED_SQUARE.replace("</svg>", "<text> </text></svg>")))


def test_fonts_are_found_by_their_files(tmp_path: Path):
    from logolint.fonts import generic_families

    (tmp_path / "truetype" / "liberation").mkdir(parents=True)
    for name in ("LiberationSans-Regular.ttf", "LiberationMono-Regular.ttf"):
        (tmp_path / "truetype" / "liberation" / name).write_bytes(b"font")
    os.mkfifo(tmp_path / "truetype" / "DejaVuSans.ttf")  # read by resvg, it would hang every render
    (tmp_path / "truetype" / "DejaVuSerif.ttf").write_bytes(b"")
    found = dict(generic_families((str(tmp_path),)))
    folder = tmp_path / "truetype" / "liberation"
    assert found == {"font_family": "Liberation Sans", "sans_serif_family": "Liberation Sans",
                     "serif_family": "Liberation Sans", "monospace_family": "Liberation Mono",
                     "cursive_family": "Liberation Sans", "fantasy_family": "Liberation Sans",
                     # Given to resvg too: its own search may not look where they were found.
                     "font_files": (str(folder / "LiberationMono-Regular.ttf"), str(folder / "LiberationSans-Regular.ttf"))}


def test_pages_of_text_take_every_common_font_found_and_the_bolds_beside_them(tmp_path: Path):
    from logolint.fonts import generic_families, text_fonts

    for name in ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
                 "DejaVuSans.ttf", "LiberationMono-Regular.ttf", "Unrelated-Bold.ttf"):
        (tmp_path / name).write_bytes(b"font")
    os.mkfifo(tmp_path / "DejaVuSans-Bold.ttf")
    found = [Path(path).name for path in text_fonts((str(tmp_path),))]
    assert found == ["DejaVuSans.ttf", "DejaVuSerif.ttf", "LiberationSans-Regular.ttf", "LiberationMono-Regular.ttf",
                     "DejaVuSerif-Bold.ttf", "LiberationSans-Bold.ttf"]
    assert [Path(path).name for path in text_fonts((str(tmp_path),), most=3)] == found[:3]
    # resvg's families are the regular fonts alone, as before.
    assert dict(generic_families((str(tmp_path),)))["font_files"] == tuple(sorted(
        str(tmp_path / name) for name in ("DejaVuSans.ttf", "DejaVuSerif.ttf", "LiberationMono-Regular.ttf")))


def test_a_font_installed_since_counts_at_once(tmp_path: Path, monkeypatch, capsys):
    """Results were cached without the fonts: installed as `not checked` asked, a font
    changed nothing until the cache was cleared."""
    from conftest import run_cli
    from logolint import fonts

    real = fonts.generic_families()
    if not real:
        pytest.skip("no known font on this machine")
    svg = _svg(tmp_path, TEXT.format(family=""))
    cache = ["--cache-dir", str(tmp_path / "cache"), "--format", "json"]
    monkeypatch.setattr(fonts, "generic_families", lambda: ())
    assert run_cli(str(svg), *cache) == 1
    assert json.loads(capsys.readouterr().out)["results"][0]["error"].startswith("SVG has text, and no font")
    monkeypatch.setattr(fonts, "generic_families", lambda: real)
    assert run_cli(str(svg), *cache) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["error"] is None
