"""The database's own failures, as the catalog's typed errors.

A write that finds the database's disk full is a :class:`StorageFull` (HTTP 507); one that
cannot get the write lock in time (another writer holds it past the busy timeout, a
PostgreSQL lock or statement timeout, a server going down) is a :class:`CatalogUnavailable`
(HTTP 503) with ``retry_after`` seconds.  Either way the transaction was rolled back, so
nothing changed.  Other errors pass through unchanged.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import event

from ..errors import CatalogError, CatalogUnavailable, StorageFull

RETRY_AFTER_SECONDS = 5

_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL = 5, 6, 13
# PostgreSQL SQLSTATEs: disk_full; lock_not_available, query_canceled (a timeout),
# deadlock_detected, too_many_connections, admin/crash shutdown, cannot_connect_now.
_PG_FULL = {"53100"}
_PG_BUSY = {"55P03", "57014", "40P01", "53300", "57P01", "57P02", "57P03"}


def _kind(exc: BaseException) -> str | None:
    """"full", "busy" or None for an error of the database driver."""
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection came free in time
        return "busy"
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        primary = code & 0xFF  # extended codes carry the primary one in their low byte
        if primary == _SQLITE_FULL:
            return "full"
        if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return "busy"
        return None
    state = getattr(orig, "sqlstate", None)
    if state in _PG_FULL:
        return "full"
    if state in _PG_BUSY or (state or "").startswith("08"):  # class 08: connection exception
        return "busy"
    return None


def typed_error(exc: BaseException) -> CatalogError | None:
    """The typed error ``exc`` (raised by SQLAlchemy) stands for, or None."""
    kind = _kind(exc) if isinstance(exc, (sa.exc.DBAPIError, sa.exc.TimeoutError)) else None
    if kind == "full":
        return StorageFull(
            "The catalog's database has no room to record this change: the disk (or quota) holding it "
            "is full. Nothing was changed. Ask the catalog's administrator to free some space, then try again.")
    if kind == "busy":
        return CatalogUnavailable(
            "The catalog's database is busy: another writer held it longer than this change could wait. "
            f"Nothing was changed; try again in {RETRY_AFTER_SECONDS} seconds.",
            retry_after=RETRY_AFTER_SECONDS)
    return None


@contextlib.contextmanager
def typed_write_errors() -> Iterator[None]:
    """Around a write transaction: a full disk or a lock not granted becomes its typed error."""
    try:
        yield
    except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
        typed = typed_error(exc)
        if typed is None:
            raise
        raise typed from exc


def lost_connections_unavailable(engine: sa.Engine) -> None:
    """Make a database that cannot be reached -- restarting, failed over, its connection cut --
    a :class:`CatalogUnavailable` (503, Retry-After) on every statement, reads included,
    instead of a driver error (a 500).  The pool's pre-ping keeps its own handling: once the
    server is back, the next checkout replaces the dead connections."""

    @event.listens_for(engine, "handle_error")
    def _unavailable(context) -> None:
        if context.is_pre_ping or not isinstance(context.sqlalchemy_exception, sa.exc.OperationalError):
            return
        if context.is_disconnect or context.connection is None:  # cut, or could not connect
            raise CatalogUnavailable(
                "The catalog's database cannot be reached right now (restarting, or its connection was cut). "
                "Whatever was being changed was not, unless the database was committing it just as the "
                f"connection broke: look before repeating it. Try again in {RETRY_AFTER_SECONDS} seconds.",
                retry_after=RETRY_AFTER_SECONDS) from context.original_exception
