"""Every error code of errors.py comes back from the service as the same class (one table),
with its details; what is not an error of the API is CatalogUnavailable."""
from __future__ import annotations

import json

import pytest

from model_catalog_ext import errors
from model_catalog_ext.catalog.http_backend.remote_errors import error_from_answer

SERVICE = "http://catalog.example"


@pytest.mark.parametrize("code", sorted(errors.STATUS_BY_CODE))
def test_each_code_comes_back_as_its_class(code):
    body = json.dumps({"error": code, "message": "m", "details": {"model_id": "mdl-1"}}).encode()
    error = error_from_answer(errors.STATUS_BY_CODE[code], body, SERVICE, sent_token=True)
    assert error.code == code and errors.http_status(error) == errors.STATUS_BY_CODE[code]
    assert (error.message, error.details) == ("m", {"model_id": "mdl-1"})
    if code == "not_found":
        assert isinstance(error, errors.ModelNotFound)


def test_a_conflict_keeps_the_etag_to_retry_with():
    body = json.dumps({"error": "conflict", "message": "stale", "details": {"current_etag": "e2"}}).encode()
    error = error_from_answer(412, body, SERVICE, sent_token=True)
    assert isinstance(error, errors.Conflict) and error.details["current_etag"] == "e2"


@pytest.mark.parametrize("status, body", [(502, b"<html>Bad Gateway</html>"), (500, b'{"error": "internal_error", '
                                                                                    b'"message": "id abc"}'),
                                          (404, b"[]")])
def test_what_the_api_does_not_answer_is_the_catalog_being_unavailable(status, body):
    error = error_from_answer(status, body, SERVICE, sent_token=True)
    assert isinstance(error, errors.CatalogUnavailable)
    assert errors.http_status(error) == 503


def test_the_service_names_itself_not_its_database(team_service, monkeypatch):
    from model_catalog_ext.catalog import open_catalog
    from model_catalog_ext.errors import ModelNotFound

    from .conftest import ALICE_TOKEN

    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    with pytest.raises(ModelNotFound) as err:
        open_catalog(team_service.url).get("mdl-missing")
    assert "catalog.db" not in err.value.message and "sqlite" not in err.value.message
    assert "this catalog service" in err.value.message
