"""`logolint explain`: every view the detector scored for one image (the whole image
and parts of it, however the detector chose them), and the verdict they add up to."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Any, Callable

from logolint.check import (SCORE_DIGITS, _to_source, analysed_side, detect_tiled, highest, resolve_threshold,
                            with_old_labels)
from logolint.config import Config
from logolint.detect import Box, Detection
from logolint.errors import ImageError
from logolint.formats import box_text, printable, shown_score, shown_threshold
from logolint.imaging import load_image, read_file

Paint = Callable[[str, str], str]
RUNNERS_UP = 5  # views listed by default besides those that fired


@dataclasses.dataclass(frozen=True)
class Explanation:
    path: str
    image: Any  # the analysed PIL RGB image; view boxes are in its pixels
    source_size: tuple[int, int]
    views: tuple[Detection, ...]
    verdict: Detection  # the view that decides, as `check` picks it
    threshold: float
    accepted: str | None = None  # why the baseline or allow list accepts a flagged image
    part: str | None = None  # which of the file's images, where not the one that opens first ("frame 3")
    old_labels: tuple[str, ...] = ("old",)
    dismissed: tuple[Detection, ...] = ()  # old keypoints that did not count (see detect.NEITHER_VETO)
    fitted_on_text: bool = False  # the model was fitted on pages of text (see detect.TEXT_DRAWN)

    @property
    def flagged(self) -> bool:
        return _fires(self.verdict, self.threshold)

    @property
    def failed(self) -> bool:
        """Whether `check` would fail on this image."""
        return self.flagged and self.accepted is None

    def to_source(self, box: Box) -> Box:
        return _to_source(box, self.image.size, self.source_size)

    def stage(self, view: Detection) -> str:
        if view.known:
            return "known logo file"
        if view.verified:
            return "reference keypoints and colours" if view.colours else "reference keypoints"
        if view.outline:
            return "reference outline and colours" if view.colours else "reference outline"
        if view.shaped:
            return "region shaped like the logo"
        return "whole image" if view.box == (0, 0, *self.image.size) else "parts of the image"


def _fires(view: Detection, threshold: float) -> bool:
    return round(view.score, SCORE_DIGITS) >= threshold  # as `check` compares a score


def explain(path: str, config: Config, model, threshold: float | None = None,
            read: Callable[[str], bytes] = read_file) -> Explanation:
    """Score every view of one image (its bytes got by `read`) as `check` would, with the
    same settings. In a file of several images (see check.highest) the one `check` scores
    the file by is explained; raises ImageError where `check` would report the file not
    checked."""
    threshold = resolve_threshold(config, model, threshold)
    model = with_old_labels(model, config.old_labels)
    data = read(path)
    side = analysed_side(model, config.localise)
    loaded = load_image(path, data, side=side, partial=True, tiled=config.localise)

    def judge(image, what):
        seen: list[Detection] = []
        verdict = detect_tiled(model, image.image, config.localise, side, seen)
        return Explanation(path, image.image, loaded.source_size, tuple(view for view in seen if not view.dismissed),
                           verdict, threshold, part=what, old_labels=tuple(model.info.old_labels),
                           dismissed=tuple(view for view in seen if view.dismissed),
                           fitted_on_text=bool(model.info.text_pages))

    best, unchecked, _ = highest(data, loaded, side, judge, lambda explanation: explanation.verdict.score,
                                 config.localise)
    if unchecked and not best.flagged:  # as `check` reports it
        raise ImageError(unchecked)
    accepted = config.allowed.get(hashlib.sha256(data).hexdigest()) if best.flagged else None
    return dataclasses.replace(best, accepted=accepted)


def overlay(explanation: Explanation):
    """The image with the heat map of every view's score and the deciding view outlined."""
    from logolint.overlay import draw

    verdict = explanation.verdict
    what, relation = ("old logo", ">=") if explanation.flagged else ("no old logo", "<")
    threshold = explanation.threshold
    caption = f"{what} {shown_score(verdict.score, threshold)} {relation} {shown_threshold(threshold)}"
    scored = [(view.box, view.score) for view in explanation.views]
    return draw(explanation.image, scored, verdict.box, caption, explanation.flagged)


def overlay_path_problem(output: str, image: str) -> str | None:
    """Why the overlay cannot be written to `output` (a folder, a format PIL cannot write,
    the very image explained), found before the image is analysed; None if it can."""
    from PIL import Image

    from logolint.files import write_problem

    problem = write_problem(output)
    if problem:
        return problem
    extension = os.path.splitext(output)[1].lower()
    if not extension:
        return "no extension to name the format; use .png or .jpg"
    if not _writable(Image.registered_extensions().get(extension)):
        return f"logolint cannot write {extension} images; use .png or .jpg"
    try:
        if os.path.samefile(output, image):
            return "it is the image being explained"
    except OSError:  # not there yet
        return None
    from logolint import overlay_file

    if overlay_file.ours(output):
        return None
    if overlay_file.kind(output) not in overlay_file.MARKED:
        return f"the file exists, and explain cannot mark {extension} files as its own; remove it or choose another name"
    return "the file exists and is not an overlay explain wrote (or it was edited since); remove it or choose another name"


def _writable(format_: str | None) -> bool:
    """Whether PIL writes an RGB picture as `format_`: some formats it registers cannot
    (XBM, a stub such as WMF or HDF5 without its handler)."""
    import io

    from PIL import Image

    if format_ not in Image.SAVE:
        return False
    try:
        Image.new("RGB", (2, 2)).save(io.BytesIO(), format_)
    except Exception:  # whatever the format's writer raises
        return False
    return True


def describe(explanation: Explanation, paint: Paint, every_view: bool = False) -> str:
    """The score breakdown as text: the verdict, whether the whole image and its parts
    fired, then the deciding view, those that fired and the runners-up (`every_view`: all)."""
    decisive, threshold = explanation.verdict, explanation.threshold
    limit = shown_threshold(threshold)
    width, height = explanation.source_size
    if explanation.flagged:
        verdict = f"{paint('old logo', 'bad')} ({shown_score(decisive.score, threshold)} >= {limit})"
    else:
        verdict = f"{paint('no old logo', 'good')} ({shown_score(decisive.score, threshold)} < {limit})"
    where = f" in {explanation.part}" if explanation.part else ""
    lines = [f"{printable(explanation.path)}: {verdict}{where} at {box_text(explanation.to_source(decisive.box))}",
             f"{len(explanation.views)} view{'s' if len(explanation.views) != 1 else ''} of the {width}x{height} "
             "image scored; "
             f"a view fires at score >= {limit}", ""]
    if explanation.accepted is not None:
        lines.insert(1, f"accepted ({printable(explanation.accepted)}): `check` passes it")
    stages: dict[str, list[Detection]] = {}
    for view in explanation.views:
        stages.setdefault(explanation.stage(view), []).append(view)
    name_width = max(len(name) for name in stages)
    for name, views in stages.items():
        fired = sum(_fires(view, threshold) for view in views)
        top = max(view.score for view in views)
        mark = paint("fired", "bad") if fired else paint("quiet", "dim")
        count = f"{len(views)} view{'s' if len(views) != 1 else ''}"
        lines.append(f"  {name:<{name_width}}  {mark}  {fired} of {count}, best {shown_score(top, threshold)}")
    if decisive.verified and decisive.label not in explanation.old_labels:  # a 0.00 deciding over higher scores
        lines.append(f"  {decisive.verified} keypoints of the {decisive.label} logo matched in the deciding "
                     f"view's box: it shows the {decisive.label} logo")
    if decisive.outdrawn:
        other = "new" if decisive.label in explanation.old_labels else "old"
        lines += [f"  the keypoints favoured the {other} logo: {decisive.outdrawn} matched in about the same place,",
                  f"    but the image looks like the {decisive.label} logo's drawing there, not the {other} one's"]
    why = ("they span little of the logo's drawing and the image does not look like it there: letters it shares "
           "with other text (the model was fitted on pages of text)" if explanation.fitted_on_text
           else "the classifier sees neither logo there, and the image does not look like the logo's drawing")
    for view in explanation.dismissed:
        lines += [f"  {view.verified} keypoints of the old logo matched at {box_text(explanation.to_source(view.box))}, "
                  "not counted:", f"    {why}"]
    ranked = sorted(explanation.views, key=lambda view: (-view.score, view.box))
    shown = [view for i, view in enumerate(ranked)
             if every_view or i < RUNNERS_UP or _fires(view, threshold) or view is decisive]
    boxes = [explanation.to_source(view.box) for view in shown]
    sizes = [f"{x1 - x0}x{y1 - y0}" for x0, y0, x1, y1 in boxes]
    size_width = max(len("size"), *(len(size) for size in sizes))
    box_width = max(len("view (source pixels)"), *(len(box_text(box)) for box in boxes))
    scores = [shown_score(view.score, threshold) for view in shown]
    score_width = max(len("score"), *(len(score) for score in scores))  # 0.42 beside 0.9952
    # The stage that saw each view: the keypoints' verdict and the classifier's view of the
    # same box are otherwise two rows alike but for their scores.
    header = f"  {'score':<{score_width}}  label    {'size':<{size_width}}  {'view (source pixels)':<{box_width}}"
    lines += ["", header + "  seen by"]
    for view, box, size, score in zip(shown, boxes, sizes, scores):
        score = f"{score:<{score_width}}"  # padded before painting: colour codes have no width
        score = paint(score, "bad") if _fires(view, threshold) else score
        line = (f"  {score}  {view.label:<7}  {size:<{size_width}}  {box_text(box):<{box_width}}"
                f"  {explanation.stage(view)}")
        lines.append((line + ("  <- decides" if view is decisive else "")).rstrip())
    if len(shown) < len(ranked):
        lines.append(paint(f"  ... {len(ranked) - len(shown)} more views, scoring "
                           f"{shown_score(max(v.score for v in ranked if v not in shown), threshold)} or less (-v lists them)", "dim"))
    return "\n".join(lines) + "\n"
