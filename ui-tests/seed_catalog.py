"""Seed a catalog with a few real saved models for the UI tests (and the UI benchmark).

    python seed_catalog.py                 # seeds MODEL_CATALOG_URL / MODEL_CATALOG_ARTIFACT_ROOT
    python seed_catalog.py --bulk 100000   # plus 100,000 rows sharing one stored artifact

Every seeded model is a real artifact: an iris classifier prepared by
``model_catalog_ext.artifact.prepare`` when that works, else a hand-written artifact
directory (score.py, requirements.txt, a pickled model, schemas) so the UI tests still
have real files to list, view and download.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import textwrap
from pathlib import Path

# name, description, tags, user, framework tag ("Framework" of defined metadata), state
SEEDS = [
    ("iris-classifier", "Logistic regression on the iris data set.", {"team": "ml", "version": "3"}, "alice", "ACTIVE"),
    ("churn-model", "Predicts customer churn from usage (gradient boosting).", {"team": "growth", "stage": "prod"}, "bob", "ACTIVE"),
    ("fraud-detector", "Flags suspicious card transactions.", {"team": "risk", "version": "1"}, "carol", "ACTIVE"),
    ("price-forecast", "Daily price forecast for the shop.", {"team": "ml", "horizon": "7d"}, "alice", "ACTIVE"),
    ("legacy-scorer", "An old model kept for reference.", {"team": "ml"}, "dave", "INACTIVE"),
]


def _train_iris():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    data = load_iris(as_frame=True)
    X, y = data.data, data.target
    model = LogisticRegression(max_iter=300).fit(X, y)
    return model, X.head(20), y.head(20)


def _hand_written_artifact(target: Path, model) -> Path:
    """The smallest artifact ADS would accept: score.py + a serialized model (+ extras)."""
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "model.pkl", "wb") as fh:
        pickle.dump(model, fh)
    (target / "score.py").write_text(textwrap.dedent('''\
        import os
        import pickle

        import pandas as pd

        MODEL_FILE = "model.pkl"


        def load_model(model_file_name=MODEL_FILE):
            path = os.path.join(os.path.dirname(os.path.realpath(__file__)), model_file_name)
            with open(path, "rb") as fh:
                return pickle.load(fh)


        def predict(data, model=load_model()):
            frame = pd.DataFrame(data)
            return {"prediction": model.predict(frame).tolist()}
        '''))
    (target / "requirements.txt").write_text("scikit-learn\npandas\n")
    columns = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    schema = {
        "schema": [
            {"name": name, "dtype": "float64", "feature_type": "Continuous", "order": i,
             "required": True, "description": name, "domain": {"values": "", "stats": {}, "constraints": []}}
            for i, name in enumerate(columns)
        ],
        "version": "1.1",
    }
    (target / "input_schema.json").write_text(json.dumps(schema, indent=2))
    out = {"schema": [{"name": "prediction", "dtype": "int64", "feature_type": "Category", "order": 0,
                       "required": True, "description": "iris class", "domain": {"values": "", "stats": {}, "constraints": []}}],
           "version": "1.1"}
    (target / "output_schema.json").write_text(json.dumps(out, indent=2))
    return target


# Models whose artifact is verified before saving (the model view shows each check).
VERIFIED = {"price-forecast"}


def make_artifact(work: Path, name: str):
    """A real artifact directory for `name`; returns (path, defined_metadata or None)."""
    model, X, y = _train_iris()
    target = work / name
    try:
        from model_catalog_ext.artifact import prepare

        art = prepare(model, target, X_sample=X, y_sample=y, force_overwrite=True)
        if name in VERIFIED:
            art.verify()
        return Path(art.artifact_dir), dict(getattr(art, "defined_metadata", {}) or {})
    except Exception as exc:  # the artifact layer may still be in progress
        print(f"seed: prepare() failed ({exc!r}); writing the artifact by hand", file=sys.stderr)
        return _hand_written_artifact(target, model), {
            "Framework": "scikit-learn", "Algorithm": "LogisticRegression", "UseCaseType": "multinomial_classification"}


def seed(svc, work: Path) -> list:
    saved = []
    for name, description, tags, user, state in SEEDS:
        path, defined = make_artifact(work, name)
        entry = svc.save(
            path,
            display_name=name,
            description=description,
            freeform_tags=tags,
            created_by=user,
            project_id="demo-project",
            compartment_id="demo-compartment",
            defined_metadata=defined or None,
            provenance={
                "git_branch": "main",
                "git_commit": "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
                "repository_url": "https://github.com/example/models.git",
                "script_dir": None,
                "training_script": "notebooks/train.ipynb",
                "git_dirty": False,
            },
        )
        if state == "INACTIVE":
            entry = svc.deactivate(entry.id)
        saved.append(entry)
    # A second version of the iris classifier, so the version history has two rows.
    path, defined = make_artifact(work, "iris-classifier-v2")
    saved.append(svc.save(path, display_name="iris-classifier", description="Retrained with more iterations.",
                          freeform_tags={"team": "ml", "version": "4"}, created_by="alice",
                          defined_metadata=defined or None, as_new_version_of=saved[0].id))
    return saved


def bulk(svc, count: int, template) -> None:
    """Insert `count` rows referencing `template`'s stored artifact (same digest).

    Uses the store's bulk path when the catalog has one; else inserts rows with SQLAlchemy
    Core into the catalog's own tables (``model_catalog_ext.catalog.tables``), copying the
    template row so every column the schema requires is filled the way the store fills it.
    """
    for attr in ("bulk_insert", "import_entries", "insert_many"):
        fn = getattr(svc, attr, None)
        if callable(fn):
            raise SystemExit(f"seed: the catalog now has svc.{attr}; switch the benchmark to it")
    import datetime as dt
    import uuid

    import sqlalchemy as sa

    from model_catalog_ext.catalog import tables

    engine = _find_engine(svc, sa)
    teams = ["ml", "growth", "risk", "search", "ads", "ops"]
    users = ["alice", "bob", "carol", "dave", "erin", "frank"]
    frameworks = ["scikit-learn", "xgboost", "lightgbm", "onnx"]
    with engine.connect() as conn:
        row = dict(conn.execute(sa.select(tables.models).where(tables.models.c.id == template.id)).mappings().one())
        last = conn.execute(sa.select(sa.func.max(tables.models.c.seq))).scalar() or 0
    row.pop("seq", None)
    base_us = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1_000_000)
    defined = json.loads(row["defined_metadata"] or "{}")
    batch, tag_batch = [], []
    seq = last
    with engine.begin() as conn:
        for i in range(count):
            seq += 1
            tags = {"team": teams[i % len(teams)], "version": str(i % 10)}
            framework = frameworks[i % len(frameworks)]
            t = base_us + i * 60_000_000
            batch.append({
                **row,
                "seq": seq,
                "id": f"bulk-{uuid.uuid4().hex[:24]}",
                "display_name": f"bulk-model-{i:06d}",
                "name_key": f"bulk-model-{i:06d}",  # the name case-folded: listings sort by it
                "description": f"Synthetic model {i} for the UI benchmark.",
                "created_by": users[i % len(users)],
                "time_created": t,
                "time_updated": t,
                "framework": framework,
                "freeform_tags": json.dumps(tags, sort_keys=True),
                "defined_metadata": json.dumps({**defined, "Framework": framework}),
                "version_set_id": f"vs-{uuid.uuid4().hex[:24]}",
                "version": 1,
                "parent_id": None,
                "lifecycle_state": "ACTIVE",
                "etag": uuid.uuid4().hex,
            })
            tag_batch.extend({"seq": seq, "key": k, "value": v} for k, v in tags.items())
            if len(batch) >= 5000:
                conn.execute(tables.models.insert(), batch)
                conn.execute(tables.model_tags.insert(), tag_batch)
                batch, tag_batch = [], []
        if batch:
            conn.execute(tables.models.insert(), batch)
            conn.execute(tables.model_tags.insert(), tag_batch)


def _find_engine(svc, sa):
    seen, todo = set(), [svc]
    while todo:  # the engine sits somewhere inside the service: look a few levels down
        obj = todo.pop()
        if id(obj) in seen or len(seen) > 200:
            continue
        seen.add(id(obj))
        if isinstance(obj, sa.engine.Engine):
            return obj
        for value in getattr(obj, "__dict__", {}).values():
            if isinstance(value, sa.engine.Engine) or hasattr(value, "__dict__") and type(value).__module__.startswith("model_catalog_ext"):
                todo.append(value)
    url = os.environ.get("MODEL_CATALOG_URL")
    if not url:
        raise SystemExit("seed: cannot find the catalog's SQL engine; set MODEL_CATALOG_URL")
    return sa.create_engine(url)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("MODEL_CATALOG_URL"))
    parser.add_argument("--artifact-root", default=os.environ.get("MODEL_CATALOG_ARTIFACT_ROOT"))
    parser.add_argument("--if-empty", action="store_true", help="do nothing when the catalog has models")
    parser.add_argument("--bulk", type=int, default=0, help="add this many synthetic rows")
    args = parser.parse_args(argv)

    from model_catalog_ext.catalog import open_catalog

    svc = open_catalog(url=args.url, artifact_root=args.artifact_root)
    existing = svc.list(state="ALL", limit=1).items
    if args.if_empty and existing:
        print("seed: catalog already has models; nothing to do")
        return 0
    with tempfile.TemporaryDirectory(prefix="mc-seed-") as work:
        saved = seed(svc, Path(work)) if not existing or not args.bulk else existing
        print(f"seed: {len(saved)} models saved")
        if args.bulk:
            bulk(svc, args.bulk, saved[0])
            print(f"seed: {args.bulk} bulk rows added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
