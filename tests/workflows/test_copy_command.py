"""``jupyter model-catalog copy`` as a user runs it: killed with SIGKILL partway (into an
embedded catalog and into a catalog service) and resumed to exactly one copy of each model,
interrupted with Ctrl-C, its output, exit codes and errors."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from service_process import SERVICE_TOKEN, SERVICE_USER, start_service, stop_service

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.cli.main import main
from tests.damage import flip_byte

from .catalogs import SMALL, all_entries, assert_copied, copies_by_source, open_sqlite


def _sqlite_args(folder, side: str) -> list[str]:
    return [f"--{side}", f"sqlite:///{folder}/catalog.db", f"--{side}-artifact-root", str(folder / "blobs")]


def _start_copy(*args: str, env: dict | None = None) -> subprocess.Popen:
    # stderr is a pipe, not a terminal: one progress line per model.
    return subprocess.Popen([sys.executable, "-m", "model_catalog_ext.cli", "copy", *args],
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _stop_after(process: subprocess.Popen, copied: int, sig: int) -> list[str]:
    """Send ``sig`` once ``copied`` models are reported copied; the progress lines read."""
    lines = []
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        if sum(" copied " in seen for seen in lines) == copied:
            process.send_signal(sig)
            break
    return lines


@pytest.fixture(params=["embedded", "service"])
def target(request, tmp_path, monkeypatch):
    """``(copy options naming the target, a way to open it)``: another embedded catalog, or a
    catalog service (over SQLite) whose own account may name authors."""
    if request.param == "embedded":
        folder = tmp_path / "target"
        yield _sqlite_args(folder, "to"), lambda: open_sqlite(folder)
        return
    service = start_service(tmp_path / "service")
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
    yield ["--to", service.url], lambda: open_catalog(service.url)
    stop_service(service)


def test_killed_partway_and_resumed_copies_each_model_once(source_folder, target, capsys):
    to_args, open_target = target
    run = _start_copy(*_sqlite_args(source_folder, "from"), *to_args)
    _stop_after(run, 60, signal.SIGKILL)
    assert run.wait(30) == -signal.SIGKILL
    with open_sqlite(source_folder) as source, open_target() as copied:
        found = copies_by_source(copied)
        assert 60 <= len(found) < len(all_entries(source)) == 296
        assert all(len(copies) == 1 for copies in found.values())
    # Resumed: only what is missing is copied.
    code = main(["copy", *_sqlite_args(source_folder, "from"), *to_args, "--json", "--no-progress"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ok"]
    assert report["totals"]["copied"] == 296 - len(found) and report["totals"]["present"] == len(found)
    with open_sqlite(source_folder) as source, open_target() as copied:
        assert_copied(source, copied)
    # And once more: nothing to do.
    assert main(["copy", *_sqlite_args(source_folder, "from"), *to_args, "--json", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"] == {
        "copied": 0, "present": 296, "updated": 0, "differs": 0, "would-copy": 0, "failed": 0, "skipped": 0,
        "bytes": 0, "authors_not_kept": 0}


def test_ctrl_c_says_how_far_it_got_and_how_to_go_on(small_source, tmp_path):
    source_folder = tmp_path / "small"
    run = _start_copy(*_sqlite_args(source_folder, "from"), *_sqlite_args(tmp_path / "target", "to"))
    _stop_after(run, 3, signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 130
    assert "interrupted after" in err and "Run the same command again to copy the rest" in err
    with open_sqlite(tmp_path / "target") as copied:
        assert 3 <= len(copies_by_source(copied)) < SMALL


def test_output_dry_run_and_exit_codes(small_source, tmp_path, capsys):
    source_args, target_args = _sqlite_args(tmp_path / "small", "from"), _sqlite_args(tmp_path / "target", "to")
    assert main(["copy", *source_args, *target_args, "--dry-run", "--filter", "tag:team=ml"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Dry run: would copy 7 model version(s)") and "0 already copied" in out
    assert err.count("would-copy") == 7
    assert main(["copy", *source_args, *target_args]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"Copied {SMALL} model version(s)") and "0 failed" in out
    assert err.count(" copied ") == SMALL and f"[{SMALL}/{SMALL}]" in err
    # An edit in the source after the copy: reported, then brought up to date on request.
    first = all_entries(small_source)[0]
    small_source.update(first.id, description="changed")
    assert main(["copy", *source_args, *target_args, "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "1 copy differs from the source" in out and "(description)" in out and "--update-metadata" in out
    assert err == ""
    assert main(["copy", *source_args, *target_args, "--update-metadata", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["updated"] == 1


def test_a_damaged_source_blob_is_refused_and_the_rest_copied(small_source, tmp_path, capsys):
    entry = next(e for e in all_entries(small_source) if e.display_name == "model-001")  # one version
    sha = next(m["sha256"] for m in entry.manifest if m["path"] == "model.pkl")
    flip_byte(small_source.backend.blobs.location(sha), 0)
    code = main(["copy", *_sqlite_args(tmp_path / "small", "from"), *_sqlite_args(tmp_path / "target", "to")])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"failed: {entry.id} ('model-001' version 1): " in out and "sha256" in out
    assert f"Copied {SMALL - 1} model version(s)" in out and "1 failed" in out
    assert "run the same command again" in out
    with open_sqlite(tmp_path / "target") as copied:
        assert len(copies_by_source(copied)) == SMALL - 1 and copied.verify() == []


def test_a_service_that_records_the_caller_is_named(small_source, tmp_path, monkeypatch, capsys):
    service = start_service(tmp_path / "service", identity={"service_user": SERVICE_USER})
    try:
        monkeypatch.setenv("MODEL_CATALOG_TOKEN", SERVICE_TOKEN)
        assert main(["copy", *_sqlite_args(tmp_path / "small", "from"), "--to", service.url, "--no-progress"]) == 0
    finally:
        stop_service(service)
    out = capsys.readouterr().out
    assert f"{SMALL} copies are recorded as created by {SERVICE_USER} instead of their authors" in out
    assert "may_record_authors_for" in out


def test_unreachable_catalogs_and_bad_usage(small_source, tmp_path, capsys):
    source_args = _sqlite_args(tmp_path / "small", "from")
    code = main(["copy", *source_args, "--to", "postgresql+psycopg://copier:s3cret@127.0.0.1:9/team",
                 "--to-artifact-root", str(tmp_path / "team-blobs")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: --to: Cannot open the catalog database") and "s3cret" not in err
    assert main(["copy", *source_args, "--to", "http://127.0.0.1:9"]) == 1
    assert "error: --to http://127.0.0.1:9: The catalog service at http://127.0.0.1:9 cannot be reached" in \
        capsys.readouterr().err
    assert main(["copy", *_sqlite_args(tmp_path / "missing", "from"), *_sqlite_args(tmp_path, "to")]) == 2
    assert "error: --from: There is no catalog at" in capsys.readouterr().err
    assert not (tmp_path / "missing" / "catalog.db").exists()
    assert main(["copy", *source_args, *_sqlite_args(tmp_path / "small", "to")]) == 2
    assert "same catalog" in capsys.readouterr().err
    assert main(["copy", *source_args, *_sqlite_args(tmp_path, "to"), "--compartment", "=x"]) == 2
    assert "OLD=NEW" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["copy", *source_args])  # no --to
    assert exited.value.code == 2


def test_a_database_url_needs_its_artifact_root(small_source, tmp_path, capsys):
    # Without it the target's blobs would go to the configured catalog's store (whose gc would
    # remove them), and a source's would be looked for there.
    source_args = _sqlite_args(tmp_path / "small", "from")
    assert main(["copy", *source_args, "--to", f"sqlite:///{tmp_path}/target.db"]) == 2
    assert "error: --to: give --to-artifact-root too" in capsys.readouterr().err
    assert not (tmp_path / "target.db").exists()
    assert main(["copy", "--from", f"sqlite:///{tmp_path}/small/catalog.db", "--to", f"sqlite:///{tmp_path}/t.db",
                 "--to-artifact-root", str(tmp_path / "blobs")]) == 2
    assert "error: --from: give --from-artifact-root too" in capsys.readouterr().err
    # The configured catalog (here $MODEL_CATALOG_URL) comes with its configured root.
    with open_catalog() as configured:
        configured.save(tmp_path / "small" / "artifact", display_name="configured")
    assert main(["copy", "--from", os.environ["MODEL_CATALOG_URL"], *_sqlite_args(tmp_path / "t", "to")]) == 0
    assert "Copied 1 model version(s)" in capsys.readouterr().out


def test_into_postgresql_and_s3_without_showing_the_password(small_source, tmp_path, pg_url, s3_root, moto_endpoint,
                                                             monkeypatch, capsys):
    root, options = s3_root
    open_catalog(pg_url, root, storage_options=options, upgrade=True).close()  # `db upgrade`, once
    # The test cluster trusts every connection, so the password is sent and ignored: only its
    # absence from the output is checked. The object store's endpoint comes from the environment.
    with_password = pg_url.replace("postgres@", "postgres:s3cret-pw@")
    monkeypatch.setenv("FSSPEC_S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    args = ["copy", *_sqlite_args(tmp_path / "small", "from"), "--to", with_password, "--to-artifact-root", root]
    assert main([*args, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["totals"]["copied"] == SMALL and "s3cret-pw" not in out + err
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "Copied 0 model version(s)" in out and "postgres:***@" in out and "s3cret-pw" not in out + err
    with open_catalog(pg_url, root, storage_options=options) as copied:
        assert_copied(small_source, copied)
