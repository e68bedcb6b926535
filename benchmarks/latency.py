"""Cold hook latency for one image: `logolint` vs the least a TFLite check can do.

    python benchmarks/latency.py [--repeat 7]

The floor is a bare script that imports the interpreter, loads the same model, decodes
and resizes the image and runs one inference. Both start cold (a new process, no result
cache) on examples/old-banner.jpg; the median of --repeat runs each. Target: <= 1.5x.
"""

from __future__ import annotations

import argparse

from measure import PYTHON, ROOT, mib, repeat

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
    bare = repeat([PYTHON, "-c", BARE, str(model), str(image)], args.repeat)
    ours = repeat([PYTHON, "-m", "logolint", "check", "--no-cache", str(image)], args.repeat)
    print("| measure | logolint | floor | ratio |")
    print("|---|---|---|---|")
    print(f"| cold hook latency, 1 image (floor: bare interpreter script) | {ours[0]:.2f} s "
          f"| {bare[0]:.2f} s | {ours[0] / bare[0]:.2f}x (target <= 1.5x) |")
    print(f"| peak RSS | {mib(ours[1])} | {mib(bare[1])} | {ours[1] / bare[1]:.2f}x |")


if __name__ == "__main__":
    main()
