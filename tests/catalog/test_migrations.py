"""Migrations: the packaged head, the schema they build, SQLite settings, light imports."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.migrate import HEAD_REVISION, MIGRATIONS_DIR, current_revision


@pytest.fixture
def catalog(sql_catalog):
    """These tests reach into the SQL store (its tables and blob files), so they run on it only."""
    return sql_catalog


def test_head_constant_matches_the_scripts():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() == HEAD_REVISION


def test_migrated_schema_matches_the_table_definitions(catalog):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from model_catalog_ext.catalog.tables import metadata

    with catalog.backend.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # FTS5 shadow tables / trigram indexes are managed by 0002 outside the metadata.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("models_fts"))
            and not (d[0] == "remove_index" and d[1].name.endswith("_trgm"))]
    assert diff == []
    assert current_revision(catalog.backend.engine) == HEAD_REVISION


def _upgraded_from(tmp_path, revision: str, fill):
    """A catalog ``fill(svc, art)`` wrote, taken back to ``revision`` and opened again (which
    upgrades it); returns the upgraded service, the artifact folder and what fill returned."""
    from alembic import command

    from model_catalog_ext.catalog.migrate import alembic_config

    art = tmp_path / "art"
    art.mkdir()
    (art / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return data\n")
    url = f"sqlite:///{tmp_path}/c.db"
    svc = open_catalog(url, str(tmp_path / "blobs"))
    filled = fill(svc, art)
    with svc.backend.engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
    svc.close()
    svc = open_catalog(url, str(tmp_path / "blobs"))
    assert current_revision(svc.backend.engine) == HEAD_REVISION
    return svc, art, filled


def test_upgrading_to_0004_remembers_the_versions_handed_out(tmp_path):
    def versions_1_to_3(svc, art):
        v1 = svc.save(art, display_name="m")
        svc.save(art, display_name="m", as_new_version_of=v1.id)
        return v1, svc.save(art, display_name="m", as_new_version_of=v1.id)

    svc, art, (v1, v3) = _upgraded_from(tmp_path, "0003_blob_crc32", versions_1_to_3)
    svc.delete(v3.id)
    assert svc.save(art, display_name="m", as_new_version_of=v1.id).version == 4
    svc.close()


def test_upgrading_to_0006_sorts_existing_names_case_insensitively(tmp_path):
    def names(svc, art):
        for name in ("beta", "Alpha", "Ärger", "gamma", "alpha2"):
            svc.save(art, display_name=name)

    svc, _, _ = _upgraded_from(tmp_path, "0005_blob_chunk_hash", names)  # name_key filled in
    names = [e.display_name for e in svc.list(sort="name", order="asc").items]
    assert names == ["Alpha", "alpha2", "beta", "gamma", "Ärger"]
    svc.close()


def test_sqlite_pragmas_and_indexes(sqlite_catalog):
    with sqlite_catalog.backend.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"ix_model_tags_kv", "ix_models_state_seq", "ix_models_state_name"} <= names
        plan = " ".join(r[-1] for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT seq FROM model_tags WHERE key='v' AND value='1' ORDER BY seq DESC"))
        assert "ix_model_tags_kv" in plan


def test_open_twice_and_default_location(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MODEL_CATALOG_URL", raising=False)
    monkeypatch.delenv("MODEL_CATALOG_ARTIFACT_ROOT", raising=False)
    first = open_catalog()
    first.close()
    second = open_catalog()
    assert (tmp_path / "data" / "model-catalog" / "catalog.db").exists()
    assert (tmp_path / "data" / "model-catalog" / "blobs" / "sha256").is_dir()
    assert second.list().items == []
    second.close()


def test_env_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(tmp_path / "envblobs"))
    svc = open_catalog()
    assert svc.url.endswith("env.db") and svc.artifact_root == str(tmp_path / "envblobs")
    svc.close()


def test_catalog_import_is_light():
    code = ("import sys, time; t=time.perf_counter(); import model_catalog_ext.catalog; "
            "from model_catalog_ext.catalog import parse_search; parse_search('a tag:b=c'); "
            "import json; print(json.dumps([time.perf_counter()-t, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('jupyter_server','tornado','IPython','pandas','sqlalchemy','alembic'))]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    seconds, heavy = json.loads(out)
    assert heavy == [], heavy
    assert seconds < 0.5


def test_service_never_imports_jupyter_server():
    code = ("import sys; import model_catalog_ext.catalog.sql_store, model_catalog_ext.catalog.catalog_service; "
            "print([m for m in sys.modules if m.split('.')[0] in ('jupyter_server','tornado','IPython','pandas')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_catalog_that_cannot_be_opened_says_what_and_why(tmp_path, monkeypatch):
    import pytest

    from model_catalog_ext.errors import CatalogUnavailable as CatalogError  # HTTP 503

    with pytest.raises(CatalogError) as err:
        open_catalog("postgresql+psycopg://u:secret@127.0.0.1:1/db", str(tmp_path / "blobs"))
    assert "Cannot open the catalog database postgresql+psycopg://u:***@127.0.0.1:1/db:" in err.value.message
    assert "secret" not in err.value.message and "database server is running" in err.value.message
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(CatalogError, match=f"Cannot use the artifact root '{a_file}'"):
        open_catalog(f"sqlite:///{tmp_path}/c.db", str(a_file))
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{a_file}/catalog.db")
    with pytest.raises(CatalogError, match=r"\(from \$MODEL_CATALOG_URL\).*folder exists"):
        open_catalog(artifact_root=str(tmp_path / "blobs"))


def test_upgrading_to_0008_starts_the_history_of_existing_models(tmp_path):
    def one_model(svc, art):
        return svc.save(art, display_name="m")

    svc, art, old = _upgraded_from(tmp_path, "0007_updated_sort", one_model)
    assert svc.history(old.id) == []  # saved before there was a history: nothing invented
    svc.acting_as("alice").update(old.id, description="after the upgrade")
    new = svc.acting_as("bob").save(art, display_name="m", as_new_version_of=old.id)
    svc.acting_as("bob").delete(old.id)
    assert [(r["action"], r["actor"]) for r in svc.history(old.id)] == [("edited", "alice"), ("deleted", "bob")]
    assert [(r["version"], r["action"]) for r in svc.history(new.id, all_versions=True)] == [
        (1, "edited"), (2, "saved"), (1, "deleted")]
    svc.close()


def test_history_reads_walk_their_indexes(sqlite_catalog):
    with sqlite_catalog.backend.engine.connect() as conn:
        for where, index in (("model_id = 'x'", "ix_model_history_model"),
                             ("version_set_id = 'x'", "ix_model_history_set")):
            plan = " ".join(r[-1] for r in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN SELECT * FROM model_history WHERE {where} ORDER BY seq"))
            assert index in plan and "TEMP B-TREE" not in plan, plan
