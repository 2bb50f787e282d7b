"""Tell how a model file was saved from its bytes, never from its name.

ADS's guide saves a joblib dump as ``model.onnx``; a ``.pkl`` may be joblib, pickle or
cloudpickle.  Nothing here unpickles anything: pickles are read opcode by opcode
(``pickletools``), which names the modules they would import without running any code.
"""
from __future__ import annotations

import pickletools
from pathlib import Path

ONNX, JOBLIB, CLOUDPICKLE, PICKLE = "onnx", "joblib", "cloudpickle", "pickle"

# Magic numbers of the compressors joblib.dump(..., compress=...) can use.
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x04\x22\x4d\x18", b"ZF")
_ZLIB_SECOND = (0x01, 0x5E, 0x9C, 0xDA)

# ModelProto field numbers (onnx.proto): ir_version .. functions.
_MODEL_PROTO_FIELDS = {1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25}
_GRAPH = 7
_MAX_SCAN = 64 * 1024 * 1024  # a pickle whose opcodes go on longer than this is read no further


def sniff(path) -> str | None:
    """ONNX, JOBLIB, CLOUDPICKLE or PICKLE for the file at ``path``; None when it is none of them."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        return None
    if head.startswith(_COMPRESSED) or (head[0] == 0x78 and head[1:2] and head[1] in _ZLIB_SECOND):
        return JOBLIB  # only joblib writes compressed pickles
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        modules = pickle_modules(path)
        if modules is None:
            return None
        if any(m == "joblib" or m.startswith("joblib.") for m in modules):
            return JOBLIB
        if any(m == "cloudpickle" or m.startswith("cloudpickle.") for m in modules):
            return CLOUDPICKLE
        return PICKLE
    if _is_onnx_model(path):
        return ONNX
    return None


def pickle_modules(path) -> set[str] | None:
    """The modules a pickle file refers to (its GLOBAL and STACK_GLOBAL opcodes), without
    unpickling it; None when the file is not a readable pickle."""
    modules: set[str] = set()
    strings: list[str] = []  # the last string pushes: STACK_GLOBAL takes module and name from them
    memo: dict = {}
    try:
        with open(path, "rb") as fh:
            for opcode, arg, pos in pickletools.genops(fh):
                if pos is not None and pos > _MAX_SCAN:
                    break
                name = opcode.name
                if name in ("GLOBAL", "INST"):
                    modules.add(str(arg).split(" ", 1)[0])
                elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
                    strings.append(arg)
                elif name == "MEMOIZE" and strings:
                    memo[len(memo)] = strings[-1]
                elif name in ("BINPUT", "LONG_BINPUT", "PUT") and strings:
                    memo[arg] = strings[-1]
                elif name in ("BINGET", "LONG_BINGET", "GET") and arg in memo:
                    strings.append(memo[arg])
                elif name == "STACK_GLOBAL" and len(strings) >= 2:
                    modules.add(strings[-2])
    except Exception:  # truncated or not a pickle at all
        return None if not modules else modules
    return modules


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("bad varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _is_onnx_model(path: Path) -> bool:
    """Whether the file parses, at its top level, as an ONNX ModelProto with a graph."""
    size = path.stat().st_size
    if size > 2 * 1024 ** 3:  # protobuf's own limit; no ONNX file we could load
        return False
    data = path.read_bytes()
    pos, fields = 0, set()
    try:
        while pos < len(data):
            key, pos = _varint(data, pos)
            number, wire = key >> 3, key & 7
            if number not in _MODEL_PROTO_FIELDS:
                return False
            if wire == 0:
                _, pos = _varint(data, pos)
            elif wire == 2:
                length, pos = _varint(data, pos)
                pos += length
            else:
                return False
            if pos > len(data):
                return False
            fields.add(number)
    except ValueError:
        return False
    return 1 in fields and _GRAPH in fields
