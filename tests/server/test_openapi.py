"""openapi.yaml and the route table describe the same API."""
import re
from pathlib import Path

import yaml

import model_catalog_ext.server as server_pkg
from model_catalog_ext.server.routes import api_routes

SPEC = yaml.safe_load((Path(server_pkg.__file__).parent / "openapi.yaml").read_text())
VERBS = {"get", "post", "patch", "put", "delete"}


def routes_as_spec_paths():
    """Each route's (spec path, methods its handler defines)."""
    for pattern, handler in api_routes():
        paths = ["/" + pattern]
        alternation = re.search(r"\(\?P<(\w+)>([\w|]+)\)", pattern)
        if alternation:  # e.g. (?P<action>activate|deactivate): one spec path per choice
            paths = ["/" + pattern.replace(alternation.group(0), choice) for choice in alternation.group(2).split("|")]
        for path in paths:
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
            methods = {verb for verb in VERBS if verb in handler.__dict__ or any(
                verb in base.__dict__ for base in handler.__mro__[1:] if base.__module__.startswith("model_catalog_ext"))}
            yield path, methods


def test_every_route_and_method_is_in_the_spec_and_back():
    from_routes = {(path, method) for path, methods in routes_as_spec_paths() for method in methods}
    from_spec = {(path, method) for path, item in SPEC["paths"].items() for method in item if method in VERBS}
    assert from_routes == from_spec


def test_error_codes_in_spec_match_the_status_table():
    from model_catalog_ext.errors import STATUS_BY_CODE

    enum = set(SPEC["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    assert set(STATUS_BY_CODE) <= enum


def operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in VERBS:
                yield path, method, operation


def test_error_enum_is_exactly_what_the_server_answers():
    from model_catalog_ext.errors import STATUS_BY_CODE

    enum = set(SPEC["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    assert enum == set(STATUS_BY_CODE) | {"http_error", "internal_error"}


def test_every_operation_is_named_and_documents_401_and_403():
    """401: no credentials (what the server answers, and what schemathesis expects of a
    missing Authorization header); 403: a cookie without XSRF, or a forbidden path."""
    for path, method, operation in operations():
        assert operation.get("operationId"), (path, method)
        assert "401" in operation["responses"], (path, method)
        assert "403" in operation["responses"], (path, method)


def test_what_streams_stored_bytes_documents_damaged_artifact():
    for path in ("/models/{model_id}/artifact", "/models/{model_id}/artifact/files/{path}",
                 "/models/{model_id}/download"):
        (operation,) = [op for p, _, op in operations() if p == path]
        assert "500" in operation["responses"], path
