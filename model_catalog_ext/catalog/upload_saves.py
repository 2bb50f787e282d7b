"""Which entry each completed resumable upload saved: the ``upload_saves`` table.

A save of an upload's files (``ArtifactSource.upload_key`` set) looks its key up before it
stores anything and again inside its own transaction, and inserts its row there with the
entry.  The row's primary key lets one such transaction commit: a second complete of the
same upload -- at the same instant through another instance, or a retry after a failure
that followed the save -- finds the first one's entry instead of adding another.
"""
from __future__ import annotations

import sqlalchemy as sa

from .tables import upload_saves


def saved_model_id(conn: sa.Connection, upload_key: str) -> str | None:
    """The id of the entry saved from the upload ``upload_key`` (None: not saved yet)."""
    return conn.execute(sa.select(upload_saves.c.model_id).where(upload_saves.c.upload_key == upload_key)).scalar()


def record_upload_save(conn: sa.Connection, upload_key: str, model_id: str, at: int) -> None:
    """Record, in the save's transaction, that ``upload_key`` saved ``model_id``
    (IntegrityError when another transaction recorded the key first)."""
    conn.execute(upload_saves.insert().values(upload_key=upload_key, model_id=model_id, at=at))
