"""Load a logolint .tflite once per process and run it on prepared views."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import sys
from importlib import resources
from pathlib import Path

from logolint.errors import ModelError

METADATA_NAME = "logolint"
DEFAULT_THRESHOLD = 0.5
MAX_MODEL_BYTES = 256 << 20  # a trained model is about 7 MB: a file many times larger is none, read whole


def _shipped(name: str) -> Path:
    """A file of `model/` in the source tree, installed as the package `logolint.models`."""
    try:
        folder = resources.files("logolint.models")
    except ModuleNotFoundError:  # imported from a source checkout that is not installed
        folder = Path(__file__).resolve().parent.parent / "model"
    return Path(str(folder.joinpath(name)))


# Said whenever it checks: a hook left on the demo model passes every real old logo.
DEMO_MODEL = ("no model is configured, so the bundled demo model is used: it knows only logolint's "
              "fictional demo brand, not your logo. Train yours with `logolint train` and name it "
              "in .logolint.yaml (model: ...)")


def judged_by_demo(results, chosen: bool) -> bool:
    """Whether the demo model judged any of `results` because no model was `chosen`."""
    return not chosen and any(result.score is not None for result in results)


def bundled_model_path() -> Path:
    return _shipped("demo.tflite")


def backbone_path() -> Path:
    return _shipped("backbone.tflite")


def interpreter_class():
    """LiteRT's interpreter, or tflite-runtime's where only that is installed."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            raise ModelError("no TFLite runtime found: pip install ai-edge-litert") from None
    return Interpreter


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What a logolint model says about itself in its metadata."""

    labels: tuple[str, ...]
    old_labels: tuple[str, ...]
    threshold: float
    input_size: int  # side of the views `classify_and_match` takes
    locate_size: int  # side of the canvas `locate` takes
    fingerprints: dict  # label -> fingerprints of the logo files it was trained from
    prototypes: tuple[str, ...] = ()  # label of each column of the "similarity" output
    match_range: tuple[float, float] = (0.0, 1.0)  # similarities mapped to 0 and 1
    lookalike: float = 0.0  # how alike the old and new logo files are to keypoints (verify.lookalike)
    text_pages: int = 0  # pages of text training fitted on as other (logolint.plain_text; see detect.TEXT_DRAWN)

    @functools.cached_property
    def fingerprint_limit(self) -> float:
        """See fingerprint.limit: worked out once, when a fingerprint is first compared."""
        from logolint.fingerprint import limit

        return limit(self.fingerprints)


def _info(data: bytes, path: Path) -> ModelInfo:
    from logolint.fingerprint import read as read_prints
    from logolint.tflite_metadata import check_buffers, read_metadata

    try:
        raw = read_metadata(data, METADATA_NAME)
        check_buffers(data)
    except Exception as exc:  # a corrupt flatbuffer fails in many ways
        raise ModelError(f"{path}: corrupt model file: {exc}") from None
    if raw is None:
        raise ModelError(f"{path}: not a logolint model (no labels in its metadata)")
    try:
        meta = json.loads(raw)
        _typed(meta)
        labels = tuple(str(label) for label in meta["labels"])
        info = ModelInfo(
            labels=labels,
            old_labels=tuple(meta.get("old_labels") or [label for label in labels if label == "old"]),
            threshold=float(meta.get("threshold", DEFAULT_THRESHOLD)),
            input_size=int(meta.get("input_size", 224)),
            locate_size=int(meta.get("locate_size", 512)),
            fingerprints=read_prints(meta),
            prototypes=tuple(str(label) for label in meta.get("prototypes") or ()),
            match_range=tuple(float(v) for v in meta.get("match_range") or (0.0, 1.0)),
            lookalike=float(meta.get("lookalike", 0.0)),
            text_pages=int(meta.get("text_pages", 0)),
        )
        if len(info.match_range) != 2:
            raise ValueError(f"match_range must be two numbers, got {len(info.match_range)}")
        problem = _implausible(info)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:  # float(10**400) overflows
        raise ModelError(f"{path}: unreadable logolint metadata: {exc}") from None
    except RecursionError:  # JSON nested deeper than Python's stack
        raise ModelError(f"{path}: unreadable logolint metadata: nested too deeply") from None
    if problem:  # a damaged value would silently pass (or fail) every image
        raise ModelError(f"{path}: unreadable logolint metadata: {problem}")
    return info


def _typed(meta) -> None:
    """TypeError where the metadata's values are not of their kinds: "labels": "abc" read
    as three labels, and "threshold": true as 1."""
    if not isinstance(meta, dict):
        raise TypeError("not a JSON object")
    for key in ("labels", "old_labels", "prototypes"):
        value = meta.get(key) or []  # null: absent, as before
        if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            raise TypeError(f"{key} must be a list of strings")
    for key in ("threshold", "input_size", "locate_size", "lookalike", "text_pages"):
        if key in meta and not finite_number(meta[key]):
            raise TypeError(f"{key} must be a number")
    if "match_range" in meta and not (isinstance(meta["match_range"], list)
                                      and all(map(finite_number, meta["match_range"]))):
        raise TypeError("match_range must be two numbers")


def finite_number(value) -> bool:
    """Whether a value read from JSON is a real, finite number (not a bool, not an integer
    too large for a float)."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _implausible(info: ModelInfo) -> str | None:
    """What is wrong with metadata that parsed, or None."""
    import math

    if not info.labels or len(set(info.labels)) != len(info.labels):
        return f"labels must be distinct, and at least one: {list(info.labels)}"
    if not set(info.old_labels) <= set(info.labels):  # none: the config's old_labels must name them
        return f"old_labels {list(info.old_labels)} must name some of the labels {list(info.labels)}"
    if not 0.0 <= info.threshold <= 1.0:
        return f"threshold {info.threshold} is not from 0 to 1"
    if not (16 <= info.input_size <= 1024 and 16 <= info.locate_size <= 2048):
        return f"input_size {info.input_size} or locate_size {info.locate_size} out of range"
    low, high = info.match_range
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        return f"match_range {list(info.match_range)} is not two numbers, the lower first"
    if not set(info.prototypes) <= set(info.labels):
        return f"prototypes of labels {sorted(set(info.prototypes) - set(info.labels))}, none of the labels"
    if info.text_pages < 0:
        return f"text_pages {info.text_pages} is negative"
    if not 0.0 <= info.lookalike <= 10.0:  # a share of inliers: more than 1 where the other file matches better
        return f"lookalike {info.lookalike} is not from 0 to 10"
    for label, prints in info.fingerprints.items():
        if label not in info.labels:
            return f"fingerprints of {label!r}, which is none of the labels {list(info.labels)}"
        for found in prints:
            if not (isinstance(found, list) and len(found) in (3, 4) and type(found[0]) is int
                    and 0 <= found[0] < 2**64 and isinstance(found[1], list) and len(found[1]) == 27  # 3x3 RGB
                    and all(map(finite_number, found[1]))
                    and finite_number(found[2]) and found[2] > 0
                    # 3x3 drawn shares (fingerprint.stored), since 2026-12-07
                    and (len(found) == 3 or (isinstance(found[3], list) and len(found[3]) == 9
                                             and all(finite_number(v) and 0 <= v <= 1 for v in found[3])))):
                return f"a fingerprint of {label!r} is damaged"
    return None


@contextlib.contextmanager
def _quiet_stderr():
    """The runtime prints INFO lines on file descriptor 2 when it loads a model; keep
    them out of hook output, but hand them back if loading fails."""
    import tempfile

    sys.stderr.flush()
    try:
        sink = tempfile.TemporaryFile()
    except OSError:  # no temporary folder to write to: the lines are shown, the model still loads
        sink = None
    if sink is None:
        yield None
        return
    with sink:
        saved = os.dup(2)
        try:  # swapped inside: an interrupt right after it would leave stderr in the file
            os.dup2(sink.fileno(), 2)
            yield sink
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def load_interpreter(data: bytes, path: Path, side: int | None = None):
    """A ready interpreter for model bytes, its input side x side if given, or
    ModelError with the runtime's reason."""
    with _quiet_stderr() as sink:
        try:
            interpreter = interpreter_class()(model_content=data, num_threads=min(os.cpu_count() or 1, 4))
            image = interpreter.get_input_details()[0]
            if side is not None and list(image["shape"][1:3]) != [side, side]:
                # Before the first allocation, which is the costly one (XNNPACK packs the
                # weights); allocating at the model's own size first would pay it twice.
                interpreter.resize_tensor_input(image["index"], [1, side, side, 3], strict=False)
            interpreter.allocate_tensors()
            return interpreter
        except (ValueError, RuntimeError) as exc:
            detail = []
            if sink is not None:
                sink.seek(0)
                detail = [line for line in sink.read().decode(errors="replace").strip().splitlines()
                          if line.strip() and not line.startswith("INFO:")]  # "Created ... delegate" says nothing
            reason = detail[-1] if detail else (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
            raise ModelError(f"{path}: cannot load model: {reason}") from None


class Runner:
    """An interpreter fixed at a side x side input: resizing one back and forth would
    re-plan the graph on every call."""

    def __init__(self, data: bytes, path: Path, side: int) -> None:
        self.path = path
        self.interpreter = load_interpreter(data, path, side)
        self._input = self.interpreter.get_input_details()[0]["index"]
        self.outputs = {d["name"]: d for d in self.interpreter.get_output_details()}

    def run(self, pixels, output: str):
        return self.run_all(pixels, (output,))[0]

    def run_all(self, pixels, outputs: tuple[str, ...]) -> list:
        """Several outputs of one inference."""
        import numpy as np

        self.interpreter.set_tensor(self._input, np.asarray(pixels, dtype=np.float32)[None])
        try:
            self.interpreter.invoke()
        except RuntimeError as exc:  # a damaged model may load and fail only here: it judges no image
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(f"{self.path}: cannot run model: {reason}") from None
        return [self.interpreter.get_tensor(self.outputs[name]["index"])[0].copy() for name in outputs]


class Model:
    """A fused backbone + heads: float32 RGB pixels (0-255) in; out come class
    probabilities ("probabilities") and a per-cell brand map ("brand").
    Interpreters are created on first use, so a run served from the cache skips them."""

    def __init__(self, path: Path, data: bytes) -> None:
        if len(data) < 8 or data[4:8] != b"TFL3":
            from logolint.imaging import LFS_POINTER

            if data.startswith(LFS_POINTER):
                raise ModelError(f"{path}: a Git LFS pointer, not the model (run `git lfs pull` first)")
            raise ModelError(f"{path}: not a TFLite model file")
        self.path = path
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._data = data
        self._runners: dict[int, Runner] = {}
        self._parsed: dict[str, object] = {}  # see _from_metadata
        self.info = _info(data, path)

    @property
    def data(self) -> bytes:
        return self._data

    def with_info(self, **changes) -> Model:
        """A view of this model with some of its metadata replaced, sharing its interpreters."""
        import copy
        import dataclasses

        view = copy.copy(self)
        view.info = dataclasses.replace(self.info, **changes)
        return view

    def _runner(self, side: int) -> Runner:
        if side not in self._runners:
            runner = Runner(self._data, self.path, side)
            outputs = runner.outputs
            if "probabilities" not in outputs or "brand" not in outputs:
                raise ModelError(f"{self.path}: not a logolint model (outputs {', '.join(outputs)})")
            if int(outputs["probabilities"]["shape"][-1]) != len(self.info.labels):
                raise ModelError(f"{self.path}: {len(self.info.labels)} labels for "
                                 f"{int(outputs['probabilities']['shape'][-1])} outputs")
            if "similarity" in outputs and int(outputs["similarity"]["shape"][-1]) != len(self.info.prototypes):
                raise ModelError(f"{self.path}: {len(self.info.prototypes)} prototypes for "
                                 f"{int(outputs['similarity']['shape'][-1])} similarities")
            self._runners[side] = runner
        return self._runners[side]

    def classify_and_match(self, pixels):
        """For one view already resized to input_size: class probabilities and, per label
        of the model's prototypes, the view's highest cosine similarity to one of them
        ({} for a model without prototypes)."""
        runner = self._runner(self.info.input_size)
        if not self.info.prototypes or "similarity" not in runner.outputs:
            return runner.run(pixels, "probabilities"), {}
        probabilities, similarity = runner.run_all(pixels, ("probabilities", "similarity"))
        best: dict[str, float] = {}
        for label, value in zip(self.info.prototypes, similarity.tolist()):
            best[label] = max(best.get(label, -1.0), value)
        return probabilities, best

    def _from_metadata(self, name: str, parse):
        """A metadata entry besides the main one, parsed once; `parse` gets None for a model
        without it and raises ValueError for a damaged one."""
        if name not in self._parsed:
            from logolint.tflite_metadata import read_metadata

            try:
                self._parsed[name] = parse(read_metadata(self._data, name))
            except ValueError as exc:
                raise ModelError(f"{self.path}: {exc}") from None
        return self._parsed[name]

    @functools.cached_property
    def geometry_digest(self) -> str:
        """A digest of the model's reference keypoints and silhouettes, which the geometry
        stages read of it with its old labels. Two fits of one training share it; their
        classifiers differ."""
        from logolint import silhouette, verify
        from logolint.tflite_metadata import read_metadata

        digest = hashlib.sha256()
        for name in (verify.METADATA_NAME, silhouette.METADATA_NAME):
            blob = read_metadata(self._data, name) or b""
            digest.update(len(blob).to_bytes(8, "big") + blob)
        return digest.hexdigest()

    def references(self) -> list:
        """The reference keypoints for geometric verification ([] for models without)."""
        from logolint import verify

        return self._from_metadata(verify.METADATA_NAME,
                                   lambda blob: verify.paired(verify.unpack(blob)) if blob else [])

    def silhouettes(self):
        """The reference silhouettes for outline matching (a silhouette.Silhouettes,
        false for models without)."""
        from logolint import silhouette

        return self._from_metadata(silhouette.METADATA_NAME,
                                   lambda blob: silhouette.Silhouettes(*silhouette.unpack(blob)) if blob
                                   else silhouette.Silhouettes({}))

    def locate(self, canvas):
        """The brand map (cells x cells, values 0-1) of a locate_size canvas."""
        return self._runner(self.info.locate_size).run(canvas, "brand")[..., 0]


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int, size: int, expected_sha256: str | None) -> Model:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model {path}: {exc.strerror or exc}") from None
    model = Model(path, data)
    if expected_sha256 and model.sha256 != expected_sha256:
        raise ModelError(
            f"{path}: sha256 {model.sha256} does not match model_sha256 {expected_sha256}"
        )
    return model


def load_model(path: Path | None = None, expected_sha256: str | None = None) -> Model:
    """Load (once per process) the model at `path`, or the bundled demo model."""
    import errno
    import stat as kinds

    path = Path(path) if path is not None else bundled_model_path()
    try:
        stat = path.stat()
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise ModelError(f"model file not found: {path}") from None
        raise ModelError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    if not kinds.S_ISREG(stat.st_mode):  # reading a FIFO or a device would never end
        raise ModelError(f"{path}: not a regular file")
    if stat.st_size > MAX_MODEL_BYTES:
        raise ModelError(f"{path}: larger than {MAX_MODEL_BYTES >> 20} MB, so no logolint model")
    return _load(path.resolve(), stat.st_mtime_ns, stat.st_size, expected_sha256)
