"""Completing a resumable upload saves exactly one model: two completes of one upload at the
same instant (threads of one process, or two service instances on one PostgreSQL + S3), and a
complete retried after the store failed between the save and the session's "done" marker,
all answer the same model and the catalog holds one."""
from __future__ import annotations

import hashlib
import os
import threading

import pytest
from memory_backend import memory_catalog_url  # noqa: F401 - a fixture
from service_process import SERVICE_TOKEN

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.catalog.http_backend.transport import Transport
from model_catalog_ext.catalog.source import open_source
from model_catalog_ext.catalog.staging import Staging
from model_catalog_ext.catalog.upload_sessions import COMPLETING_MARKER, DONE_MARKER, MIN_PART_SIZE
from model_catalog_ext.errors import CatalogUnavailable

from .pg_s3 import admin_catalog, start_instances, stop_instances
from .test_resumable_uploads import SCORE, _put

REAL_WRITE_MARKER = Staging.write_marker


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    """The catalog itself (no service): SQLite with local blobs, or PostgreSQL with S3 (moto)."""
    if request.param == "sqlite":
        svc = open_catalog(f"sqlite:///{tmp_path}/c.db", str(tmp_path / "blobs"))
    else:
        pg_url, (root, options) = request.getfixturevalue("pg_url"), request.getfixturevalue("s3_root")
        svc = open_catalog(pg_url, root, storage_options=options, upgrade=True)
    yield svc
    svc.close()


def staged_upload(catalog, model: bytes) -> str:
    """An upload of score.py and ``model`` (in two parts) whose every part arrived."""
    sessions = catalog.upload_sessions()
    files = [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()},
             {"path": "model.bin", "size": len(model), "sha256": hashlib.sha256(model).hexdigest()}]
    status = sessions.open(None, {"display_name": "once"}, files, part_size=MIN_PART_SIZE)
    pieces = {(0, 0): model[:MIN_PART_SIZE], (0, 1): model[MIN_PART_SIZE:], (1, 0): SCORE}
    for (file, number), data in pieces.items():
        sha = hashlib.sha256(data).hexdigest()
        writer = sessions.part_writer(None, status["id"], file, number, sha, len(data))
        writer.write(data)
        writer.finish()
        sessions.part_received(status["id"], file, number, sha)
    return status["id"]


def test_two_completes_at_the_same_instant_save_one_model(catalog, monkeypatch):
    upload = staged_upload(catalog, os.urandom(MIN_PART_SIZE + 1000))
    both_checked = threading.Barrier(2, timeout=30)

    def write_marker(self, session, name, data):
        if name == COMPLETING_MARKER:  # each found no complete running: now both go on
            both_checked.wait()
        REAL_WRITE_MARKER(self, session, name, data)

    monkeypatch.setattr(Staging, "write_marker", write_marker)
    answers: list = []

    def complete():
        try:
            answers.append(catalog.upload_sessions().complete(None, upload).id)
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            answers.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    monkeypatch.setattr(Staging, "write_marker", REAL_WRITE_MARKER)
    ids = [e.id for e in catalog.list(state="ALL").items]
    assert len(ids) == 1, f"two completes saved {len(ids)} models"
    assert answers == [ids[0], ids[0]]
    assert catalog.upload_sessions().complete(None, upload).id == ids[0]
    assert catalog.verify() == []


def test_a_complete_retried_after_a_failure_that_followed_the_save_answers_the_same_model(catalog, monkeypatch):
    upload = staged_upload(catalog, os.urandom(MIN_PART_SIZE + 1000))

    def write_marker(self, session, name, data):
        if name == DONE_MARKER:
            raise OSError("the object store went away")
        REAL_WRITE_MARKER(self, session, name, data)

    monkeypatch.setattr(Staging, "write_marker", write_marker)
    with pytest.raises(Exception) as failed:  # noqa: PT011 - which one is asserted below
        catalog.upload_sessions().complete(None, upload)
    monkeypatch.setattr(Staging, "write_marker", REAL_WRITE_MARKER)
    entry = catalog.upload_sessions().complete(None, upload)
    assert [e.id for e in catalog.list(state="ALL").items] == [entry.id]
    # The failure was a 503 naming the model, which the client's retry gets: not a 500.
    assert isinstance(failed.value, CatalogUnavailable) and "complete it again" in str(failed.value)
    assert failed.value.details["model_id"] == entry.id
    assert catalog.upload_sessions().status(None, upload)["model_id"] == entry.id


def test_the_same_save_sent_again_after_it_was_done_is_a_new_model(catalog):
    """The session id comes back (it is made from the resume key); its save does not."""
    model = os.urandom(MIN_PART_SIZE + 10)
    first = catalog.upload_sessions().complete(None, staged_upload(catalog, model))
    second = catalog.upload_sessions().complete(None, staged_upload(catalog, model))
    assert first.id != second.id
    assert len(catalog.list(state="ALL").items) == 2


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "memory"])
def test_a_backend_saves_one_entry_per_upload_key(kind, tmp_path, request):
    """The backend's rule that complete rests on, for every backend a service can run on."""
    if kind == "memory":
        svc = open_catalog(request.getfixturevalue("memory_catalog_url"))
    elif kind == "sqlite":
        svc = open_catalog(f"sqlite:///{tmp_path}/c.db", str(tmp_path / "blobs"))
    else:
        pg_url, (root, options) = request.getfixturevalue("pg_url"), request.getfixturevalue("s3_root")
        svc = open_catalog(pg_url, root, storage_options=options, upgrade=True)
    art = tmp_path / "art"
    art.mkdir()
    (art / "score.py").write_bytes(SCORE)

    def save(key, name):
        source = open_source(art)
        source.upload_key = key
        return svc.save(source, display_name=name)

    first = save("upload-a.1", "first")
    assert save("upload-a.1", "again").id == first.id  # the same upload: its entry, not a new one
    other = save("upload-a.2", "other")  # another session of the same id: a new save
    plain = svc.save(art, display_name="plain")
    assert len({first.id, other.id, plain.id}) == 3
    assert sorted(e.display_name for e in svc.list(state="ALL").items) == ["first", "other", "plain"]


@pytest.fixture
def services(tmp_path, pg_url, s3_root, moto_endpoint):
    started = start_instances(tmp_path, pg_url, s3_root, moto_endpoint)
    yield started
    stop_instances(started)


def test_two_completes_through_two_instances_at_once_save_one_model(services, pg_url, s3_root):
    first, second = (Transport(s.url, SERVICE_TOKEN) for s in services)
    admin = admin_catalog(pg_url, s3_root)
    saved: list[str] = []
    for round_ in range(3):  # each round races two completes of a new upload
        model = os.urandom(2 * MIN_PART_SIZE)
        files = [{"path": "score.py", "size": len(SCORE), "sha256": hashlib.sha256(SCORE).hexdigest()},
                 {"path": "model.bin", "size": len(model), "sha256": hashlib.sha256(model).hexdigest()}]
        upload = first.call("POST", "uploads", json_body={"metadata": {"display_name": f"raced {round_}"},
                                                          "files": files, "part_size": MIN_PART_SIZE})["id"]
        _put(first, upload, 0, 0, model[:MIN_PART_SIZE])
        _put(second, upload, 0, 1, model[MIN_PART_SIZE:])
        _put(first, upload, 1, 0, SCORE)
        start = threading.Barrier(2, timeout=30)
        answers: list = []

        def complete(http, start=start, answers=answers, upload=upload):
            start.wait()
            try:
                answers.append(http.call("POST", "uploads", upload, "complete")["id"])
            except CatalogUnavailable as exc:  # the other one is completing it: wait for it
                answers.append("completing" if exc.details.get("completing") else exc)
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                answers.append(exc)

        threads = [threading.Thread(target=complete, args=(http,)) for http in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ids = [e.id for e in admin.list(state="ALL").items if e.id not in saved]
        assert len(ids) == 1, f"two completes saved {len(ids)} models; they answered {answers}"
        assert set(answers) <= {ids[0], "completing"} and ids[0] in answers, answers
        assert first.call("POST", "uploads", upload, "complete")["id"] == ids[0]
        assert second.call("GET", "uploads", upload)["model_id"] == ids[0]
        assert b"".join(admin.iter_file(ids[0], "model.bin")) == model
        saved += ids


def test_a_marker_another_instance_wrote_is_seen_after_this_one_listed_the_session(pg_url, s3_root):
    """Each instance's s3fs caches listings: the "done" marker written by the instance that
    completed must not look absent to one that listed the session's parts before."""
    root, options = s3_root
    here, there = (open_catalog(pg_url, root, storage_options=options, upgrade=True) for _ in range(2))
    upload = staged_upload(here, os.urandom(MIN_PART_SIZE + 10))
    assert len(here.upload_sessions().staging.parts(upload)) == 3  # a listing, now in this instance's cache
    entry = there.upload_sessions().complete(None, upload)
    assert here.upload_sessions().status(None, upload)["model_id"] == entry.id
    here.close()
    there.close()
