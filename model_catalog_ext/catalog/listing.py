"""Turn a :class:`ModelQuery` into one SQL statement that reads only the rows of one page.

- Order is a keyset ``(sort key, seq)``: the next page starts after the last row served
  (``WHERE (key, seq) < (:k, :s)``), an index range scan however deep the page.
- Tags filter through ``model_tags`` (index ``key, value, seq``).
- ``latest_only`` keeps the newest version of each version set (a ``NOT EXISTS`` probe of
  the ``(version_set_id, version)`` unique index per candidate row, so a first page still
  reads about one page of rows) and adds each row's version count.
- Substring search uses the SQLite FTS5 trigram index when present (3+ characters) and
  ``LIKE``/``ILIKE`` otherwise (PostgreSQL, with pg_trgm GIN indexes when available).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from . import pagetoken
from .query import AccessScope, ModelQuery
from .records import datetime_to_us, normalize_framework
from .tables import model_tags, models

# Names sort case-insensitively (name_key), as people read a list of names.
_SORT_COLUMNS = {"time_created": (), "time_updated": (models.c.time_updated,), "name": (models.c.name_key,),
                 "version": (models.c.version,)}
# The types of sort_key()'s values under each sort (a page token must hold exactly these).
_KEY_TYPES: dict[str, list[type]] = {"time_created": [int], "time_updated": [int, int], "name": [str, int],
                                     "version": [int, int]}


# Built once: an alias copies every column of ``models`` when made (a tenth of a millisecond
# each), and every listing statement needs these.  Several uses in one statement are apart
# (each in its own subquery), so one object per role is enough; tag filters get one each.
_NEWER = models.alias("newer")
_EVERY_VERSION = models.alias("every_version")
_TAG_ALIASES: list = []


def _tag_alias(index: int):
    while len(_TAG_ALIASES) <= index:  # appends only: a race makes a spare alias, never a wrong one
        _TAG_ALIASES.append(model_tags.alias(f"tag_{len(_TAG_ALIASES)}"))
    return _TAG_ALIASES[index]


def sort_key(query: ModelQuery, row) -> list:
    """The keyset position of ``row`` under ``query``'s sort."""
    m = row._mapping
    key = [m[c.name] for c in _SORT_COLUMNS[query.sort]]
    return key + [m["seq"]]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class ListingCompiler:
    """Builds listing statements for one store (knows whether FTS5 trigram is there)."""

    def __init__(self, dialect: str, has_fts: bool):
        self.dialect = dialect
        self.has_fts = has_fts

    def _contains(self, column, text: str):
        if self.dialect == "postgresql":
            return column.ilike(_like_pattern(text), escape="\\")
        # SQLite LIKE is case-insensitive for ASCII, as FTS5 trigram (and ILIKE) are.
        return column.like(_like_pattern(text), escape="\\")

    def _text_filters(self, q: ModelQuery) -> tuple[str | None, list]:
        """(FTS5 MATCH expression or None, LIKE conditions) for the name and free-text filters."""
        conditions, fts_terms = [], []
        if q.name:
            if self.has_fts and len(q.name) >= 3:
                fts_terms.append(f"display_name : {_fts_phrase(q.name)}")
            else:
                conditions.append(self._contains(models.c.display_name, q.name))
        for word in (q.text or "").split():
            if self.has_fts and len(word) >= 3:
                fts_terms.append(_fts_phrase(word))
            else:
                conditions.append(sa.or_(self._contains(models.c.display_name, word),
                                         self._contains(models.c.description, word)))
        return (" AND ".join(fts_terms) if fts_terms else None), conditions

    @staticmethod
    def _tag_exists(tag, seq_col, index: int):
        # Correlated on the (seq, key) primary key: one index probe per candidate row.  Tied to
        # the driver's seq so SQLite can reject a candidate before reading its models row.
        tags = _tag_alias(index)
        sub = sa.select(sa.literal(1)).select_from(tags).where(tags.c.seq == seq_col, tags.c.key == tag.key)
        if tag.value is not None and not tag.prefix:
            sub = sub.where(tags.c.value == tag.value)
        elif tag.prefix and tag.value:
            sub = sub.where(sa.func.substr(tags.c.value, 1, len(tag.value)) == tag.value)
        return sub.exists()

    def _plain_conditions(self, q: ModelQuery) -> list:
        out = []
        if q.state != "ALL":
            out.append(models.c.lifecycle_state == q.state)
        if q.created_by:
            out.append(models.c.created_by == q.created_by)
        if q.framework:
            out.append(models.c.framework == normalize_framework(q.framework))
        if q.compartment_id:
            out.append(models.c.compartment_id == q.compartment_id)
        if q.project_id:
            out.append(models.c.project_id == q.project_id)
        if q.created_after:
            out.append(models.c.time_created >= datetime_to_us(q.created_after))
        if q.created_before:
            out.append(models.c.time_created < datetime_to_us(q.created_before))
        if q.scope is not None:
            out.append(in_scope(q.scope, models))
        return out

    @staticmethod
    def _is_latest(q: ModelQuery):
        """No newer version of the row's version set passes the state filter."""
        newer = _NEWER
        sub = sa.select(sa.literal(1)).select_from(newer).where(
            newer.c.version_set_id == models.c.version_set_id, newer.c.version > models.c.version)
        if q.state != "ALL":
            sub = sub.where(newer.c.lifecycle_state == q.state)
        if q.scope is not None:  # a newer version the caller may not read does not hide this one
            sub = sub.where(in_scope(q.scope, newer))
        return ~sub.exists()

    @staticmethod
    def _version_count(q: ModelQuery):
        every = _EVERY_VERSION
        sub = sa.select(sa.func.count()).select_from(every).where(every.c.version_set_id == models.c.version_set_id)
        if q.scope is not None:  # versions the caller may not read are not counted either
            sub = sub.where(in_scope(q.scope, every))
        return sub.scalar_subquery().label("version_count")

    def _filtered(self, q: ModelQuery, ordered: bool = True, latest: bool = True):
        """(FROM clause, WHERE conditions, the seq column that drives the walk) of a query.

        ``ordered=False`` (counting) never drives from the FTS table: joined in, SQLite
        would walk every models row and search the FTS index for each (seconds at 100k);
        as ``seq IN (FTS rowids)`` it reads the matches once and probes models by seq.  An
        exact tag drives the count whatever the sort (the tag index holds the matches)."""
        match, where = self._text_filters(q)
        where += self._plain_conditions(q)
        tags = list(q.tags)
        source: sa.FromClause = models
        seq_col: sa.ColumnElement[Any] = models.c.seq
        if ordered and q.sort == "time_created" and match is not None:
            fts = sa.table("models_fts", sa.column("rowid"))
            source = fts.join(models, models.c.seq == fts.c.rowid)
            seq_col = fts.c.rowid
            where.append(sa.literal_column("models_fts").op("MATCH")(sa.bindparam("fts_match", match)))
            match = None
        elif (not ordered or q.sort == "time_created") and any(t.value is not None and not t.prefix for t in tags):
            driver = next(t for t in tags if t.value is not None and not t.prefix)
            tags.remove(driver)
            source = model_tags.join(models, models.c.seq == model_tags.c.seq)
            seq_col = model_tags.c.seq
            where += [model_tags.c.key == driver.key, model_tags.c.value == driver.value]
        if match is not None:
            fts_rows: sa.Select[Any] = sa.select(sa.literal_column("rowid")).select_from(sa.table("models_fts")).where(
                sa.literal_column("models_fts").op("MATCH")(sa.bindparam("fts_match", match)))
            where.append(models.c.seq.in_(fts_rows))
        where += [self._tag_exists(t, seq_col, i) for i, t in enumerate(tags)]
        if q.latest_only and latest:
            where.append(self._is_latest(q))
        return source, where, seq_col

    def statement(self, q: ModelQuery, latest: bool = True) -> sa.Select:
        """SELECT of the page's rows, plus one to tell whether another page follows.

        Newest-first listings (the default) walk a "driver" already ordered by ``seq`` and
        stop after one page: the FTS index when there is a substring to match (FTS5 returns
        rowids in order), else the tag index for an exact tag, else the models index.  Other
        filters are checked row by row with primary-key probes.  Name/version/update-time
        sorts walk the matching models index instead.  ``latest=False``: leave out the check
        that ``latest_only`` asks for (see :meth:`bounded_statement`).
        """
        source, where, seq_col = self._filtered(q, latest=latest)
        key_columns = list(_SORT_COLUMNS[q.sort]) + [seq_col]
        if q.page_token:
            after = pagetoken.decode(q.page_token, q.fingerprint(), _KEY_TYPES[q.sort])
            if len(key_columns) == 1:
                where.append(seq_col < after[0] if q.order == "desc" else seq_col > after[0])
            else:
                left, right = sa.tuple_(*key_columns), sa.tuple_(*[sa.literal(v) for v in after])
                where.append(left < right if q.order == "desc" else left > right)
        order = [c.desc() if q.order == "desc" else c.asc() for c in key_columns]
        columns = [models, self._version_count(q)] if q.latest_only else [models]
        return sa.select(*columns).select_from(source).where(*where).order_by(*order).limit(q.limit + 1)

    def candidates(self, q: ModelQuery) -> int | None:
        """How many candidates :meth:`bounded_statement` should look for ``q``'s page among:
        on PostgreSQL for one row per model (4 per row: models with up to 4 versions that all
        match still fill a page at once); None where the plain statement is as good."""
        return 4 * (q.limit + 1) if self.dialect == "postgresql" and q.latest_only else None

    def bounded_statement(self, q: ModelQuery, candidates: int) -> sa.Select:
        """The page of a ``latest_only`` query looked for among the first ``candidates`` rows
        the other filters admit, checking "is there a newer version" on those alone.

        When a PostgreSQL trigram index serves a name filter, it collects and sorts every
        match, and in :meth:`statement` the check runs on every match before that sort (4,000
        matches of 1M models: 4,000 probes).  The answer is the page only when it is full
        (``limit + 1`` rows); otherwise ask again with :meth:`statement`.
        """
        first = (self.statement(q, latest=False).with_only_columns(models.c.seq).limit(candidates)
                 .subquery("candidates"))
        in_order = [c.desc() if q.order == "desc" else c.asc() for c in [*_SORT_COLUMNS[q.sort], models.c.seq]]
        return (sa.select(*self.statement(q).selected_columns)
                .select_from(models.join(first, models.c.seq == first.c.seq))
                .where(self._is_latest(q)).order_by(*in_order).limit(q.limit + 1))

    def probe(self, q: ModelQuery, version_set_ids: list[str]) -> sa.Select:
        """A row ``q`` finds now among these version sets, if any: the check that a kept page
        is still right after changes to them (listing_cache.py)."""
        return (self.statement(q).with_only_columns(models.c.seq)
                .where(models.c.version_set_id.in_(version_set_ids)).limit(1))

    def count_statement(self, q: ModelQuery) -> sa.Select:
        """SELECT COUNT of every entry ``q`` matches, on all pages."""
        source, where, _ = self._filtered(q, ordered=False)
        return sa.select(sa.func.count()).select_from(source).where(*where)

    def next_token(self, q: ModelQuery, last_row) -> str:
        return pagetoken.encode(q.fingerprint(), sort_key(q, last_row))


def in_scope(scope: AccessScope, table) -> sa.ColumnElement[bool]:
    """The rows of ``table`` (models or an alias of it) inside an access scope."""
    named = sorted(c for c in scope.compartments if c is not None)
    conditions: list[sa.ColumnElement[bool]] = []
    if named:
        conditions.append(table.c.compartment_id.in_(named))
    if None in scope.compartments:
        conditions.append(table.c.compartment_id.is_(None))
    for compartment, project in sorted(scope.projects, key=lambda p: (p[0] or "", p[1])):
        where = table.c.compartment_id.is_(None) if compartment is None else table.c.compartment_id == compartment
        conditions.append(sa.and_(where, table.c.project_id == project))
    return sa.or_(*conditions) if conditions else sa.false()


def version_counts(rows) -> dict[str, int]:
    """Each row's number of versions, when the statement counted them (``latest_only``)."""
    return {r._mapping["id"]: r._mapping["version_count"] for r in rows if "version_count" in r._mapping}
