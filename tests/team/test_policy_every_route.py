"""Every route of openapi.yaml, walked by a caller without rights on a model: nothing of it
leaks.  Each route answers 404 (the model does not exist for them), 403 (a change they may
not make) or only what they may see, and an admin gets the data on the same routes, so the
refusals are the policy's and not a broken route."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from .policy_fixtures import call, policy_service, saved, upload  # noqa: F401 (a fixture)

OPENAPI = Path(__file__).parents[2] / "model_catalog_ext" / "server" / "openapi.yaml"

# What the caller without rights may get on each route (method, path) -> allowed statuses.
EXPECTED = {
    ("get", "/version"): {200},
    ("get", "/capabilities"): {200},
    ("get", "/stats"): {200},
    ("get", "/projects"): {400},  # the SQL store has no projects: unsupported
    ("get", "/models"): {200},
    ("post", "/models"): {403},
    ("get", "/models/{model_id}"): {404},
    ("patch", "/models/{model_id}"): {404},
    ("delete", "/models/{model_id}"): {404},
    ("post", "/models/{model_id}/activate"): {404},
    ("post", "/models/{model_id}/deactivate"): {404},
    ("get", "/models/{model_id}/versions"): {404},
    ("get", "/models/{model_id}/history"): {404},
    ("get", "/models/{model_id}/artifact"): {404},
    ("get", "/models/{model_id}/artifact/files/{path}"): {404},
    # Routes onto a server's own files and kernels: the service serves none of them.
    ("post", "/models/{model_id}/download"): {404},
    ("get", "/notebooks/models"): {404},
    ("post", "/notebooks/save"): {404},
    ("post", "/files/save"): {404},
    ("get", "/jobs/{job_id}"): {404},
    # Resumable uploads: opening one into a compartment one may not write is refused before any
    # byte is sent; another caller's session does not exist for them (a part without its
    # digest may be refused as such first: that says nothing of the session).
    ("post", "/uploads"): {403},
    ("get", "/uploads/{upload_id}"): {404},
    ("delete", "/uploads/{upload_id}"): {404},
    ("put", "/uploads/{upload_id}/files/{file}/parts/{part}"): {400, 404},
    ("post", "/uploads/{upload_id}/complete"): {404},
}

SCORE = b"def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return {'prediction': [1]}\n"


def _open_upload(service, user, **metadata) -> tuple[int, object]:
    manifest = [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()}]
    return call(service, user, "POST", "uploads", {"metadata": metadata, "files": manifest})


def _routes() -> list[tuple[str, str]]:
    spec = yaml.safe_load(OPENAPI.read_text())
    return [(method, path) for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "patch", "delete", "put")]


def _request(service, user, method, path, model_id, upload_id="0" * 32):
    route = path.lstrip("/").format(model_id=model_id, path="score.py", job_id="0" * 32, upload_id=upload_id,
                                    file=0, part=0)
    if (method, path) == ("post", "/models"):
        return upload(service, user, {"display_name": "sneaky", "compartment_id": "finance"})
    if (method, path) == ("post", "/uploads"):
        return _open_upload(service, user, display_name="sneaky", compartment_id="finance")
    body = {"description": "changed"} if method == "patch" else \
        {"path": "here"} if path.endswith("/download") else None
    return call(service, user, method.upper(), route, body)


def test_every_route_is_covered_by_the_policy(policy_service):
    assert set(_routes()) == set(EXPECTED), "a route of openapi.yaml without an expectation here"
    hidden = saved(policy_service, "bob", display_name="secret-finance-model", compartment_id="finance",
                   description="the secret plan")
    status, session = _open_upload(policy_service, "bob", display_name="big", compartment_id="finance")
    assert status in (200, 201), session
    # alice sees none of finance: every route answers as if the model did not exist.
    leaks = []
    for method, path in _routes():
        status, body = _request(policy_service, "alice", method, path, hidden["id"], session["id"])
        text = json.dumps(body) if not isinstance(body, bytes) else body.decode("latin-1")
        if status not in EXPECTED[(method, path)] or "secret" in text:
            leaks.append((method, path, status, text[:200]))
    assert not leaks
    # The model is still there as it was, and an admin reaches it through the same routes.
    for method, path in _routes():
        if "{model_id}" in path and EXPECTED[(method, path)] == {404} and method == "get" \
                and "jobs" not in path and "download" not in path:
            status, _ = _request(policy_service, "carol", method, path, hidden["id"])
            assert status == 200, (method, path, status)
    status, entry = call(policy_service, "bob", "GET", f"models/{hidden['id']}")
    assert status == 200 and entry["description"] == "the secret plan"
    assert entry["lifecycle_state"] == "ACTIVE"
