"""A shared (PostgreSQL) catalog upgrades on purpose, with `jupyter model-catalog db upgrade`;
whatever opens one with an older or newer schema refuses, naming the command.  The embedded
SQLite catalog keeps upgrading itself."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.migrate import HEAD_REVISION, alembic_config, current_revision
from model_catalog_ext.cli.main import main
from model_catalog_ext.errors import CatalogUnavailable


def revision_of(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
    engine.dispose()


def test_a_new_shared_database_is_set_up_by_db_upgrade(pg_url, tmp_path, capsys):
    with pytest.raises(CatalogUnavailable) as err:
        open_catalog(pg_url, str(tmp_path / "blobs"))
    assert "jupyter model-catalog db upgrade" in err.value.message and "no model-catalog tables" in err.value.message
    assert revision_of(pg_url) is None  # refusing created nothing
    assert main(["--url", pg_url, "--artifact-root", str(tmp_path / "blobs"), "db", "upgrade"]) == 0
    assert "has the current schema" in capsys.readouterr().out
    assert revision_of(pg_url) == HEAD_REVISION
    open_catalog(pg_url, str(tmp_path / "blobs")).close()


def test_an_older_shared_schema_is_refused_until_upgraded(pg_url, tmp_path, capsys):
    open_catalog(pg_url, str(tmp_path / "blobs"), upgrade=True).close()
    downgrade(pg_url, "0005_blob_chunk_hash")
    for attempt in (lambda: open_catalog(pg_url, str(tmp_path / "blobs")),
                    lambda: main(["--url", pg_url, "list"])):
        try:
            result = attempt()
        except CatalogUnavailable as exc:
            message = exc.message
        else:
            assert result == 1
            message = capsys.readouterr().err
        assert "older schema (0005_blob_chunk_hash)" in message and "db upgrade" in message, message
    assert revision_of(pg_url) == "0005_blob_chunk_hash"  # nobody upgraded it behind the admin's back
    assert main(["--url", pg_url, "db", "upgrade"]) == 0
    assert revision_of(pg_url) == HEAD_REVISION


def test_a_newer_shared_schema_says_to_upgrade_the_package(pg_url, tmp_path):
    open_catalog(pg_url, str(tmp_path / "blobs"), upgrade=True).close()
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(CatalogUnavailable, match="newer schema.*pip install -U model-catalog-ext"):
        open_catalog(pg_url, str(tmp_path / "blobs"))


def test_the_embedded_catalog_still_upgrades_itself(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    open_catalog(url, str(tmp_path / "blobs")).close()
    downgrade(url, "0005_blob_chunk_hash")
    open_catalog(url, str(tmp_path / "blobs")).close()
    assert revision_of(url) == HEAD_REVISION
