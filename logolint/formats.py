"""Output formats: each turns a Report into text. FORMATS is the registry."""

from __future__ import annotations

from typing import Callable

from logolint.results import Report, Result

Formatter = Callable[[Report], str]
FORMATS: dict[str, Formatter] = {}


def register(name: str) -> Callable[[Formatter], Formatter]:
    def add(formatter: Formatter) -> Formatter:
        FORMATS[name] = formatter
        return formatter

    return add


def decodable(text: str) -> str:
    """`text` with the bytes of a name that is not UTF-8 as `\\xff` escapes. Python keeps
    them as lone surrogates, which no UTF-8 stream can write and strict JSON readers refuse."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate outside os.fsdecode's range: no file name's
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def printable(text: str) -> str:
    """`text` with what a terminal would act on shown as escapes (see controls_shown), and
    nothing GitHub Actions reads as a command: a line starting "::", spaces aside
    ("::stop-commands::..." silences the annotations after it; a printed name often starts
    one), gets "./" before it, and the older "##[" anywhere is shown as "#\\x23["."""
    shown = controls_shown(text).replace("##[", "#\\x23[")
    return "./" + shown if shown.lstrip(" ").startswith("::") else shown


def controls_shown(text: str) -> str:
    """`text` with control characters (a name with ESC or CR in it could rewrite the screen;
    a newline would split a line), other invisible ones (bidi overrides) and the bytes of
    a name that is not UTF-8 shown as escapes."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
                   for char in decodable(text))


def plain_number(value: float) -> str:
    """`value` in full, without an exponent: 0.00001, not 1e-05 (which YAML 1.1 reads as text)."""
    from decimal import Decimal

    return format(Decimal(repr(float(value))), "f")


def shown_threshold(threshold: float) -> str:
    """The threshold with as many decimals as it has, from 2 to 4 (scores are kept to 4);
    in full where 4 would round it (0.99999 is not 1.0000, which no score passes)."""
    for digits in (2, 3, 4):
        if round(threshold, digits) == threshold:
            return f"{threshold:.{digits}f}"
    return plain_number(threshold)


def shown_score(score: float, threshold: float) -> str:
    """The score with the threshold's decimals, or more where fewer would show it equal to
    the threshold or on its other side ("1.00 < 1.00" at a threshold of 0.9975)."""
    limit = shown_threshold(threshold)
    for digits in range(len(limit) - 2, 5):
        text = f"{score:.{digits}f}"
        if (float(text) >= threshold) == (score >= threshold) and (text != limit or score == threshold):
            return text
    return f"{score:.4f}"


def json_text(document: object) -> str:
    """`document` as indented JSON, every string in it decodable (see there)."""
    import json

    def clean(value: object) -> object:
        if isinstance(value, str):
            return decodable(value)
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(document), indent=2) + "\n"


def box_text(box) -> str:
    """A box as every report writes it: [x0, y0, x1, y1]."""
    return f"[{', '.join(map(str, box))}]"


def _box(result: Result, old_labels: tuple[str, ...]) -> str:
    where = ((f" in {printable(result.part)}" if result.part else "")
             + (f" at {box_text(result.box)}" if result.box else ""))
    if result.verified:
        # A low threshold flags views whose keypoints found the new logo: not the old one's evidence.
        whose = (f" of the {printable(result.label)} logo"
                 if old_labels and result.label is not None and result.label not in old_labels else "")
        return (f"{where}, {result.verified} keypoints{whose} matched"
                + (" in the old colours" if result.colours else ""))
    if result.colours:
        return f"{where}, outline fits {result.outline:.2f} in the old colours"
    return f"{where}, outline fits {result.outline:.2f}" if result.outline else where


def summary(report: Report) -> str:
    total = len(report.results)
    found, errors = len(report.findings), len(report.errors)
    images = f"{total} image{'s' if total != 1 else ''}"
    if errors:  # "3 images checked, ..., 2 could not be checked" would count them twice
        parts = [f"{images}: {total - errors} checked", f"{found} with the old logo", f"{errors} could not be checked"]
    else:
        parts = [f"{images} checked", f"{found} with the old logo"]
    if report.accepted:
        parts.append(f"{len(report.accepted)} accepted by the baseline or allow list")
    return ", ".join(parts)


def _plain(text: str, style: str) -> str:
    return text


@register("text")
def text(report: Report, paint: Callable[[str, str], str] = _plain, with_summary: bool = True) -> str:
    """`paint(text, style)` colours a part (the CLI passes ANSI colours for a terminal)."""
    lines = []
    for result in report.results:
        if result.error is not None:
            lines.append(f"{printable(result.path)}: {paint('not checked', 'warn')}: {printable(result.error)}")
        elif result.flagged:
            lines.append(
                f"{printable(result.path)}: {paint('old logo', 'bad')} ({shown_score(result.score, report.threshold)} >= {shown_threshold(report.threshold)})"
                + _box(result, report.old_labels)
            )
    if with_summary:
        lines.append(summary(report))
    return "\n".join(lines) + "\n" if lines else ""


@register("json")
def as_json(report: Report) -> str:
    document = {
        "version": 1,
        "threshold": report.threshold,
        "model_sha256": report.model_sha256,
        "results": [
            {
                "path": r.path,
                "score": r.score,
                "flagged": r.flagged,
                "accepted": r.accepted,
                "error": r.error,
                "label": r.label,
                "box": list(r.box) if r.box else None,
                "part": r.part,
                "verified": r.verified,
                "outline": r.outline,
                "colours": r.colours,
            }
            for r in report.results
        ],
    }
    return json_text(document)


@register("github")
def github(report: Report) -> str:
    from logolint.github import annotations

    return annotations(report)


@register("sarif")
def sarif(report: Report) -> str:
    from logolint.sarif import sarif

    return sarif(report)


@register("html")
def as_html(report: Report) -> str:
    """A self-contained page with a thumbnail per finding; reads the image files again."""
    from logolint.html_report import render

    return render(report)
