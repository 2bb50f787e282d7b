"""Large artifacts through the service never sit whole in the client's memory, and an upload
over the service's limit is refused as on a local server (PayloadTooLarge, nothing stored)."""
from __future__ import annotations

import os
import tracemalloc

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import PayloadTooLarge

from .conftest import ALICE_TOKEN

SIZE = 48 * 1024 * 1024


@pytest.fixture
def big_artifact(artifact):
    with open(artifact / "model.bin", "wb") as f:
        for _ in range(SIZE // (1024 * 1024)):
            f.write(os.urandom(1024 * 1024))
    return artifact


def test_save_and_download_stream(team_service, big_artifact, tmp_path, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", ALICE_TOKEN)
    catalog = open_catalog(team_service.url)
    tracemalloc.start()
    try:
        entry = catalog.save(big_artifact, display_name="big")
        _, peak_save = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = catalog.download(entry.id, tmp_path / "out")
        _, peak_download = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (out / "model.bin").stat().st_size == SIZE
    assert (out / "model.bin").read_bytes() == (big_artifact / "model.bin").read_bytes()
    # A few 1 MiB chunks in flight, not the 48 MiB artifact.
    assert peak_save < 12 * 1024 * 1024, peak_save
    assert peak_download < 12 * 1024 * 1024, peak_download


def test_an_upload_over_the_services_limit_is_refused(tmp_path, big_artifact, monkeypatch):
    from tests.catalog.service_process import SERVICE_TOKEN, start_service, stop_service

    service = start_service(tmp_path / "small-service", extra=("--ModelCatalogConfig.max_upload_size=1000000",))
    try:
        monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
        catalog = open_catalog(service.url)
        with pytest.raises(PayloadTooLarge, match="at most 1000000"):
            catalog.save(big_artifact, display_name="too big")
        assert catalog.list(state="ALL").items == [] and catalog.stats()["stored_bytes"] == 0
    finally:
        stop_service(service)
