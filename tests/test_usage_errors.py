"""Bad configuration, arguments and model files: one line naming the problem, exit 2.

Every case runs the real CLI in a subprocess, so a traceback anywhere would show.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from logolint.model import bundled_model_path

IMAGE = str(EXAMPLES / "new-logo.png")


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "logolint", *argv], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def _one_line(done: subprocess.CompletedProcess, *names: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    # "logolint: error: ..." or, from argument parsing, "logolint check: error: ..."
    assert len(lines) == 1 and lines[0].startswith("logolint") and ": error: " in lines[0], done.stderr
    for name in names:
        assert name in lines[0], lines[0]


@pytest.mark.parametrize("config, names", [
    ("threshold: [0.5\n", ["invalid YAML at line 2", ".logolint.yaml"]),
    ("model: a.tflite\n\tthreshold: 0.5\n", ["invalid YAML"]),
    ("thresold: 0.5\n", ["unknown key 'thresold'"]),
    ("threshold: 1.5\n", ["'threshold'", "from 0 to 1", "1.5"]),
    ("threshold: -0.1\n", ["'threshold'", "from 0 to 1"]),
    ("threshold: high\n", ["'threshold'", "'high'"]),
    ("unreadable: ignore\n", ["'unreadable'", "fail, warn"]),
    ("model: missing.tflite\n", ["model file not found", "missing.tflite"]),
    ("model_sha256: abc123\n", ["'model_sha256'", "64 hexadecimal digits"]),
    ("old_labels: [ancient]\n", ["old_labels", "ancient"]),
    ("old_labels: []\n", ["'old_labels'", "at least one label"]),  # would flag nothing, ever
    ("exclude: ['[z-a]']\n", ["'exclude'", "'[z-a]'", "bad character range"]),
    ("exclude: ['[b--[]']\n", ["'exclude'", "bad character range b--"]),  # not a FutureWarning
    ("threshold: 0.5\n\x07: 1\n", ["invalid YAML at line 2", "character 0x0007 not allowed"]),
    ("just a string\n", ["must be a mapping"]),
])
def test_config_errors(tmp_path: Path, config: str, names: list[str]):
    (tmp_path / ".logolint.yaml").write_text(config)
    _one_line(_run(tmp_path, IMAGE, "--no-cache"), *names)


def test_config_file_given_but_missing(tmp_path: Path):
    _one_line(_run(tmp_path, IMAGE, "--config", "nope.yaml"), "nope.yaml", "cannot read config")


@pytest.mark.parametrize("argv, names", [
    (["--threshold", "1.5", IMAGE], ["--threshold", "from 0 to 1", "1.5"]),
    (["--config", "c.yaml", "explain", IMAGE], ["explain is a command: name it first"]),  # not "no such file"
    (["--threshold", "-1", IMAGE], ["--threshold", "from 0 to 1"]),
    (["--threshold", "nan", IMAGE], ["--threshold", "from 0 to 1"]),
    (["--threshold", "high", IMAGE], ["--threshold", "not a number: 'high'"]),
    (["--model", "missing.tflite", IMAGE], ["model file not found", "missing.tflite"]),
    (["no/such/file.png"], ["no such file or directory: no/such/file.png"]),
    ([IMAGE, "no/such/folder"], ["no such file or directory: no/such/folder"]),
    (["--format", "yaml", IMAGE], ["--format", "yaml"]),
    (["--frobnicate", IMAGE], ["unrecognized arguments: --frobnicate"]),
])
def test_argument_errors(tmp_path: Path, argv: list[str], names: list[str]):
    _one_line(_run(tmp_path, *argv, "--no-cache"), *names)


OLD_SVG = str(Path(bundled_model_path()).parent / "demo-old.svg")
NEW_SVG = str(Path(bundled_model_path()).parent / "demo-new.svg")


@pytest.mark.parametrize("argv, names", [
    (["train", "--old", OLD_SVG, "--new", NEW_SVG, "--output", "out", "--seed", "-1"], ["--seed", "0 or more"]),
    (["train", "--old", OLD_SVG, "--new", NEW_SVG, "--output", "out", "--seed", "x"], ["--seed", "not a whole number"]),
    (["eval", "--model", str(bundled_model_path()), "--seed", "-5", "data"], ["--seed", "0 or more"]),
    # found before a minute of training, not after
    (["train", "--old", OLD_SVG, "--new", NEW_SVG, "--output", "taken"], ["model.tflite there is a folder"]),
    (["train", "--old", "fifo.svg", "--new", NEW_SVG, "--output", "out"], ["--old", "not a regular file", "fifo.svg"]),
    (["train", "--old", OLD_SVG, "--new", "gone.svg", "--output", "out"], ["--new", "not a regular file", "gone.svg"]),
    (["train", "--old", OLD_SVG, "--new", "nothing.svg", "--output", "out"], ["--new", "no such file", "nothing.svg"]),
    # Read as the current folder, an empty name swept every image there into the role.
    (["train", "--old", OLD_SVG, "--new", NEW_SVG, "--other", "", "--output", "out"], ["--other", "an empty file name"]),
    (["eval", "data", "--old", "", "--new", NEW_SVG], ["--old", "an empty file name"]),
    # Skipped in silence before: the model learnt from fewer examples than it was given.
    (["train", "--old", "olds", "--new", NEW_SVG, "--output", "out"], ["--old", "not a regular file", "gone.png"]),
])
def test_train_and_eval_argument_errors(tmp_path: Path, argv: list[str], names: list[str]):
    (tmp_path / "taken" / "model.tflite").mkdir(parents=True)
    os.mkfifo(tmp_path / "fifo.svg")
    (tmp_path / "gone.svg").symlink_to(tmp_path / "nothing.svg")  # a dangling link
    (tmp_path / "data" / "old").mkdir(parents=True)
    (tmp_path / "olds").mkdir()
    (tmp_path / "olds" / "old.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    (tmp_path / "olds" / "gone.png").symlink_to(tmp_path / "nothing.png")
    done = _run(tmp_path, *argv)
    _one_line(done, *names)


def _model_variants(folder: Path) -> dict[str, Path]:
    data = bundled_model_path().read_bytes()
    variants = {
        "truncated": data[: len(data) // 2],
        "header-only": data[:64],
        "png": (EXAMPLES / "new-logo.png").read_bytes(),
        "garbage-after-header": data[:8] + bytes(range(256)) * 64,
        "empty": b"",
    }
    paths = {}
    for name, content in variants.items():
        paths[name] = folder / f"{name}.tflite"
        paths[name].write_bytes(content)
    return paths


@pytest.mark.parametrize("variant", ["truncated", "header-only", "png", "garbage-after-header", "empty"])
def test_broken_model_files(tmp_path: Path, variant: str):
    model = _model_variants(tmp_path)[variant]
    _one_line(_run(tmp_path, IMAGE, "--model", str(model), "--no-cache"), str(model))


def test_a_truncated_model_is_refused_where_no_image_needs_its_interpreter(tmp_path: Path):
    # The logo files themselves are recognised from the model's metadata alone, which a
    # truncated file can still hold: the cut is found when the model loads, not never.
    model = tmp_path / "cut.tflite"
    data = bundled_model_path().read_bytes()
    model.write_bytes(data[: len(data) * 9 // 10])
    for image in ("old-logo.png", "new-logo.png"):
        _one_line(_run(tmp_path, str(EXAMPLES / image), "--model", str(model), "--no-cache"), str(model),
                  "corrupt model file")


def test_model_pin_mismatch(tmp_path: Path):
    bundled = bundled_model_path()
    other = tmp_path / "other.tflite"
    other.write_bytes(bundled.read_bytes() + b"\0")  # one byte more: still loads, other sha256
    right = hashlib.sha256(bundled.read_bytes()).hexdigest()
    (tmp_path / ".logolint.yaml").write_text(f"model: other.tflite\nmodel_sha256: {right}\n")
    _one_line(_run(tmp_path, IMAGE, "--no-cache"), "other.tflite", "does not match model_sha256", right)
    # The pin also holds for a model named on the command line.
    _one_line(_run(tmp_path, IMAGE, "--model", str(other), "--no-cache"), "does not match model_sha256")
    (tmp_path / ".logolint.yaml").write_text(f"model_sha256: {right}\n")
    done = _run(tmp_path, IMAGE, "--no-cache")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("before, after, names", [
    (b'"threshold": 0.4,', b'"threshold": 5.4,', ["threshold 5.4 is not from 0 to 1"]),
    (b'"threshold": 0.4,', b'"threshold": NaN,', ["threshold must be a number"]),
    (b'"old_labels": ["old"]', b'"old_labels": ["olx"]', ["old_labels ['olx'] must name some of the labels"]),
    (b'"input_size": 224', b'"input_size": -24', ["input_size -24"]),
    (b'"locate_size": 512', b'"locate_size": 0  ', ["locate_size 0 out of range"]),
    (b'[[3474652327480211504,', b'[[-474652327480211504,', ["a fingerprint of 'new' is damaged"]),
    (b'[66.0, 189.0, 180.0,', b'[66.0, 189.00000000,', ["a fingerprint of 'new' is damaged"]),  # 26 colours
    # Read as a number or a list of labels where it is none (a third review's cases).
    (b'"threshold": 0.4,', b'"threshold":true,', ["threshold must be a number"]),
    (b'"labels": ["old", "new", "other"]', b'"labels": "old new other"        ', ["labels must be a list of strings"]),
    (b'"match_range": [0.6557, 0.8311]', b'"match_range": [0.8311, 0.6557]', ["the lower first"]),
])
def test_damaged_metadata_values_are_a_model_error_not_a_silent_pass(tmp_path: Path, before: bytes, after: bytes,
                                                                     names: list[str]):
    data = bundled_model_path().read_bytes()
    assert data.count(before) == 1 and len(before) == len(after)  # the flatbuffer keeps its layout
    damaged = tmp_path / "damaged.tflite"
    damaged.write_bytes(data.replace(before, after))
    _one_line(_run(tmp_path, str(EXAMPLES / "old-logo.png"), "--model", str(damaged), "--no-cache"),
              "unreadable logolint metadata", *names)


def test_metadata_nested_too_deeply_is_a_model_error(tmp_path: Path):
    from logolint.tflite_metadata import read_metadata

    data = bundled_model_path().read_bytes()
    meta = bytes(read_metadata(data, "logolint"))
    deep = b"[" * 1000 + b"]" * 1000  # in the same bytes: the flatbuffer keeps its layout
    assert data.count(meta) == 1 and len(meta) >= len(deep)
    (tmp_path / "deep.tflite").write_bytes(data.replace(meta, deep.ljust(len(meta))))
    # Before 3.12 the C JSON scanner hits RecursionError at ~1000 levels; 3.12+ has its own, higher
    # C recursion limit, parses these 1000 levels into a list, and refuses it as no object.
    said = "nested too deeply" if sys.version_info < (3, 12) else "not a JSON object"
    _one_line(_run(tmp_path, IMAGE, "--model", "deep.tflite", "--no-cache"), "unreadable logolint metadata", said)


def test_metadata_nested_past_any_pythons_json_limit_is_said(monkeypatch):
    """The in-model test above reaches "nested too deeply" only before 3.12: 3.12's JSON
    parser takes the 1,000 levels that fit in the model's metadata."""
    from logolint import model, tflite_metadata
    from logolint.errors import ModelError

    monkeypatch.setattr(tflite_metadata, "read_metadata", lambda data, name: b"[" * 200_000 + b"]" * 200_000)
    monkeypatch.setattr(tflite_metadata, "check_buffers", lambda data: None)
    with pytest.raises(ModelError, match="deep.tflite: unreadable logolint metadata: nested too deeply"):
        model._info(b"", Path("deep.tflite"))


def test_a_model_that_loads_and_fails_when_run_stops_the_check(tmp_path: Path, monkeypatch, capsys):
    # A bit flipped in the graph (a tensor's buffer index) can load and fail only when an
    # image is run: it was each image's "internal error", and passed where unreadable: warn.
    from conftest import run_cli
    from logolint.model import interpreter_class

    def broken(self):
        raise RuntimeError("Input tensor 173 lacks data")

    monkeypatch.setattr(interpreter_class(), "invoke", broken)
    (tmp_path / ".logolint.yaml").write_text("unreadable: warn\n")
    monkeypatch.chdir(tmp_path)
    assert run_cli(str(EXAMPLES / "old-screenshot.png"), "--no-cache") == 2
    assert capsys.readouterr().err.endswith("cannot run model: Input tensor 173 lacks data\n")
    assert run_cli("explain", str(EXAMPLES / "old-screenshot.png")) == 2
    assert "internal error" not in capsys.readouterr().err


def test_a_model_too_large_to_be_one_is_refused_before_it_is_read(tmp_path: Path):
    from logolint.model import MAX_MODEL_BYTES

    with open(tmp_path / "huge.tflite", "wb") as stream:
        stream.truncate(MAX_MODEL_BYTES + 1)  # sparse: no disk used; read whole, it ran out of memory
    _one_line(_run(tmp_path, IMAGE, "--model", "huge.tflite", "--no-cache"), "huge.tflite", "larger than 256 MB")


def test_a_model_path_that_is_no_regular_file_is_refused_at_once(tmp_path: Path):
    os.mkfifo(tmp_path / "fifo.tflite")  # reading it would wait for a writer forever
    _one_line(_run(tmp_path, IMAGE, "--model", str(tmp_path / "fifo.tflite"), "--no-cache"), "not a regular file")
    (tmp_path / "a.tflite").symlink_to(tmp_path / "b.tflite")
    (tmp_path / "b.tflite").symlink_to(tmp_path / "a.tflite")
    _one_line(_run(tmp_path, IMAGE, "--model", str(tmp_path / "a.tflite"), "--no-cache"),
              "cannot read model file", "Too many levels of symbolic links")


def test_a_model_with_labels_of_its_own_loads_when_the_config_names_its_old_label(tmp_path: Path):
    data = bundled_model_path().read_bytes()
    renamed = data.replace(b'"old_labels": ["old"]', b'"xld_labels": ["old"]', 1)  # no old label of its own
    renamed = renamed.replace(b'"old"', b'"olx"')  # the label, its fingerprints' and its prototypes'
    assert renamed.count(b'"olx"') == data.count(b'"old"') > 64 and b'"old_labels"' not in renamed
    (tmp_path / "own.tflite").write_bytes(renamed)
    # Named by neither the model nor the config, no label is old: every image would pass.
    _one_line(_run(tmp_path, IMAGE, "--model", "own.tflite", "--no-cache"), "own.tflite", "names no old label",
              "olx, new, other", "old_labels")
    (tmp_path / ".logolint.yaml").write_text("model: own.tflite\nold_labels: [olx]\n")
    done = _run(tmp_path, str(EXAMPLES / "old-logo.png"), "--no-cache")
    assert done.returncode == 1 and done.stderr == "" and "1 image checked, 1 with the old logo" in done.stdout, \
        done.stdout + done.stderr
