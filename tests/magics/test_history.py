"""``%catalog history``: who changed a model, when and what, in a real kernel."""
from model_catalog_ext.catalog.defaults import current_user
from tests.magics.conftest import one_error_line, run_ok, seed_artifact


def test_history_lists_each_change_with_who_and_what(start_kernel, catalog_service, tmp_path):
    art = seed_artifact(tmp_path / "seed-artifact")
    entry = catalog_service.acting_as("alice").save(art, display_name="churn", freeform_tags={"stage": "dev"})
    k = start_kernel()
    run_ok(k, f"%catalog edit {entry.id} --tag stage:production")
    run_ok(k, f"%catalog deactivate {entry.id}")
    bundle = run_ok(k, f"%catalog history {entry.id}").data[-1]
    text, html = bundle["text/plain"], bundle["text/html"]
    lines = text.splitlines()
    assert lines[0] == f"3 recorded change(s) of {entry.id}"
    assert lines[1].split() == ["When", "Version", "Action", "By", "Changes"]
    assert "saved" in lines[3] and "alice" in lines[3] and "display_name=\"churn\"" in lines[3]
    # The kernel's changes are the OS user's (the embedded catalog's user).
    assert "edited" in lines[4] and current_user() in lines[4]
    assert "freeform_tags: stage:dev → stage:production" in lines[4]
    assert "deactivated" in lines[5] and "lifecycle_state: \"ACTIVE\" → \"INACTIVE\"" in lines[5]
    assert "<table" in html and "stage:dev → stage:production" in html

    run_ok(k, f"%catalog delete {entry.id} --yes")
    after = run_ok(k, f"%catalog history {entry.id} --all-versions").data[-1]["text/plain"]
    assert after.splitlines()[0] == f"4 recorded change(s) of {entry.id} and its other versions"
    assert "deleted" in after.splitlines()[-1]
    assert "no model with id" in one_error_line(k.run("%catalog history mdl-nothing-here"))
