"""Training time and peak RSS: `logolint train` on the demo brand's two logo files.

    python benchmarks/training.py
"""

from __future__ import annotations

import tempfile

from measure import PYTHON, ROOT, mib, run


def main() -> None:
    with tempfile.TemporaryDirectory() as output:
        seconds, rss = run([PYTHON, "-m", "logolint", "train", "--old", str(ROOT / "model" / "demo-old.svg"),
                            "--new", str(ROOT / "model" / "demo-new.svg"), "--output", output], ok=(0,))
    print("| measure | time | peak RSS |")
    print("|---|---|---|")
    print(f"| training from demo-old.svg + demo-new.svg | {seconds:.1f} s | {mib(rss)} |")


if __name__ == "__main__":
    main()
