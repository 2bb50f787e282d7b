"""``%catalog`` in a kernel whose catalog URL is a catalog service's: a save in one kernel
(recorded as the token's user, whatever the kernel's OS user) and a load in another."""
from __future__ import annotations

import pytest

from model_catalog_ext.catalog import open_catalog
from tests.catalog.service_process import SERVICE_TOKEN, start_service, stop_service

from .conftest import TRAIN, run_ok
from .test_save_load import saved_id


@pytest.fixture
def service(tmp_path):
    started = start_service(tmp_path / "team-service", identity={"service_user": "svc-user"})
    yield started
    stop_service(started)


def test_save_in_one_kernel_and_load_in_another_through_the_service(start_kernel, service, monkeypatch):
    client_env = {"MODEL_CATALOG_URL": service.url, "MODEL_CATALOG_TOKEN": SERVICE_TOKEN}
    a = start_kernel(**client_env)
    run_ok(a, TRAIN)
    model_id = saved_id(run_ok(a, "%catalog save clf --name iris-rf --no-onnx --sample X.head()"))
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    entry = open_catalog(service.url).get(model_id)
    assert entry.created_by == "svc-user" and entry.display_name == "iris-rf"
    b = start_kernel(**client_env)
    run_ok(b, TRAIN)
    run_ok(b, f"%catalog load {model_id} --as m")
    assert run_ok(b, "print(list(m.predict(X.head(3))) == list(clf.predict(X.head(3))))").stdout.strip() == "True"
    assert SERVICE_TOKEN not in run_ok(b, "%catalog list").stdout
