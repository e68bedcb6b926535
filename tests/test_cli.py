import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLES, no_training, run_cli
from logolint.model import DEMO_MODEL


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_examples_flag_exactly_the_old_images(capsys):
    assert run_cli(str(EXAMPLES), "--no-cache") == 1
    out = capsys.readouterr().out.splitlines()
    flagged = sorted(Path(line.split(":")[0]).name for line in out[:-1])
    assert flagged == sorted(p.name for p in EXAMPLES.glob("old-*"))
    assert all(": old logo (" in line and " at [" in line for line in out[:-1])
    assert out[-1] == f"{len(list(EXAMPLES.iterdir()))} images checked, {len(flagged)} with the old logo"


def test_keypoints_of_the_new_logo_are_not_shown_as_the_old_ones(capsys):
    """Flagged under a threshold near 0, a view the new logo's keypoints decided is said to
    be theirs: the line read as evidence of the old logo."""
    banners = [str(EXAMPLES / "new-banner.jpg"), str(EXAMPLES / "old-banner.jpg")]
    assert run_cli(*banners, "--no-cache", "--threshold", "0.0001") == 1
    new, old = capsys.readouterr().out.splitlines()[:2]
    assert new.startswith(banners[0]) and re.search(r", \d+ keypoints of the new logo matched$", new)
    assert old.startswith(banners[1]) and re.search(r", \d+ keypoints matched$", old)


def test_the_demo_model_is_said_whenever_it_checks_and_no_model_was_chosen(tmp_path: Path, capsys):
    """A hook left on the bundled demo model passes every real old logo: say so, on stderr,
    even under -q, but not when no image was checked or a model was named."""
    from logolint.model import bundled_model_path

    warning = "logolint: warning: no model is configured, so the bundled demo model is used"
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--no-cache", "-q") == 0
    assert capsys.readouterr().err.startswith(warning)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli(str(empty), "--no-cache") == 0 and warning not in capsys.readouterr().err
    (empty / "broken.png").write_bytes(b"\x89PNG")  # nothing judged, nothing to warn about
    assert run_cli(str(empty), "--no-cache") == 1 and warning not in capsys.readouterr().err
    assert run_cli("explain", "-q", str(EXAMPLES / "new-logo.png")) == 0  # explain judges with it too
    assert capsys.readouterr().err.startswith(warning)
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--no-cache", "--model", str(bundled_model_path())) == 0
    assert capsys.readouterr().err == ""
    (tmp_path / "m.tflite").write_bytes(bundled_model_path().read_bytes())
    (tmp_path / "c.yaml").write_text("model: m.tflite\n")
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--no-cache", "--config", str(tmp_path / "c.yaml")) == 0
    assert capsys.readouterr().err == ""


def test_a_report_written_to_a_file_is_said_on_stderr(tmp_path: Path, capsys, monkeypatch):
    """stdout is empty with --output (or -o): a line says where the report went, and what it found."""
    from logolint.model import bundled_model_path

    model = ["--no-cache", "--model", str(bundled_model_path())]
    assert run_cli(str(EXAMPLES), *model, "--format", "html", "-o", str(tmp_path / "r.html")) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "<html" in (tmp_path / "r.html").read_text(encoding="utf-8")
    images, old = len(list(EXAMPLES.iterdir())), len(list(EXAMPLES.glob("old-*")))
    assert captured.err == f"logolint: wrote {tmp_path / 'r.html'}: {images} images checked, {old} with the old logo\n"
    assert run_cli(str(EXAMPLES), *model, "-q", "--output", str(tmp_path / "r.txt")) == 1
    assert capsys.readouterr().err == ""
    monkeypatch.chdir(tmp_path)
    assert run_cli(str(EXAMPLES), *model, "--format", "json", "-o", "-") == 1  # "-" is standard output
    assert len(json.loads(capsys.readouterr().out)["results"]) == images and not Path("-").exists()


def test_json_contract(capsys):
    assert run_cli(str(EXAMPLES), "--format", "json", "--no-cache") == 1
    document = _json(capsys)
    assert document["version"] == 1
    threshold = document["threshold"]
    assert 0 < threshold < 1
    assert len(document["results"]) == len(list(EXAMPLES.iterdir()))
    for result in document["results"]:
        assert {"path", "score", "flagged", "error", "label", "box"} <= set(result)
        assert result["error"] is None and 0 <= result["score"] <= 1
        assert result["flagged"] == (result["score"] >= threshold)
        x0, y0, x1, y1 = result["box"]
        assert 0 <= x0 < x1 and 0 <= y0 < y1


def test_threshold_option_overrides_the_model(capsys):
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--no-cache") == 0
    capsys.readouterr()
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--threshold", "0", "--no-cache", "--format", "json") == 1
    document = _json(capsys)
    assert document["threshold"] == 0.0 and document["results"][0]["flagged"]
    assert run_cli(str(EXAMPLES / "new-logo.png"), "--threshold", "-0", "--no-cache", "--format", "text") == 1
    assert ">= 0.00)" in capsys.readouterr().out  # not "-0.00"


def test_unreadable_file_is_reported_and_fails(tmp_path: Path, capsys):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    assert run_cli(str(bad), "--no-cache") == 1
    out = capsys.readouterr().out
    assert f"{bad}: not checked: " in out and "1 could not be checked" in out
    (tmp_path / ".logolint.yaml").write_text("unreadable: warn\n")
    assert run_cli(str(bad), "--no-cache", "--config", str(tmp_path / ".logolint.yaml")) == 0


def test_config_threshold_and_model_are_used(tmp_path: Path, capsys):
    import hashlib

    from tiny_model import tiny_model

    (tmp_path / "models").mkdir()
    model = tiny_model(tmp_path / "models")  # not the bundled model, which would be used anyway
    config = tmp_path / ".logolint.yaml"
    config.write_text("model: models/tiny.tflite\nthreshold: 0.99\n")
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--config", str(config), "--format", "json", "--no-cache") == 0
    report = _json(capsys)
    assert report["threshold"] == 0.99 and report["model_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--threshold", "2", "x.png"], "must be from 0 to 1"),
        (["--format", "yaml", "x.png"], "invalid choice"),
        (["/does/not/exist.png"], "no such file or directory: /does/not/exist.png"),
        (["--model", "/does/not/exist.tflite", "x.png"], "model file not found"),
        # `--model "$MODEL"` with the variable unset fell back to the config's model in silence.
        (["--model", "", "x.png"], "argument --model: an empty file name"),
        (["eval", "x", "--model", ""], "argument --model: an empty file name"),
        (["explain", "x.png", "--config", ""], "argument --config: an empty file name"),
        # An empty cache folder fell back to the default one, an empty output to the current folder.
        (["--cache-dir", "", "x.png"], "argument --cache-dir: an empty file name"),
        (["train", "--old", "a.svg", "--new", "b.svg", "--output", ""], "argument --output: an empty file name"),
        (["eval", ""], "argument data: an empty file name"),  # evaluated the current folder
        (["explain", ""], "argument image: an empty file name"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, message):
    result = subprocess.run([sys.executable, "-m", "logolint", *argv], capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_not_a_model_file(tmp_path: Path, capsys):
    fake = tmp_path / "fake.tflite"
    fake.write_bytes(b"definitely not a flatbuffer")
    assert run_cli(str(EXAMPLES / "old-logo.png"), "--model", str(fake), "--no-cache") == 2
    assert "not a TFLite model file" in capsys.readouterr().err


def test_train_writes_one_fused_model_that_a_bare_interpreter_runs(tmp_path: Path, capsys):
    from ai_edge_litert.interpreter import Interpreter

    from logolint.detect import square
    from logolint.imaging import load_image
    from logolint.model import load_model

    root = Path(__file__).resolve().parent.parent / "model"
    out = tmp_path / "brand"
    assert run_cli("train", "--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg"),
                   "--output", str(out)) == 0
    captured = capsys.readouterr()
    assert "trained on 1 old, 1 new, 0 other file(s) in " in captured.out
    assert "logolint: next, in " in captured.err and "\nmodel: " in captured.err
    assert "recommended threshold" in captured.out and "warning" not in captured.out  # it flags its own old file
    assert (out / "labels.txt").read_text().split() == ["old", "new", "other"]

    interpreter = Interpreter(model_path=str(out / "model.tflite"))
    interpreter.allocate_tensors()
    outputs = {detail["name"]: detail for detail in interpreter.get_output_details()}
    assert set(outputs) == {"probabilities", "brand", "similarity"}
    prototypes = np.array(load_model(out / "model.tflite").info.prototypes)
    scores, closest = {}, {}
    for name in ("old-logo.png", "new-logo.png"):
        view = square(load_image(EXAMPLES / name).image, 224).astype(np.float32)[None]
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], view)
        interpreter.invoke()
        probs = interpreter.get_tensor(outputs["probabilities"]["index"])[0]
        assert abs(probs.sum() - 1) < 1e-4
        scores[name] = probs[0]
        similarity = interpreter.get_tensor(outputs["similarity"]["index"])[0]
        assert similarity.max() <= 1.0 + 1e-3  # cosines
        closest[name] = prototypes[similarity.argmax()]
    assert scores["old-logo.png"] > 0.5 > scores["new-logo.png"]
    assert closest == {"old-logo.png": "old", "new-logo.png": "new"}
    references = load_model(out / "model.tflite").references()  # for the verify stage
    assert {ref.label for ref in references} == {"old", "new"} and all(len(ref.points) >= 4 for ref in references)
    shapes = load_model(out / "model.tflite").silhouettes()  # for the outline stage
    assert sorted(set(shapes.labels) - {""}) == ["new", "old"]
    # How alike the files look to keypoints is kept for detection (detect.LOOKALIKE_COLOURS);
    # the demo's two logos are not alike, and training did not warn.
    from logolint import verify

    assert 0.0 <= load_model(out / "model.tflite").info.lookalike < verify.LOOKALIKE
    assert "look alike" not in captured.out

    assert run_cli(str(EXAMPLES / "old-logo.png"), "--model", str(out / "model.tflite"), "--no-cache") == 1


def test_train_ends_with_the_config_that_uses_its_model(tmp_path: Path, monkeypatch):
    """The model's path, and the old examples inside the repository excluded: kept beside
    it (brand/old.svg), they showed the old logo and failed the next check. Paths are named
    as the config reads them, from its folder, and as exclude patterns that match those
    files only, whatever their names."""
    import yaml

    from logolint.hints import next_steps as _next_steps
    from logolint.paths import Excluder

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    odd = ["brand/old.svg", "brand/logo[1].svg", "brand/old*.svg", "brand/old.svg ", "!x.svg", "brand/old photos",
           "brand/q?.svg", "brand/a\\b.svg"]
    for name in odd:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("photos"):
            (repo / name).mkdir()
            (repo / name / "p.jpg").write_bytes(b"")
        else:
            (repo / name).write_text("<svg/>")
    (repo / "brand" / "oldX.svg").write_text("<svg/>")
    (tmp_path / "elsewhere.png").write_bytes(b"")

    def config(text: str) -> dict:  # the lines after the first, pasted as they are
        first, *lines = text.splitlines()
        assert first.startswith("logolint: next, in ")
        assert first.endswith(" (an exclude: list there takes these patterns too):") == ("exclude:" in text)
        return yaml.safe_load("\n".join(lines))

    monkeypatch.chdir(repo)
    made = config(_next_steps("brand/model.tflite", [*odd, str(tmp_path / "elsewhere.png")]))
    assert made["model"] == "brand/model.tflite"
    excluder = Excluder(tuple(made["exclude"]), repo)
    assert all(excluder.excluded(repo / name) for name in odd if not name.endswith("photos"))
    assert excluder.excluded(repo / "brand" / "old photos" / "p.jpg")
    others = ("brand/oldX.svg", "sub/old.svg", "brand/logo1.svg", "brand/qa.svg", "brand/ab.svg")
    assert not any(excluder.excluded(repo / name) for name in others)
    assert "exclude" not in config(_next_steps("brand/model.tflite", [str(tmp_path / "elsewhere.png")]))

    # From a subfolder, the paths are still named from the repository root, where check finds the config.
    monkeypatch.chdir(repo / "brand")
    text = _next_steps("model.tflite", ["old.svg"])
    assert text.splitlines()[0].startswith("logolint: next, in ../.logolint.yaml (")
    assert config(text) == {"model": "brand/model.tflite", "exclude": ["/brand/old.svg"]}
    # A name that is not UTF-8 would be printed as escapes that YAML reads as other characters.
    assert "exclude" not in _next_steps("model.tflite", ["old-\udcff.svg"])
    assert "YAML cannot spell its name" in _next_steps("m-\udcff.tflite", ["old.svg"])


def test_a_model_that_does_not_flag_its_own_old_file_is_said(tmp_path: Path, monkeypatch):
    """A 3x3 PNG of one red pixel trained without a word, "80% accurate" on synthetic
    scenes, into a model that flagged nothing, not even that file. Checked without the
    model's fingerprints, which match every file of 48 px or more it was trained from."""
    from PIL import Image

    from logolint import detect
    from logolint.model import bundled_model_path
    from logolint.train import _own_misses

    asked = []
    known_drawing = detect.known_drawing
    monkeypatch.setattr(detect, "known_drawing", lambda model, image: asked.append(model.info.fingerprints)
                        or known_drawing(model, image))
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (3, 3), "white").save(tiny)
    demo_old = Path(__file__).resolve().parent.parent / "model" / "demo-old.svg"  # the demo model's own old file
    assert _own_misses(bundled_model_path(), [demo_old, tiny], 0.35) == [(str(tiny), "score 0.00 under its threshold 0.35")]
    assert asked == [{}, {}]


def test_train_reports_missing_inputs(tmp_path: Path, capsys):
    assert run_cli("train", "--old", str(tmp_path), "--new", str(tmp_path), "--output", str(tmp_path / "o")) == 2
    assert f"logolint: error: --old: no supported images found in {tmp_path}\n" == capsys.readouterr().err


def _labelled(folder: Path) -> Path:
    for truth, names in {"old": ["old-logo.png", "old-banner.jpg"], "new": ["new-logo.png"],
                         "none": ["other-photo.jpg"]}.items():
        (folder / truth).mkdir(parents=True)
        for name in names:
            (folder / truth / name).write_bytes((EXAMPLES / name).read_bytes())
    return folder


def test_eval_counts_unreadable_files_apart_and_follows_the_configs_old_labels(tmp_path: Path, capsys):
    data = _labelled(tmp_path / "data")
    (data / "none" / "broken.png").write_bytes(b"")
    (tmp_path / "none.yaml").write_text("{}\n")
    assert run_cli("eval", str(data), "--format", "json", "--config", str(tmp_path / "none.yaml")) == 0
    captured = capsys.readouterr()
    plain = json.loads(captured.out)
    assert plain["unchecked"] == 1 and plain["confusion"]["none"] == {"flagged": 0, "passed": 1, "error": 1}
    assert plain["recall"] == 1.0 and plain["false_positive_rate"] == 0.0 and plain["accuracy"] == 1.0
    # The one warning: no model was named, so the demo model's verdicts are what was measured.
    assert captured.err == f"logolint: warning: {DEMO_MODEL}\n"
    # An image beside the labelled folders counts for none of them: said, not passed over in silence.
    (data / "stray.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    assert run_cli("eval", str(data), "--format", "json", "-q", "--config", str(tmp_path / "none.yaml")) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["confusion"] == plain["confusion"]
    assert f"warning: 1 image directly in {data} not counted: only those in its old/, new/ and none/" in captured.err
    (data / "stray.png").unlink()
    # So does a folder under another name: negative/ for negatives/ was passed over in silence.
    (data / "negative").mkdir()
    (data / ".cache").mkdir()
    assert run_cli("eval", str(data), "--format", "json", "-q", "--config", str(tmp_path / "none.yaml")) == 0
    assert (f"warning: negative/ in {data} not counted: only old/, new/ and none/ (or other/ or negatives/) are"
            in capsys.readouterr().err)
    (data / "negative").rmdir()
    # A copy of an old logo among the new ones: one label is wrong, and the scores count it both ways.
    (data / "new" / "copy.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    assert run_cli("eval", str(data), "--format", "json", "-q", "--config", str(tmp_path / "none.yaml")) == 0
    assert (f"warning: {data / 'new' / 'copy.png'} and {data / 'old' / 'old-logo.png'} hold the same bytes under "
            "two labels" in capsys.readouterr().err)
    (data / "new" / "copy.png").unlink()
    # No old image checked: the accuracy is of the rest alone, and the recall unknown.
    unreadable = _labelled(tmp_path / "unreadable")
    for image in (unreadable / "old").iterdir():
        image.write_bytes(b"not an image")
    assert run_cli("eval", str(unreadable), "--config", str(tmp_path / "none.yaml")) == 0
    captured = capsys.readouterr()
    assert "accuracy: 100.0% (of the 2 images checked)" in captured.out
    assert "old recall at threshold: n/a (no old image checked)" in captured.out
    assert "warning: no image in old/ could be checked, so the old logo's recall is unknown" in captured.err

    # With the new logo named old, eval scores as check does: the new image is the one flagged.
    (tmp_path / "swapped.yaml").write_text("old_labels: [new]\n")
    assert run_cli("eval", str(data), "--format", "json", "--config", str(tmp_path / "swapped.yaml")) == 0
    swapped = json.loads(capsys.readouterr().out)
    assert swapped["confusion"]["new"]["flagged"] == 1 and swapped["confusion"]["old"]["flagged"] == 0
    assert run_cli(str(data / "new"), str(data / "old"), "--config", str(tmp_path / "swapped.yaml"), "--no-cache") == 1
    assert "new-logo.png: old logo" in capsys.readouterr().out


def _locked(monkeypatch, name: str) -> None:
    """Folders named `name` cannot be listed, as with mode 000 (root, who runs CI, reads them anyway)."""
    import os

    def refusing(real):
        def listing(path="."):
            if not isinstance(path, int) and os.path.basename(os.fspath(path)) == name:  # rmtree lists by descriptor
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path)
        return listing

    monkeypatch.setattr(os, "scandir", refusing(os.scandir))
    monkeypatch.setattr(os, "listdir", refusing(os.listdir))


def test_eval_reports_a_folder_it_cannot_list_as_not_checked(tmp_path: Path, capsys, monkeypatch):
    data = _labelled(tmp_path / "data")
    (data / "old" / "locked").mkdir()
    (data / "old" / "locked" / "old.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    _locked(monkeypatch, "locked")
    (tmp_path / "none.yaml").write_text("{}\n")
    assert run_cli("eval", str(data), "--format", "json", "--config", str(tmp_path / "none.yaml")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unchecked"] == 1 and report["confusion"]["old"] == {"flagged": 2, "passed": 0, "error": 1}


def test_eval_refuses_a_labelled_folder_it_cannot_list(tmp_path: Path, capsys, monkeypatch):
    _labelled(tmp_path / "locked")
    _locked(monkeypatch, "locked")
    assert run_cli("eval", str(tmp_path / "locked")) == 2
    assert capsys.readouterr().err == f"logolint: error: {tmp_path / 'locked'}: cannot list folder: Permission denied\n"


def test_train_refuses_a_folder_of_examples_it_cannot_list(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    root = Path(__file__).resolve().parent.parent / "model"
    (tmp_path / "old" / "locked").mkdir(parents=True)
    (tmp_path / "old" / "old.svg").write_bytes((root / "demo-old.svg").read_bytes())
    _locked(monkeypatch, "locked")
    assert run_cli("train", "--old", str(tmp_path / "old"), "--new", str(root / "demo-new.svg"),
                   "--output", str(tmp_path / "o")) == 2
    assert f"--old: cannot list {tmp_path / 'old' / 'locked'}: Permission denied" in capsys.readouterr().err


def test_a_report_written_over_a_file_keeps_its_mode_and_a_read_only_one_is_refused(tmp_path: Path):
    """Written through a new file renamed over it, a 0600 report became 0644 and a read-only
    one was replaced, as its folder allowed."""
    from conftest import without_privilege

    private, read_only = tmp_path / "private.txt", tmp_path / "read-only.txt"
    for path, mode in ((private, 0o600), (read_only, 0o444)):
        path.write_text("before\n")
        path.chmod(mode)

    def report(output: Path) -> subprocess.CompletedProcess:
        return subprocess.run([*without_privilege(), sys.executable, "-m", "logolint", "--no-cache", "-o",
                               output.name, str(EXAMPLES / "new-logo.png")], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)

    written, refused = report(private), report(read_only)
    assert written.returncode == 0 and "1 image checked" in private.read_text(), written.stderr
    assert private.stat().st_mode & 0o777 == 0o600
    assert refused.returncode == 2 and "read-only.txt: cannot write there: it is read-only" in refused.stderr
    assert read_only.read_text() == "before\n"


def test_a_current_folder_deleted_under_the_run_is_said(tmp_path: Path):
    gone = tmp_path / "gone"
    gone.mkdir()
    started = subprocess.Popen([sys.executable, "-c", "import os, sys; os.rmdir(sys.argv[1]); "
                                "from logolint import start; sys.argv[1:] = [sys.argv[2]]; sys.exit(start.main())",
                                str(gone), str(EXAMPLES / "new-logo.png")],
                               cwd=gone, stderr=subprocess.PIPE, text=True)
    _, err = started.communicate(timeout=120)
    assert started.returncode == 2 and err == (
        "logolint: error: the current folder no longer exists: run logolint from one that does\n")


def test_train_refuses_an_output_that_is_a_file_before_training(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    (tmp_path / "taken").write_text("not a folder")
    root = Path(__file__).resolve().parent.parent / "model"
    assert run_cli("train", "--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg"),
                   "--output", str(tmp_path / "taken")) == 2
    assert f"--output {tmp_path / 'taken'}: exists and is not a folder" in capsys.readouterr().err
    assert run_cli("train", "--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg"),
                   "--output", str(tmp_path / "brand" / "model.tflite")) == 2  # made a folder of that name
    assert "names a model file; --output is the folder model.tflite goes into" in capsys.readouterr().err
    assert not (tmp_path / "brand").exists()


def test_train_refuses_an_output_it_cannot_write_to_before_training(tmp_path: Path, capsys, monkeypatch):
    import os

    no_training(monkeypatch)
    real = os.open

    def fake_open(path, *args, **kwargs):  # as a read-only folder is (root, who runs CI, writes anyway)
        if ".logolint-probe-" in os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    root = Path(__file__).resolve().parent.parent / "model"
    assert run_cli("train", "--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg"),
                   "--output", str(tmp_path / "o")) == 2
    assert f"--output {tmp_path / 'o'}: cannot write there: Permission denied" in capsys.readouterr().err
    monkeypatch.setattr(os, "open", real)
    assert not [p for p in (tmp_path / "o").iterdir()]  # the probe of a folder that can be written is gone


def test_eval_refuses_old_labels_a_trained_model_cannot_have_before_training(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    root = Path(__file__).resolve().parent.parent / "model"
    data = _labelled(tmp_path / "data")
    (tmp_path / "c.yaml").write_text("old_labels: [retired]\n")
    assert run_cli("eval", str(data), "--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg"),
                   "--config", str(tmp_path / "c.yaml")) == 2
    assert "old_labels: retired not in the model's labels (old, new, other)" in capsys.readouterr().err


def test_train_names_the_file_it_cannot_use(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    root = Path(__file__).resolve().parent.parent / "model"
    logos = ["--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg")]
    (tmp_path / "empty.png").write_bytes(b"")
    assert run_cli("train", *logos, "--other", str(tmp_path / "empty.png"), "--output", str(tmp_path / "o")) == 2
    assert f"cannot train from {tmp_path / 'empty.png'}: empty file" in capsys.readouterr().err
    pointer = tmp_path / "old.png"  # a logo file still in Git LFS
    pointer.write_bytes(b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 5\n")
    assert run_cli("train", "--old", str(pointer), "--new", str(root / "demo-new.svg"), "--output", str(tmp_path / "o")) == 2
    assert f"cannot train from {pointer}: Git LFS pointer" in capsys.readouterr().err


FREE_A_BLOCK = """
import os, sys
import numpy as np
from logolint.cli import _keep_freed_memory

def rss():
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

if sys.argv[1] == "keep":
    _keep_freed_memory()
block = np.ones(48 << 20, np.uint8)  # as large as a 4-MP image in float32
before = rss()
del block
print((before - rss()) >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or __import__("platform").libc_ver()[0] != "glibc",
                    reason="glibc's mallopt")
@pytest.mark.parametrize("mode, environment, returned", [
    ("default", {}, True),  # glibc unmaps a freed block this large
    ("keep", {}, False),  # kept for the next image
    ("keep", {"MALLOC_TRIM_THRESHOLD_": "131072"}, True),  # an explicit setting wins
])
def test_freed_image_memory_is_kept_for_reuse(mode, environment, returned):
    env = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")}
    result = subprocess.run([sys.executable, "-c", FREE_A_BLOCK, mode], capture_output=True, text=True,
                            env={**env, **environment}, check=True)
    freed_mib = int(result.stdout)
    assert (freed_mib >= 40) == returned, freed_mib


REUSE_ACROSS_THREADS = """
import resource, threading
import numpy as np
from logolint.cli import _keep_freed_memory

_keep_freed_memory()
freed, finished, faulted = threading.Event(), threading.Event(), []

def first():  # an image's stage that freed its arrays and goes on with other work
    block = np.ones(40 << 20, np.uint8)
    del block
    freed.set()
    finished.wait()

def second():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = np.ones(40 << 20, np.uint8)
    faulted.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)

one = threading.Thread(target=first)
one.start()
freed.wait()
two = threading.Thread(target=second)
two.start()
two.join()
finished.set()
one.join()
print(faulted[0])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or __import__("platform").libc_ver()[0] != "glibc",
                    reason="glibc's mallopt")
def test_memory_one_thread_freed_is_reused_by_another():
    env = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")}
    result = subprocess.run([sys.executable, "-c", REUSE_ACROSS_THREADS], capture_output=True, text=True,
                            env=env, check=True)
    assert int(result.stdout) < 16  # pages faulted in; a heap of its own for each thread: hundreds


def test_printable_names_escape_what_a_terminal_would_act_on():
    from logolint.formats import printable

    assert printable("logos/café 2.png") == "logos/café 2.png"
    assert printable("x\x1b[2J\x1b]0;pwned\x07\rFAKE.png") == "x\\x1b[2J\\x1b]0;pwned\\x07\\rFAKE.png"
    assert printable("a\nb.png") == "a\\nb.png" and printable("gnp\u202e.exe") == "gnp\\u202e.exe"
    assert printable(os.fsdecode(b"\xff.png")) == "\\xff.png"  # a name that is not UTF-8


@pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes")
def test_odd_file_names_are_reported_escaped(tmp_path: Path):
    folder = tmp_path / "images"
    folder.mkdir()
    odd = [os.fsdecode(b"\xff.png"), "x\x1b[2J\rFAKE.png", "line\nbreak.png"]
    for name in odd:
        (folder / name).write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # strict, as a UTF-8 terminal is
    command = [sys.executable, "-m", "logolint", "--no-cache"]
    done = subprocess.run([*command, str(folder)], capture_output=True, text=True, env=environment,
                          errors="surrogateescape")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4 and "\x1b" not in done.stdout and "\r" not in done.stdout
    assert {line.split(": old logo")[0].rsplit("/", 1)[1] for line in lines[:3]} == {
        "\\xff.png", "x\\x1b[2J\\rFAKE.png", "line\\nbreak.png"}
    report = tmp_path / "report.txt"
    done = subprocess.run([*command, "--output", str(report), str(folder)], capture_output=True, env=environment)
    assert done.returncode == 1 and "\\xff.png: old logo" in report.read_text(encoding="utf-8"), done.stderr
    done = subprocess.run([*command, "--write-baseline", str(tmp_path / "baseline.txt"), str(folder)],
                          capture_output=True, env=environment)
    assert done.returncode == 0 and b"wrote 1 accepted image" in done.stderr, done.stderr
    # No lone surrogate, which strict JSON readers refuse; SARIF's URIs carry the byte itself.
    for kind, name in (("json", r'/\\xff.png"'), ("sarif", "/%FF.png")):
        done = subprocess.run([*command, "--format", kind, str(folder)], capture_output=True, env=environment)
        document = json.loads(done.stdout.decode("utf-8"))
        json.dumps(document, ensure_ascii=False).encode("utf-8")  # a lone surrogate raises here
        assert done.returncode == 1 and name in json.dumps(document), done.stderr


def test_the_hook_entry_reads_option_like_file_names_as_files(tmp_path: Path, monkeypatch, capsys):
    from logolint.cli import hook

    monkeypatch.chdir(tmp_path)
    (tmp_path / "-old.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    (tmp_path / "--write-baseline=x.png").write_bytes((EXAMPLES / "new-logo.png").read_bytes())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())  # the manifest selects it
    from logolint.model import bundled_model_path

    (tmp_path / "m.tflite").write_bytes(bundled_model_path().read_bytes())
    (tmp_path / "c.yaml").write_text("threshold: 0.9\nmodel: m.tflite\n")
    # As pre-commit runs it: entry, then the user's args (one an existing file), then the staged files.
    assert hook(["--config", "c.yaml", "--no-cache", "-old.png", "--write-baseline=x.png", "sub/.png"]) == 1
    out = capsys.readouterr().out
    assert "-old.png: old logo (1.00 >= 0.90)" in out and "3 images checked, 2 with the old logo" in out
    assert not (tmp_path / "x.png").exists()
    assert hook(["--conf", "c.yaml", "--no-cache", "-old.png"]) == 1  # an option's unique prefix, as argparse takes it
    said = capsys.readouterr()
    assert "1 image checked, 1 with the old logo" in said.out
    assert "see why with `logolint explain ./-old.png`; a file kept on purpose" in said.err  # a blocked commit's next step
    assert hook(["--conf", "c.yaml", "--no-cache", "--write-baseline=x.png"]) == 0  # nothing flagged: no such line
    assert "see why" not in capsys.readouterr().err
    assert hook(["--model", "m.tflite", "--no-cache", "--", "-old.png"]) == 1
    assert "1 image checked" in capsys.readouterr().out
    # No model configured: pre-commit shows a passing hook's output to no one, so the demo
    # model's warning would be lost while it passed every real old logo. It stops instead.
    assert hook(["--no-cache", "--", "-old.png"]) == 2
    assert capsys.readouterr().err.startswith("logolint: error: no model is configured: the bundled demo model ")
    # No file at all fails rather than passing unchecked.
    assert hook(["--no-cache"]) == 2 and "no file to check among the arguments (pre-commit passes them last; with always_run: true" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:  # as `logolint-hook --help` is run by hand
        hook(["--help"])
    assert done.value.code == 0 and "usage: logolint check" in capsys.readouterr().out
    # In a hook's args, help would print itself and exit 0: every staged file passed. In any
    # spelling argparse takes.
    for spelling in ("--help", "--hel", "-h", "-qh", "-vh"):
        with pytest.raises(SystemExit) as done:
            hook([spelling, "-old.png"])
        assert done.value.code == 2, spelling
        assert "among the hook's args would pass the staged files unchecked" in capsys.readouterr().err


def test_the_hook_run_by_hand_names_a_missing_file(tmp_path: Path, monkeypatch, capsys):
    """pre-commit drops deleted files; run by hand, one that is missing must not turn the
    option-like names before it into options."""
    from logolint.cli import hook
    from logolint.model import bundled_model_path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "-old.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    (tmp_path / "m.tflite").write_bytes(bundled_model_path().read_bytes())
    assert hook(["--model", "m.tflite", "--no-cache", "-old.png", "gone.png", "-old.png"]) == 2
    assert capsys.readouterr().err == "logolint: error: no such file or directory: gone.png\n"
    assert hook(["--config", "gone.yaml", "-old.png"]) == 2  # an option's value is no file, found or not
    assert "gone.yaml" in capsys.readouterr().err


def test_hook_args_that_would_pass_staged_files_are_refused(tmp_path: Path, monkeypatch, capsys):
    """--write-baseline accepted every staged old logo and --shard left some to shards that
    never run, each with exit 0, which pre-commit shows to no one."""
    from logolint.cli import hook
    from logolint.model import bundled_model_path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    (tmp_path / "m.tflite").write_bytes(bundled_model_path().read_bytes())
    for args, option in ((["--write-baseline", "b.txt"], "--write-baseline"), (["--write-baseline=b.txt"], "--write-baseline"),
                         (["--shard", "2/2"], "--shard")):
        assert hook(["--model", "m.tflite", "--no-cache", *args, "old.png"]) == 2
        assert f"{option} among the hook's args would pass staged files unchecked" in capsys.readouterr().err
    assert not (tmp_path / "b.txt").exists()


def test_hook_reads_flags_run_together_with_an_option_that_takes_a_value(tmp_path: Path, monkeypatch, capsys):
    """`-qo report.txt` worked once; then report.txt existed and was taken for a staged file."""
    from logolint.cli import hook
    from logolint.model import bundled_model_path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    (tmp_path / "m.tflite").write_bytes(bundled_model_path().read_bytes())
    for _ in range(2):
        assert hook(["--model", "m.tflite", "--no-cache", "-qo", "report.txt", "old.png"]) == 1
        assert (tmp_path / "report.txt").read_text().startswith("old.png: old logo (1.00 >= 0.40)")
        (tmp_path / "report.txt").write_text("")
    assert hook(["--model", "m.tflite", "--no-cache", "-oreport.txt", "old.png"]) == 1  # the value attached
    assert "1 image checked, 1 with the old logo" in (tmp_path / "report.txt").read_text()
    capsys.readouterr()
    assert hook(["--model", "m.tflite", "--no-cache", "-qq", "old.png"]) == 1  # flags only
    assert capsys.readouterr().out == "old.png: old logo (1.00 >= 0.40) at [37, 37, 523, 274]\n"


def test_the_hook_manifest_selects_every_extension_logolint_checks():
    import re

    import yaml

    from logolint.imaging import IMAGE_EXTENSIONS, is_image_path

    (manifest,) = yaml.safe_load((Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text())
    assert manifest["entry"] == "logolint-hook" and "types" not in manifest
    files = re.compile(manifest["files"])
    for extension in IMAGE_EXTENSIONS:
        assert files.search(f"a/b{extension}") and files.search(f"B{extension.upper()}"), extension
    for name in ("notes.txt", "logo.png.txt", "png", ".logolint.yaml", "model.tflite"):
        assert not files.search(name), name
    for name in ("a/.png", ".SVG", "x.tar.gif", "png", "a.png/b", "a.png.txt"):  # as folders are walked
        assert bool(files.search(name)) == is_image_path(name), name


def test_each_command_offers_the_loudness_it_has(capsys):
    for command, verbose in (("check", True), ("explain", True), ("train", False), ("eval", False)):
        with pytest.raises(SystemExit):
            run_cli(command, "--help")
        text = capsys.readouterr().out
        assert ("-v, --verbose" in text) == verbose, command
    with pytest.raises(SystemExit):
        run_cli("train", "--help")
    assert "no progress: print the result only" in capsys.readouterr().out


def test_train_refuses_the_same_file_on_both_sides_and_a_blank_logo(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    root = Path(__file__).resolve().parent.parent / "model"
    (tmp_path / "link.svg").symlink_to(root / "demo-old.svg")
    assert run_cli("train", "--old", str(root / "demo-old.svg"), "--new", str(tmp_path / "link.svg"),
                   "--output", str(tmp_path / "o")) == 2
    assert f"{tmp_path / 'link.svg'} is given as both --old and --new" in capsys.readouterr().err
    (tmp_path / "blank.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    from PIL import Image

    Image.new("RGB", (64, 64), "white").save(tmp_path / "white.png")  # one colour throughout
    for blank in ("blank.svg", "white.png"):
        assert run_cli("train", "--old", str(tmp_path / blank), "--new", str(root / "demo-new.svg"),
                       "--output", str(tmp_path / "o")) == 2
        assert f"cannot train from {tmp_path / blank}: nothing is drawn in it" in capsys.readouterr().err
    # An animation whose logo comes in a later frame: the first is the one read, and said so.
    logo = Image.open(EXAMPLES / "old-logo.png").convert("RGB")
    Image.new("RGB", logo.size, "white").save(tmp_path / "late.gif", save_all=True, append_images=[logo])
    assert run_cli("train", "--old", str(tmp_path / "late.gif"), "--new", str(root / "demo-new.svg"),
                   "--output", str(tmp_path / "o")) == 2
    assert (f"cannot train from {tmp_path / 'late.gif'}: nothing is drawn in its first frame, the one train reads "
            "of an animation (2 frames)") in capsys.readouterr().err
    # Among more than three examples a file is a photo, and a blank one was taken as one.
    for i in range(3):
        logo.save(tmp_path / f"photo{i}.png")
    assert run_cli("train", "--old", *(str(tmp_path / f"photo{i}.png") for i in range(3)), str(tmp_path / "late.gif"),
                   "--new", str(root / "demo-new.svg"), "--output", str(tmp_path / "o")) == 2
    assert f"cannot train from {tmp_path / 'late.gif'}: nothing is drawn in its first frame" in capsys.readouterr().err


def test_train_counts_a_file_named_twice_once_and_tells_photos_from_marks(tmp_path: Path):
    from PIL import Image

    from logolint.train import _is_mark, gather

    (tmp_path / "logos").mkdir()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(tmp_path / "logos" / "mark.png")
    assert gather([str(tmp_path / "logos"), str(tmp_path / "logos" / "mark.png"),
                   str(tmp_path / "logos" / ".." / "logos" / "mark.png")], "old") == [tmp_path / "logos" / "mark.png"]
    assert _is_mark(tmp_path / "logos" / "mark.png")
    Image.new("RGBA", (8, 8), (10, 20, 30, 255)).save(tmp_path / "screenshot.png")  # alpha, but opaque throughout
    assert not _is_mark(tmp_path / "screenshot.png")
    opaque = Image.new("RGBA", (8, 8), (10, 20, 30, 255)).quantize()  # a palette PNG with an opaque tRNS chunk
    opaque.save(tmp_path / "palette.png", transparency=bytes([255] * 256))
    assert "transparency" in Image.open(tmp_path / "palette.png").info and not _is_mark(tmp_path / "palette.png")


@pytest.mark.skipif(not hasattr(__import__("os"), "symlink"), reason="no symbolic links here")
def test_train_follows_a_linked_folder_of_examples_and_check_does_not(tmp_path: Path):
    # Training from fewer files than given, without a word, makes a worse model; a linked
    # folder in a repository is not its content (git stores the link).
    from logolint.paths import collect
    from logolint.train import gather

    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "mark.png").write_bytes(b"x")
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "own.svg").write_bytes(b"x")
    os.symlink(tmp_path / "elsewhere", tmp_path / "logos" / "linked")
    assert gather([str(tmp_path / "logos")], "old") == [tmp_path / "logos" / "linked" / "mark.png",
                                                        tmp_path / "logos" / "own.svg"]
    assert collect([str(tmp_path / "logos")], (), tmp_path) == [str(tmp_path / "logos" / "own.svg")]


def test_eval_refuses_conflicting_or_unwritable_options_before_any_work(tmp_path: Path, capsys, monkeypatch):
    no_training(monkeypatch)
    data = _labelled(tmp_path / "data")
    root = Path(__file__).resolve().parent.parent / "model"
    logos = ["--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg")]
    assert run_cli("eval", str(data), *logos, "--model", str(root / "demo.tflite")) == 2
    assert "--model or --old/--new" in capsys.readouterr().err
    for output in (tmp_path / "no" / "such" / "out.json", tmp_path):
        assert run_cli("eval", str(data), *logos, "--output", str(output)) == 2
        assert f"--output {output}: cannot write there: " in capsys.readouterr().err
    assert run_cli("eval", str(tmp_path / "nope")) == 2
    assert f"{tmp_path / 'nope'}: no such folder" in capsys.readouterr().err
    kept = tmp_path / "oldlogo"  # a logo file without an image's name, which train accepts
    kept.write_bytes((root / "demo-old.svg").read_bytes())
    assert run_cli("eval", str(data), "--old", str(kept), *logos[2:], "--output", str(kept)) == 2
    assert "cannot write there: it is a file being checked" in capsys.readouterr().err
    assert kept.read_bytes() == (root / "demo-old.svg").read_bytes()


def test_eval_keeps_the_look_alike_warning_under_quiet_and_counts_its_worst_lists(tmp_path: Path, capsys,
                                                                                monkeypatch):
    import shutil

    import logolint.train

    root = Path(__file__).resolve().parent.parent / "model"

    def trained(old, new, other, output, seed=0, progress=print):  # training itself is tested elsewhere
        shutil.copy(root / "demo.tflite", Path(output) / "model.tflite")
        return "trained on 1 old, 1 new file(s)\nwarning: the old and new logos look alike to keypoints"

    monkeypatch.setattr(logolint.train, "train", trained)
    data = _labelled(tmp_path / "data")
    logos = ["--old", str(root / "demo-old.svg"), "--new", str(root / "demo-new.svg")]
    assert run_cli("eval", str(data), *logos, "-q") == 0
    captured = capsys.readouterr()
    assert "warning: the old and new logos look alike" in captured.err and "trained on" not in captured.err
    assert "old images scored lowest (0 missed at the threshold):" in captured.out
    assert "other images scored highest (0 flagged at the threshold):" in captured.out
    assert run_cli("eval", str(data), *logos, "--threshold", "1.0") == 0
    captured = capsys.readouterr()
    assert "trained on" in captured.err and "warning: the old and new logos look alike" in captured.err
    assert "old recall at threshold: 50.0%" in captured.out  # one of the two old images scores 1.0
    assert "old images scored lowest (1 missed at the threshold):" in captured.out


def test_a_reader_that_leaves_early_or_a_closed_stream_changes_neither_the_result_nor_the_report(tmp_path: Path):
    folder = tmp_path / "clean"
    folder.mkdir()
    for i in range(12):
        (folder / f"n{i}.png").write_bytes((EXAMPLES / "new-logo.png").read_bytes())
    from logolint.model import bundled_model_path

    # The model named, so that stderr has nothing to say (no model configured is a warning).
    command = [sys.executable, "-m", "logolint", "--no-cache", "--model", str(bundled_model_path())]
    report = tmp_path / "r.html"
    # -v writes a line per file to stderr; its reader reads one and leaves.
    process = subprocess.Popen([*command, "-v", "--format", "html", "--output", str(report), str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    process.stderr.readline()
    process.stderr.close()
    assert process.wait(timeout=120) == 0 and "<html" in report.read_text(encoding="utf-8")
    # Findings on stdout, whose reader reads nothing: still exit 1, nothing on stderr.
    process = subprocess.Popen([*command, str(EXAMPLES)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    assert process.wait(timeout=120) == 1
    assert process.stderr.read() == b""
    (tmp_path / "odd").mkdir()
    odd = os.path.join(os.fsencode(tmp_path / "odd"), b"old-\xff.png")  # not UTF-8: written as an escape
    with open(odd, "wb") as stream:
        stream.write((EXAMPLES / "old-logo.png").read_bytes())
    for closed, code in (("new-logo.png", 0), ("old-logo.png", 1)):  # stdout closed at the start
        for extra in ([], ["--format", "github"]):
            done = subprocess.run(["sh", "-c", '"$@" >&-', "sh", *command, *extra, str(EXAMPLES / closed)],
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == code and done.stderr == ""
    done = subprocess.run(["sh", "-c", '"$@" >&-', "sh", *command, "--format", "github", str(tmp_path / "odd")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == ""


def test_verbose_names_the_model_and_cache_escaped(tmp_path: Path, capsys):
    import shutil

    from logolint.model import bundled_model_path

    odd = tmp_path / "odd\nname\x1b[31m"
    odd.mkdir()
    shutil.copy(bundled_model_path(), odd / "m.tflite")
    assert run_cli("-v", "--model", str(odd / "m.tflite"), "--cache-dir", str(odd / "cache"),
                   str(EXAMPLES / "new-logo.png")) == 0
    err = capsys.readouterr().err
    assert "odd\\nname\\x1b[31m/m.tflite (sha256" in err and "odd\\nname\\x1b[31m/cache:" in err
    assert "\x1b[31m" not in err


def test_closed_standard_streams_do_not_keep_the_model_from_running(tmp_path: Path):
    # With stdin and stderr closed, the null device stood in for stderr on descriptor 0, and
    # the model's loader, which saves descriptor 2, failed on every image it had to classify.
    command = [sys.executable, "-m", "logolint", "--no-cache", "--format", "json"]
    photo = str(EXAMPLES / "old-banner.jpg")  # not a known logo file: the model decides
    for closing in ("<&- 2>&-", "<&- >&- 2>&-"):
        report = tmp_path / "r.json"
        done = subprocess.run(["sh", "-c", f'"$@" {closing}', "sh", *command, "--output", str(report), photo],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done
        [result] = json.loads(report.read_text(encoding="utf-8"))["results"]
        assert result["error"] is None and result["flagged"] and result["verified"], result


def test_a_report_that_cannot_be_written_is_a_usage_error(tmp_path: Path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    done = subprocess.run(["sh", "-c", '"$@" > /dev/full', "sh", sys.executable, "-m", "logolint", "--no-cache",
                           str(EXAMPLES / "old-logo.png")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "logolint: error: cannot write to standard output: No space left on device\n"
    for words in (["--help"], ["--version"], ["check", "--help"]):  # argparse writes these before main's try
        done = subprocess.run(["sh", "-c", '"$@" > /dev/full', "sh", sys.executable, "-m", "logolint", *words],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr == "logolint: error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("entry", ["main", "hook"])
def test_an_interrupt_while_the_cli_is_imported_is_no_traceback(monkeypatch, capsys, entry):
    # Ctrl-C in the first tens of milliseconds landed in `from logolint.cli import main`.
    import builtins
    import signal

    from logolint import start

    real_import = builtins.__import__
    # In this process: pytest's own threads must not make it end the process (see start.leave).
    monkeypatch.setattr(start, "leave", lambda code: code)

    def interrupted(name, *args, **kwargs):
        if name == "logolint" and args[2] and "cli" in args[2]:
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "logolint.cli", raising=False)
    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert getattr(start, entry)() == 130
    assert capsys.readouterr().err == "logolint: interrupted\n"
    # Or while the CLI reads its arguments, before its own handler is in place.
    monkeypatch.setattr(builtins, "__import__", real_import)
    from logolint import cli

    def reading(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, entry, reading)
    before = signal.getsignal(signal.SIGTERM)
    assert getattr(start, entry)() == 130
    assert capsys.readouterr().err == "logolint: interrupted\n"
    # Once the run is over, SIGTERM does what it did before (in atexit, it raised into a callback).
    assert signal.getsignal(signal.SIGTERM) is before


STUCK_WORKER = """
import sys, threading
from logolint import detect, start

def stuck(*args, **kwargs):  # as a worker waiting on an import lock an interrupt left held
    threading.Event().wait()

def interrupted(*args, **kwargs):
    raise KeyboardInterrupt

detect.geometry, detect.score_views = stuck, interrupted
sys.argv[1:] = [sys.argv[1], "--no-cache"]
sys.exit(start.main())
"""


def test_an_interrupt_ends_the_run_though_a_worker_thread_never_returns(tmp_path: Path):
    """Ctrl-C while a worker waited for ever hung the run: Python's exit joins it."""
    done = subprocess.run([sys.executable, "-c", STUCK_WORKER, str(EXAMPLES / "old-banner.jpg")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 130 and done.stderr.endswith("logolint: interrupted\n"), done.stderr


NO_TEMPORARY_FOLDER = """
import sys, tempfile
from logolint import start

def nowhere(*args, **kwargs):  # what tempfile says where no folder it tries can be written
    raise FileNotFoundError(2, "No usable temporary directory found")

tempfile.TemporaryFile = tempfile.mkstemp = tempfile.mkdtemp = nowhere
sys.argv[1:] = [*sys.argv[1:], "--no-cache", "--format", "json"]
sys.exit(start.main())
"""


def test_a_check_needs_no_temporary_folder(tmp_path: Path):
    """Loading the model put the runtime's lines in a temporary file: with none to be had,
    every image was 'not checked', and under `unreadable: warn` an old logo passed."""
    done = subprocess.run([sys.executable, "-c", NO_TEMPORARY_FOLDER, str(EXAMPLES / "old-banner.jpg"),
                           str(EXAMPLES / "new-banner.jpg")], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stderr
    results = json.loads(done.stdout)["results"]
    assert [(r["flagged"], r["error"]) for r in results] == [(True, None), (False, None)]


@pytest.mark.skipif(sys.platform != "linux", reason="finds the renderer through /proc")
def test_sigterm_stops_a_check_as_ctrl_c_does_and_the_svg_renderer_with_it(tmp_path: Path):
    import signal
    import time

    slow = tmp_path / "slow.svg"  # a drawing that keeps the renderer busy for seconds
    slow.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000">'
                    + "".join(f'<circle cx="{i % 4000}" cy="{i * 7 % 4000}" r="900" fill="#123" fill-opacity="0.01" '
                              f'filter="blur(40px)"/>' for i in range(400)) + "</svg>")
    run = subprocess.Popen([sys.executable, "-m", "logolint", "--no-cache", str(slow)], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = []
    for _ in range(600):  # until the renderer runs
        workers = _children(run.pid)
        if workers or run.poll() is not None:
            break
        time.sleep(0.05)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 143 and err.endswith("logolint: terminated\n"), err
    assert workers
    for _ in range(200):  # stopped by the run's clean-up; an orphan would render for seconds more
        if not [pid for pid in workers if _running(pid)]:
            break
        time.sleep(0.01)
    assert not [pid for pid in workers if _running(pid)]


def _running(pid: int) -> bool:
    """Whether the process is there and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_the_console_scripts_start_through_the_guarded_entry():
    import re

    from conftest import ROOT

    scripts = dict(re.findall(r'^(logolint(?:-hook)?) = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M))
    assert scripts == {"logolint": "logolint.start:main", "logolint-hook": "logolint.start:hook"}


def test_an_option_of_examples_given_twice_counts_every_use(tmp_path: Path, capsys, monkeypatch):
    """`--old a.svg --old b.svg` trained without a.svg: argparse kept the last use only."""
    import logolint.train

    seen = {}

    def recorded(old, new, other, output, **kwargs):
        seen.update(old=old, new=new, other=other)
        return "trained"

    monkeypatch.setattr(logolint.train, "train", recorded)
    model = Path(__file__).resolve().parent.parent / "model"
    old, new = str(model / "demo-old.svg"), str(model / "demo-new.svg")
    assert run_cli("train", "--old", old, "--old", new, "--new", new, "--new", old, "--other", old, "--other", new,
                   "--output", str(tmp_path / "o")) == 0
    assert seen == {"old": [old, new], "new": [new, old], "other": [old, new]}


def test_a_symlink_loop_is_reported_and_the_run_goes_on(tmp_path: Path, capsys, monkeypatch):
    """Named first inside a repository, a loop ended the run: `internal error: RuntimeError:
    Symlink loop`, the other files never checked. As a config or a SARIF path too."""
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    (tmp_path / "ok.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    (tmp_path / "l1.png").symlink_to("l2.png")
    (tmp_path / "l2.png").symlink_to("l1.png")
    assert run_cli("l1.png", "ok.png", "--no-cache", "--format", "json") == 1
    results = {r["path"]: r for r in _json(capsys)["results"]}
    assert "symbolic links" in results["l1.png"]["error"] and results["ok.png"]["flagged"] is True
    assert run_cli("l1.png", "ok.png", "--no-cache", "--format", "sarif") == 1
    assert "internal error" not in capsys.readouterr().err
    assert run_cli("ok.png", "--no-cache", "--config", "l1.png") == 2
    assert "cannot read config: Too many levels of symbolic links" in capsys.readouterr().err
    (tmp_path / ".logolint.yaml").write_text("model: l1.png\n")
    assert run_cli("ok.png", "--no-cache") == 2
    assert "cannot read model file" in capsys.readouterr().err


def test_a_report_is_never_written_through_a_link(tmp_path: Path, capsys, monkeypatch):
    """A tree may hold `report.txt -> ~/.bashrc`: `-o report.txt .` wrote the report, file
    names and all, into the link's target; a hard link to an image had its image replaced."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.png").write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    target = tmp_path / "elsewhere.sh"
    target.write_text("export PS1=x\n")
    (tmp_path / "report.txt").symlink_to(target)
    assert run_cli("--no-cache", "-o", "report.txt", "old.png") == 2
    assert "symbolic link" in capsys.readouterr().err and target.read_text() == "export PS1=x\n"
    (tmp_path / "dangling.png").symlink_to(tmp_path / "made.png")
    assert run_cli("explain", "old.png", "-o", "dangling.png") == 2
    assert not (tmp_path / "made.png").exists()
    kept = tmp_path / "kept.jpg"
    kept.write_bytes(b"not the report")
    os.link(kept, tmp_path / "hard.txt")
    assert run_cli("--no-cache", "-o", "hard.txt", "old.png") == 1
    assert kept.read_bytes() == b"not the report" and "old logo" in (tmp_path / "hard.txt").read_text()
    assert run_cli("--no-cache", "-o", "/dev/stdout", "old.png") == 1  # a device is written straight


def test_no_printed_line_is_a_github_command_or_a_terminal_control(tmp_path: Path, capsys, monkeypatch):
    """A name starting "::" began a line GitHub Actions reads as a command (`::stop-commands::`
    silences the annotations after it); a data type an SVG names reached explain, -v and
    --write-baseline raw (U+009B is a terminal's CSI, U+202E reverses text)."""
    monkeypatch.chdir(tmp_path)
    for name in ("::stop-commands::tok.png", " ::stop-commands::t2.png", "x##[stop-commands]t3.png"):
        (tmp_path / name).write_bytes((EXAMPLES / "old-logo.png").read_bytes())
    (tmp_path / "odd.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
                                      '<use href="data:\u009b31m\u202e,AAAA"/></svg>', encoding="utf-8")
    assert run_cli("-v", "--no-cache", ".") == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines() + captured.err.splitlines()
    assert any(line.startswith("./::stop-commands::tok.png: old logo") for line in lines)
    assert not any(line.lstrip().startswith("::") or "##[" in line for line in lines)
    assert "\u009b" not in captured.out + captured.err and "\\x9b31m\\u202e" in captured.err
    assert run_cli("explain", "odd.svg") == 1
    assert "\u009b" not in capsys.readouterr().out
    assert run_cli("--no-cache", "--write-baseline", "base.txt", "odd.svg") == 1
    assert "\u009b" not in capsys.readouterr().err
