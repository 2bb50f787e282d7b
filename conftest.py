"""Test-wide fixtures. Every test gets its own catalog under tmp: nothing a test does can
touch the user's real catalog in the Jupyter data dir."""
import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture(autouse=True)
def _isolated_catalog(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("catalog-home")
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{root / 'catalog.db'}")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(root / "blobs"))
    yield root
