"""``%catalog list --order`` and ``--page`` reach every model, past the first 1,000 too, and
the magic and the CLI share one spelling of --project-id/--compartment-id (issue 20)."""
from tests.magics.conftest import last_value, one_error_line, run_ok, seed_artifact


def test_order_and_pages_reach_every_model(start_kernel, catalog_service, tmp_path):
    art = seed_artifact(tmp_path / "seed")
    for i in range(5):
        catalog_service.save(art, display_name=f"m{i}", project_id="proj-1" if i % 2 else "proj-0")
    k = start_kernel()
    run_ok(k, "first = %catalog list --sort name --limit 2")
    assert last_value(k, "[m.display_name for m in first]") == ["m0", "m1"]
    shown = run_ok(k, "third = %catalog list --sort name --limit 2 --page 3")
    assert last_value(k, "[m.display_name for m in third]") == ["m4"]
    assert "more models" not in shown.stdout
    second = run_ok(k, "second = %catalog list --sort name --limit 2 --page 2")
    assert "more models: add --page 3" in second.stdout
    run_ok(k, "desc = %catalog list --sort name --order DESC --limit 2")
    assert last_value(k, "[m.display_name for m in desc]") == ["m4", "m3"]
    run_ok(k, "p1 = %catalog list --project-id proj-1 --sort name")
    run_ok(k, "p1b = %catalog list --project proj-1 --sort name")
    assert last_value(k, "[m.display_name for m in p1]") == ["m1", "m3"]
    assert last_value(k, "[m.display_name for m in p1b]") == ["m1", "m3"]
    assert "--page counts from 1" in one_error_line(k.run("%catalog list --page 0"))
