"""A user's Jupyter server configured with ``ModelCatalogConfig.backend_url = http://...``
serves the panel's API from the team service: listing, uploads (recorded as the token's
user), downloads, and the service's errors with their own status."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import tornado.httpclient

from .conftest import ALICE_TOKEN


@pytest.fixture
def jp_server_config(team_service, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    monkeypatch.setenv("MODEL_CATALOG_URL", "")  # the extension exports its URL for kernels: restored after
    return {
        "ServerApp": {"jpserver_extensions": {"model_catalog_ext": True}, "allow_unauthenticated_access": False},
        "ModelCatalogConfig": {"backend_url": team_service.url},
    }


async def _json(jp_fetch, *parts, expect=200, **kwargs):
    try:
        response = await jp_fetch("model-catalog", "api", *parts, **kwargs)
    except tornado.httpclient.HTTPClientError as exc:
        assert exc.code == expect, (exc.code, exc.response.body)
        return json.loads(exc.response.body)
    assert response.code == expect
    return json.loads(response.body) if response.body else None


async def test_the_panel_api_is_served_from_the_service(jp_fetch, team_service):
    # By its package name: a bare "helpers" may be another module of that name already
    # imported (an artifact's helpers.py that a reload() test loaded).
    from tests.server.helpers import artifact_files, multipart, zip_bytes

    capabilities = await _json(jp_fetch, "capabilities")
    assert capabilities["backend"] == {"kind": "http", "label": "Team catalog service", "location": team_service.url}
    body, content_type = multipart({"display_name": "through my server"}, zip_bytes(artifact_files()))
    entry = await _json(jp_fetch, "models", method="POST", body=body, headers={"Content-Type": content_type},
                        expect=201)
    assert entry["created_by"] == "alice"  # the service's identity of the token, not the server's OS user
    listing = await _json(jp_fetch, "models")
    assert [m["id"] for m in listing["items"]] == [entry["id"]]
    response = await jp_fetch("model-catalog", "api", "models", entry["id"], "artifact")
    with zipfile.ZipFile(io.BytesIO(response.body)) as zf:
        assert sorted(zf.namelist()) == sorted(artifact_files())
    missing = await _json(jp_fetch, "models", "mdl-missing", expect=404)
    assert missing["error"] == "not_found"
    edited = await _json(jp_fetch, "models", entry["id"], method="PATCH", body=json.dumps({"description": "x"}))
    stale = await _json(jp_fetch, "models", entry["id"], method="PATCH", body=json.dumps({"description": "y"}),
                        headers={"If-Match": f'"{entry["etag"]}"'}, expect=412)
    assert stale["error"] == "conflict" and stale["details"]["current_etag"] == edited["etag"]
