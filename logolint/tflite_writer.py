"""Write TFLite models from numpy arrays, without TensorFlow.

Build a graph op by op (or load an existing model and append ops to it), then
serialise it as one .tflite file::

    g = GraphBuilder()
    x = g.input("x", [1, 4])
    w = g.const("w", np.ones((2, 4), np.float32), fp16=True)
    y = g.tensor("y", [1, 2])
    g.op("FULLY_CONNECTED", [x, w, -1], [y])
    g.output(y, "y")
    data = g.to_bytes(associated_files={"labels.txt": b"a\\nb\\n"})

Output is deterministic: the same calls give a byte-identical file. Associated
files travel as a zip archive appended to the flatbuffer, the TFLite metadata
convention; small blobs (e.g. JSON) go into the model's own metadata table.
"""

from __future__ import annotations

import io
import zipfile

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

_SCHEMA_VERSION = 3
_ALIGN = 16  # constant buffers are aligned like the official converter does
_SIGNATURE_KEY = "serving_default"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# Builtin operator -> its table in the BuiltinOptions union.
_OPTIONS = {
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "DIV": "DivOptions",
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "SOFTMAX": "SoftmaxOptions",
    "CONCATENATION": "ConcatenationOptions",
    "RESHAPE": "ReshapeOptions",
    "SQUEEZE": "SqueezeOptions",
    "TRANSPOSE": "TransposeOptions",
    "PAD": "PadOptions",
    "MEAN": "ReducerOptions",
    "SUM": "ReducerOptions",
    "REDUCE_MAX": "ReducerOptions",
    "L2_NORMALIZATION": "L2NormOptions",
    "RESIZE_BILINEAR": "ResizeBilinearOptions",
    "DEPTH_TO_SPACE": "DepthToSpaceOptions",
}
# Schema defaults that are never what a caller wants: stride 0, and beta 0.0,
# which makes SOFTMAX output a uniform distribution.
_DEFAULTS = {
    "Conv2DOptions": {"strideH": 1, "strideW": 1},
    "DepthwiseConv2DOptions": {"strideH": 1, "strideW": 1, "depthMultiplier": 1},
    "Pool2DOptions": {"strideH": 1, "strideW": 1},
    "SoftmaxOptions": {"beta": 1.0},
}
_ENUMS = {"padding": schema.Padding, "fusedActivationFunction": schema.ActivationFunctionType}
_TYPES = {
    np.dtype(np.float32): schema.TensorType.FLOAT32,
    np.dtype(np.float16): schema.TensorType.FLOAT16,
    np.dtype(np.int32): schema.TensorType.INT32,
    np.dtype(np.int8): schema.TensorType.INT8,
}


class GraphBuilder:
    """A single-subgraph TFLite model under construction.

    ``inputs`` and ``outputs`` map signature names to tensor indices, in order;
    delete an entry from ``outputs`` to stop exposing that tensor.
    ``associated_files`` (name -> bytes) are appended as a zip by ``to_bytes``.
    """

    def __init__(self, description: str | None = "logolint"):
        self.description = description
        self.inputs: dict[str, int] = {}
        self.outputs: dict[str, int] = {}
        self.associated_files: dict[str, bytes] = {}
        self._tensors: list[schema.TensorT] = []
        self._operators: list[schema.OperatorT] = []
        self._opcodes: list[schema.OperatorCodeT] = []
        self._opcode_index: dict[tuple, int] = {}
        self._buffers: list = [None]  # buffer 0 is the empty sentinel
        self._metadata: dict[str, int] = {}

    @classmethod
    def from_tflite(cls, data: bytes) -> GraphBuilder:
        """Load a model so that ops can be appended to it.

        Constant buffers are kept as they are (views of ``data``, no copy), so
        fp16 weights stay fp16 and a round trip stays fast.
        """
        model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(data, 0))
        if len(model.subgraphs) != 1:
            raise ValueError("only single-subgraph models are supported")
        if any(b.offset for b in model.buffers):
            raise ValueError("models with buffers outside the flatbuffer are not supported")
        graph = model.subgraphs[0]
        g = cls(_text(model.description))
        g._tensors = list(graph.tensors)
        g._operators = list(graph.operators or [])
        g._opcodes = list(model.operatorCodes or [])
        g._opcode_index = {
            (max(c.builtinCode, c.deprecatedBuiltinCode), _text(c.customCode)): i
            for i, c in enumerate(g._opcodes)
        }
        g._buffers = [b.data if b.data is not None and len(b.data) else None for b in model.buffers]
        g._metadata = {_text(m.name): m.buffer for m in model.metadata or []}
        signature = next(
            (s for s in model.signatureDefs or [] if _text(s.signatureKey) == _SIGNATURE_KEY), None
        )
        if signature is not None:
            g.inputs = {_text(m.name): m.tensorIndex for m in signature.inputs}
            g.outputs = {_text(m.name): m.tensorIndex for m in signature.outputs}
        else:
            g.inputs = {_text(g._tensors[i].name): int(i) for i in graph.inputs}
            g.outputs = {_text(g._tensors[i].name): int(i) for i in graph.outputs}
        g.associated_files = read_associated_files(data)
        return g

    def input(self, name: str, shape, shape_signature=None) -> int:
        """A float32 graph input; -1 in ``shape_signature`` marks a resizable dimension."""
        idx = self.tensor(name, shape, shape_signature)
        self.inputs[name] = idx
        return idx

    def tensor(self, name: str, shape, shape_signature=None, dtype=np.float32,
               quantization: tuple[float, int] | None = None) -> int:
        """A non-constant (intermediate) tensor; an int8 one takes its (scale, zero_point)."""
        idx = self._add_tensor(name, shape, np.dtype(dtype), 0, shape_signature)
        if quantization is not None:
            self._quantize(idx, [quantization[0]], [quantization[1]])
        return idx

    def quantized_const(self, name: str, values, scales, axis: int = 0) -> int:
        """A constant of already quantized int8 or int32 ``values`` with one scale per
        slice along ``axis`` (or one for all) and zero points 0: conv weights and biases."""
        values = np.asarray(values)
        if values.dtype not in (np.int8, np.int32):
            raise TypeError(f"unsupported quantized constant {name!r}: {values.dtype}")
        data = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<"))
        idx = self._add_tensor(name, data.shape, values.dtype, self._add_buffer(data.reshape(-1).view(np.uint8)))
        scales = np.atleast_1d(np.asarray(scales, np.float64))
        self._quantize(idx, scales, np.zeros(len(scales), np.int64), axis)
        return idx

    def shape(self, idx: int) -> list[int]:
        return [int(v) for v in self._tensors[idx].shape]

    def quantization(self, idx: int) -> tuple[float, int]:
        """The (scale, zero_point) of a per-tensor quantized tensor."""
        params = self._tensors[idx].quantization
        return float(params.scale[0]), int(params.zeroPoint[0])

    def const(self, name: str, array, fp16: bool = False) -> int:
        """A constant tensor: float arrays are stored as float32, integer arrays as int32.

        With ``fp16=True`` the data is stored as float16 and a DEQUANTIZE op
        produces the float32 tensor whose index is returned.
        """
        array = np.asarray(array)
        if array.dtype.kind == "f":
            dtype = np.dtype("<f2" if fp16 else "<f4")
        elif array.dtype.kind in "iu" and not fp16:
            dtype = np.dtype("<i4")
        else:
            raise TypeError(f"unsupported constant {name!r}: {array.dtype}, fp16={fp16}")
        data = np.ascontiguousarray(array, dtype=dtype)
        # Reinterpret the bytes; a value cast to uint8 makes an invalid model.
        buffer = self._add_buffer(data.reshape(-1).view(np.uint8))
        stored = self._add_tensor(name + "/fp16" if fp16 else name, data.shape, dtype, buffer)
        if not fp16:
            return stored
        out = self.tensor(name, data.shape)
        self.op("DEQUANTIZE", [stored], [out])
        return out

    def op(self, builtin: str, inputs: list[int], outputs: list[int], **options) -> None:
        """Append a builtin op: ``op("CONV_2D", [x, w, b], [y], stride=2, activation="RELU6")``.

        Options are the fields of the op's ``*OptionsT`` table in snake_case
        (``keep_dims=True``, ``axis=1``), enums by name (``padding="VALID"``),
        plus the shorthands ``stride`` (both strides) and ``activation``.
        """
        code = getattr(schema.BuiltinOperator, builtin)
        table = _OPTIONS.get(builtin)
        if options and table is None:
            raise TypeError(f"no options known for {builtin}: {sorted(options)}")
        operator = schema.OperatorT(
            opcodeIndex=self._opcode(code), inputs=list(inputs), outputs=list(outputs)
        )
        if table is not None:
            operator.builtinOptionsType = getattr(schema.BuiltinOptions, table)
            operator.builtinOptions = _make_options(table, options)
        self._operators.append(operator)

    def output(self, idx: int, name: str) -> None:
        """Expose tensor ``idx`` as graph output ``name`` (the tensor is renamed to match)."""
        self._tensors[idx].name = name
        self.outputs[name] = idx

    def metadata(self, name: str, data: bytes) -> None:
        """Store a small blob in the model's metadata table (replacing one of the same name).

        Avoid the names the TFLite tools use: ``min_runtime_version``,
        ``TFLITE_METADATA``, ``CONVERSION_METADATA``.
        """
        payload = np.frombuffer(bytes(data), np.uint8)
        if name in self._metadata:
            self._buffers[self._metadata[name]] = payload
        else:
            self._metadata[name] = self._add_buffer(payload)

    def to_bytes(self, associated_files: dict[str, bytes] | None = None) -> bytes:
        """Serialise to .tflite bytes.

        ``associated_files`` are added to (or replace) ``self.associated_files``.
        """
        model = schema.ModelT(
            version=_SCHEMA_VERSION,
            description=self.description,
            operatorCodes=self._opcodes,
            buffers=[_Buffer(b) for b in self._buffers],
            subgraphs=[
                schema.SubGraphT(
                    tensors=self._tensors,
                    inputs=list(self.inputs.values()),
                    outputs=list(self.outputs.values()),
                    operators=self._operators,
                    name="main",
                )
            ],
            metadata=[schema.MetadataT(name, b) for name, b in self._metadata.items()] or None,
            signatureDefs=[
                schema.SignatureDefT(
                    inputs=[schema.TensorMapT(n, i) for n, i in self.inputs.items()],
                    outputs=[schema.TensorMapT(n, i) for n, i in self.outputs.items()],
                    signatureKey=_SIGNATURE_KEY,
                )
            ],
        )
        payload = sum(len(b) + _ALIGN for b in self._buffers if b is not None)
        builder = flatbuffers.Builder(payload + (1 << 20))
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        data = bytes(builder.Output())
        files = {**self.associated_files, **(associated_files or {})}
        return data + _zip(data, files) if files else data

    def _add_tensor(self, name, shape, dtype, buffer, shape_signature=None) -> int:
        tensor = schema.TensorT(
            shape=[int(d) for d in shape], type=_TYPES[np.dtype(dtype)], buffer=buffer, name=name
        )
        if shape_signature is not None:
            tensor.shapeSignature = [int(d) for d in shape_signature]
        self._tensors.append(tensor)
        return len(self._tensors) - 1

    def _quantize(self, idx: int, scales, zero_points, axis: int = 0) -> None:
        params = schema.QuantizationParametersT()
        params.scale = [float(v) for v in scales]
        params.zeroPoint = [int(v) for v in zero_points]
        params.quantizedDimension = axis
        self._tensors[idx].quantization = params

    def _add_buffer(self, data: np.ndarray) -> int:
        self._buffers.append(data)
        return len(self._buffers) - 1

    def _opcode(self, code: int) -> int:
        key = (code, None)
        if key not in self._opcode_index:
            # Runtimes older than the 8-bit builtin codes read only the deprecated field.
            self._opcodes.append(
                schema.OperatorCodeT(
                    deprecatedBuiltinCode=min(code, 127), builtinCode=code, version=1
                )
            )
            self._opcode_index[key] = len(self._opcodes) - 1
        return self._opcode_index[key]


class _Buffer:
    """Stands in for BufferT when packing: one aligned copy instead of a per-byte loop."""

    def __init__(self, data):
        self.data = data

    def Pack(self, builder: flatbuffers.Builder) -> int:  # noqa: N802 (flatbuffers naming)
        vector = None
        if self.data is not None:
            n = len(self.data)
            builder.StartVector(1, n, _ALIGN)
            builder.head -= n
            builder.Bytes[builder.head : builder.head + n] = memoryview(self.data).cast("B")
            vector = builder.EndVector()
        schema.BufferStart(builder)
        if vector is not None:
            schema.BufferAddData(builder, vector)
        return schema.BufferEnd(builder)


def _make_options(table: str, options: dict):
    values = dict(_DEFAULTS.get(table, {}))
    for key, value in options.items():
        if key == "stride":
            values["strideH"] = values["strideW"] = value
            continue
        field = "fusedActivationFunction" if key == "activation" else _camel(key)
        if field in _ENUMS and isinstance(value, str):
            value = getattr(_ENUMS[field], value)
        values[field] = value
    options_t = getattr(schema, table + "T")()
    for field, value in values.items():
        if not hasattr(options_t, field):
            raise TypeError(f"{table} has no field {field!r}")
        setattr(options_t, field, value)
    return options_t


def _camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(part.title() for part in rest)


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _zip(prefix: bytes, files: dict[str, bytes]) -> bytes:
    """The zip archive to append after ``prefix``, with offsets relative to the file start."""
    out = io.BytesIO(prefix)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.create_system = 3  # fixed, so the bytes do not depend on the host OS
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()[len(prefix) :]


def read_associated_files(data: bytes) -> dict[str, bytes]:
    """The files zipped onto a model (TFLite metadata convention); {} if there are none."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return {}
    with archive:
        return {name: archive.read(name) for name in archive.namelist()}
