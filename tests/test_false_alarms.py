"""benchmarks/false_alarms.py counts what a model flags through the CLI, at its threshold."""

import importlib.util
import shutil
import sys
from pathlib import Path

from conftest import EXAMPLES

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_it_counts_the_images_a_model_flags_and_leaves_out_those_not_checked(tmp_path: Path, monkeypatch):
    from logolint.model import bundled_model_path

    monkeypatch.syspath_prepend(str(BENCHMARKS))  # its `from measure import ...`
    spec = importlib.util.spec_from_file_location("false_alarms", BENCHMARKS / "false_alarms.py")
    false_alarms = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(false_alarms)
    monkeypatch.delitem(sys.modules, "measure", raising=False)
    for name in ("old-logo.png", "old-banner.jpg", "new-logo.png", "new-banner.jpg"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    found, checked = false_alarms.flagged(bundled_model_path(), tmp_path)
    assert checked == 4 and sorted(Path(r["path"]).name for r in found) == ["old-banner.jpg", "old-logo.png"]
    assert found[0]["score"] >= found[1]["score"]
    names = [Path("ghost/model.tflite"), Path("runs/ghost/model/model.tflite"), Path("models/ghost.tflite")]
    assert [false_alarms.model_name(path) for path in names] == ["ghost"] * 3
