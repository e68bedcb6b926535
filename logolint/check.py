"""The pure core of `logolint check`: paths and settings in, a Report out."""

from __future__ import annotations

import copy
import dataclasses

from logolint.config import Config
from logolint.detect import Box, detect
from logolint.errors import ConfigError, ImageError
from logolint.imaging import load_image
from logolint.paths import collect
from logolint.results import Report, Result


def _to_source(box: Box, analysed: tuple[int, int], source: tuple[int, int]) -> Box:
    sx, sy = source[0] / analysed[0], source[1] / analysed[1]
    x0, y0, x1, y1 = box
    return (round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy))


def check_file(path: str, model, threshold: float) -> Result:
    """Score one file. Any failure becomes a Result with `error` set, never an exception."""
    try:
        loaded = load_image(path)
        found = detect(model, loaded.image)
    except ImageError as exc:
        return Result(path, None, False, error=str(exc))
    except MemoryError:
        return Result(path, None, False, error="out of memory while checking this image")
    except Exception as exc:  # a bug or an exotic file must not hide the other results
        return Result(path, None, False, error=f"internal error: {type(exc).__name__}: {exc}")
    score = round(found.score, 4)
    box = _to_source(found.box, loaded.image.size, loaded.source_size)
    return Result(path, score, score >= threshold, label=found.label, box=box)


def resolve_threshold(config: Config, model, override: float | None = None) -> float:
    for value in (override, config.threshold):
        if value is not None:
            return value
    return model.info.threshold


def check_paths(
    paths: list[str], config: Config, model, threshold: float | None = None
) -> Report:
    threshold = resolve_threshold(config, model, threshold)
    files = collect(paths, config.exclude, config.root)
    if config.old_labels is not None:
        model = _with_old_labels(model, config.old_labels)
    results = tuple(check_file(path, model, threshold) for path in files)
    return Report(results, threshold, model.sha256, fail_on_error=config.unreadable == "fail")


def _with_old_labels(model, old_labels: tuple[str, ...]):
    """A view of `model` whose old labels come from the config."""
    unknown = [label for label in old_labels if label not in model.info.labels]
    if unknown:
        known = ", ".join(model.info.labels)
        raise ConfigError(f"old_labels: {', '.join(unknown)} not in the model's labels ({known})")
    view = copy.copy(model)
    view.info = dataclasses.replace(model.info, old_labels=old_labels)
    return view
