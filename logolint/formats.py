"""Output formats: each turns a Report into text. FORMATS is the registry."""

from __future__ import annotations

import json
from typing import Callable

from logolint.results import Report, Result

Formatter = Callable[[Report], str]
FORMATS: dict[str, Formatter] = {}


def register(name: str) -> Callable[[Formatter], Formatter]:
    def add(formatter: Formatter) -> Formatter:
        FORMATS[name] = formatter
        return formatter

    return add


def _box(result: Result) -> str:
    return f" at [{', '.join(map(str, result.box))}]" if result.box else ""


def summary(report: Report) -> str:
    checked = len(report.results)
    found, errors = len(report.findings), len(report.errors)
    parts = [f"{checked} image{'s' if checked != 1 else ''} checked", f"{found} with the old logo"]
    if errors:
        parts.append(f"{errors} could not be checked")
    return ", ".join(parts)


@register("text")
def text(report: Report) -> str:
    lines = []
    for result in report.results:
        if result.error is not None:
            lines.append(f"{result.path}: not checked: {result.error}")
        elif result.flagged:
            lines.append(
                f"{result.path}: old logo ({result.score:.2f} >= {report.threshold:.2f})"
                + _box(result)
            )
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


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
                "error": r.error,
                "label": r.label,
                "box": list(r.box) if r.box else None,
            }
            for r in report.results
        ],
    }
    return json.dumps(document, indent=2) + "\n"
