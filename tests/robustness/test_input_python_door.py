"""Issue 19 at the Python door (open_catalog(...).save / update / list), on SQLite and on
PostgreSQL: what no backend can store is an InvalidInput naming the problem, and nothing is
stored (items 3, 5, 6, 7, 11, 15); a full database disk and a write lock held too long are
StorageFull and CatalogUnavailable (item 10)."""
import base64
import json
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import CatalogUnavailable, InvalidInput, StorageFull

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
from catalog_backends import pg_url, postgres_server  # noqa: E402,F401

TABLES = ("models", "model_tags", "artifacts", "artifact_blobs", "blobs")


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/c.db"
    svc = open_catalog(url, str(tmp_path / "blobs"), upgrade=True)  # a shared database is set up once, on purpose
    yield svc
    svc.close()


def artifact(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return data\n")
    (folder / "model.pkl").write_bytes(b"weights")
    return folder


def state(svc) -> dict:
    with svc.backend.engine.connect() as conn:
        rows = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    return {"rows": rows, "blobs": sorted(svc.backend.blobs.iter_digests()),
            "entries": [e.to_dict() for e in svc.list(state="ALL", limit=1000).items]}


BAD_FIELDS = [
    ("custom_metadata", [{"key": "auc", "value": float("nan")}], "nan"),
    ("custom_metadata", {"auc": float("inf")}, "inf"),
    ("defined_metadata", {"Hyperparameters": {"alpha": float("-inf")}}, "-inf"),
    ("provenance", {"git_branch": float("nan")}, "nan"),
    ("freeform_tags", {"score": float("nan")}, "nan"),
    ("display_name", "x\ud800", "surrogate"),
    ("description", "\udfff", "surrogate"),
    ("freeform_tags", {"k": "v\ud800"}, "surrogate"),
    ("custom_metadata", [{"key": "k\ud800", "value": 1}], "surrogate"),
    ("defined_metadata", {"Algorithm": "\ud83d"}, "surrogate"),
    ("project_id", "p\ud800", "surrogate"),
    ("description", "a\x00b", "NUL"),
    ("custom_metadata", [{"key": "k", "value": "a\x00"}], "NUL"),
    ("defined_metadata", {"Algorithm": "\x00"}, "NUL"),
    ("custom_metadata", [{"key": f"k{i}", "value": "v" * 1000} for i in range(40)], "32,000"),
    ("defined_metadata", {"blob": "x" * (2 * 1024 * 1024)}, "1,048,576"),
    ("freeform_tags", {"n": 10 ** 400}, "300 digits"),
]
IDS = [f"{field}-{why}" for field, _, why in BAD_FIELDS]


@pytest.mark.parametrize("field, value, why", BAD_FIELDS, ids=IDS)
def test_save_refuses_what_no_backend_can_store(catalog, tmp_path, field, value, why):
    before = state(catalog)
    metadata = {"display_name": "m", field: value}
    with pytest.raises(InvalidInput, match=why if why != "surrogate" else "surrogate"):
        catalog.save(artifact(tmp_path / "a"), **metadata)
    assert state(catalog) == before


@pytest.mark.parametrize("field, value, why", BAD_FIELDS, ids=IDS)
def test_update_refuses_what_no_backend_can_store(catalog, tmp_path, field, value, why):
    entry = catalog.save(artifact(tmp_path / "a"), display_name="m")
    before = state(catalog)
    with pytest.raises(InvalidInput, match=why):
        catalog.update(entry.id, **{field: value})
    assert state(catalog) == before


@pytest.mark.parametrize("model_id", ["mdl-\ud800", "mdl-\x00"])
def test_an_id_no_backend_can_compare_is_invalid_input(catalog, tmp_path, model_id):
    catalog.save(artifact(tmp_path / "a"), display_name="base")
    before = state(catalog)
    for call in (lambda: catalog.get(model_id), lambda: catalog.update(model_id, description="x"),
                 lambda: catalog.deactivate(model_id), lambda: catalog.delete(model_id),
                 lambda: catalog.save(artifact(tmp_path / "b"), display_name="v2", as_new_version_of=model_id)):
        with pytest.raises(InvalidInput):
            call()
    assert state(catalog) == before


def test_a_schema_with_nan_statistics_is_kept_as_text(catalog, tmp_path):
    """Machine-written schemas (a column's mean of an empty column) must not block a save."""
    folder = artifact(tmp_path / "a")
    (folder / "input_schema.json").write_text('{"schema": [{"name": "x", "domain": {"stats": {"mean": NaN}}}]}')
    entry = catalog.save(folder, display_name="m", output_schema={"y": float("inf")})
    assert entry.input_schema["schema"][0]["domain"]["stats"]["mean"] == "nan"
    assert entry.output_schema == {"y": "inf"}


def test_hyperparameters_with_nan_are_json_safe():
    from sklearn.impute import SimpleImputer

    from model_catalog_ext.artifact.frameworks import _hyperparameters

    params = _hyperparameters(SimpleImputer())  # missing_values=nan
    json.dumps(params, allow_nan=False)
    assert params["missing_values"] == "nan"


def _forge(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_forged_page_token_is_invalid_input(catalog, tmp_path):
    for i in range(2):
        catalog.save(artifact(tmp_path / f"a{i}"), display_name=f"m{i}")
    token = catalog.list(sort="name", limit=1).next_page_token
    real = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for key in (["\ud800", 1], ["m\x00", 1], ["x" * 300, 1], ["m0", 2 ** 63]):
        with pytest.raises(InvalidInput, match="page token"):
            catalog.list(sort="name", limit=1, page_token=_forge({**real, "k": key}))
    assert [e.display_name for e in catalog.list(sort="name", limit=1, page_token=token)] == ["m1"]


@pytest.mark.parametrize("filters", [{"created_after": "0001-01-01T00:00+05:00"},
                                     {"created_before": "9999-12-31T23:59:59-05:00"}])
def test_a_date_outside_the_calendar_in_utc_is_invalid_input(catalog, filters):
    with pytest.raises(InvalidInput, match="years 1 to 9999"):
        catalog.list(**filters)


def test_the_cli_says_so_without_a_traceback(capsys):
    from model_catalog_ext.cli.main import main

    assert main(["list", "after:0001-01-01T00:00+05:00"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: created_after") and "years 1 to 9999" in err and "Traceback" not in err


# --- item 10: the database's own failures --------------------------------------------------
def test_a_full_database_disk_is_storage_full_and_changes_nothing(tiny_disk, tmp_path):
    svc = open_catalog(f"sqlite:///{tiny_disk / 'c.db'}", str(tmp_path / "blobs"))
    entry = svc.save(artifact(tmp_path / "a"), display_name="m")
    filler = tiny_disk / "filler"
    with open(filler, "wb", buffering=0) as f:  # fill the disk to the last block
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    try:
        with pytest.raises(StorageFull) as excinfo:  # a change that needs new pages
            svc.update(entry.id, description="d" * 60000)
        assert "database" in excinfo.value.message and "Nothing was changed" in excinfo.value.message
        try:
            svc.deactivate(entry.id)  # small: it may fit in pages SQLite already has
        except StorageFull:
            pass
    finally:
        filler.unlink()
    assert svc.get(entry.id).description == ""
    svc.close()


def test_a_write_lock_held_too_long_is_catalog_unavailable(tmp_path, monkeypatch):
    from model_catalog_ext.catalog import engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    svc = open_catalog(url, str(tmp_path / "blobs"))
    entry = svc.save(artifact(tmp_path / "a"), display_name="m")
    holder = sa.create_engine(url)
    with holder.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # another writer, holding the lock
        for change in (lambda: svc.update(entry.id, description="d"), lambda: svc.deactivate(entry.id),
                       lambda: svc.delete(entry.id)):
            with pytest.raises(CatalogUnavailable) as excinfo:
                change()
            assert excinfo.value.details["retry_after"] > 0
        conn.exec_driver_sql("ROLLBACK")
    holder.dispose()
    assert svc.get(entry.id).description == "" and svc.get(entry.id).lifecycle_state == "ACTIVE"
    svc.close()


def test_a_postgresql_lock_timeout_is_catalog_unavailable(pg_url, tmp_path):
    svc = open_catalog(pg_url, str(tmp_path / "blobs"), upgrade=True)
    entry = svc.save(artifact(tmp_path / "a"), display_name="m")

    @sa.event.listens_for(svc.backend.engine, "connect")
    def short_lock_timeout(dbapi_conn, _record):
        with dbapi_conn.cursor() as cur:
            cur.execute("SET lock_timeout = '200ms'")
        dbapi_conn.commit()

    svc.backend.engine.dispose()  # new connections get the setting
    holder = sa.create_engine(pg_url)
    with holder.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        conn.exec_driver_sql("SELECT 1 FROM models FOR UPDATE")
        with pytest.raises(CatalogUnavailable):
            svc.update(entry.id, description="d")
        conn.exec_driver_sql("ROLLBACK")
    holder.dispose()
    assert svc.get(entry.id).description == ""
    svc.close()
