"""Just enough of the ONNX protobuf format to write a one-graph model, without the onnx package.

Importing onnx (protobuf and its C++ extension) and skl2onnx costs a cold ``prepare()``
about 0.2 s and 30 MB before a single tree is converted; onnx_trees.py writes the most
common models itself with this. Field numbers follow onnx/onnx.proto (IR version 8).
Repeated numbers are written packed, as proto3 does by default.
"""
from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

# TensorProto.DataType
FLOAT, INT64, STRING = 1, 7, 8
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_STRING, _ATTR_FLOATS, _ATTR_INTS, _ATTR_STRINGS = 1, 2, 3, 6, 7, 8


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 as two's complement: ten bytes
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _varints(values) -> bytes:
    """Many varints at once (a forest has a few of them per node): vectorised."""
    v = np.asarray(values, dtype=np.int64).astype(np.uint64)
    if v.size == 0:
        return b""
    if int(v.max()) < 0x80:
        return v.astype(np.uint8).tobytes()
    groups = np.empty((v.size, 10), dtype=np.uint8)
    length = np.ones(v.size, dtype=np.int64)
    rest = v.copy()
    for i in range(10):
        groups[:, i] = (rest & np.uint64(0x7F)).astype(np.uint8)
        rest >>= np.uint64(7)
        more = rest > 0
        groups[more, i] |= 0x80
        length += more
    keep = np.arange(10) < length[:, None]
    return groups[keep].tobytes()


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _bytes(field: int, data: bytes) -> bytes:
    return _key(field, 2) + _varint(len(data)) + data


def _text(field: int, text: str) -> bytes:
    return _bytes(field, text.encode("utf-8"))


def attribute(name: str, value) -> bytes:
    """An AttributeProto; the type follows the Python value: str, int, float, or a list or
    numpy array of them (ints as int64, floats as float32)."""
    out = _text(1, name)
    if isinstance(value, str):
        return out + _bytes(4, value.encode("utf-8")) + _int(20, _ATTR_STRING)
    if isinstance(value, (int, np.integer)):
        return out + _int(3, int(value)) + _int(20, _ATTR_INT)
    if isinstance(value, (float, np.floating)):
        return out + _key(2, 5) + struct.pack("<f", value) + _int(20, _ATTR_FLOAT)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return out + b"".join(_text(9, v) for v in value) + _int(20, _ATTR_STRINGS)
    array = np.asarray(value)
    if array.dtype.kind in "iub":
        return out + _bytes(8, _varints(array.ravel())) + _int(20, _ATTR_INTS)
    if array.dtype.kind == "f":
        return out + _bytes(7, array.astype("<f4").ravel().tobytes()) + _int(20, _ATTR_FLOATS)
    raise TypeError(f"no ONNX attribute type for {name}={value!r:.80}")


def strings_attribute(name: str, values: list[str]) -> bytes:
    """A STRINGS attribute, fast for many repeats of a few values (a node mode per node)."""
    encoded = {v: _text(9, v) for v in set(values)}
    return _text(1, name) + b"".join(encoded[v] for v in values) + _int(20, _ATTR_STRINGS)


def node(op_type: str, inputs: list[str], outputs: list[str], attributes: Sequence[bytes] = (),
         domain: str = "") -> bytes:
    """A NodeProto named after its first output; ``attributes`` as made by attribute()."""
    return (b"".join(_text(1, i) for i in inputs) + b"".join(_text(2, o) for o in outputs)
            + _text(3, outputs[0]) + _text(4, op_type) + b"".join(_bytes(5, a) for a in attributes)
            + _text(7, domain))


def tensor_value(name: str, elem_type: int, shape: list) -> bytes:
    """A ValueInfoProto for a tensor; None or a str in ``shape`` is a dimension left open."""
    dims = b"".join(
        _bytes(1, _int(1, d) if isinstance(d, int) else _text(2, d or "N")) for d in shape
    )
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _text(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(nodes: list[bytes], inputs: list[bytes], outputs: list[bytes], opsets: dict[str, int],
          ir_version: int = 8, producer: str = "model-catalog-ext", producer_version: str = "",
          graph_name: str = "model") -> bytes:
    """A serialized ModelProto with one graph; ``opsets`` maps domain to opset version."""
    graph = (b"".join(_bytes(1, n) for n in nodes) + _text(2, graph_name)
             + b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs))
    return (_int(1, ir_version) + _text(2, producer) + _text(3, producer_version)
            + _bytes(7, graph)
            + b"".join(_bytes(8, _text(1, domain) + _int(2, version)) for domain, version in opsets.items()))
