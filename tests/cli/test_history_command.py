"""``jupyter model-catalog history``: a model's changes as a table or JSON, also once deleted."""
from __future__ import annotations

import json

from model_catalog_ext.catalog.defaults import current_user
from model_catalog_ext.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_history_table_and_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{tmp_path}/catalog.db")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(tmp_path / "blobs"))
    art = tmp_path / "art"
    art.mkdir()
    (art / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return data\n")
    code, out, err = run(capsys, "save", str(art), "--name", "churn", "--tag", "stage:dev", "--json")
    assert code == 0, err
    model_id = json.loads(out)["id"]
    assert run(capsys, "edit", model_id, "--tag", "stage:production", "--description", "tuned")[0] == 0
    assert run(capsys, "deactivate", model_id)[0] == 0
    code, out, err = run(capsys, "save", str(art), "--name", "churn", "--version-of", model_id, "--json")
    assert code == 0, err
    v2 = json.loads(out)["id"]
    assert run(capsys, "delete", model_id, "--yes")[0] == 0

    code, out, _ = run(capsys, "history", model_id)
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["WHEN", "VER", "ACTION", "BY", "CHANGES"]
    assert [row.split()[4:6] for row in rows] == [["saved", current_user()], ["edited", current_user()],
                                                   ["deactivated", current_user()], ["deleted", current_user()]]
    assert 'display_name="churn"' in rows[0] and "freeform_tags=stage:dev" in rows[0]
    assert 'description: "" → "tuned"; freeform_tags: stage:dev → stage:production' in rows[1]

    code, out, _ = run(capsys, "history", v2, "--all-versions", "--json")
    records = json.loads(out)
    assert [(r["version"], r["action"]) for r in records] == [
        (1, "saved"), (1, "edited"), (1, "deactivated"), (2, "saved"), (1, "deleted")]
    assert records[3]["changes"]["parent_id"] == [None, model_id]

    code, _, err = run(capsys, "history", "mdl-never-saved")
    assert code == 1 and "No model with id 'mdl-never-saved'" in err
