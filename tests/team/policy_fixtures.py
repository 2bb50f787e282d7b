"""A catalog service with an access policy, its users and a raw HTTP caller for them.

Users (tokens file, with groups):
- alice, ann: group ``research`` (write research and shared);
- bob: group ``finance`` (writes finance and shared, reads research by name);
- erin: admin of research by name; carol: group ``catalog-admins`` (service-wide admin);
- mallory: no group (reads the shared compartment, as everyone).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

TOKENS = {
    "alice": ("alice-token", ["research"]),
    "ann": ("ann-token", ["research"]),
    "bob": ("bob-token", ["finance"]),
    "erin": ("erin-token", []),
    "carol": ("carol-token", ["catalog-admins"]),
    "mallory": ("mallory-token", []),
}

POLICY = """\
# Who may do what in the test catalog.
admins: [group:catalog-admins]
default_compartment: shared
compartments:
  shared:
    read: ["*"]
    write: [group:research, group:finance]
  research:
    read: [bob]
    write: [group:research]
    admin: [erin]
  finance:
    write: [group:finance]
"""


def write_tokens(path: Path) -> None:
    path.write_text(json.dumps({token: {"user": user, "groups": groups} if groups else user
                                for user, (token, groups) in TOKENS.items()}))


def call(service, user: str | None, method: str, route: str, body: bytes | dict | None = None,
         headers: dict | None = None) -> tuple[int, object]:
    """``(status, JSON body or raw bytes)`` of one request to the service as ``user``."""
    sent = dict(headers or {})
    if user is not None:
        sent["Authorization"] = f"token {TOKENS[user][0]}"
    if isinstance(body, dict):
        body, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
    if body is None and method in ("POST", "PATCH", "PUT"):
        body = b""
    request = urllib.request.Request(f"{service.url}/model-catalog/api/{route}", data=body, method=method,
                                     headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw


def upload(service, user: str, metadata: dict, seed: int = 1, headers: dict | None = None) -> tuple[int, dict]:
    """POST models as ``user`` (a small artifact)."""
    from tests.server.helpers import artifact_files, multipart, zip_bytes

    body, content_type = multipart(metadata, zip_bytes(artifact_files(seed)))
    return call(service, user, "POST", "models", body, {"Content-Type": content_type, **(headers or {})})


def saved(service, user: str, **metadata) -> dict:
    status, entry = upload(service, user, {"display_name": "m", **metadata})
    assert status == 201, entry
    return entry


@pytest.fixture
def policy_service(tmp_path):
    """A service over SQLite with POLICY and the users of TOKENS; ``.policy`` is its file."""
    from tests.catalog.service_process import start_service, stop_service

    tokens, policy = tmp_path / "tokens.json", tmp_path / "policy.yaml"
    write_tokens(tokens)
    policy.write_text(POLICY)
    service = start_service(tmp_path / "service", identity={"tokens_file": str(tokens)},
                            extra=("--policy", str(policy)))
    service.policy = policy
    yield service
    stop_service(service)
