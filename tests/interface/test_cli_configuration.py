"""The CLI opens the catalog the Jupyter server is configured with (its config files), unless
--url or the environment says otherwise."""
from __future__ import annotations

import json

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.cli.main import main


def test_the_cli_reads_the_servers_configuration_files(tmp_path, monkeypatch, capsys):
    team = tmp_path / "configured"
    url, root = f"sqlite:///{team / 'catalog.db'}", str(team / "blobs")
    art = tmp_path / "art"
    art.mkdir()
    (art / "score.py").write_text("def load_model():\n    return 1\n")
    with open_catalog(url, root) as catalog:
        saved = catalog.save(art, display_name="configured-catalog-model")
    config_dir = tmp_path / "jupyter-config"
    (config_dir / "jupyter_server_config.d").mkdir(parents=True)
    (config_dir / "jupyter_server_config.d" / "catalog.json").write_text(
        json.dumps({"ModelCatalogConfig": {"backend_url": url, "artifact_root": root}}))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    monkeypatch.delenv("MODEL_CATALOG_URL")
    monkeypatch.delenv("MODEL_CATALOG_ARTIFACT_ROOT")
    assert main(["list", "--json"]) == 0
    assert [m["id"] for m in json.loads(capsys.readouterr().out)["items"]] == [saved.id]

    # The environment still wins (as in a kernel the server started), and --url over both.
    other = tmp_path / "other"
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{other / 'catalog.db'}")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(other / "blobs"))
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == []
    assert main(["--url", url, "--artifact-root", root, "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["items"]) == 1
