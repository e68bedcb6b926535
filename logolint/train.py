"""`logolint train`: embed synthetic and real views with the bundled backbone, fit a
softmax head in numpy, and fuse backbone + head into one .tflite."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

from logolint.errors import ConfigError, ImageError
from logolint.imaging import IMAGE_EXTENSIONS, load_image
from logolint.model import METADATA_NAME, backbone_path, load_interpreter

LABELS = ("old", "new", "other")
OLD, NEW, OTHER = range(3)
INPUT_SIZE = 224
VIEWS_PER_CLASS = 320
LOGO_SIDE = 512
REFERENCE_MAX_FILES = 3  # classes with this few opaque files are treated as logo files
Progress = Callable[[str], None]


def gather(paths: list[str], role: str) -> list[Path]:
    """Every supported image under `paths`, in a stable order."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"--{role}: no such file or directory: {name}")
    return list(dict.fromkeys(files))


class Backbone:
    """The bundled EfficientNet-Lite0 feature extractor: 224x224 RGB -> 1280 floats."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or backbone_path()
        self._interpreter = load_interpreter(self.path.read_bytes(), self.path)
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = {d["name"]: d["index"] for d in self._interpreter.get_output_details()}
        self._output = outputs["embedding"]

    def embed(self, view) -> np.ndarray:
        self._interpreter.set_tensor(self._input, np.asarray(view, np.float32)[None])
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output)[0].copy()


SCENE_SCALE = 0.5  # scenes are drawn at half size: tiles are shrunk to 224 px anyway
MIN_LOGO_SHARE = 0.2  # of a tile's width: smaller logos are a few pixels at 224 px


def _scene_views(rng: np.random.Generator, logo, label: int) -> list[tuple[np.ndarray, int]]:
    """Views of one synthetic scene as the detector will see them: a tile that holds
    the logo is labelled `label`, a tile without any of it is OTHER."""
    from logolint.detect import square, views
    from logolint.synth import covered, degrade, scene

    image, box = scene(rng, logo, SCENE_SCALE)
    factor = SCENE_SCALE if max(image.size) >= 300 else 1.0
    nominal = (round(image.size[0] / factor), round(image.size[1] / factor))
    tiles = [tuple(round(v * factor) for v in tile) for tile in views(*nominal)]
    positives, negatives = [], []
    for tile in tiles:
        share = covered(tile, box) if box else 0.0
        if box and share >= 0.8 and (box[2] - box[0]) >= MIN_LOGO_SHARE * (tile[2] - tile[0]):
            positives.append(tile)
        elif share <= 0.02:
            negatives.append(tile)
        # Tiles with a cut or tiny logo are left out: either label would be noise.
    out = []
    for tiles_, target in ((positives, label), (negatives, OTHER)):
        if tiles_:
            tile = tiles_[int(rng.integers(0, len(tiles_)))]
            out.append((square(degrade(rng, image.crop(tile)), INPUT_SIZE), target))
    return out


def _example_views(rng: np.random.Generator, images: list, label: int, count: int):
    """Views of example photos labelled as a whole (the classic retraining workflow)."""
    from logolint.synth import jitter

    return [(np.asarray(jitter(rng, images[i % len(images)], INPUT_SIZE)), label) for i in range(count)]


def _load_sources(files: list[Path], as_logo: bool) -> list:
    from logolint.synth import logo_rgba

    sources = []
    for path in files:
        try:
            if as_logo or path.suffix.lower() in (".svg", ".svgz"):
                logo = logo_rgba(path)
                logo.thumbnail((LOGO_SIDE, LOGO_SIDE))  # placed logos are never larger
                sources.append(logo)
            else:
                sources.append(load_image(path).image)
        except (ImageError, OSError) as exc:
            raise ConfigError(f"cannot train from {path}: {exc}") from None
    return sources


def training_views(files: dict[str, list[Path]], rng: np.random.Generator,
                   progress: Progress) -> list[tuple[np.ndarray, int]]:
    """Labelled 224-px views for every class, real and synthetic."""
    views: list[tuple[np.ndarray, int]] = []
    for label in (OLD, NEW):
        paths = files[LABELS[label]]
        as_logo = len(paths) <= REFERENCE_MAX_FILES
        sources = _load_sources(paths, as_logo)
        logos = [s for s in sources if s.mode == "RGBA"]
        photos = [s for s in sources if s.mode != "RGBA"]
        made = []
        if photos:
            made += _example_views(rng, photos, label, VIEWS_PER_CLASS)
        while logos and sum(1 for _, t in made if t == label) < VIEWS_PER_CLASS:
            made += _scene_views(rng, logos[len(made) % len(logos)], label)
        progress(f"{LABELS[label]}: {len(paths)} file(s) -> {len(made)} training views")
        views += made
    others = _load_sources(files["other"], False)
    made = _example_views(rng, others, OTHER, VIEWS_PER_CLASS) if others else []
    while sum(1 for _, t in made if t == OTHER) < VIEWS_PER_CLASS // 2:
        made += _scene_views(rng, None, OTHER)
    progress(f"other: {len(files['other'])} file(s) + synthetic scenes -> {len(made)} training views")
    return views + made


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int, l2: float = 1e-3,
                steps: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch Adam on standardised features.
    Returns (weights [classes, dim], bias [classes]) for the raw features."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / std
    onehot = np.eye(classes)[y]
    counts = onehot.sum(axis=0)
    weight_per_sample = (len(y) / (classes * np.maximum(counts, 1)))[y][:, None]
    w = np.zeros((z.shape[1], classes))
    b = np.zeros(classes)
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    lr, beta1, beta2 = 0.01, 0.9, 0.999
    for step in range(1, steps + 1):
        logits = z @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad_logits = (p - onehot) * weight_per_sample / len(y)
        grads = [z.T @ grad_logits + l2 * w, grad_logits.sum(axis=0)]
        for i, (param, grad) in enumerate(zip((w, b), grads)):
            m[i] = beta1 * m[i] + (1 - beta1) * grad
            v[i] = beta2 * v[i] + (1 - beta2) * grad**2
            param -= lr * (m[i] / (1 - beta1**step)) / (np.sqrt(v[i] / (1 - beta2**step)) + 1e-8)
    weights = (w / std[:, None]).T
    bias = b - (mean / std) @ w
    return weights.astype(np.float32), bias.astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def recommend_threshold(old_scores: np.ndarray, other_scores: np.ndarray) -> float:
    """The lowest threshold that keeps false positives at or under 1% of held-out
    non-old views, never below 0.5, rounded up to 0.05."""
    if len(other_scores) == 0:
        return 0.5
    limit = float(np.quantile(other_scores, 0.99))
    return float(min(0.95, max(0.5, np.ceil((limit + 0.01) * 20) / 20)))


def fuse(backbone: Path, weights: np.ndarray, bias: np.ndarray, metadata: dict) -> bytes:
    """Backbone + FULLY_CONNECTED + SOFTMAX as one model; labels in its metadata."""
    from logolint.tflite_writer import GraphBuilder

    graph = GraphBuilder.from_tflite(backbone.read_bytes())
    embedding = graph.outputs["embedding"]
    w = graph.const("head/weights", weights)
    b = graph.const("head/bias", bias)
    logits = graph.tensor("head/logits", [1, len(bias)])
    probs = graph.tensor("probabilities", [1, len(bias)])
    graph.op("FULLY_CONNECTED", [embedding, w, b], [logits])
    graph.op("SOFTMAX", [logits], [probs])
    graph.outputs.clear()
    graph.output(probs, "probabilities")
    graph.metadata(METADATA_NAME, json.dumps(metadata, sort_keys=True).encode())
    labels = "\n".join(metadata["labels"]) + "\n"
    return graph.to_bytes({"labels.txt": labels.encode()})


def train(old: list[str], new: list[str], other: list[str], output: str, seed: int = 0,
          progress: Progress = lambda message: None) -> str:
    """Train and write OUTPUT/model.tflite and OUTPUT/labels.txt; return a summary line."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    files = {"old": gather(old, "old"), "new": gather(new, "new"), "other": gather(other, "other")}
    for role in ("old", "new"):
        if not files[role]:
            raise ConfigError(f"--{role}: no supported images found")
    backbone = Backbone()
    views = training_views(files, rng, progress)
    progress(f"embedding {len(views)} views")
    x = np.stack([backbone.embed(view) for view, _ in views])
    y = np.array([target for _, target in views])
    held_out = rng.random(len(y)) < 0.2
    weights, bias = fit_softmax(x[~held_out], y[~held_out], len(LABELS))
    scores = softmax(x[held_out] @ weights.T + bias)[:, 0]
    accuracy = float((softmax(x[held_out] @ weights.T + bias).argmax(1) == y[held_out]).mean())
    threshold = recommend_threshold(scores[y[held_out] == 0], scores[y[held_out] != 0])
    weights, bias = fit_softmax(x, y, len(LABELS))
    metadata = {"labels": list(LABELS), "old_labels": ["old"], "threshold": threshold,
                "input_size": INPUT_SIZE, "trained_from": {k: len(v) for k, v in files.items()}}
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.tflite").write_bytes(fuse(backbone.path, weights, bias, metadata))
    (out / "labels.txt").write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - start
    counts = ", ".join(f"{len(v)} {k}" for k, v in files.items())
    return (f"trained on {counts} file(s), {len(y)} views in {seconds:.1f} s; held-out "
            f"accuracy {accuracy:.1%}; recommended threshold {threshold:.2f}; wrote {out / 'model.tflite'}")
