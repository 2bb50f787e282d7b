"""Every error code is defined in errors.py with one HTTP status; no layer defines its own."""
from __future__ import annotations

import ast
from pathlib import Path

from model_catalog_ext import errors

PACKAGE = Path(errors.__file__).parent


def test_no_error_class_is_defined_outside_errors_py():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                assert not bases & {"CatalogError", *errors.__all__}, \
                    f"{path.relative_to(PACKAGE)} defines error {node.name}: define it in errors.py"


def test_each_code_has_one_status():
    seen: dict[str, int] = {}
    classes = [errors.CatalogError, *(getattr(errors, n) for n in errors.__all__
                                      if isinstance(getattr(errors, n), type))]
    for cls in classes:
        if "code" in vars(cls):
            assert seen.setdefault(cls.code, cls.http_status) == cls.http_status, cls
    assert seen == errors.STATUS_BY_CODE


def test_a_kernels_error_keeps_its_code_and_status():
    assert errors.http_status(errors.RemoteError({"error": "pending_changes", "message": "m"})) == 409
    unknown = errors.RemoteError({"error": "from_a_newer_kernel", "message": "m"})
    assert unknown.code == "prepare_error" and unknown.details["kernel_error_code"] == "from_a_newer_kernel"
