"""Prepare and verify a model held by a kernel variable, into a directory the server chose."""
from __future__ import annotations

import json
import os

from ..errors import CatalogError


def _lookup(user_ns: dict, name: str | None, what: str):
    if name is None:
        return None
    if name not in user_ns:
        raise CatalogError(
            f"The notebook's kernel has no variable '{name}' ({what}). Run the cell that defines it, "
            "then try again."
        )
    return user_ns[name]


def _claim(artifact_dir: str) -> None:
    """Make the artifact folder inside the server's work dir, never the work dir itself: when
    the server gave up waiting (this kernel was busy with a cell) it has removed that dir, and
    a save that runs late must then write nothing at all."""
    try:
        os.mkdir(artifact_dir)
    except FileExistsError:
        pass
    except FileNotFoundError:
        raise CatalogError(
            "The server stopped waiting for this save before the kernel was free to run it; nothing "
            "was written. Save the model again."
        ) from None


def prepare_variable(user_ns: dict, request_json: str) -> str:
    """Run ``prepare()`` + ``verify()`` for ``request["variable"]``; JSON text comes back.

    The answer is ``{"ok": true, "defined_metadata": ..., "verification": ...}`` or
    ``{"ok": false, "error": {"error": code, "message": ...}}`` — never an exception, so the
    server always gets a readable reason.
    """
    try:
        request = json.loads(request_json)
        model = _lookup(user_ns, request["variable"], "the model")
        X_sample = _lookup(user_ns, request.get("X_sample"), "the input sample")
        y_sample = _lookup(user_ns, request.get("y_sample"), "the output sample")
        _claim(request["artifact_dir"])
        from ..artifact import prepare

        artifact = prepare(
            model,
            request["artifact_dir"],
            X_sample=X_sample,
            y_sample=y_sample,
            as_onnx=request.get("as_onnx"),
            force_overwrite=True,
        )
        report = artifact.verify()
        verification = report.to_dict() if hasattr(report, "to_dict") else dict(report)
        return json.dumps(
            {
                "ok": True,
                "defined_metadata": artifact.defined_metadata,
                "verification": verification,
            },
            default=str,
        )
    except CatalogError as exc:
        return json.dumps({"ok": False, "error": {"error": exc.code, "message": exc.message, **_plain(exc.details)}})
    except Exception as exc:
        return json.dumps(
            {"ok": False, "error": {"error": "prepare_error", "message": f"{type(exc).__name__}: {exc}"}}
        )


def _plain(details: dict) -> dict:
    try:
        json.dumps(details)
        return details
    except (TypeError, ValueError):
        return {k: str(v) for k, v in details.items()}
