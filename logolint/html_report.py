"""`--format html`: one self-contained page (inline CSS, thumbnails as data URIs, no
script, nothing fetched) with a card per finding, worst first, and the files that could
not be checked listed apart."""

from __future__ import annotations

import base64
import html
import io
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from logolint import __version__
from logolint.formats import box_text, shown_score, shown_threshold
from logolint.results import Report, Result

FRAME = (300, 200)  # CSS pixels a thumbnail is fitted into
THUMB_BYTES = 16_000  # JPEG budget per thumbnail: 500 findings stay under 12 MB
QUALITIES = (85, 70, 55, 40, 25)

CSS = """
:root { color-scheme: light dark; --bg: #f4f5f7; --card: #fff; --ink: #1d2330; --muted: #5d6675;
  --line: #dde1e7; --bad: #d62d2d; --warn: #b7791f; --frame: #e9ebef; }
@media (prefers-color-scheme: dark) { :root { --bg: #15181e; --card: #1f242c; --ink: #e8ebf0;
  --muted: #9aa3b2; --line: #323946; --frame: #2a3039; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: var(--bg); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: var(--muted); }
header .verdict { margin: 6px 0 2px; font-size: 17px; color: var(--ink); }
h2 { margin: 28px 0 12px; font-size: 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
.frame { height: 220px; display: flex; align-items: center; justify-content: center;
  background: var(--frame); }
.pic { position: relative; overflow: hidden; }
.pic img { display: block; width: 100%; height: 100%; }
.box { position: absolute; border: 3px solid var(--bad); border-radius: 3px;
  box-shadow: 0 0 0 1px #fff, 0 0 0 9999px rgba(0, 0, 0, .18); }
.none { color: var(--muted); font-size: 14px; }
.meta { padding: 10px 14px 14px; }
.path { margin: 0 0 8px; font: 13px/1.35 ui-monospace, "DejaVu Sans Mono", monospace;
  overflow-wrap: anywhere; }
.score { display: flex; align-items: center; gap: 10px; font-size: 14px; }
.score b { color: var(--bad); font-size: 18px; }
.meter { position: relative; flex: 1; height: 8px; border-radius: 4px; background: var(--frame); }
.meter span { position: absolute; inset: 0 auto 0 0; border-radius: 4px; background: var(--bad); }
.meter i { position: absolute; top: -4px; bottom: -4px; width: 2px; background: var(--ink); }
.where { margin: 6px 0 0; color: var(--muted); font-size: 13px; }
.ok { padding: 18px; border-radius: 10px; background: var(--card); border: 1px solid var(--line); }
table { border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
td, th { padding: 6px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.path { margin: 0; }
.unreadable th { color: var(--warn); }
"""


def _thumbnail(path: str, part: str | None = None, read: Callable[[str], bytes] | None = None
               ) -> tuple[str, tuple[int, int], tuple[int, int]] | None:
    """(data URI, thumbnail size, the file's source size), or None if it cannot be read now
    (by `read`, where the check did not read the working tree). Of `part` ("frame 3", see
    Result.part) where that is what scored, so the box lies over the logo, not over the
    first frame; the box is in the first image's pixels, scaled."""
    from PIL import Image

    from logolint.imaging import WORK_SIDE, load_image, other_images, read_file

    try:
        data = (read or read_file)(path)
        loaded = load_image(path, data, partial=True)  # a flagged SVG is shown as it was checked
        shown = loaded.image
        if part:
            others = other_images(data, WORK_SIDE, loaded.image, bounded=False)
            shown = next((other.image for what, other in others if what == part), shown)
    except Exception:  # changed or removed since the check: the card shows no picture
        return None
    image = shown.copy()
    image.thumbnail(FRAME, Image.LANCZOS, reducing_gap=3.0)
    for quality in QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= THUMB_BYTES:
            break
    uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return uri, image.size, loaded.source_size


def _escape(text: str) -> str:
    """HTML-escaped, with control and invisible characters and bytes that are not UTF-8
    as escapes, as every report prints a file name (formats.printable)."""
    from logolint.formats import printable

    return html.escape(printable(text))


def _percent(value: float, whole: int) -> str:
    return f"{100 * min(max(value / whole, 0.0), 1.0):.2f}%"


def _card(result: Result, threshold: float, thumb) -> str:
    path = _escape(result.path)
    if thumb is None:
        picture = '<p class="none">preview unavailable: the file cannot be read now</p>'
        size = ""
    else:
        uri, (width, height), (source_w, source_h) = thumb
        box = ""
        if result.box:
            x0, y0, x1, y1 = result.box
            box = (f'<span class="box" style="left:{_percent(x0, source_w)};top:{_percent(y0, source_h)};'
                   f'width:{_percent(x1 - x0, source_w)};height:{_percent(y1 - y0, source_h)}"></span>')
        picture = (f'<div class="pic" style="width:{width}px;height:{height}px">'
                   f'<img src="{uri}" width="{width}" height="{height}" alt="{path}">{box}</div>')
        size = f" · {source_w}×{source_h} px"
    where = f"at {box_text(result.box)}" if result.box else "whole image"
    label = f"label {_escape(result.label)} · " if result.label else ""
    return f"""<article class="card">
<div class="frame">{picture}</div>
<div class="meta">
<p class="path">{path}</p>
<div class="score"><b>{shown_score(result.score, threshold)}</b><span>&ge; {shown_threshold(threshold)}</span>
<div class="meter" title="score {shown_score(result.score, threshold)}, threshold {shown_threshold(threshold)}">\
<span style="width:{_percent(result.score, 1)}"></span><i style="left:{_percent(threshold, 1)}"></i></div></div>
<p class="where">{label}{where}{size}</p>
</div>
</article>"""


def _unaccounted(report: Report) -> str:
    """What a page without findings must still own up to, as a clause."""
    clauses = []
    if report.errors:
        clauses.append(f"{len(report.errors)} could not be checked")
    if report.accepted:
        clauses.append(f"{len(report.accepted)} with it {'was' if len(report.accepted) == 1 else 'were'} "
                       "accepted by the baseline or allow list")
    return " and ".join(clauses)


def render(report: Report) -> str:
    from logolint.formats import summary

    findings = sorted(report.findings, key=lambda r: (-r.score, r.path))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # Nothing on this page may load from anywhere but itself.
        "<meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>logolint: {len(findings)} with the old logo</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>logolint report</h1>",
        f'<p class="verdict">{html.escape(summary(report))}</p>',
        f"<p>threshold {shown_threshold(report.threshold)} · model sha256 {report.model_sha256[:12]}… · "
        f"logolint {__version__}</p></header>",
    ]
    if findings:
        parts.append(f'<h2>Old logo ({len(findings)})</h2><section class="cards">')
        # Decoding dominates and PIL releases the GIL while it decodes.
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            thumbs = pool.map(_thumbnail, [result.path for result in findings], [result.part for result in findings],
                              [report.read] * len(findings))
            parts.extend(_card(result, report.threshold, thumb) for result, thumb in zip(findings, thumbs))
        parts.append("</section>")
    elif report.errors or report.accepted:
        parts.append(f"<p>No image checked shows the old logo, but {_unaccounted(report)}.</p>")
    else:
        parts.append('<p class="ok">No image shows the old logo.</p>')
    for title, rows, reason, kind in ((f"Not checked ({len(report.errors)})", report.errors, "error", "unreadable"),
                                      (f"Accepted by the baseline or allow list ({len(report.accepted)})",
                                       report.accepted, "accepted", "accepted")):
        if rows:
            parts.append(f'<h2>{title}</h2><table class="{kind}"><tr><th>file</th><th>reason</th></tr>')
            parts.extend(f'<tr><td class="path">{_escape(r.path)}</td><td>{_escape(getattr(r, reason))}</td></tr>'
                         for r in sorted(rows, key=lambda r: r.path))
            parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
