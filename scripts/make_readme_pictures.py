"""Regenerate the README's pictures with logolint itself, from the demo brand's examples.

    python scripts/make_readme_pictures.py

docs/report.png: `logolint examples --format html`, as headless Chromium shows it.
docs/explain.png: `logolint explain examples/old-screenshot.png -o docs/explain.png`.
Needs Debian's `chromium`. Rerun it whenever the demo model or the report's look changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXPLAINED = "examples/old-screenshot.png"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--force-device-scale-factor=1"]


def logolint(*argv: str, cwd: Path) -> None:
    """Run the CLI; exit code 1 only means it found the old logo, as intended here."""
    result = subprocess.run([sys.executable, "-m", "logolint", *argv], cwd=cwd, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"logolint {' '.join(argv)} failed:\n{result.stderr}")


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("needs Debian's chromium: apt-get install chromium")
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        # Checked from a copy, so the page names files as a visitor sees them: examples/...
        shutil.copytree(ROOT / "examples", work / "examples")
        logolint("examples", "--no-cache", "--format", "html", "--output", "report.html", cwd=work)
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}",
                        "--window-size=1280,900", f"--screenshot={DOCS / 'report.png'}",
                        (work / "report.html").as_uri()],
                       check=True, capture_output=True, timeout=120)
    (DOCS / "explain.png").unlink(missing_ok=True)  # explain overwrites only overlays it marked
    logolint("explain", EXPLAINED, "-q", "-o", str(DOCS / "explain.png"), cwd=ROOT)
    for picture in ("report.png", "explain.png"):
        print(f"wrote docs/{picture} ({(DOCS / picture).stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
