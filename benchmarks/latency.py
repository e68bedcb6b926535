"""Cold hook latency for one image: `logolint` vs the least a TFLite check can do.

    python benchmarks/latency.py [--repeat 7]

The floor is a bare script that imports the interpreter, loads the same model, decodes
and resizes the image and runs one inference. Both start cold (a new process, no result
cache) on examples/old-banner.jpg; the median of --repeat runs each, taken in turns so
that a busy machine weighs on both alike. Target: <= 1.5x. Measured with the default
settings (localisation on) and with --no-localise (the plain classifier path).

logolint's bytecode is compiled first, as installing it compiles it: the floor's imports
(numpy, PIL, LiteRT) all come compiled, and under PYTHONDONTWRITEBYTECODE a source
checkout would otherwise be compiled again on every run (about 25 ms).
"""

from __future__ import annotations

import argparse
import compileall
import statistics

from measure import PYTHON, ROOT, mib, run

BARE = """
import sys
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter
interpreter = Interpreter(model_path=sys.argv[1], num_threads=2)
interpreter.allocate_tensors()
image_input = interpreter.get_input_details()[0]
side = int(image_input["shape"][1])
pixels = np.asarray(Image.open(sys.argv[2]).convert("RGB").resize((side, side)), np.float32)
interpreter.set_tensor(image_input["index"], pixels[None])
interpreter.invoke()
print(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    image = ROOT / "examples" / "old-banner.jpg"
    model = ROOT / "model" / "demo.tflite"
    compileall.compile_dir(ROOT / "logolint", quiet=1)
    commands = {
        "floor": [PYTHON, "-c", BARE, str(model), str(image)],
        "default": [PYTHON, "-m", "logolint", "check", "--no-cache", str(image)],
        "plain": [PYTHON, "-m", "logolint", "check", "--no-cache", "--no-localise", str(image)],
    }
    runs: dict[str, list] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            runs[name].append(run(command))
    seconds = {name: statistics.median(s for s, _ in taken) for name, taken in runs.items()}
    peak = {name: max(p for _, p in taken) for name, taken in runs.items()}
    print("| measure | logolint | floor | ratio |")
    print("|---|---|---|---|")
    for name, label in (("default", "localisation on, the default"), ("plain", "`--no-localise`")):
        print(f"| cold hook latency, 1 image, {label} (floor: bare interpreter script) "
              f"| {seconds[name]:.2f} s | {seconds['floor']:.2f} s "
              f"| {seconds[name] / seconds['floor']:.2f}x (target <= 1.5x) |")
    for name, label in (("default", "localisation on"), ("plain", "`--no-localise`")):
        print(f"| peak RSS, {label} | {mib(peak[name])} | {mib(peak['floor'])} "
              f"| {peak[name] / peak['floor']:.2f}x |")


if __name__ == "__main__":
    main()
