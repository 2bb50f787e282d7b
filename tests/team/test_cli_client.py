"""``jupyter model-catalog --url http://...`` is a client of the service: save, list, show,
download, and a refused token (exit 1, the token not shown)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import ALICE_TOKEN


def _cli(service, *args, token=ALICE_TOKEN):
    env = {**os.environ, "MODEL_CATALOG_TOKEN": token}
    env.pop("MODEL_CATALOG_URL", None)
    return subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "--url", service.url, *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_works_against_the_service(team_service, artifact, tmp_path):
    saved = _cli(team_service, "save", str(artifact), "--name", "from the shell", "--tag", "team:ml", "--json")
    assert saved.returncode == 0, saved.stderr
    entry = json.loads(saved.stdout)
    assert entry["created_by"] == "alice"
    listed = _cli(team_service, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [m["id"] for m in json.loads(listed.stdout)["items"]] == [entry["id"]]
    table = _cli(team_service, "list", "tag:team=ml")
    assert "from the shell" in table.stdout
    shown = _cli(team_service, "show", entry["id"], "--json")
    assert json.loads(shown.stdout)["display_name"] == "from the shell"
    target = tmp_path / "downloaded"
    done = _cli(team_service, "download", entry["id"], str(target))
    assert done.returncode == 0, done.stderr
    assert (target / "model.pkl").read_bytes() == b"weights"
    missing = _cli(team_service, "show", "mdl-missing")
    assert missing.returncode == 1 and "No model with id 'mdl-missing'" in missing.stderr


def test_a_refused_token_is_an_error_that_does_not_show_it(team_service):
    done = _cli(team_service, "list", token="a-wrong-token-never-shown")
    assert done.returncode == 1
    assert "refused" in done.stderr and "a-wrong-token-never-shown" not in done.stderr + done.stdout
