"""The OCI backend through the real ``oci`` SDK against the loopback fake of the service."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from oci_fixtures import COMPARTMENT, PROJECT, fake_url

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.oci.mapping import CREATED_BY_TAG, RECORD_KEY
from model_catalog_ext.errors import (
    CatalogUnavailable,
    Conflict,
    DamagedArtifact,
    InvalidInput,
    ModelNotFound,
    NotAuthorized,
    Unsupported,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalog(oci_catalog_url):
    svc = open_catalog(oci_catalog_url)
    yield svc
    svc.close()


@pytest.fixture
def artifact(tmp_path):
    def make(name="art", files=None):
        root = tmp_path / name
        root.mkdir()
        (root / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=load_model()):\n"
                                       "    return {'prediction': [model]}\n")
        for rel, data in (files or {"model.bin": os.urandom(2048)}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        return root
    return make


def _stored_zip(fake, model_id) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(Path(fake.artifacts[model_id]["path"]).read_bytes()))


def test_a_round_trip_through_oci_keeps_every_value(catalog, oci_fake, artifact):
    results = {"ok": True, "checks": [{"name": "predict", "ok": True}]}
    entry = catalog.save(
        artifact(files={"model.bin": b"w" * 5000, "sub/x.json": b"{}"}), display_name="churn", description="d",
        freeform_tags={"team": "ml"}, created_by="alice",
        defined_metadata={"Framework": "scikit-learn", "ArtifactTestResults": results, "MyKey": [1, 2]},
        custom_metadata=[{"key": "auc", "value": 0.91, "category": "Performance"},
                         {"key": "note", "value": "plain", "description": "why"}],
        input_schema={"schema": [{"name": "x"}]},
        provenance={"git_commit": "abc", "repository_url": "https://git/x", "git_dirty": True})
    assert catalog.get(entry.id) == entry
    assert entry.defined_metadata["ArtifactTestResults"] == results and entry.defined_metadata["MyKey"] == [1, 2]
    assert entry.custom_metadata[0]["value"] == 0.91 and entry.provenance["git_dirty"] is True
    assert entry.created_by == "alice" and entry.freeform_tags == {"team": "ml"}
    # What OCI itself holds: its own fields, our record, the provenance endpoint, the zip.
    raw = oci_fake.models[entry.id]
    assert raw["displayName"] == "churn" and raw["projectId"] == PROJECT and raw["compartmentId"] == COMPARTMENT
    assert {m["key"]: m["value"] for m in raw["definedMetadataList"]}["Framework"] == "scikit-learn"
    assert RECORD_KEY in {m["key"] for m in raw["customMetadataList"]}
    assert raw["freeformTags"][CREATED_BY_TAG] == "alice" and raw["createdBy"] == oci_fake.user_id
    assert raw["modelVersionSetId"] == entry.version_set_id and raw["versionId"] == 1
    assert json.loads(raw["inputSchema"]) == {"schema": [{"name": "x"}]}
    assert oci_fake.provenance[entry.id]["data"]["gitCommit"] == "abc"
    with _stored_zip(oci_fake, entry.id) as zf:
        assert zf.testzip() is None and zf.read("model.bin") == b"w" * 5000
    assert b"".join(catalog.iter_file(entry.id, "sub/x.json")) == b"{}"


def test_update_metadata_and_etag_without_moving_project(catalog, oci_fake, artifact):
    """The contract's update test, less the project move OCI cannot make (refused clearly)."""
    e = catalog.save(artifact(), display_name="m", freeform_tags={"version": "1"},
                     provenance={"git_commit": "aa"})
    u = catalog.update(e.id, etag=e.etag, display_name="renamed", description="d", freeform_tags={"version": "2"},
                       custom_metadata={"auc": "0.9"}, defined_metadata={"Framework": "xgboost"},
                       provenance={"git_commit": "ff"}, compartment_id="ocid1.compartment.oc1..other")
    assert u.etag != e.etag and u.time_updated > e.time_updated and u.time_created == e.time_created
    assert (u.display_name, u.description, u.freeform_tags) == ("renamed", "d", {"version": "2"})
    assert u.compartment_id == "ocid1.compartment.oc1..other" and u.provenance["git_commit"] == "ff"
    assert oci_fake.provenance[e.id]["data"]["gitCommit"] == "ff"
    assert u.manifest == e.manifest and u.artifact_digest == e.artifact_digest
    with pytest.raises(Conflict) as err:
        catalog.update(e.id, etag=e.etag, description="lost update")
    assert err.value.details["current_etag"] == u.etag and "stale" in err.value.message
    with pytest.raises(Unsupported, match="project it was created in"):
        catalog.update(e.id, project_id="ocid1.datascienceproject.oc1..other")
    assert catalog.get(e.id) == u
    d = catalog.deactivate(e.id)
    assert d.lifecycle_state == "INACTIVE" and d.time_updated > u.time_updated
    assert oci_fake.models[e.id]["lifecycleState"] == "INACTIVE"


def test_deleting_leaves_the_model_deleted_in_oci_and_gone_for_us(catalog, oci_fake, artifact):
    e = catalog.save(artifact(), display_name="m")
    catalog.delete(e.id)
    assert oci_fake.models[e.id]["lifecycleState"] == "DELETED"
    with pytest.raises(ModelNotFound, match=e.id):
        catalog.get(e.id)
    with pytest.raises(ModelNotFound):
        catalog.delete(e.id)
    assert catalog.list(state="ALL").items == [] and catalog.stats()["models"] == 0


def test_paging_across_2500_models_reads_one_oci_page_per_page(catalog, oci_fake):
    oci_fake.add_models(2500, COMPARTMENT, PROJECT)
    seen, token, pages = [], None, 0
    before = len(oci_fake.calls)
    while True:
        page = catalog.list(limit=1000, page_token=token)
        seen += [e.display_name for e in page.items]
        pages += 1
        if (token := page.next_page_token) is None:
            break
    assert pages == 3 and seen == [f"bulk-{i:05d}" for i in range(2499, -1, -1)]
    lists = [c for c in oci_fake.calls[before:] if c == ("GET", "/20190101/models")]
    assert len(lists) == 3  # OCI's own pages, one call each: nothing fetched ahead
    # A filter OCI lacks (a name substring) reads OCI's pages and keeps the matches.
    assert [e.display_name for e in catalog.list(name="BULK-0002", sort="name").items] == \
        [f"bulk-{i:05d}" for i in range(20, 30)]
    assert catalog.stats()["models"] == 2500


def test_a_429_then_success_and_a_429_for_good(catalog, oci_fake, artifact):
    e = catalog.save(artifact(), display_name="m")
    oci_fake.fail("GET", rf"/models/{e.id}$", status=429, times=2)
    assert catalog.get(e.id) == e
    assert oci_fake.calls.count(("GET", f"/20190101/models/{e.id}")) >= 3
    oci_fake.fail("GET", rf"/models/{e.id}$", status=429, times=50)
    with pytest.raises(CatalogUnavailable, match="throttling") as err:
        catalog.get(e.id)
    assert "opc-request-id" in err.value.message and err.value.details["opc_request_id"]
    oci_fake.faults.clear()
    oci_fake.fail("GET", rf"/models/{e.id}$", status=500, times=1)
    assert catalog.get(e.id) == e


def test_a_create_retried_after_a_lost_answer_makes_one_model(catalog, oci_fake, artifact):
    oci_fake.fail("POST", r"/models$", status=500, after=True)  # created, but the answer is lost
    e = catalog.save(artifact(), display_name="once")
    assert [m["id"] for m in oci_fake.models_in()] == [e.id]
    assert [s.display_name for s in catalog.list()] == ["once"]


def test_an_upload_dropped_halfway_leaves_no_active_model(catalog, oci_fake, artifact):
    art = artifact(files={"model.bin": os.urandom(3 * 1024 * 1024)})
    oci_fake.drop("POST", r"/artifact$", after_bytes=1024 * 1024, times=100)
    with pytest.raises(CatalogUnavailable, match="uploading the artifact"):
        catalog.save(art, display_name="half")
    assert oci_fake.models_in("ACTIVE") == [] and len(oci_fake.models_in("DELETED")) == 1
    assert catalog.list(state="ALL").items == []
    # Dropped once, the SDK rewinds our stream and sends it again: one complete model.
    oci_fake.faults.clear()
    oci_fake.drop("POST", r"/artifact$", after_bytes=1024 * 1024, times=1)
    saved = catalog.save(art, display_name="whole")
    assert b"".join(catalog.iter_file(saved.id, "model.bin")) == (art / "model.bin").read_bytes()
    assert [m["id"] for m in oci_fake.models_in("ACTIVE")] == [saved.id]


def test_a_failed_provenance_call_leaves_no_active_model(catalog, oci_fake, artifact):
    oci_fake.fail("POST", r"/provenance$", status=500, times=100)
    with pytest.raises(CatalogUnavailable, match="provenance"):
        catalog.save(artifact(), display_name="p", provenance={"git_commit": "abc"})
    assert oci_fake.models_in("ACTIVE") == [] and catalog.list().items == []


def test_a_tampered_or_swapped_artifact_is_refused(catalog, oci_fake, artifact, tmp_path):
    payload = os.urandom(6 * 1024 * 1024)
    e = catalog.save(artifact(files={"model.bin": payload}), display_name="m")
    with _stored_zip(oci_fake, e.id) as zf:
        offset = zf.getinfo("model.bin").header_offset + 30 + len("model.bin")
    oci_fake.tamper_artifact(e.id, offset + 5 * 1024 * 1024, b"\x00corrupt\x00")
    served = []
    with pytest.raises(DamagedArtifact, match="model.bin"):
        for chunk in catalog.iter_file(e.id, "model.bin"):
            served.append(chunk)
    assert len(b"".join(served)) < len(payload)  # the last chunk was never handed out
    with pytest.raises(DamagedArtifact):
        catalog.download(e.id, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [r["path"] for r in catalog.verify(e.id)] == ["model.bin"]
    assert b"".join(catalog.iter_file(e.id, "score.py")) == (tmp_path / "art" / "score.py").read_bytes()
    # Another zip put in its place (as through the console): every file is checked, none served.
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("score.py", "print('not yours')\n")
        zf.writestr("model.bin", b"x" * len(payload))
    oci_fake.replace_artifact(e.id, other.getvalue())
    with pytest.raises(DamagedArtifact):
        b"".join(catalog.iter_zip(e.id))


def test_a_slow_service_times_out_clearly(oci_fake, oci_config_file, artifact):
    svc = open_catalog(fake_url(oci_fake, oci_config_file, timeout="0.3", retries="2"))
    oci_fake.slow("GET", r"/models/", seconds=1.0, times=5)
    with pytest.raises(CatalogUnavailable, match="Cannot reach OCI Data Science") as err:
        svc.get("ocid1.datasciencemodel.oc1.iad.slow")
    # No answer came: the message names the opc-request-id the SDK sent, for OCI's support.
    assert "opc-request-id" in err.value.message and err.value.details["opc_request_id"]
    svc.close()


def test_credentials_the_service_refuses_are_one_clear_error(oci_fake, tmp_path):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "other.pem"
    key_file.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    fingerprint = oci_fake.key_id.split("/")[2]
    config = tmp_path / "config"
    config.write_text(f"[DEFAULT]\nuser={oci_fake.user_id}\nfingerprint={fingerprint}\n"
                      f"tenancy={oci_fake.key_id.split('/')[0]}\nregion=us-ashburn-1\nkey_file={key_file}\n")
    svc = open_catalog(fake_url(oci_fake, config))
    with pytest.raises(NotAuthorized, match="did not accept the credentials") as err:
        svc.list()
    assert "key_file" in err.value.message and "resource principals" in err.value.message
    assert "opc-request-id" in err.value.message and err.value.details["opc_request_id"]
    assert err.value.http_status == 403 and err.value.details["oci_status"] == 401
    svc.close()


def test_a_policy_that_refuses_is_not_authorized_saying_what_to_check(catalog, oci_fake, artifact):
    e = catalog.save(artifact(), display_name="m")
    oci_fake.fail("GET", r"/models$", status=403, code="NotAuthorized")
    with pytest.raises(NotAuthorized, match="manage data-science-family in compartment") as err:
        catalog.list()
    assert "read data-science-models" in err.value.message and "dynamic-group" in err.value.message
    assert err.value.details["opc_request_id"] in err.value.message
    assert oci_fake.calls.count(("GET", "/20190101/models")) == 1  # refused is final: not retried
    oci_fake.fail("PUT", rf"/models/{e.id}$", status=403, code="NotAuthorized")
    with pytest.raises(NotAuthorized, match="opc-request-id"):
        catalog.update(e.id, description="not mine to change")
    assert catalog.get(e.id).description == ""


def test_5xx_is_retried_with_backoff_then_one_clear_error(catalog, oci_fake, artifact):
    e = catalog.save(artifact(), display_name="m")
    before = oci_fake.calls.count(("GET", f"/20190101/models/{e.id}"))
    oci_fake.fail("GET", rf"/models/{e.id}$", status=503, times=50)
    with pytest.raises(CatalogUnavailable, match="4 attempt") as err:
        catalog.get(e.id)
    assert oci_fake.calls.count(("GET", f"/20190101/models/{e.id}")) - before == 4  # retries=4 in the URL
    assert "503" in err.value.message and err.value.details["opc_request_id"] in err.value.message


def test_a_missing_or_broken_config_says_what_to_set(oci_fake, oci_config_file, tmp_path, monkeypatch):
    monkeypatch.delenv("OCI_RESOURCE_PRINCIPAL_VERSION", raising=False)
    with pytest.raises(CatalogUnavailable, match="oci setup config"):
        open_catalog(fake_url(oci_fake, tmp_path / "nowhere"))
    with pytest.raises(CatalogUnavailable, match=r"no profile \[TEAM\]"):
        open_catalog(fake_url(oci_fake, oci_config_file, profile="TEAM"))
    broken = tmp_path / "broken"
    broken.write_text("[DEFAULT]\nuser=ocid1.user.oc1..x\nregion=us-ashburn-1\n")
    with pytest.raises(CatalogUnavailable, match="fingerprint, tenancy"):
        open_catalog(fake_url(oci_fake, broken))
    monkeypatch.setenv("OCI_RESOURCE_PRINCIPAL_VERSION", "2.2")
    with pytest.raises(CatalogUnavailable, match="resource principals"):
        open_catalog(f"oci://us-ashburn-1/{COMPARTMENT}?endpoint={oci_fake.endpoint}")
    monkeypatch.delenv("OCI_RESOURCE_PRINCIPAL_VERSION")
    monkeypatch.delenv("NB_SESSION_COMPARTMENT_OCID", raising=False)
    svc = open_catalog(f"oci://us-ashburn-1?config={oci_config_file}&endpoint={oci_fake.endpoint}")
    with pytest.raises(CatalogUnavailable, match="NB_SESSION_COMPARTMENT_OCID"):
        svc.list()
    svc.close()


def test_the_sdk_is_imported_only_for_oci_and_its_absence_is_one_clear_error(tmp_path):
    code = (
        "import sys\n"
        "from model_catalog_ext.catalog import open_catalog\n"
        f"open_catalog('sqlite:///{tmp_path}/c.db', '{tmp_path}/blobs').close()\n"
        "assert 'oci' not in sys.modules, 'oci imported for an SQLite catalog'\n"
        "sys.modules['oci'] = None  # as if the [oci] extra were not installed\n"
        "try:\n"
        "    open_catalog('oci://us-ashburn-1/ocid1.compartment.oc1..x')\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("CatalogUnavailable") and 'pip install "model-catalog-ext[oci]"' in out.stdout


def test_capabilities_say_which_filters_are_slow(catalog):
    caps = catalog.capabilities()
    assert caps.filters["project_id"] == "native" and caps.filters["state"] == "native"
    assert caps.filters["tags"] == "slow" and caps.filters["text"] == "slow"
    assert (caps.deduplicates, caps.garbage_collection, caps.projects) == (False, False, True)
    assert catalog.info().kind == "oci" and "endpoint" not in catalog.info().location


def test_an_artifact_over_the_upload_limit_goes_through_object_storage(oci_fake, oci_config_file, artifact):
    url = fake_url(oci_fake, oci_config_file, upload_limit=4096, bucket="staging")
    svc = open_catalog(url)
    payload = os.urandom(64 * 1024)
    calls = []
    e = svc.save(artifact(files={"model.bin": payload}), display_name="large",
                 progress=lambda done, total: calls.append(done))
    paths = [path for _, path in oci_fake.calls]
    assert not any(p.endswith("/artifact") for p in paths)  # never sent directly
    assert any(p.startswith("/n/fakenamespace/b/staging/o/") for p in paths)
    assert any(p.endswith("/actions/exportArtifact") for p in paths)
    assert sum(p.startswith("/20190101/workRequests/") for p in paths) >= 2  # polled until it succeeded
    assert oci_fake.objects == {}  # the staging object is removed
    assert b"".join(svc.iter_file(e.id, "model.bin")) == payload and calls[-1] == e.artifact_size
    # A work request that fails leaves no model; no bucket at all is refused before anything is made.
    oci_fake.fail_exports = True
    with pytest.raises(CatalogUnavailable, match="FAILED"):
        svc.save(artifact("art2", files={"model.bin": payload}), display_name="large2")
    assert [m["displayName"] for m in oci_fake.models_in("ACTIVE")] == ["large"]
    svc.close()
    svc = open_catalog(fake_url(oci_fake, oci_config_file, upload_limit=4096))
    before = len(oci_fake.models)
    with pytest.raises(InvalidInput, match="bucket="):
        svc.save(artifact("art3", files={"model.bin": payload}), display_name="large3")
    assert len(oci_fake.models) == before
    svc.close()


def test_projects_are_listed_and_made_with_ads_names(catalog, oci_fake, tmp_path):
    from model_catalog_ext.api import ProjectCatalog

    pc = ProjectCatalog(backend=catalog)
    assert len(pc.list_projects()) == 0
    made = pc.create_project("churn work", description="team ml")
    pc.create_project("fraud work")
    listed = pc.list_projects()
    assert [p.display_name for p in listed] == ["fraud work", "churn work"]
    assert oci_fake.projects[made.id]["compartmentId"] == COMPARTMENT
    assert list(listed.df["display_name"]) == ["fraud work", "churn work"]
    assert pc.get_project(made.id).description == "team ml"
    assert catalog.capabilities().projects
    with open_catalog(f"sqlite:///{tmp_path}/c.db", str(tmp_path / "blobs")) as sqlite:
        # The embedded catalog has no project objects: its projects are the ids models use.
        assert len(ProjectCatalog(backend=sqlite).list_projects()) == 0
        with pytest.raises(NotImplementedError, match="project_id"):
            ProjectCatalog(backend=sqlite).create_project("x")


def test_a_download_cut_short_resumes_with_a_range(catalog, oci_fake, artifact, tmp_path):
    payload = os.urandom(9 * 1024 * 1024)
    e = catalog.save(artifact(files={"model.bin": payload}), display_name="m")
    oci_fake.cut("GET", r"/artifact/content$", after_bytes=3 * 1024 * 1024 + 5, times=2)
    out = catalog.download(e.id, tmp_path / "out")
    assert (out / "model.bin").read_bytes() == payload
    asked = [c for c in oci_fake.calls if c == ("GET", f"/20190101/models/{e.id}/artifact/content")]
    assert len(asked) == 3  # one request for the whole artifact, and two more from where it stopped


def test_a_file_changed_during_the_upload_is_refused_and_nothing_is_kept(catalog, oci_fake, artifact):
    from model_catalog_ext.errors import InvalidArtifact

    art = artifact(files={"a.bin": os.urandom(2 * 1024 * 1024), "z.bin": os.urandom(1024)})

    def meddle(done, total):  # while a.bin is being sent, z.bin (sent later) changes
        if done and (art / "z.bin").read_bytes()[:1] != b"!":
            (art / "z.bin").write_bytes(b"!" + os.urandom(1023))

    with pytest.raises(InvalidArtifact, match="z.bin"):
        catalog.save(art, display_name="moving", progress=meddle)
    assert oci_fake.models_in("ACTIVE") == []


def test_a_long_manifest_goes_into_the_zip_and_is_checked_too(catalog, oci_fake, artifact, tmp_path):
    files = {f"data/part-{i:04d}-{'x' * 40}.bin": os.urandom(64) for i in range(400)}
    e = catalog.save(artifact(files=files), display_name="many files", custom_metadata={"auc": "0.9"})
    assert len(e.manifest) == 401 and catalog.get(e.id) == e
    assert [x.display_name for x in catalog.list()] == ["many files"] and catalog.list().items[0] == e
    record = json.loads(next(m["value"] for m in oci_fake.models[e.id]["customMetadataList"]
                             if m["key"] == RECORD_KEY))
    assert "files" not in record and record["manifest_at"][1] > 8000
    with _stored_zip(oci_fake, e.id) as zf:
        assert zf.testzip() is None and zf.namelist()[-1] == ".model-catalog-ext/manifest.json"
    before = len(oci_fake.calls)
    out = catalog.download(e.id, tmp_path / "out")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        sorted([*files, "score.py"])
    assert oci_fake.calls[before:].count(("GET", f"/20190101/models/{e.id}/artifact/content")) == 1
    # The manifest itself is checked against the sha256 the record holds.
    oci_fake.tamper_artifact(e.id, record["manifest_at"][0] + 10, b"#")
    fresh = open_catalog(fake_url(oci_fake, Path(oci_fake_config(catalog))))
    with pytest.raises(DamagedArtifact, match="manifest"):
        fresh.download(e.id, tmp_path / "again")
    fresh.close()


def test_metadata_longer_than_oci_keeps_is_refused_before_anything_is_made(catalog, oci_fake, artifact):
    with pytest.raises(InvalidInput, match="32,000"):
        catalog.save(artifact(), display_name="m", custom_metadata={f"k{i}": "v" * 300 for i in range(200)})
    assert oci_fake.models == {} and oci_fake.version_sets == {}


def oci_fake_config(catalog) -> str:
    return catalog.backend.settings.config_file


@pytest.mark.parametrize("model_id", ["..", "../models", "a/b", "x?limit=1", "a b", "%2e%2e", "é"])
def test_an_id_that_is_no_ocid_is_not_found_without_asking_oci(catalog, oci_fake, model_id):
    before = len(oci_fake.calls)
    with pytest.raises(ModelNotFound, match="No model with id"):
        catalog.get(model_id)
    assert len(oci_fake.calls) == before


def test_a_model_saved_by_another_tool_is_listed_and_shown_but_not_versioned(catalog, oci_fake, artifact):
    (foreign,) = oci_fake.add_models(1, COMPARTMENT, PROJECT, prefix="by-ads")
    oci_fake.provenance[foreign] = {"data": {"gitCommit": "abc", "gitBranch": "main"}, "etag": "p1"}
    entry = catalog.get(foreign)
    assert entry.display_name == "by-ads-00000" and entry.manifest == [] and entry.created_by == oci_fake.user_id
    assert entry.provenance["git_commit"] == "abc"
    assert [e.id for e in catalog.list()] == [foreign]
    with pytest.raises(ModelNotFound):  # no artifact uploaded yet
        b"".join(catalog.iter_zip(foreign))
    with pytest.raises(Unsupported, match="no model version set"):
        catalog.save(artifact(), display_name="v2", as_new_version_of=foreign)
    assert len(oci_fake.models) == 1


def test_an_artifact_saved_by_another_tool_is_served_checked_against_oci_md5(catalog, oci_fake, tmp_path):
    (foreign,) = oci_fake.add_models(1, COMPARTMENT, PROJECT, prefix="by-ads")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("score.py", "def load_model():\n    return 1\n")
        zf.writestr("sub/", "")  # a folder entry, as zip tools write them
        zf.writestr("sub/model.bin", b"m" * 300_000)
    oci_fake.replace_artifact(foreign, zipped.getvalue())  # its content-md5 is OCI's record of it
    out = catalog.download(foreign, tmp_path / "out")
    assert (out / "sub" / "model.bin").read_bytes() == b"m" * 300_000 and (out / "score.py").is_file()
    assert catalog.verify(foreign) == []
    # Bytes changed behind OCI's MD5 (a bad disk, a swapped object): refused, nothing written.
    oci_fake.tamper_artifact(foreign, 40, b"\xff\x00")
    with pytest.raises(DamagedArtifact, match="MD5"):
        catalog.download(foreign, tmp_path / "again")
    assert not (tmp_path / "again").exists()
    # A zip whose member would escape the folder is refused too, even with a matching MD5.
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escape.py", "print('out')\n")
    oci_fake.replace_artifact(foreign, evil.getvalue())
    with pytest.raises(DamagedArtifact, match="outside"):
        catalog.download(foreign, tmp_path / "third")
    assert not (tmp_path / "escape.py").exists()


def test_a_first_page_is_one_list_call_and_details_come_per_page_when_read(catalog, oci_fake, artifact):
    ours = catalog.save(artifact(), display_name="ours", description="read me", freeform_tags={"team": "ml"},
                        created_by="alice", defined_metadata={"Framework": "scikit-learn"})
    oci_fake.add_models(120, COMPARTMENT, PROJECT)
    before = len(oci_fake.calls)
    page = catalog.list(limit=50)
    assert oci_fake.calls[before:] == [("GET", "/20190101/models")]  # the summaries are the rows
    assert len(page.items) == 50 and page.items[0].display_name == "bulk-00119"
    assert [e.version for e in page.items[:2]] == [1, 1] and oci_fake.calls[before + 1:] == []
    # The first detail read fetches the page's details at once; the rest are then free.
    assert page.items[3].description == ""
    gets = [c for c in oci_fake.calls[before + 1:] if c[1].startswith("/20190101/models/")]
    assert len(gets) == 50 and len(set(gets)) == 50
    after = len(oci_fake.calls)
    assert all(e.etag for e in page.items) and len(oci_fake.calls) == after
    assert page.items[7] == catalog.get(page.items[7].id) and catalog.get(page.items[7].id) == page.items[7]
    # A slow filter on what the summary holds (tags, author) needs no detail either.
    before = len(oci_fake.calls)
    (row,) = catalog.list(tags=["team:ml"], created_by="alice").items
    assert {p for _, p in oci_fake.calls[before:]} == {"/20190101/models"}
    assert (row.id, row.created_by, row.freeform_tags) == (ours.id, "alice", {"team": "ml"})
    assert row == ours and row.description == "read me" and row.manifest == ours.manifest
    import copy
    import pickle

    for twin in (copy.deepcopy(row), pickle.loads(pickle.dumps(row))):
        assert type(twin) is type(ours) and twin == ours


def test_list_models_pages_through_thousands_and_the_df_reads_details_page_by_page(catalog, oci_fake):
    from model_catalog_ext.api import ModelCatalog

    oci_fake.add_models(2500, COMPARTMENT, PROJECT)
    before = len(oci_fake.calls)
    models = ModelCatalog(backend=catalog).list_models()
    assert len(models) == 2500
    assert oci_fake.calls[before:] == [("GET", "/20190101/models")] * 3  # OCI's pages, no model read
    assert models[0].display_name == "bulk-02499"  # one model read afresh, as ADS's models[i]
    before = len(oci_fake.calls)
    df = models[:1200].df  # description, framework and size are details: read per listed page
    assert len(df) == 1200 and set(df["description"]) == {""}
    reads = [p for _, p in oci_fake.calls[before:]]
    assert len(reads) == 2000 and all(p.startswith("/20190101/models/ocid1.") for p in reads)
