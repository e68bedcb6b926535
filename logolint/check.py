"""The pure core of `logolint check`: paths and settings in, a Report out."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from logolint import __version__
from logolint.baseline import accept
from logolint.cache import ResultCache, cache_key
from logolint.config import Config
from logolint.detect import Box, detect
from logolint.errors import ConfigError, ImageError, ImageUnfinished, ModelError
from logolint.imaging import WORK_SIDE, load_image, other_images, read_file
from logolint.model import finite_number
from logolint.paths import collect, holds_git, real, repository_root
from logolint.results import Report, Result, repo_relative
from logolint.shard import Shard

if TYPE_CHECKING:
    from logolint.revision import Revision

SCORE_DIGITS = 4  # scores are kept, cached and compared with the threshold rounded to this
PLAIN = "plain"  # in the cache key of runs without localisation


def analysed_side(model, localise: bool) -> int:
    """The longest side an image is decoded at. Without localisation only the whole
    image is classified (and fingerprinted), which twice the input side serves well."""
    return WORK_SIDE if localise else 2 * model.info.input_size


def settings(model, localise: bool) -> str:
    """What besides the content and the model decides a result: part of its cache key."""
    labels = ",".join(model.info.old_labels)
    code = f"{code_digest()}:{library_versions()}"
    return f"{code}:{labels}" if localise else f"{code}:{PLAIN}:{labels}"


@functools.lru_cache(maxsize=1)
def code_digest(folder: Path = Path(__file__).parent) -> str:
    """A digest of logolint's own source files (about 1 ms): a result that one version
    cached is never taken for another's, whose checks may differ (the shared cache outlives
    upgrades, and the action restores older caches). No version string to remember to bump."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# The libraries a result depends on: the SVG renderer, the decoders, SIFT, the interpreter.
LIBRARIES = ("ai_edge_litert", "numpy", "opencv_python_headless", "pillow", "resvg_py", "tflite_runtime")


@functools.lru_cache(maxsize=1)
def library_versions() -> str:
    """The installed versions of LIBRARIES, from their dist-info folders' names (0.5 ms;
    importlib.metadata takes 90 ms to start): the action reinstalls them on each run and
    restores older caches, so a result, or a file a renderer could not read, is not
    taken over from other versions. A library installed otherwise counts as unknown."""
    found = set()
    for folder in sys.path:
        if not folder:  # the current folder: the checked tree, not an install
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[: -len(".dist-info")].partition("-")
                if project.lower().replace(".", "_") in LIBRARIES:
                    found.add(f"{project.lower()}={version}")
    return ",".join(sorted(found))


def _to_source(box: Box, analysed: tuple[int, int], source: tuple[int, int]) -> Box:
    sx, sy = source[0] / analysed[0], source[1] / analysed[1]
    x0, y0, x1, y1 = box
    return (round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy))


def detect_tiled(model, image, localise: bool, side: int, seen: list | None = None):
    """detect, or for a tall image its highest-scoring tile's (see logolint.tiles), the box
    in the whole image; `seen` as for detect, every tile's views in the whole image's pixels."""
    from logolint.tiles import boxes, shifted

    parts = boxes(image.size, side) if localise else []
    if not parts:
        return detect(model, image, localise, seen)
    best = None
    for part in parts:
        views: list | None = None if seen is None else []
        found = detect(model, image.crop(part), localise, views)
        moved = {id(view): dataclasses.replace(view, box=shifted(view.box, part)) for view in views or ()}
        if seen is not None:
            seen += moved.values()
        if best is None or found.score > best.score:
            best = moved.get(id(found)) or dataclasses.replace(found, box=shifted(found.box, part))
    return best


def highest(data: bytes, loaded, side: int, judge: Callable[[Any, str | None], Any],
            score: Callable[[Any], float], tiled: bool = False) -> tuple[Any, str | None, bool]:
    """What `judge(image, what)` makes of the file's image that scores highest: `loaded`
    (what None) or one of the others a viewer shows (see imaging.other_images; decoded
    for tiles with `tiled`, as `loaded` was); why some of them were not checked, or None;
    and False where that was a render that did not finish (another run may finish it)."""
    best = judge(loaded, None)
    try:
        for what, other in other_images(data, side, loaded.image, tiled) if loaded.others else ():
            also = judge(other, what)
            if score(also) > score(best):
                best = also
    except ImageError as exc:
        return best, str(exc), not isinstance(exc, ImageUnfinished)
    return best, loaded.left_out, True


def _analyse(path: str, data: bytes, model, localise: bool) -> tuple[dict[str, Any], bool]:
    """What the model says about one file's content, as a dict, and whether it may be
    cached (not where a render of one of its images did not finish). A file of several
    images scores as its highest-scoring one (see highest), the box scaled to the image
    that opens first; "unchecked" says why some were not checked."""
    def judge(image, what):
        return detect_tiled(model, image.image, localise, side), image.image.size, what

    try:
        side = analysed_side(model, localise)
        loaded = load_image(path, data, side, partial=True, tiled=localise)
        (found, size, part), unchecked, finished = highest(data, loaded, side, judge,
                                                           lambda judged: judged[0].score, localise)
    except ImageUnfinished:
        raise
    except ImageError as exc:
        return {"error": str(exc)}, True
    outcome = {"score": round(found.score, SCORE_DIGITS), "label": found.label,
               "box": list(_to_source(found.box, size, loaded.source_size)),
               "verified": found.verified, "outline": found.outline, "colours": found.colours}
    return outcome | ({"unchecked": unchecked} if unchecked else {}) | ({"part": part} if part else {}), finished


def _well_formed(outcome: dict[str, Any]) -> bool:
    """Whether a cached outcome has the shape _analyse gives it: a damaged or foreign
    file in the cache is recomputed, not trusted."""
    if outcome.get("error") is not None:
        return isinstance(outcome["error"], str)
    if not isinstance(outcome.get("unchecked", ""), str) or not isinstance(outcome.get("part", ""), str):
        return False
    box = outcome.get("box")
    return (finite_number(outcome.get("score")) and 0.0 <= outcome["score"] <= 1.0
            and (box is None or (isinstance(box, list) and len(box) == 4 and all(map(finite_number, box))))
            and isinstance(outcome.get("label"), (str, type(None)))
            and all(finite_number(outcome.get(key, 0)) for key in ("verified", "outline", "colours")))


def _result(path: str, outcome: dict[str, Any], threshold: float, sha256: str | None) -> Result:
    if outcome.get("error") is not None:
        return Result(path, None, False, error=outcome["error"], sha256=sha256)
    score = outcome["score"]
    if outcome.get("unchecked") and score < threshold:  # what was checked does not flag it: the rest might
        return Result(path, None, False, error=outcome["unchecked"], sha256=sha256)
    box = tuple(outcome["box"]) if outcome.get("box") else None
    return Result(path, score, score >= threshold, label=outcome.get("label"), box=box, sha256=sha256,
                  verified=int(outcome.get("verified") or 0), outline=float(outcome.get("outline") or 0.0),
                  colours=float(outcome.get("colours") or 0.0), part=outcome.get("part"))


def _fonts(data: bytes) -> str:
    """For an SVG, the fonts its text is drawn in (see logolint.fonts), which decide its
    result as well: a font installed since, as `not checked` asks, is used at once."""
    from logolint.imaging import is_svg

    if not is_svg(data):
        return ""
    from logolint.fonts import generic_families

    return f":{generic_families()}"


def check_file(path: str, model, threshold: float, cache: ResultCache | None = None,
               localise: bool = True, read: Callable[[str], bytes] = read_file) -> Result:
    """Score one file, its bytes got by `read`. Any failure of the file becomes a Result
    with `error` set; a ModelError (a model that cannot judge any file) is raised."""
    try:
        data = read(path)
    except ImageError as exc:
        return Result(path, None, False, error=str(exc))
    sha256 = hashlib.sha256(data).hexdigest()
    key = cache_key(sha256, model.sha256, settings(model, localise) + _fonts(data))
    outcome = cache.get(key, _well_formed) if cache else None
    if outcome is None:
        try:
            outcome, cacheable = _analyse(path, data, model, localise)
        except ModelError:
            raise
        except ImageUnfinished as exc:  # not cached: another run may finish it
            return Result(path, None, False, error=str(exc), sha256=sha256)
        except MemoryError:
            return Result(path, None, False, error="out of memory while checking this image", sha256=sha256)
        except Exception as exc:  # a bug or an exotic file must not hide the other results
            message = f"internal error: {type(exc).__name__}: {exc}"
            return Result(path, None, False, error=message, sha256=sha256)
        if cache and cacheable:
            cache.put(key, outcome)
    return _result(path, outcome, threshold, sha256)


def resolve_threshold(config: Config, model, override: float | None = None) -> float:
    for value in (override, config.threshold):
        if value is not None:
            return value
    return model.info.threshold


def check_paths(
    paths: list[str], config: Config, model, threshold: float | None = None,
    cache: ResultCache | None = None, on_result: Callable[[Result, int, int], None] | None = None,
    shard: Shard | None = None, revision: Revision | None = None,
) -> Report:
    """Check every file under `paths` (only `shard`'s part of them, if given), as the
    working tree has them or as `revision` does; `on_result(result, done, total)` follows
    progress."""
    threshold = resolve_threshold(config, model, threshold)
    if revision is None:
        files, read = collect(paths, config.exclude, config.root), read_file
    else:
        files, read = revision.collect(paths, config.exclude, config.root), revision.read
    root = str(_root(paths))
    if shard is not None:
        files = shard.select(files, lambda path: repo_relative(path, root) or os.path.abspath(path))
    model = with_old_labels(model, config.old_labels)
    results = []
    for path in files:
        results.append(accept(check_file(path, model, threshold, cache, config.localise, read), config.allowed))
        if on_result:
            on_result(results[-1], len(results), len(files))
    results = tuple(results)
    return Report(results, threshold, model.sha256, fail_on_error=config.unreadable == "fail", root=root,
                  old_labels=tuple(model.info.old_labels), read=read)


def _root(paths: list[str]) -> Path:
    """The repository files are named from: the current folder's where it holds any of
    the paths (whatever their order); else the one that holds the first path (the action
    after actions/checkout with `path:`, or `check ../other-repo`); else the current folder."""
    here = repository_root(Path.cwd())
    if holds_git(here) and (not paths or any(real(path).is_relative_to(here) for path in paths)):
        return here
    first = Path(paths[0]) if paths else Path.cwd()
    holder = repository_root(first if os.path.isdir(first) else first.parent)
    return holder if holds_git(holder) else here


def known_old_labels(old_labels: tuple[str, ...], labels) -> None:
    """ConfigError unless every one of the config's old labels is one of the model's `labels`."""
    unknown = [label for label in old_labels if label not in labels]
    if unknown:
        raise ConfigError(f"old_labels: {', '.join(unknown)} not in the model's labels ({', '.join(labels)})")


def with_old_labels(model, old_labels: tuple[str, ...] | None):
    """A view of `model` whose old labels come from the config, if it names any; ModelError
    where neither names one: every image would pass."""
    if old_labels is None:
        if not model.info.old_labels:
            raise ModelError(f"{model.path}: the model names no old label among its labels "
                             f"({', '.join(model.info.labels)}): name them in the config's old_labels")
        return model
    known_old_labels(old_labels, model.info.labels)
    return model.with_info(old_labels=old_labels)
