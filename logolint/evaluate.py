"""`logolint eval`: score labelled folders and summarise how well a model separates them."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from logolint.errors import ConfigError
from logolint.formats import json_text, printable, shown_threshold
from logolint.imaging import is_image_path
from logolint.paths import files_under
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
    """Rates over the images that could be checked; None where a rate has no images to
    count (no old ones, or no new or none ones)."""
    threshold: float
    items: tuple[Scored, ...]
    accuracy: float | None  # flagged exactly when truly old, at `threshold`
    recall: float | None  # of old images, at `threshold`
    false_positive_rate: float | None  # of new + none images, at `threshold`
    recall_at_target_fpr: float | None
    suggested_threshold: float | None  # the lowest that keeps false positives <= TARGET_FPR
    confusion: dict[str, dict[str, int]]  # truth -> {"flagged", "passed", "error"}

    @property
    def unchecked(self) -> list[Scored]:
        return [s for s in self.items if s.score is None]

    @property
    def others_checked(self) -> int:
        """New and none images that could be checked: what the false-positive rates count."""
        return sum(1 for s in self.items if s.truth != "old" and s.score is not None)

    @property
    def measured(self) -> bool:
        """Whether enough new and none images were checked for TARGET_FPR to be one of them."""
        return self.others_checked * TARGET_FPR >= 1

    @property
    def advised_threshold(self) -> float | None:
        """The suggestion: suggested_threshold, but from too few images to measure the rate,
        never lower than the threshold in use (a guess from a handful of images)."""
        if self.suggested_threshold is None or self.measured:
            return self.suggested_threshold
        return max(self.suggested_threshold, self.threshold)

    def worst(self, count: int = 5) -> tuple[list[Scored], list[Scored]]:
        """The old images scored lowest and the other images scored highest."""
        checked = [s for s in self.items if s.score is not None]
        old = sorted((s for s in checked if s.truth == "old"), key=lambda s: s.score)
        other = sorted((s for s in checked if s.truth != "old"), key=lambda s: -s.score)
        return old[:count], other[:count]


def labelled_files(folder: str | Path) -> list[tuple[str, str]]:
    """(path, truth) for every image under FOLDER/{old,new,none|other|negatives}/."""
    root = Path(folder)
    # os.path, not Path: before Python 3.14, Path.is_dir raises in a folder we may list but not search.
    if not os.path.isdir(root):
        raise ConfigError(f"{folder}: {'not a folder' if os.path.lexists(root) else 'no such folder'}")
    pairs, others = [], []
    try:
        children = sorted(root.iterdir())
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot list folder: {exc.strerror or exc}") from None
    for child in children:
        if not os.path.isdir(child):
            continue
        truth = ALIASES.get(child.name.lower())
        if not truth:
            others.append(f"{child.name}/")
            continue
        # Not only regular files: a FIFO or a dangling link named like an image, and a
        # folder that cannot be listed, are reported as not checked, never left out of
        # the counts.
        unlisted: list[str] = []
        found = files_under(child, lambda exc: unlisted.append(str(exc.filename)))
        pairs += [(name, truth) for name in unlisted] + [(str(p), truth) for p in found if is_image_path(p)]
    if not any(truth == "old" for _, truth in pairs):
        found = f" (it has {', '.join(others)})" if others else ""
        raise ConfigError(f"{folder}: no images in old/{found}: expected labelled sub-folders old/ and "
                          "optionally new/ and none/ (or other/ or negatives/)")
    return pairs


def mislabelled(truths: list[str], results: list[Result]) -> list[tuple[str, str]]:
    """Pairs of paths with the same bytes under two labels (a copy of one logo in both old/
    and new/): one of the two is wrong, and the scores count it both ways."""
    first: dict[str, tuple[str, str]] = {}  # content -> the first (path, truth) seen
    found, said = [], set()
    for truth, result in zip(truths, results):
        if result.sha256 is None:
            continue
        path, label = first.setdefault(result.sha256, (result.path, truth))
        if label != truth and (result.sha256, truth) not in said:
            said.add((result.sha256, truth))
            found.append((path, result.path))
    return found


def unlabelled_folders(folder: str | Path) -> list[str]:
    """The sub-folders of FOLDER that labelled_files passes over (hidden ones aside)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entry.name for entry in entries if entry.is_dir() and not entry.name.startswith(".")
                          and entry.name.lower() not in ALIASES)
    except OSError:
        return []


def threshold_for_fpr(negatives: list[float], fpr: float = TARGET_FPR) -> float:
    """The lowest threshold at which at most `fpr` of the negatives reach it. Above 1
    when negatives score 1.0 themselves: then no threshold keeps to `fpr`. 0 for no
    negatives (callers report that there were none)."""
    ranked = sorted(negatives, reverse=True)
    allowed = int(fpr * len(ranked))  # this many negatives may still be flagged
    return ranked[allowed] + 1e-4 if allowed < len(ranked) else 0.0


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def evaluate(truths: list[str], results: list[Result], threshold: float) -> Evaluation:
    """Images that could not be checked count in the confusion table's error column and
    in no rate: neither as found nor as passed."""
    items = tuple(Scored(r.path, t, r.score, r.error) for t, r in zip(truths, results))
    confusion = {c: {"flagged": 0, "passed": 0, "error": 0} for c in CLASSES}
    for item in items:
        outcome = "error" if item.score is None else "flagged" if item.score >= threshold else "passed"
        confusion[item.truth][outcome] += 1
    old = [s.score for s in items if s.truth == "old" and s.score is not None]
    others = [s.score for s in items if s.truth != "old" and s.score is not None]
    correct = sum((score >= threshold) for score in old) + sum((score < threshold) for score in others)
    # Recall measured at the threshold suggested, to its 4 decimals (still above the negative it
    # keeps out: the margin is 1e-4).
    at_target = round(threshold_for_fpr(others), 4) if others else None
    return Evaluation(
        threshold=threshold,
        items=items,
        accuracy=_share(correct, len(old) + len(others)),
        recall=_share(sum(s >= threshold for s in old), len(old)),
        false_positive_rate=_share(sum(s >= threshold for s in others), len(others)),
        recall_at_target_fpr=None if at_target is None else _share(sum(s >= at_target for s in old), len(old)),
        # Over 1 where new or none images score 1.0: no threshold passes them.
        suggested_threshold=None if at_target is None or at_target > 1 else at_target,
        confusion=confusion,
    )


def _rate(value: float | None, missing: str) -> str:
    return f"{value:.1%}" if value is not None else f"n/a ({missing})"


def as_text(evaluation: Evaluation) -> str:
    e = evaluation
    no_old, no_others = "no old image checked", "no new or none image checked"
    recall = _rate(e.recall, no_old)
    if e.false_positive_rate is not None:
        recall += f" (false positives {e.false_positive_rate:.1%})"
    suggested = (f"{e.suggested_threshold:.4f}" if e.suggested_threshold is not None else
                 f"n/a ({no_others})" if not e.others_checked else
                 "none: new or none images score 1.0, which every threshold flags")
    others = e.others_checked
    if e.suggested_threshold is not None and others and not e.measured:
        # With under 100 of them, "at most 1%" means none: the rate is not measured.
        few = (f"from {others} new or none image{'s' if others != 1 else ''}: {TARGET_FPR:.0%} false positives "
               f"takes {round(1 / TARGET_FPR)} or more to measure")
        if e.suggested_threshold <= e.threshold:
            suggested = (f"keep {shown_threshold(e.threshold)} ({few}; {suggested} is only the least that "
                         f"keeps these below it)")
        else:
            suggested += f" ({few}; this only keeps those below it)"
    advised = e.advised_threshold
    old = [s.score for s in e.items if s.truth == "old" and s.score is not None]
    under = sum(score < advised for score in old) if advised is not None else 0
    if under:  # a new or none image scores as high as they do: the suggestion cannot flag them
        plural = "s" if len(old) != 1 else ""
        suggested += f"; {under} of {len(old)} old image{plural} score{'s' if under == 1 else ''} under it"
    lines = [
        f"images: {len(e.items)}  threshold: {shown_threshold(e.threshold)}",
        f"accuracy: {_rate(e.accuracy, 'no image checked')}"
        + (f" (of the {len(e.items) - len(e.unchecked)} images checked)" if e.unchecked and e.accuracy is not None else ""),
        f"old recall at threshold: {recall}",
        f"old recall at {TARGET_FPR:.0%} false positives: "
        + (_rate(e.recall_at_target_fpr, no_old) if e.others_checked else f"n/a ({no_others})"),
        f"suggested threshold: {suggested}",
        "",
        f"{'truth':<6} {'flagged':>8} {'passed':>8} {'error':>6}",
    ]
    for truth, row in e.confusion.items():
        if sum(row.values()):
            lines.append(f"{truth:<6} {row['flagged']:>8} {row['passed']:>8} {row['error']:>6}")
    missed, false_alarms = e.worst()
    misses = e.confusion["old"]["passed"]
    wrong = sum(row["flagged"] for truth, row in e.confusion.items() if truth != "old")
    if missed or false_alarms:  # a list with nothing in it is not shown
        lines.append("")
    if missed:
        lines += [f"old images scored lowest ({misses} missed at the threshold):"]
        lines += [f"  {s.score:.4f}  {printable(s.path)}" for s in missed]
    if false_alarms:
        lines += [f"other images scored highest ({wrong} flagged at the threshold):"]
        lines += [f"  {s.score:.4f}  {printable(s.path)}" for s in false_alarms]
    if e.unchecked:
        lines += ["", f"could not be checked ({len(e.unchecked)}, counted in no rate above):"]
        lines += [f"  {printable(s.path)}: {printable(s.error)}" for s in e.unchecked]
    return "\n".join(lines) + "\n"


def as_json(evaluation: Evaluation) -> str:
    e = evaluation
    document = {
        "version": 1,
        "threshold": e.threshold,
        "accuracy": e.accuracy,
        "recall": e.recall,
        "false_positive_rate": e.false_positive_rate,
        "recall_at_1pct_fpr": e.recall_at_target_fpr,
        # What the text suggests; the lowest threshold that keeps the false positives at
        # TARGET_FPR, and whether there were images enough to measure that.
        "suggested_threshold": e.advised_threshold,
        "threshold_at_1pct_fpr": e.suggested_threshold,
        "suggestion_measured": e.measured,
        "others_checked": e.others_checked,
        "confusion": e.confusion,
        "unchecked": len(e.unchecked),
        "items": [dataclasses.asdict(s) for s in e.items],
    }
    return json_text(document)
