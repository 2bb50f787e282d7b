"""Tell how a model file was saved from its bytes, never from its name.

ADS's guide saves a joblib dump as ``model.onnx``; a ``.pkl`` may be joblib, pickle or
cloudpickle.  Nothing here unpickles anything: pickles are read opcode by opcode
(``pickletools``), which names the modules they would import without running any code.
"""
from __future__ import annotations

import pickletools
import re
from pathlib import Path

ONNX, JOBLIB, CLOUDPICKLE, PICKLE = "onnx", "joblib", "cloudpickle", "pickle"

# Magic numbers of the compressors joblib.dump(..., compress=...) can use.
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x04\x22\x4d\x18", b"ZF")
_ZLIB_SECOND = (0x01, 0x5E, 0x9C, 0xDA)

# ModelProto field numbers (onnx.proto): ir_version .. functions.
_MODEL_PROTO_FIELDS = {1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25}
_GRAPH = 7
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
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


def modules_needed(path) -> set[str] | None:
    """The modules a pickle file (plain, cloudpickle or uncompressed joblib) refers to; None
    for any other file, which is not read past its first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(2)
    if len(head) < 2 or head[0] != 0x80 or not 2 <= head[1] <= 5:
        return None
    return pickle_modules(path)


def pickle_modules(path) -> set[str] | None:
    """The modules a pickle file refers to (its GLOBAL and STACK_GLOBAL opcodes), without
    unpickling it; None when the file is not a readable pickle."""
    modules: set[str] = set()
    # What the last opcodes pushed: the string, or None for anything else.  STACK_GLOBAL
    # takes its module and name from the two pushes before it (strings, or memo gets of them).
    recent: list = []
    memo: dict = {}
    next_memo = 0
    try:
        with open(path, "rb") as fh:
            for opcode, arg, pos in pickletools.genops(fh):
                if pos is not None and pos > _MAX_SCAN:
                    break
                name = opcode.name
                if name in ("GLOBAL", "INST"):
                    modules.add(str(arg).split(" ", 1)[0])
                    recent.append(None)
                elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
                    recent.append(arg)
                elif name == "MEMOIZE":
                    memo[next_memo] = recent[-1] if recent else None
                    next_memo += 1
                elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
                    memo[arg] = recent[-1] if recent else None
                elif name in ("BINGET", "LONG_BINGET", "GET"):
                    recent.append(memo.get(arg))
                elif name == "STACK_GLOBAL":
                    if len(recent) >= 2 and isinstance(recent[-2], str) and isinstance(recent[-1], str):
                        modules.add(recent[-2])
                    recent.append(None)
                elif name not in ("PROTO", "FRAME"):
                    recent.append(None)
                del recent[:-2]
    except Exception:  # truncated, not a pickle, or joblib's raw array bytes: what came before stands
        if not modules:
            return None
    # Raw bytes after a joblib array can pass for opcodes for a while: keep real module names only.
    return {m for m in modules if _MODULE_NAME.match(m)}


def _read_varint(f, first: bytes = b"") -> int:
    """The protobuf varint at ``f``'s position (``first``: its first byte, already read)."""
    value = shift = 0
    while True:
        byte = first or f.read(1)
        first = b""
        if not byte or shift > 63:
            raise ValueError("bad varint")
        value |= (byte[0] & 0x7F) << shift
        shift += 7
        if not byte[0] & 0x80:
            return value


def _is_onnx_model(path: Path) -> bool:
    """Whether the file parses, at its top level, as an ONNX ModelProto with a graph.  Only
    the top-level keys are read: the graph and weights are seeked over, never loaded."""
    size = path.stat().st_size
    if size > 2 * 1024 ** 3:  # protobuf's own limit; no ONNX file we could load
        return False
    fields = set()
    try:
        with open(path, "rb") as f:
            while first := f.read(1):
                key = _read_varint(f, first)
                number, wire = key >> 3, key & 7
                if number not in _MODEL_PROTO_FIELDS:
                    return False
                if wire == 0:
                    _read_varint(f)
                elif wire == 2:
                    length = _read_varint(f)
                    if f.tell() + length > size:
                        return False
                    f.seek(length, 1)
                else:
                    return False
                fields.add(number)
    except ValueError:
        return False
    return 1 in fields and _GRAPH in fields
