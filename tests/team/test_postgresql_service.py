"""The service over PostgreSQL + S3 (moto), and stateless: two instances on one database and
one bucket serve the same catalog."""
from __future__ import annotations

import pytest
from service_process import SERVICE_TOKEN, start_service, stop_service

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import Conflict


@pytest.fixture
def two_services(tmp_path, pg_url, s3_root, moto_endpoint):
    root, options = s3_root
    open_catalog(pg_url, root, storage_options=options, upgrade=True).close()  # `db upgrade`, once
    # The service reads the object store's endpoint and keys from its environment, as boto does.
    env = {"FSSPEC_S3_ENDPOINT_URL": moto_endpoint, "AWS_ENDPOINT_URL": moto_endpoint}
    services = [start_service(tmp_path / f"service{i}", catalog_url=pg_url, artifact_root=root, env=env)
                for i in (1, 2)]
    yield services
    for service in services:
        stop_service(service)


def test_two_instances_serve_one_catalog(two_services, monkeypatch, tmp_path):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    first, second = (open_catalog(s.url) for s in two_services)
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n"
                                     "    return {'prediction': [1]}\n")
    (folder / "model.pkl").write_bytes(b"on s3")
    entry = first.save(folder, display_name="shared")
    assert second.get(entry.id) == entry
    assert b"".join(second.iter_file(entry.id, "model.pkl")) == b"on s3"
    v2 = second.save(folder, display_name="shared", as_new_version_of=entry.id)
    assert [e.version for e in first.versions(entry.id)] == [1, 2] and v2.version == 2
    edited = first.update(entry.id, etag=entry.etag, description="from the first")
    with pytest.raises(Conflict):
        second.update(entry.id, etag=entry.etag, description="from the second, stale")
    assert second.get(entry.id).description == "from the first" == edited.description
    assert second.capabilities().deduplicates and first.stats()["models"] == 2
