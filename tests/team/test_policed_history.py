"""The policy over history records whose model names no place: a model saved before its
catalog kept history (no records yet) and such a model deleted after an edit."""
from __future__ import annotations

import pytest
from memory_backend import MemoryBackend

from model_catalog_ext.catalog.catalog_service import CatalogService
from model_catalog_ext.errors import ModelNotFound
from model_catalog_ext.service.policed_catalog import PolicedCatalog
from model_catalog_ext.service.policy import Caller
from model_catalog_ext.service.policy_file import parse_policy

POLICY = parse_policy("admins: [carol]\ncompartments:\n  default:\n    read: ['*']\n  research:\n    read: [alice]\n",
                      "policy.yaml")


@pytest.fixture
def catalog(artifact):
    service = CatalogService(MemoryBackend("memory://policed-history"))
    entry = service.save(str(artifact), display_name="old", compartment_id="research", description="secret")
    service.backend._history.clear()  # as if saved before the catalog kept history
    return service, entry


def _as(service, name):
    return PolicedCatalog(service, POLICY, Caller(name))


def test_a_model_without_records_has_an_empty_history_for_its_readers_only(catalog):
    service, entry = catalog
    assert _as(service, "alice").history(entry.id) == []
    assert _as(service, "carol").history(entry.id) == []
    with pytest.raises(ModelNotFound):
        _as(service, "mallory").history(entry.id)


def test_a_deleted_model_whose_records_name_no_place_is_the_admins_alone(catalog):
    service, entry = catalog
    service.update(entry.id, description="still secret")
    service.delete(entry.id)
    with pytest.raises(ModelNotFound):  # not read as if it were in the default compartment
        _as(service, "mallory").history(entry.id)
    assert [r["action"] for r in _as(service, "carol").history(entry.id)] == ["edited", "deleted"]


def test_a_deleted_model_saved_into_the_default_compartment_keeps_its_readers(artifact):
    service = CatalogService(MemoryBackend("memory://policed-history-default"))
    entry = service.save(str(artifact), display_name="shared")
    service.delete(entry.id)
    assert [r["action"] for r in _as(service, "mallory").history(entry.id)] == ["saved", "deleted"]
