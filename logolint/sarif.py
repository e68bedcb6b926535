"""SARIF 2.1.0 for GitHub code scanning: one rule for the old logo, one for an image that
could not be checked."""

from __future__ import annotations

import urllib.parse

from logolint import __version__
from logolint.formats import box_text, json_text, shown_score, shown_threshold
from logolint.paths import real
from logolint.results import Report, Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
OLD_LOGO, UNREADABLE = "old-logo", "unreadable-image"

_RULES = [
    {
        "id": OLD_LOGO,
        "name": "OldLogo",
        "shortDescription": {"text": "Image shows the old logo"},
        "fullDescription": {"text": "The model sees the organisation's retired logo in this image."},
        "help": {"text": "Replace the image with one that shows the new logo, or accept it "
                         "with `logolint check --write-baseline` or an `allow` entry."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["branding"], "precision": "high"},
    },
    {
        "id": UNREADABLE,
        "name": "UnreadableImage",
        "shortDescription": {"text": "Image could not be checked"},
        "fullDescription": {"text": "The file is corrupt, truncated, too large, a hostile SVG "
                                    "or a Git LFS pointer, so it was not checked for the old logo."},
        "help": {"text": "Fix or replace the file; the message says what is wrong with it."},
        "defaultConfiguration": {"level": "error"},
    },
]


def _uri(result: Result, report: Report) -> str:
    relative = report.repo_path(result.path)
    if relative is None:  # outside the repository: code scanning ignores it, people can read it
        return real(result.path).as_uri()
    return urllib.parse.quote(relative, safe="/", errors="surrogateescape")


def _result(result: Result, report: Report) -> dict:
    unreadable = result.error is not None
    if unreadable:
        message = f"Not checked: {result.error}"
        properties = {}
    else:
        message = (f"Old logo (confidence {shown_score(result.score, report.threshold)}, "
                   f"threshold {shown_threshold(report.threshold)})")
        if result.part:
            message += f" in {result.part}"
        if result.box:
            message += f" at {box_text(result.box)}"
        properties = {"score": result.score, "label": result.label, "box": list(result.box or ())}
    entry = {
        "ruleId": UNREADABLE if unreadable else OLD_LOGO,
        "ruleIndex": 1 if unreadable else 0,
        "level": "error" if not unreadable or report.fail_on_error else "warning",
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(result, report)},
            "region": {"startLine": 1},  # code scanning needs a line, even for a binary file
        }}],
    }
    if result.sha256:  # the content, not the path: moving the file keeps the alert
        entry["partialFingerprints"] = {"primaryLocationLineHash": result.sha256}
    if properties:
        entry["properties"] = properties
    return entry


def sarif(report: Report) -> str:
    results = [r for r in report.results if r.flagged or r.error is not None]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "logolint",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": _RULES,
            }},
            "results": [_result(r, report) for r in results],
            # Accepted images are listed here, not as results with `suppressions`, which code
            # scanning does not honour everywhere: it would open alerts for them.
            "properties": {"threshold": report.threshold, "model_sha256": report.model_sha256,
                           "accepted": [{"uri": _uri(r, report), "sha256": r.sha256, "reason": r.accepted}
                                        for r in report.results if r.accepted is not None]},
        }],
    }
    return json_text(document)
