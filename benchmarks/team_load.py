"""Bulk-load N models into the catalog's PostgreSQL schema and into MLflow's model registry,
for benchmarks/team_service.py.

Both loads start from one real save by each system's own code (our ``CatalogService.save``
of a small artifact onto S3; MLflow's ``create_registered_model`` + ``create_model_version``),
read the rows it wrote back (ours: models, model_tags, version_sets and, from migration 0008,
model_history) and COPY N-1 variants of them that differ only in the columns a different
save would change (ids, names, description, tags, author, times).  So every row
is what a real save writes, and all our entries share the seed's artifact (one blob).

Our models table has a dozen B-tree indexes and two trigram GIN indexes: they are dropped
before the COPY and re-created afterwards from their own definitions (pg_indexes), which is
how a bulk load is done and leaves the same schema.  MLflow's tables keep their keys.
"""
from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

WORDS = ["churn", "fraud", "price", "demand", "credit", "risk", "forecast", "retention", "upsell", "lead",
         "score", "anomaly", "sensor", "vision", "text", "topic", "ranking", "click", "basket", "route",
         "energy", "claims", "triage", "spam", "sentiment", "weather", "supply", "inventory", "loan", "default"]
ALGOS = ["rf", "xgb", "lgbm", "logreg", "mlp", "svm", "knn", "gbm"]
TEAMS = 50
STAGES = ["dev", "staging", "prod"]
DATASET_VERSION = 1  # bump when dataset() changes: the cached clusters are keyed on it

# The filters the clients list with: a team's models (1 in 50) and a model family (1 in 240).
TAG_FILTER = ("team", "ml-team-7")
NAME_FILTER = "fraud-xgb"


def dataset(n: int, seed: int = 23):
    """Deterministic (name, description, tags, author) for ``n`` models."""
    rng = random.Random(seed)
    for i in range(n):
        topic, algo = rng.choice(WORDS), rng.choice(ALGOS)
        yield (f"{topic}-{algo}-{i:07d}",
               f"{algo} model for {topic} and {rng.choice(WORDS)} built by the {rng.choice(WORDS)} squad",
               {"team": f"ml-team-{rng.randrange(TEAMS)}", "stage": rng.choice(STAGES),
                "dataset": f"ds-{rng.randrange(1000)}"},
               f"user{rng.randrange(200)}")


def seed_artifact(folder: Path) -> Path:
    """A small scikit-learn-style artifact (score.py + a pickle-sized file)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "score.py").write_text("import pickle\n\ndef load_model():\n    with open('model.pkl', 'rb') as f:\n"
                                     "        return pickle.load(f)\n\ndef predict(data, model=load_model()):\n"
                                     "    return {'prediction': model.predict(data).tolist()}\n")
    (folder / "model.pkl").write_bytes(bytes(range(256)) * 16)
    return folder


def _tsv(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, (bytes, memoryview)):
        return "\\\\x" + bytes(value).hex()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy(conn, table: str, columns: list[str], rows) -> None:
    """COPY ``rows`` (tuples in ``columns`` order) into ``table`` through psycopg 3."""
    raw = conn.connection.dbapi_connection
    cols = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        buf = io.StringIO()
        for count, row in enumerate(rows, 1):
            buf.write("\t".join(_tsv(v) for v in row))
            buf.write("\n")
            if count % 20000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def _secondary_indexes(conn, tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes on ``tables`` that no constraint owns."""
    rows = conn.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%(t)s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", {"t": tables}).fetchall()
    return [(r[0], r[1]) for r in rows]


def _seed_history(conn, model_id: str) -> dict | None:
    """The history record the seed's save wrote, if this schema keeps history."""
    import sqlalchemy as sa

    if not sa.inspect(conn).has_table("model_history"):
        return None
    return dict(conn.execute(sa.text("SELECT * FROM model_history WHERE model_id = :i"), {"i": model_id})
                .one()._mapping)


def _history_row(seed: dict, seq: int, t: int, row) -> dict:
    """The seed's "saved" record, for the model of ``seq`` saved at ``t``."""
    name, desc, tags, author = row
    changes = json.loads(seed["changes"])
    for field, value in (("display_name", name), ("description", desc), ("freeform_tags", tags),
                         ("created_by", author)):
        if isinstance(changes.get(field), list) and len(changes[field]) == 2:
            changes[field] = [changes[field][0], value]
    return dict(seed, model_id=f"mdl-{seq:024x}", version_set_id=f"mvs-{seq:024x}", at=t, actor=author,
                changes=json.dumps(changes, separators=(",", ":"), sort_keys=True))


def load_ours(url: str, artifact_root: str, storage_options: dict, n: int, work: Path) -> dict:
    """Schema by ``jupyter model-catalog db upgrade``, one real save, then N-1 copied rows."""
    import sqlalchemy as sa

    from model_catalog_ext.catalog import open_catalog
    from model_catalog_ext.catalog.records import dumps, name_key

    t0 = time.perf_counter()
    env_python = [sys.executable, "-m", "model_catalog_ext.cli"]
    subprocess.run([*env_python, "db", "upgrade", "--url", url, "--artifact-root", artifact_root], check=True,
                   stdout=subprocess.DEVNULL)
    catalog = open_catalog(url, artifact_root, storage_options=storage_options)
    name, desc, tags, author = next(dataset(n))
    seed = catalog.save(seed_artifact(work / "seed-artifact"), display_name=name, description=desc,
                        freeform_tags=tags, created_by=author)
    catalog.close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        seed_row = dict(conn.execute(sa.text("SELECT * FROM models WHERE id = :i"), {"i": seed.id}).one()._mapping)
        columns = [c for c in seed_row if c != "seq"] + ["seq"]
        history = _seed_history(conn, seed.id)
        indexes = _secondary_indexes(conn, ["models", "model_tags", "model_history"])
        for index_name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{index_name}"')
        start_us = seed_row["time_created"] - n * 1_000_000  # one save a second before the seed
        first_seq = seed_row["seq"] + 1
        def numbered():  # (seq, time, row of dataset()) of every model after the seed
            for i, row in enumerate(dataset(n), start=0):
                if i:
                    yield first_seq + i - 1, start_us + i * 1_000_000, row

        def model_rows():
            for seq, t, (name, desc, tags, author) in numbered():
                values = dict(seed_row, seq=seq, id=f"mdl-{seq:024x}", display_name=name, name_key=name_key(name),
                              description=desc, created_by=author, time_created=t, time_updated=t,
                              freeform_tags=dumps(tags), version_set_id=f"mvs-{seq:024x}", etag=f"{seq:032x}")
                yield tuple(values[c] for c in columns)

        # Three passes over the (deterministic) dataset rather than a million rows in memory.
        _copy(conn, "models", columns, model_rows())
        _copy(conn, "model_tags", ["seq", "key", "value"],
              ((seq, k, v) for seq, _, row in numbered() for k, v in row[2].items()))
        _copy(conn, "version_sets", ["id", "last_version"], ((f"mvs-{seq:024x}", 1) for seq, _, _ in numbered()))
        if history is not None:  # a save also writes its history record (migration 0008 on)
            h_cols = [c for c in history if c != "seq"]
            _copy(conn, "model_history", h_cols,
                  (tuple(_history_row(history, seq, t, row)[c] for c in h_cols) for seq, t, row in numbered()))
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('models', 'seq'), (SELECT max(seq) FROM models))")
        copied = time.perf_counter() - t0
        for _, statement in indexes:
            conn.exec_driver_sql(statement)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        count = conn.exec_driver_sql("SELECT count(*) FROM models").scalar()
    engine.dispose()
    return {"models": count, "seed_id": seed.id, "copy_s": copied, "total_s": time.perf_counter() - t0,
            "indexes_rebuilt": len(indexes)}


MLFLOW_SEED = textwrap.dedent('''
    import json, sys
    from mlflow.tracking import MlflowClient
    uri, name, desc, tags = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)  # creates and migrates the schema
    client.create_registered_model(name, tags=tags, description=desc)
    client.create_model_version(name, source=sys.argv[5], description=desc)
    import mlflow
    print(json.dumps({"version": mlflow.__version__}))
''')


def load_mlflow(python: Path, url: str, artifacts: str, n: int, work: Path) -> dict:
    """MLflow's schema and one real registration by MLflow itself, then N-1 copied models
    (registered model + its tags + version 1)."""
    import sqlalchemy as sa

    t0 = time.perf_counter()
    name, desc, tags, author = next(dataset(n))
    script = work / "mlflow_seed.py"
    script.write_text(MLFLOW_SEED)
    plain_url = url.replace("postgresql+psycopg://", "postgresql+psycopg2://")
    done = subprocess.run([str(python), str(script), plain_url, name, desc, json.dumps(tags),
                           f"{artifacts}/seed/model"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"MLflow's seed registration failed:\n{done.stderr[-3000:]}")
    version = json.loads(done.stdout.strip().splitlines()[-1])["version"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        def one(table: str) -> dict:
            return dict(conn.execute(sa.text(f'SELECT * FROM "{table}" WHERE name = :n'), {"n": name}).one()._mapping)

        model, mv = one("registered_models"), one("model_versions")
        tag_row = dict(conn.execute(sa.text("SELECT * FROM registered_model_tags WHERE name = :n LIMIT 1"),
                                    {"n": name}).one()._mapping)
        m_cols, v_cols, t_cols = list(model), [c for c in mv if c != "id"], list(tag_row)
        start_ms = model["creation_time"] - n * 1000

        def numbered():
            for i, row in enumerate(dataset(n)):
                if i:
                    yield start_ms + i * 1000, row

        _copy(conn, "registered_models", m_cols,
              (tuple(dict(model, name=name, description=desc, creation_time=t, last_updated_time=t)[c] for c in m_cols)
               for t, (name, desc, _, _) in numbered()))
        _copy(conn, "model_versions", v_cols,
              (tuple(dict(mv, name=name, description=desc, creation_time=t, last_updated_time=t, user_id=author)[c]
                     for c in v_cols) for t, (name, desc, _, author) in numbered()))
        _copy(conn, "registered_model_tags", t_cols,
              (tuple(dict(tag_row, name=name, key=k, value=v)[c] for c in t_cols)
               for _, (name, _, tags, _) in numbered() for k, v in tags.items()))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        count = conn.exec_driver_sql("SELECT count(*) FROM registered_models").scalar()
    engine.dispose()
    return {"models": count, "version": version, "total_s": time.perf_counter() - t0}
