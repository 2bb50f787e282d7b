"""An embedded catalog full of models to copy, and a field-by-field comparison of a copy."""
from __future__ import annotations

import hashlib
from pathlib import Path

from model_catalog_ext.catalog import CatalogService, open_catalog
from model_catalog_ext.workflows.copying import COPIED_FROM

AUTHORS = ("alice", "bob", "chandra")
SMALL = 13  # entries of fill_catalog(8): 8 series of 3, 1, 1, 2, 1, 1, 2, 2 versions
SCORE = "def load_model():\n    return 1\n\ndef predict(data, model=load_model()):\n    return {'prediction': [model]}\n"


def versions_of(i: int) -> int:
    """How many versions model ``i`` has: 1 to 3."""
    return 1 + (i % 3 == 0) + (i % 7 == 0)


def fill_catalog(catalog: CatalogService, folder: Path, models: int) -> list[str]:
    """Save ``models`` model series (1-3 versions each, every field set, some inactive) with
    tiny artifacts of their own; returns the ids of the first version of each."""
    art = folder / "artifact"
    art.mkdir(parents=True, exist_ok=True)
    (art / "score.py").write_text(SCORE)
    firsts = []
    for i in range(models):
        base = None
        for v in range(1, versions_of(i) + 1):
            # Bytes of its own per version: no two models share a blob, so one can be damaged alone.
            (art / "model.pkl").write_bytes(hashlib.sha256(f"{i}/{v}".encode()).digest())
            (art / "input_schema.json").write_text('{"schema": [{"name": "x%d", "dtype": "float64"}]}' % i)
            entry = catalog.save(
                art, display_name=f"model-{i:03d}", description=f"model {i}, version {v}",
                freeform_tags={"team": ("ml", "risk")[i % 2], "idx": str(i)},
                defined_metadata={"Framework": "scikit-learn", "UseCaseType": "binary_classification",
                                  "ArtifactTestResults": {"ok": True, "checks": [{"name": "predict", "ok": True}]}},
                custom_metadata=[{"key": "auc", "value": 0.5 + i / 1000, "category": "Performance"}],
                provenance={"git_commit": f"{i:040x}", "git_branch": "main", "training_script": "train.py"},
                compartment_id=f"compartment-{i % 2}", project_id="project-a" if i % 4 else None,
                created_by=AUTHORS[i % len(AUTHORS)], as_new_version_of=base)
            base = base or entry.id
            if v == 1:
                firsts.append(entry.id)
            if i % 10 == 5 and v == 1:
                catalog.deactivate(entry.id)
    return firsts


def open_sqlite(folder: Path) -> CatalogService:
    return open_catalog(f"sqlite:///{folder}/catalog.db", str(folder / "blobs"))


def copies_by_source(target: CatalogService) -> dict[str, list]:
    """Every copy in ``target``, by the id of its source."""
    found: dict[str, list] = {}
    token = None
    while True:
        page = target.list(state="ALL", tags=[COPIED_FROM], limit=1000, page_token=token)
        for entry in page.items:
            found.setdefault(entry.freeform_tags[COPIED_FROM], []).append(entry)
        token = page.next_page_token
        if not token:
            return found


def all_entries(catalog: CatalogService) -> list:
    entries, token = [], None
    while True:
        page = catalog.list(state="ALL", limit=1000, page_token=token)
        entries += page.items
        token = page.next_page_token
        if not token:
            return entries


def assert_copied(source: CatalogService, target: CatalogService, authors_kept: bool = True,
                  compartments: dict | None = None) -> None:
    """Exactly one copy of every source entry, equal field by field, in the same version
    sets with the same parents, and every stored byte of the target intact."""
    entries = all_entries(source)
    found = copies_by_source(target)
    assert sorted(found) == sorted(e.id for e in entries)
    assert all(len(copies) == 1 for copies in found.values()), "a model was copied twice"
    copy_of = {source_id: copies[0] for source_id, copies in found.items()}
    same = ("display_name", "description", "defined_metadata", "custom_metadata", "provenance", "input_schema",
            "output_schema", "lifecycle_state", "version", "artifact_size", "project_id")
    for entry in entries:
        copy = copy_of[entry.id]
        for name in same:
            assert getattr(copy, name) == getattr(entry, name), (name, entry.id)
        assert copy.freeform_tags == {**entry.freeform_tags, COPIED_FROM: entry.id}
        expected_compartment = (compartments or {}).get(entry.compartment_id, entry.compartment_id)
        assert copy.compartment_id == expected_compartment
        files = lambda e: sorted((m["path"], m["size"], m["sha256"]) for m in e.manifest)  # noqa: E731
        assert files(copy) == files(entry)
        if authors_kept:
            assert copy.created_by == entry.created_by
        if entry.parent_id is not None:
            assert copy.parent_id == copy_of[entry.parent_id].id
            assert copy.version_set_id == copy_of[entry.parent_id].version_set_id
    assert len({c.version_set_id for c in copy_of.values()}) == len({e.version_set_id for e in entries})
    assert target.verify() == []
