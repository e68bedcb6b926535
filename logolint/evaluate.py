"""`logolint eval`: score labelled folders and summarise how well a model separates them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from logolint.errors import ConfigError
from logolint.imaging import is_image_path
from logolint.results import Result

CLASSES = ("old", "new", "none")
ALIASES = {"old": "old", "new": "new", "none": "none", "other": "none", "negatives": "none"}
TARGET_FPR = 0.01


@dataclasses.dataclass(frozen=True)
class Scored:
    path: str
    truth: str  # old, new or none
    score: float | None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class Evaluation:
    threshold: float
    items: tuple[Scored, ...]
    accuracy: float  # flagged exactly when truly old, at `threshold`
    recall: float  # of old images, at `threshold`
    false_positive_rate: float  # of new + none images, at `threshold`
    recall_at_target_fpr: float
    suggested_threshold: float  # the lowest that keeps false positives <= TARGET_FPR
    confusion: dict[str, dict[str, int]]  # truth -> {"flagged", "passed", "error"}

    def worst(self, count: int = 5) -> tuple[list[Scored], list[Scored]]:
        """The old images scored lowest and the other images scored highest."""
        old = sorted((s for s in self.items if s.truth == "old"), key=lambda s: s.score or 0.0)
        other = sorted((s for s in self.items if s.truth != "old"), key=lambda s: -(s.score or 0.0))
        return old[:count], other[:count]


def labelled_files(folder: str | Path) -> list[tuple[str, str]]:
    """(path, truth) for every image under FOLDER/{old,new,none|other|negatives}/."""
    root = Path(folder)
    pairs = []
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        truth = ALIASES.get(child.name.lower())
        if truth and child.is_dir():
            pairs += [(str(p), truth) for p in sorted(child.rglob("*")) if p.is_file() and is_image_path(p)]
    if not any(truth == "old" for _, truth in pairs):
        raise ConfigError(f"{folder}: expected labelled sub-folders old/, new/ and optionally none/")
    return pairs


def threshold_for_fpr(negatives: list[float], fpr: float = TARGET_FPR) -> float:
    """The lowest threshold at which at most `fpr` of the negatives reach it. Above 1
    when negatives score 1.0 themselves: then no threshold keeps to `fpr`."""
    if not negatives:
        return 0.5
    ranked = sorted(negatives, reverse=True)
    allowed = int(fpr * len(ranked))  # this many negatives may still be flagged
    return ranked[allowed] + 1e-4 if allowed < len(ranked) else 0.0


def evaluate(truths: list[str], results: list[Result], threshold: float) -> Evaluation:
    items = tuple(Scored(r.path, t, r.score, r.error) for t, r in zip(truths, results))
    confusion = {c: {"flagged": 0, "passed": 0, "error": 0} for c in CLASSES}
    for item in items:
        outcome = "error" if item.score is None else "flagged" if item.score >= threshold else "passed"
        confusion[item.truth][outcome] += 1
    old = [s.score or 0.0 for s in items if s.truth == "old"]
    others = [s.score or 0.0 for s in items if s.truth != "old"]
    correct = sum((score >= threshold) for score in old) + sum((score < threshold) for score in others)
    at_target = threshold_for_fpr(others)
    return Evaluation(
        threshold=threshold,
        items=items,
        accuracy=correct / max(1, len(items)),
        recall=sum(s >= threshold for s in old) / max(1, len(old)),
        false_positive_rate=sum(s >= threshold for s in others) / max(1, len(others)),
        recall_at_target_fpr=sum(s >= at_target for s in old) / max(1, len(old)),
        suggested_threshold=round(min(1.0, at_target), 4),
        confusion=confusion,
    )


def as_text(evaluation: Evaluation) -> str:
    e = evaluation
    lines = [
        f"images: {len(e.items)}  threshold: {e.threshold:.2f}",
        f"accuracy: {e.accuracy:.1%}",
        f"old recall at threshold: {e.recall:.1%} (false positives {e.false_positive_rate:.1%})",
        f"old recall at {TARGET_FPR:.0%} false positives: {e.recall_at_target_fpr:.1%}",
        f"suggested threshold: {e.suggested_threshold:.4f}",
        "",
        f"{'truth':<6} {'flagged':>8} {'passed':>8} {'error':>6}",
    ]
    for truth, row in e.confusion.items():
        if sum(row.values()):
            lines.append(f"{truth:<6} {row['flagged']:>8} {row['passed']:>8} {row['error']:>6}")
    missed, false_alarms = e.worst()
    lines += ["", "old images scored lowest:"]
    lines += [f"  {s.score if s.score is not None else 'error'}  {s.path}" for s in missed]
    lines += ["other images scored highest:"]
    lines += [f"  {s.score if s.score is not None else 'error'}  {s.path}" for s in false_alarms]
    return "\n".join(lines) + "\n"


def as_json(evaluation: Evaluation) -> str:
    import json

    e = evaluation
    document = {
        "threshold": e.threshold,
        "accuracy": e.accuracy,
        "recall": e.recall,
        "false_positive_rate": e.false_positive_rate,
        "recall_at_1pct_fpr": e.recall_at_target_fpr,
        "suggested_threshold": e.suggested_threshold,
        "confusion": e.confusion,
        "items": [dataclasses.asdict(s) for s in e.items],
    }
    return json.dumps(document, indent=2) + "\n"
