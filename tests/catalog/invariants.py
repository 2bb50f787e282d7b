"""Whole-catalog consistency checks shared by the crash and concurrency tests."""
from __future__ import annotations

import json

import sqlalchemy as sa


def assert_consistent(svc) -> None:
    """No partial entry, no reference to a missing blob, every byte verifies."""
    with svc.backend.engine.connect() as conn:
        models = conn.exec_driver_sql("SELECT seq, id, artifact_digest, artifact_size, freeform_tags FROM models").all()
        artifacts = {d: json.loads(m) for d, m in conn.exec_driver_sql("SELECT digest, manifest FROM artifacts")}
        refs = {}
        for digest, sha in conn.exec_driver_sql("SELECT digest, sha256 FROM artifact_blobs"):
            refs.setdefault(digest, set()).add(sha)
        blob_rows = {r[0] for r in conn.exec_driver_sql("SELECT sha256 FROM blobs")}
        tags = {}
        for seq, key, value in conn.exec_driver_sql("SELECT seq, key, value FROM model_tags"):
            tags.setdefault(seq, {})[key] = value
    stored = set(svc.backend.blobs.iter_digests())
    for seq, model_id, digest, size, freeform in models:
        assert digest in artifacts, f"{model_id} points at a missing artifact record"
        manifest = artifacts[digest]
        assert manifest and sum(m["size"] for m in manifest) == size, model_id
        assert {m["sha256"] for m in manifest} == refs.get(digest), model_id
        for m in manifest:
            assert m["sha256"] in blob_rows, f"{model_id}: no blob row for {m['path']}"
            assert m["sha256"] in stored, f"{model_id}: blob of {m['path']} is missing"
        assert tags.get(seq, {}) == json.loads(freeform), model_id
    assert svc.verify() == []
    with svc.backend.engine.connect() as conn:
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar() if svc.backend.engine.dialect.name == "sqlite" else "ok"
    assert integrity == "ok"
    _ = sa  # keep the import explicit for readers: raw SQL on purpose, independent of the service
