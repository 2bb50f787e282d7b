"""The backend contract: every operation of the catalog, on every backend.

Runs on SQLite + local files always, and on PostgreSQL + S3 (moto) when their binaries
are installed (see catalog_backends.py).
"""
from __future__ import annotations

import base64
import io
import json
import os
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from model_catalog_ext.catalog import ModelQuery, TagFilter, parse_search
from model_catalog_ext.errors import Conflict, ImmutableArtifact, InvalidInput, ModelNotFound, TargetNotEmpty


def test_save_and_get_round_trip(catalog, make_artifact):
    art = make_artifact(files={"model.pkl": b"abc", "sub/dir/data.json": b"{}",
                               "input_schema.json": '{"schema": [{"name": "x"}]}'})
    entry = catalog.save(
        art, display_name="  churn classifier ", description="predicts churn",
        compartment_id="comp1", project_id="proj1", freeform_tags={"version": "3", "team": "ml"},
        defined_metadata={"Framework": "scikit-learn", "Algorithm": "RandomForest"},
        custom_metadata=[{"key": "auc", "value": "0.91", "category": "Performance"}],
        provenance={"git_branch": "main", "git_commit": "abc123"}, created_by="alice")
    assert entry.display_name == "churn classifier"
    assert entry.lifecycle_state == "ACTIVE" and entry.version == 1 and entry.parent_id is None
    assert entry.time_created.tzinfo is not None and entry.time_created == entry.time_updated
    assert [m["path"] for m in entry.manifest] == ["input_schema.json", "model.pkl", "score.py", "sub/dir/data.json"]
    assert entry.artifact_size == sum(m["size"] for m in entry.manifest)
    assert len(entry.artifact_digest) == 64 and entry.etag
    assert entry.input_schema == {"schema": [{"name": "x"}]} and entry.output_schema is None
    assert entry.custom_metadata == [{"key": "auc", "value": "0.91", "category": "Performance", "description": ""}]
    assert entry.provenance["git_branch"] == "main" and entry.provenance["git_dirty"] is False
    assert entry.framework == "scikit-learn"
    got = catalog.get(entry.id)
    assert got == entry
    assert got.to_dict()["time_created"].endswith("+00:00")
    assert type(entry).from_dict(entry.to_dict()) == entry


def test_identical_bytes_are_stored_once(catalog, make_artifact):
    if not catalog.capabilities().deduplicates:
        pytest.skip("this backend keeps each artifact whole (capabilities: deduplicates=False)")
    payload = os.urandom(5 * 1024 * 1024)  # above one chunk: exercises the streaming path
    a = make_artifact(files={"model.bin": payload})
    b = make_artifact(files={"model.bin": payload, "extra.txt": b"x"})
    first = catalog.save(a, display_name="a")
    stored_after_first = catalog.stats()["stored_bytes"]
    assert stored_after_first == first.artifact_size
    second = catalog.save(a, display_name="a again")
    assert catalog.stats()["stored_bytes"] == stored_after_first
    assert second.artifact_digest == first.artifact_digest and second.id != first.id
    catalog.save(b, display_name="b")
    assert catalog.stats()["stored_bytes"] == stored_after_first + 1  # only extra.txt is new


def test_save_from_zip_and_folder_prefix(catalog, make_artifact, tmp_path):
    art = make_artifact(files={"model.pkl": b"zipped"})
    zpath = tmp_path / "art.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in sorted(art.rglob("*")):
            zf.write(p, f"art/{p.relative_to(art).as_posix()}")  # zipped with its top folder
    entry = catalog.save(zpath, display_name="from zip")
    assert [m["path"] for m in entry.manifest] == ["model.pkl", "score.py"]
    assert b"".join(catalog.iter_file(entry.id, "model.pkl")) == b"zipped"


def test_versions(catalog, make_artifact):
    v1 = catalog.save(make_artifact(), display_name="m")
    v2 = catalog.save(make_artifact(), display_name="m", as_new_version_of=v1.id)
    v3 = catalog.save(make_artifact(), display_name="m", as_new_version_of=v1.id)
    other = catalog.save(make_artifact(), display_name="other")
    assert (v2.version, v2.parent_id, v2.version_set_id) == (2, v1.id, v1.version_set_id)
    assert (v3.version, v3.parent_id) == (3, v1.id)
    assert [e.id for e in catalog.versions(v2.id)] == [v1.id, v2.id, v3.id]
    assert [e.id for e in catalog.versions(other.id)] == [other.id]
    with pytest.raises(ModelNotFound):
        catalog.save(make_artifact(), display_name="m", as_new_version_of="mdl-nope")


def test_a_version_number_is_never_given_twice(catalog, make_artifact):
    v1 = catalog.save(make_artifact(), display_name="m")
    v2 = catalog.save(make_artifact(), display_name="m", as_new_version_of=v1.id)
    catalog.delete(v2.id)  # the newest version goes; its number stays taken
    v3 = catalog.save(make_artifact(), display_name="m", as_new_version_of=v1.id)
    assert v3.version == 3
    catalog.delete(v1.id)
    assert catalog.save(make_artifact(), display_name="m", as_new_version_of=v3.id).version == 4
    for entry in catalog.versions(v3.id):
        catalog.delete(entry.id)
    with pytest.raises(ModelNotFound):
        catalog.versions(v3.id)


def _seed(catalog, make_artifact):
    art = make_artifact(files={"model.pkl": b"same"})
    made = {}
    specs = [
        ("churn-rf", "random forest for churn", {"version": "3", "team": "ml-core"}, "alice", "scikit-learn", "p1"),
        ("churn-xgb", "gradient boosting", {"version": "4", "team": "ml-ops"}, "bob", "xgboost", "p1"),
        ("fraud", "detects fraud in payments", {"version": "3", "team": "risk"}, "alice", "lightgbm", "p2"),
        ("CHURN upper", "case test", {"env": "prod"}, "carol", "scikit-learn", "p2"),
    ]
    for name, desc, tags, user, fw, project in specs:
        made[name] = catalog.save(art, display_name=name, description=desc, freeform_tags=tags, created_by=user,
                                  defined_metadata={"Framework": fw}, project_id=project)
    return made


def _names(page):
    return [e.display_name for e in page.items]


def test_list_filters(catalog, make_artifact):
    m = _seed(catalog, make_artifact)
    assert _names(catalog.list()) == ["CHURN upper", "fraud", "churn-xgb", "churn-rf"]  # newest first
    assert _names(catalog.list(name="churn")) == ["CHURN upper", "churn-xgb", "churn-rf"]  # case-insensitive
    assert _names(catalog.list(name="ch")) == ["CHURN upper", "churn-xgb", "churn-rf"]  # short: LIKE path
    assert _names(catalog.list(tags=[TagFilter("version", "3")])) == ["fraud", "churn-rf"]
    assert _names(catalog.list(tags=["team=ml*"])) == ["churn-xgb", "churn-rf"]
    assert _names(catalog.list(tags=["env"])) == ["CHURN upper"]
    assert _names(catalog.list(tags=["version:3", "team:risk"])) == ["fraud"]
    assert _names(catalog.list(created_by="alice")) == ["fraud", "churn-rf"]
    assert _names(catalog.list(framework="sklearn")) == ["CHURN upper", "churn-rf"]
    assert _names(catalog.list(project_id="p2")) == ["CHURN upper", "fraud"]
    assert _names(catalog.list(text="payments")) == ["fraud"]  # description
    assert _names(catalog.list(text="forest churn")) == ["churn-rf"]  # every word
    assert _names(catalog.list(name="nothing-like-this")) == []
    assert _names(catalog.list(query=parse_search("churn tag:version=3 user:alice"))) == ["churn-rf"]
    # the FTS index follows renames
    catalog.update(m["fraud"].id, display_name="payments-fraud")
    assert _names(catalog.list(name="payments-fr")) == ["payments-fraud"]
    assert _names(catalog.list(name="fraud")) == ["payments-fraud"]


def test_list_time_window(catalog, make_artifact):
    m = _seed(catalog, make_artifact)
    t = m["fraud"].time_created
    assert _names(catalog.list(created_after=t)) == ["CHURN upper", "fraud"]
    assert _names(catalog.list(created_before=t)) == ["churn-xgb", "churn-rf"]
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert _names(catalog.list(created_after=future.isoformat())) == []


def test_list_sort_and_keyset_pages(catalog, make_artifact):
    art = make_artifact()
    names = ["delta", "alpha", "charlie", "bravo", "echo", "alpha"]
    for n in names:
        catalog.save(art, display_name=n)
    for sort, order, expected in [
        ("name", "asc", sorted(names)),
        ("name", "desc", sorted(names, reverse=True)),
        ("time_created", "desc", names[::-1]),
        ("time_created", "asc", names),
    ]:
        seen, token = [], None
        while True:
            page = catalog.list(sort=sort, order=order, limit=2, page_token=token)
            assert len(page.items) <= 2
            seen += _names(page)
            token = page.next_page_token
            if token is None:
                break
        assert seen == expected, (sort, order)
    # a token cannot be reused with other filters
    token = catalog.list(sort="name", limit=2).next_page_token
    with pytest.raises(InvalidInput, match="different search"):
        catalog.list(sort="name", limit=2, page_token=token, name="alp")
    with pytest.raises(InvalidInput, match="not valid"):
        catalog.list(page_token="garbage!!")
    # a hand-made token for this very search, holding what the sort column cannot hold
    from model_catalog_ext.catalog import pagetoken
    from model_catalog_ext.catalog.search import parse_search

    for sort, key in [("name", [{"a": 1}, 1]), ("name", [None, 1]), ("name", ["alpha", True]),
                      ("version", [2**70, 1]), ("time_created", ["1"]), ("time_created", [1, 2])]:
        query = parse_search(None, sort=sort, limit=2)
        forged = pagetoken.encode(query.fingerprint(), key)
        with pytest.raises(InvalidInput, match="not valid"):
            catalog.list(sort=sort, limit=2, page_token=forged)
    # a token without the search it belongs to (it was a KeyError, a 500 over HTTP)
    bare = base64.urlsafe_b64encode(json.dumps({"v": 1, "k": ["alpha", 1]}).encode()).decode().rstrip("=")
    with pytest.raises(InvalidInput, match="different search"):
        catalog.list(sort="name", limit=2, page_token=bare)


def test_sort_by_version(catalog, make_artifact):
    v1 = catalog.save(make_artifact(), display_name="m")
    catalog.save(make_artifact(), display_name="m", as_new_version_of=v1.id)
    catalog.save(make_artifact(), display_name="n")
    assert [e.version for e in catalog.list(sort="version", order="asc").items] == [1, 1, 2]
    for order, expected in (("asc", [1, 1, 2]), ("desc", [2, 1, 1])):  # one row per page
        seen, token = [], None
        while True:
            page = catalog.list(sort="version", order=order, limit=1, page_token=token)
            seen += [e.version for e in page.items]
            if (token := page.next_page_token) is None:
                break
        assert seen == expected


def test_a_single_tag_may_be_given_as_a_string(catalog, make_artifact):
    catalog.save(make_artifact(), display_name="a", freeform_tags={"version": "3"})
    catalog.save(make_artifact(), display_name="b", freeform_tags={"version": "4"})
    assert [e.display_name for e in catalog.list(tags="version:3").items] == ["a"]
    assert [e.display_name for e in catalog.list(tags=["version:3"]).items] == ["a"]


def test_update_metadata_and_etag(catalog, make_artifact):
    e = catalog.save(make_artifact(), display_name="m", freeform_tags={"version": "1"})
    u = catalog.update(e.id, etag=e.etag, display_name="renamed", description="d", freeform_tags={"version": "2"},
                       custom_metadata={"auc": "0.9"}, defined_metadata={"Framework": "xgboost"},
                       provenance={"git_commit": "ff"}, project_id="p9")
    assert u.etag != e.etag and u.time_updated > e.time_updated and u.time_created == e.time_created
    assert (u.display_name, u.description, u.freeform_tags, u.project_id) == ("renamed", "d", {"version": "2"}, "p9")
    assert u.custom_metadata[0]["key"] == "auc" and u.provenance["git_commit"] == "ff"
    assert u.artifact_digest == e.artifact_digest and u.manifest == e.manifest
    assert _names(catalog.list(tags=["version:2"])) == ["renamed"]
    assert _names(catalog.list(tags=["version:1"])) == []
    assert _names(catalog.list(framework="xgboost")) == ["renamed"]
    with pytest.raises(Conflict) as err:
        catalog.update(e.id, etag=e.etag, description="lost update")
    assert err.value.details["current_etag"] == u.etag
    assert "stale" in err.value.message
    assert catalog.get(e.id).description == "d"


def test_artifact_never_changes(catalog, make_artifact):
    e = catalog.save(make_artifact(), display_name="m")
    for field in ("artifact", "manifest", "artifact_digest", "input_schema"):
        with pytest.raises(ImmutableArtifact, match="save a new version"):
            catalog.update(e.id, **{field: "x"})
    assert catalog.get(e.id) == e


def test_names_sort_case_insensitively_across_pages_and_renames(catalog, make_artifact):
    art = make_artifact()
    saved = {name: catalog.save(art, display_name=name) for name in ("beta", "Alpha", "gamma", "alpha2", "Delta")}

    def all_pages(**query):
        names, token = [], None
        while True:
            page = catalog.list(sort="name", limit=2, page_token=token, **query)
            names += [e.display_name for e in page.items]
            token = page.next_page_token
            if token is None:
                return names

    assert all_pages(order="asc") == ["Alpha", "alpha2", "beta", "Delta", "gamma"]
    assert all_pages(order="desc") == ["gamma", "Delta", "beta", "alpha2", "Alpha"]
    catalog.update(saved["beta"].id, display_name="Zed")
    assert all_pages(order="asc") == ["Alpha", "alpha2", "Delta", "gamma", "Zed"]


def test_test_results_change_with_the_artifact_only(catalog, make_artifact):
    """ArtifactTestResults (what verify() found) cannot be forged by a metadata edit; an edit
    that leaves it out keeps it."""
    results = {"ok": False, "checks": [{"name": "predict", "ok": False}], "files": "f1"}
    e = catalog.save(make_artifact(), display_name="m",
                     defined_metadata={"Algorithm": "Ridge", "ArtifactTestResults": results})
    u = catalog.update(e.id, defined_metadata={"Algorithm": "RidgeCV"})
    assert u.defined_metadata == {"Algorithm": "RidgeCV", "ArtifactTestResults": results}
    u = catalog.update(e.id, defined_metadata={**u.defined_metadata, "Framework": "scikit-learn"})
    assert u.defined_metadata["ArtifactTestResults"] == results  # given unchanged: fine
    for forged in ({"ok": True}, None):
        with pytest.raises(ImmutableArtifact, match="ArtifactTestResults") as err:
            catalog.update(e.id, defined_metadata={"Algorithm": "X", "ArtifactTestResults": forged})
        assert "new version" in err.value.message
    assert catalog.get(e.id) == u  # nothing changed
    plain = catalog.save(make_artifact(), display_name="untested")
    assert catalog.update(plain.id, defined_metadata={"Algorithm": "A"}).defined_metadata == {"Algorithm": "A"}


def test_deactivate_activate(catalog, make_artifact):
    e = catalog.save(make_artifact(), display_name="m")
    d = catalog.deactivate(e.id)
    assert d.lifecycle_state == "INACTIVE" and d.etag != e.etag
    assert _names(catalog.list()) == []
    assert _names(catalog.list(state="INACTIVE")) == ["m"]
    assert _names(catalog.list(state="ALL")) == ["m"]
    assert catalog.activate(e.id).lifecycle_state == "ACTIVE"
    assert _names(catalog.list()) == ["m"]


def test_delete_keeps_shared_blobs(catalog, make_artifact):
    shared = os.urandom(1000)
    a = catalog.save(make_artifact(files={"shared.bin": shared, "only-a.bin": b"a"}), display_name="a")
    b = catalog.save(make_artifact(files={"shared.bin": shared}), display_name="b")
    score_sha = next(m["sha256"] for m in a.manifest if m["path"] == "score.py")
    shared_sha = next(m["sha256"] for m in a.manifest if m["path"] == "shared.bin")
    only_a = next(m["sha256"] for m in a.manifest if m["path"] == "only-a.bin")
    dedup = catalog.capabilities().deduplicates
    catalog.delete(a.id)
    with pytest.raises(ModelNotFound):
        catalog.get(a.id)
    if dedup:  # what only a used is gone; what b shares stays
        assert catalog.stats()["stored_bytes"] == b.artifact_size
    assert b"".join(catalog.iter_file(b.id, "shared.bin")) == shared
    assert {score_sha, shared_sha} <= {m["sha256"] for m in catalog.get(b.id).manifest} and only_a
    catalog.delete(b.id)
    if dedup:
        assert catalog.stats()["stored_bytes"] == 0
    with pytest.raises(ModelNotFound):
        catalog.delete(b.id)


def test_download_and_streams(catalog, make_artifact, tmp_path):
    big = os.urandom(9 * 1024 * 1024 + 17)  # three chunks, the last one short
    e = catalog.save(make_artifact(files={"model.bin": big, "a/b.txt": b"hello"}), display_name="m")
    out = catalog.download(e.id, tmp_path / "out")
    assert (out / "model.bin").read_bytes() == big and (out / "a" / "b.txt").read_bytes() == b"hello"
    assert not [p for p in out.rglob("*.partial")]
    with pytest.raises(TargetNotEmpty):
        catalog.download(e.id, out)
    with pytest.raises(InvalidInput, match="which is a file"):  # a folder under a file
        catalog.download(e.id, out / "score.py" / "x")
    assert not (out / "score.py").is_dir() and not list(out.glob(".*partial"))
    (out / "model.bin").write_bytes(b"local edit")
    catalog.download(e.id, out, force_overwrite=True)
    assert (out / "model.bin").read_bytes() == big
    data = b"".join(catalog.iter_zip(e.id))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert sorted(zf.namelist()) == ["a/b.txt", "model.bin", "score.py"]
        assert zf.read("model.bin") == big
    assert b"".join(catalog.iter_file(e.id, "model.bin")) == big
    with pytest.raises(ModelNotFound, match="no file"):
        catalog.iter_file(e.id, "missing.txt")
    assert catalog.verify() == [] and catalog.verify(e.id) == []


def test_progress_callbacks(catalog, make_artifact, tmp_path):
    art = make_artifact(files={"model.bin": os.urandom(6 * 1024 * 1024)})
    calls = []
    e = catalog.save(art, display_name="m", progress=lambda done, total: calls.append((done, total)))
    assert calls[0][0] == 0 and calls[-1] == (e.artifact_size, e.artifact_size)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))
    calls.clear()
    catalog.download(e.id, tmp_path / "d", progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (e.artifact_size, e.artifact_size)


def test_unknown_ids(catalog):
    for call in (catalog.get, catalog.versions, catalog.deactivate, catalog.activate, catalog.delete,
                 catalog.iter_zip, catalog.verify):
        with pytest.raises(ModelNotFound, match="No model with id 'mdl-missing'"):
            call("mdl-missing")
    with pytest.raises(ModelNotFound):
        catalog.update("mdl-missing", description="x")
    with pytest.raises(ModelNotFound):
        catalog.download("mdl-missing", "/tmp/never-created-by-this-test")
    assert not os.path.exists("/tmp/never-created-by-this-test")


def test_query_validation(catalog):
    with pytest.raises(InvalidInput, match="Unknown filter"):
        catalog.list(colour="red")
    with pytest.raises(InvalidInput, match="limit"):
        catalog.list(limit=0)
    with pytest.raises(InvalidInput, match="state"):
        catalog.list(state="deleted")
    with pytest.raises(InvalidInput, match="sort"):
        catalog.list(sort="size")
    assert catalog.list(query=ModelQuery(limit=5)).items == []


def test_reopen_keeps_data(open_same_catalog, make_artifact):
    catalog = open_same_catalog()
    e = catalog.save(make_artifact(), display_name="persisted")
    catalog.close()
    again = open_same_catalog()
    assert again.get(e.id) == e
    assert b"".join(again.iter_zip(e.id)) == b"".join(open_same_catalog().iter_zip(e.id))


def test_created_by_that_no_backend_can_store_is_refused(catalog, make_artifact):
    for bad in ("alice\ud800", "bob\x00", 7, "x" * 256):
        with pytest.raises(InvalidInput, match="created_by"):
            catalog.save(make_artifact(), display_name="m", created_by=bad)
    assert catalog.list(state="ALL").items == []
