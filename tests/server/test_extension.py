"""The server extension loads, answers the version handshake and refuses strangers."""
import json
import subprocess
import sys
import warnings

import pytest
import tornado.httpclient

import model_catalog_ext


async def test_version_route_returns_package_version(jp_fetch):
    response = await jp_fetch("model-catalog", "api", "version")
    assert response.code == 200
    body = json.loads(response.body)
    assert body["version"] == model_catalog_ext.__version__
    assert body["api"] == 1


async def test_unauthenticated_request_is_refused(jp_fetch):
    with pytest.raises(tornado.httpclient.HTTPClientError) as excinfo:
        # An explicit empty Authorization header replaces the test token: no credentials.
        await jp_fetch("model-catalog", "api", "version", headers={"Authorization": ""})
    assert excinfo.value.code == 401  # no credentials (issue 19 item 17)


async def test_extension_is_loaded_and_enabled(jp_serverapp):
    extensions = jp_serverapp.extension_manager.extensions
    assert "model_catalog_ext" in extensions
    assert extensions["model_catalog_ext"].enabled


def test_every_handler_requires_authentication():
    """Jupyter Server warns about each handler without an auth decorator; none may warn."""
    from jupyter_server.serverapp import ServerApp
    from jupyter_server.utils import JupyterServerAuthWarning

    app = ServerApp(
        allow_unauthenticated_access=False,
        jpserver_extensions={"model_catalog_ext": True},
        reraise_server_extension_failures=True,
    )
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        app.initialize(argv=[], find_extensions=False, new_httpserver=False)
    problems = [str(r.message) for r in records if issubclass(r.category, JupyterServerAuthWarning)]
    assert problems == []
    patterns = [rule.matcher.regex.pattern for rule in _walk_rules(app.web_app.default_router)
                if hasattr(rule.matcher, "regex")]
    assert any("model-catalog/api/version" in pattern for pattern in patterns)


def _walk_rules(router):
    for rule in getattr(router, "rules", []):
        yield rule
        yield from _walk_rules(rule.target)


def test_jupyter_lists_both_extensions():
    """`jupyter server extension list` and `jupyter labextension list` both show it OK."""
    server = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"],
        capture_output=True, text=True, check=True,
    )
    server_out = server.stdout + server.stderr
    assert "model_catalog_ext" in server_out and "enabled" in server_out
    lab = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True, text=True, check=True,
    )
    lines = [line for line in (lab.stdout + lab.stderr).splitlines() if "model-catalog-ext" in line]
    assert lines, lab.stdout + lab.stderr
    assert "enabled" in lines[0] and "OK" in lines[0]
