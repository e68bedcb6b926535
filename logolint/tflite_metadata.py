"""Read one metadata entry of a .tflite file with struct alone.

Every run reads the model's labels and threshold, but a run served from the result cache
needs nothing else from the model: reading them through the flatbuffers package would
import numpy (0.2 s), more than the rest of a warm run.
"""

from __future__ import annotations

import struct

# Field numbers in the TFLite schema (tensorflow/lite/schema/schema.fbs).
_MODEL_BUFFERS, _MODEL_METADATA = 4, 6
_METADATA_NAME, _METADATA_BUFFER = 0, 1
_BUFFER_DATA, _BUFFER_OFFSET, _BUFFER_SIZE = 0, 1, 2


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def _unpack(self, fmt: str, at: int) -> int:
        if at < 0 or at + struct.calcsize(fmt) > len(self.data):
            raise ValueError(f"offset {at} outside the {len(self.data)}-byte file")
        return struct.unpack_from(fmt, self.data, at)[0]

    def field(self, table: int, number: int) -> int | None:
        """Where field `number` of the table at `table` is stored, or None if absent."""
        vtable = table - self._unpack("<i", table)
        if 4 + 2 * number >= self._unpack("<H", vtable):
            return None
        offset = self._unpack("<H", vtable + 4 + 2 * number)
        return table + offset if offset else None

    def target(self, at: int) -> int:
        """Follow the offset stored at `at` (to a table, vector or string)."""
        return at + self._unpack("<I", at)

    def vector(self, at: int) -> tuple[int, int]:
        """(first element, length) of the vector whose offset is stored at `at`."""
        start = self.target(at)
        return start + 4, self._unpack("<I", start)

    def blob(self, at: int) -> bytes:
        start, length = self.vector(at)
        if start + length > len(self.data):
            raise ValueError("a vector runs past the end of the file")
        return self.data[start:start + length]


def read_metadata(data: bytes, name: str) -> bytes | None:
    """The metadata blob called `name`, or None; ValueError if the file is malformed."""
    reader = _Reader(data)
    model = reader.target(0)
    entries, buffers = reader.field(model, _MODEL_METADATA), reader.field(model, _MODEL_BUFFERS)
    if entries is None:
        return None
    first, count = reader.vector(entries)
    for i in range(count):
        entry = reader.target(first + 4 * i)
        label = reader.field(entry, _METADATA_NAME)
        if label is None or reader.blob(label).decode("utf-8", "replace") != name:
            continue
        index_at = reader.field(entry, _METADATA_BUFFER)
        index = reader._unpack("<I", index_at) if index_at is not None else 0
        if buffers is None:
            raise ValueError("metadata points at a buffer but the model has none")
        first_buffer, buffer_count = reader.vector(buffers)
        if index >= buffer_count:
            raise ValueError(f"metadata buffer {index} of {buffer_count}")
        buffer = reader.target(first_buffer + 4 * index)
        inline = reader.field(buffer, _BUFFER_DATA)
        if inline is not None:
            return reader.blob(inline)
        offset_at, size_at = reader.field(buffer, _BUFFER_OFFSET), reader.field(buffer, _BUFFER_SIZE)
        if offset_at is None or size_at is None:
            return b""
        # Large models keep buffers after the flatbuffer, addressed from the file's start.
        offset, size = reader._unpack("<Q", offset_at), reader._unpack("<Q", size_at)
        if offset + size > len(data):
            raise ValueError("a buffer runs past the end of the file")
        return data[offset:offset + size]
    return None


def check_buffers(data: bytes) -> None:
    """ValueError unless every buffer of the model lies within the file: a truncated model
    whose metadata still reads would otherwise pass until an image needs the interpreter."""
    reader = _Reader(data)
    model = reader.target(0)
    buffers = reader.field(model, _MODEL_BUFFERS)
    if buffers is None:
        return
    first, count = reader.vector(buffers)
    for i in range(count):
        buffer = reader.target(first + 4 * i)
        inline = reader.field(buffer, _BUFFER_DATA)
        if inline is not None:
            reader.blob(inline)
            continue
        offset_at, size_at = reader.field(buffer, _BUFFER_OFFSET), reader.field(buffer, _BUFFER_SIZE)
        if offset_at is not None and size_at is not None:
            if reader._unpack("<Q", offset_at) + reader._unpack("<Q", size_at) > len(data):
                raise ValueError(f"buffer {i} runs past the end of the file")
