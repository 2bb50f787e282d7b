"""list, show, edit, deactivate/activate/delete and download in a real kernel.

The catalog is seeded through the real service in the test process (the kernel opens the
same embedded catalog), so these tests do not pay for a model save each.
"""
import zipfile

import pytest

from tests.magics.conftest import last_value, one_error_line, run_ok, seed_artifact


@pytest.fixture
def seeded(catalog_service, tmp_path):
    art = seed_artifact(tmp_path / "seed-artifact")
    made = {}
    for name, tags, user in (("churn-rf", {"team": "ml", "version": "3"}, "alice"),
                             ("churn-gbm", {"team": "ml", "version": "4"}, "bob"),
                             ("fraud-lr", {"team": "risk"}, "alice")):
        made[name] = catalog_service.save(
            art, display_name=name, description=f"{name} for the demo", freeform_tags=tags,
            created_by=user, defined_metadata={"Framework": "scikit-learn", "Algorithm": "Demo"},
            provenance={"git_branch": "main", "git_commit": "a" * 40, "training_script": "nb/train.ipynb"},
        )
    return made


def test_list_is_a_rich_table_and_the_cells_value(start_kernel, seeded):
    k = start_kernel()
    result = run_ok(k, "%catalog list")
    bundle = result.data[-1]
    assert "<table" in bundle["text/html"] and "churn-rf" in bundle["text/html"]
    assert "churn-gbm" in bundle["text/plain"] and "Name" in bundle["text/plain"]
    assert "<" not in bundle["text/plain"].splitlines()[0]
    run_ok(k, "models = %catalog list --tag team:ml --sort name")
    assert last_value(k, "[m.display_name for m in models]") == ["churn-gbm", "churn-rf"]
    assert last_value(k, "type(models).__name__") == "ModelSummaryList"
    shown = run_ok(k, "models")  # displayed later: still our table
    assert "<table" in shown.data[-1]["text/html"]


@pytest.mark.parametrize("options, names", [
    ("--user alice", {"churn-rf", "fraud-lr"}),
    ("--tag version:3", {"churn-rf"}),
    ("--tag team:ml --tag version:4", {"churn-gbm"}),
    ("--search fraud", {"fraud-lr"}),
    ("--search 'churn user:bob'", {"churn-gbm"}),
    ("--framework scikit-learn --limit 1", None),
])
def test_list_filters(start_kernel, seeded, options, names):
    k = start_kernel()
    run_ok(k, f"r = %catalog list {options}")
    got = set(last_value(k, "[m.display_name for m in r]"))
    if names is None:
        assert len(got) == 1
    else:
        assert got == names


def test_show_has_metadata_provenance_and_files(start_kernel, seeded):
    k = start_kernel()
    model = seeded["churn-rf"]
    bundle = run_ok(k, f"%catalog show {model.id}").data[-1]
    text, html = bundle["text/plain"], bundle["text/html"]
    for needle in (model.id, "churn-rf", "alice", "team:ml", "a" * 40, "nb/train.ipynb", "score.py",
                   "scikit-learn"):
        assert needle in text, needle
    assert "Provenance" in html and "score.py" in html


def test_edit_by_options_and_by_cell(start_kernel, seeded, catalog_service):
    k = start_kernel()
    model_id = seeded["churn-rf"].id
    out = run_ok(k, f"%catalog edit {model_id} --name churn-forest --tag stage:prod --remove-tag version")
    assert "Updated" in out.stdout
    entry = catalog_service.get(model_id)
    assert entry.display_name == "churn-forest"
    assert entry.freeform_tags == {"team": "ml", "stage": "prod"}
    run_ok(k, f"%%catalog edit {model_id}\n---\ntags: [owner:alice]\n---\nA long description.\n\nTwo paragraphs.\n")
    entry = catalog_service.get(model_id)
    assert entry.description == "A long description.\n\nTwo paragraphs."
    assert entry.freeform_tags["owner"] == "alice" and entry.manifest == seeded["churn-rf"].manifest
    run_ok(k, f"%%catalog edit {model_id}\nJust text: with a colon is still a description.\n")
    assert catalog_service.get(model_id).description == "Just text: with a colon is still a description."


def test_deactivate_activate_delete(start_kernel, seeded, catalog_service):
    k = start_kernel()
    model_id = seeded["fraud-lr"].id
    assert run_ok(k, f"%catalog deactivate {model_id}").stdout.startswith("Deactivated fraud-lr")
    assert run_ok(k, f"%catalog deactivate {model_id}").stdout.startswith("Already inactive: fraud-lr")
    run_ok(k, "active = %catalog list")
    assert "fraud-lr" not in last_value(k, "[m.display_name for m in active]")
    run_ok(k, "inactive = %catalog list --state inactive")
    assert last_value(k, "[m.display_name for m in inactive]") == ["fraud-lr"]
    assert run_ok(k, f"%catalog activate {model_id}").stdout.startswith("Activated fraud-lr")
    assert run_ok(k, f"%catalog activate {model_id}").stdout.startswith("Already active: fraud-lr")
    assert catalog_service.get(model_id).lifecycle_state == "ACTIVE"

    line = one_error_line(k.run(f"%catalog delete {model_id}"))
    assert "--yes" in line
    assert catalog_service.get(model_id)  # still there
    run_ok(k, f"%catalog delete {model_id} --yes")
    assert model_id not in {e.id for e in catalog_service.list(state="ALL")}


def test_download_folder_and_zip(start_kernel, seeded, tmp_path):
    k = start_kernel()
    model_id = seeded["churn-rf"].id
    run_ok(k, f"%catalog download {model_id} {tmp_path / 'out'}")
    assert (tmp_path / "out" / "score.py").is_file()
    line = one_error_line(k.run(f"%catalog download {model_id} {tmp_path / 'out'}"))
    assert "not empty" in line
    run_ok(k, f"%catalog download {model_id} {tmp_path / 'out'} --force")

    run_ok(k, f"%catalog download {model_id} {tmp_path / 'zips'} --zip")
    (archive,) = (tmp_path / "zips").iterdir()
    assert archive.name == "churn-rf-v1.zip"  # the name a browser download gets
    with zipfile.ZipFile(archive) as z:
        assert "score.py" in z.namelist() and z.testzip() is None
    assert "--force" in one_error_line(k.run(f"%catalog download {model_id} {archive} --zip"))
    run_ok(k, f"%catalog download {model_id} {archive} --zip --force")
