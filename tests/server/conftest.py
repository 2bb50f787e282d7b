import tempfile

import pytest


@pytest.fixture
def catalog_home(tmp_path):
    home = tmp_path / "catalog-home"
    home.mkdir()
    return home


@pytest.fixture
def jp_server_config(jp_server_config, catalog_home):
    """A real Jupyter Server with only our extension, requiring auth on every endpoint."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"model_catalog_ext": True},
            "allow_unauthenticated_access": False,
        },
        "ModelCatalogConfig": {
            "backend_url": f"sqlite:///{catalog_home / 'catalog.db'}",
            "artifact_root": str(catalog_home / "blobs"),
        },
    }


@pytest.fixture
def spool(tmp_path, monkeypatch):
    """The server's temporary folder (it runs in this process), to see what is left there."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
