"""benchmarks/quality.py says so, without a traceback, where it finds nothing to measure."""

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


def test_nothing_to_measure_is_said_plainly(tmp_path: Path):
    done = subprocess.run([sys.executable, str(BENCHMARKS / "quality.py"), "--data", str(tmp_path), "--only", "brands",
                           "--brands-dir", str(tmp_path / "missing")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == ["skipping brands-dev: pass --brands-dir (generate it first, see its README)",
                                        "nothing was measured (see the lines above)"]
