"""One row per model on PostgreSQL looks for the page among the first candidates only, and
asks again in full when that page comes out short (listing.ListingCompiler.candidates)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from model_catalog_ext.catalog import open_catalog


@pytest.fixture
def pg_catalog(pg_url, tmp_path):
    open_catalog(pg_url, str(tmp_path / "blobs"), upgrade=True).close()
    catalog = open_catalog(pg_url, str(tmp_path / "blobs"))
    yield catalog
    catalog.close()


def _all_pages(catalog, **filters) -> list[tuple[str, int]]:
    seen, token = [], None
    while True:
        page = catalog.list(latest_only=True, page_token=token, **filters)
        seen += [(e.display_name, e.version) for e in page.items]
        token = page.next_page_token
        if token is None:
            return seen


def test_a_page_the_candidates_cannot_fill_is_asked_again_in_full(pg_catalog, make_artifact):
    # Three models, then 15 versions of a fourth: with limit=2 the first 12 candidates are all
    # versions of the fourth, of which only the newest is listed.
    for name in ("needle-b", "needle-c", "needle-d"):
        pg_catalog.save(make_artifact(), display_name=name)
    first = pg_catalog.save(make_artifact(), display_name="needle-a")
    for _ in range(14):
        pg_catalog.save(make_artifact(), display_name="needle-a", as_new_version_of=first.id)
    page = pg_catalog.list(latest_only=True, name="needle", limit=2)
    assert [(e.display_name, e.version) for e in page.items] == [("needle-a", 15), ("needle-d", 1)]
    assert page.next_page_token is not None
    assert _all_pages(pg_catalog, name="needle", limit=2) == [
        ("needle-a", 15), ("needle-d", 1), ("needle-c", 1), ("needle-b", 1)]
    assert _all_pages(pg_catalog, name="needle", limit=1, sort="name", order="asc") == [
        ("needle-a", 15), ("needle-b", 1), ("needle-c", 1), ("needle-d", 1)]


def _newer_version_probes(plan: dict) -> int:
    """Rows of ``models`` read to answer "is there a newer version" (alias ``newer``)."""
    own = plan.get("Actual Loops", 0) * max(plan.get("Actual Rows", 0), 1) if plan.get("Alias") == "newer" else 0
    return own + sum(_newer_version_probes(child) for child in plan.get("Plans", []))


def test_the_newer_version_check_runs_on_the_candidates_only(pg_catalog, make_artifact):
    """When the matches must be sorted (as a trigram index's are), only the first candidates
    are checked for a newer version, not every match."""
    artifact = make_artifact()
    for i in range(120):
        pg_catalog.save(artifact, display_name=f"needle-{i}")
    engine = pg_catalog.backend.engine
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "newer" in statement:
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        page = pg_catalog.list(latest_only=True, name="needle", limit=2)
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    assert [e.display_name for e in page.items] == ["needle-119", "needle-118"]
    statement, parameters = sent[0]
    with engine.connect() as conn:
        # The plan PostgreSQL picks for a trigram match on a big table: collect every match,
        # then sort; the newer-version check probes an index row by row.
        for setting in ("enable_indexscan", "enable_hashjoin", "enable_mergejoin"):
            conn.exec_driver_sql(f"SET {setting} = off")
        plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    assert _newer_version_probes(plan) <= 4 * (2 + 1)
