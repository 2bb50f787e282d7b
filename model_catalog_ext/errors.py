"""Typed errors shared by every layer.

Each error carries a stable machine ``code`` (used as the JSON ``"error"`` field and mapped
to exactly one HTTP status by the server) and a ``message`` written for a person who has
never read the code: what is wrong, and what to do about it.  Extra machine-readable
context goes in ``details``.  This module imports nothing, so every layer can use it.
"""
from __future__ import annotations

__all__ = [
    "CatalogError",
    "ModelNotFound",
    "InvalidInput",
    "InvalidArtifact",
    "Conflict",
    "ImmutableArtifact",
    "DamagedArtifact",
    "PendingChanges",
    "TargetNotEmpty",
    "PrepareError",
    "StorageFull",
]


class CatalogError(Exception):
    """Base class of every error the catalog raises on purpose."""

    code = "catalog_error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        """JSON-ready ``{"error": code, "message": ..., **details}``."""
        out = {"error": self.code, "message": self.message}
        for key, value in self.details.items():
            out.setdefault(key, value)
        return out


class ModelNotFound(CatalogError):
    """No model with this id (HTTP 404)."""

    code = "not_found"


class InvalidInput(CatalogError):
    """Bad tag syntax, empty name, bad filter, unknown field (HTTP 400)."""

    code = "invalid_input"


class InvalidArtifact(CatalogError):
    """The artifact cannot be stored: no score.py, escaping symlink, zip-slip... (HTTP 422)."""

    code = "invalid_artifact"


class Conflict(CatalogError):
    """A stale etag: someone changed the entry since you read it (HTTP 412).

    ``details["current_etag"]`` holds the etag to retry with.
    """

    code = "conflict"


class ImmutableArtifact(CatalogError):
    """An attempt to change the artifact of an entry (HTTP 409)."""

    code = "immutable_artifact"


class DamagedArtifact(CatalogError):
    """Stored bytes no longer match the digests recorded when they were saved; they are never
    served (HTTP 500)."""

    code = "damaged_artifact"


class PendingChanges(CatalogError):
    """Uncommitted git changes in the training script or artifact (HTTP 409).

    ``details["files"]`` lists the changed paths, relative to the repository root.
    """

    code = "pending_changes"


class TargetNotEmpty(CatalogError):
    """Download or prepare into a non-empty directory without force (HTTP 409)."""

    code = "target_not_empty"


class PrepareError(CatalogError):
    """Artifact preparation failed; the message says what to do (HTTP 422)."""

    code = "prepare_error"


class StorageFull(CatalogError):
    """No room left on the disk (or in the quota) being written to (HTTP 507)."""

    code = "storage_full"


class CatalogUnavailable(CatalogError):
    """The catalog's database or artifact store cannot be opened; the message says which and
    what to check (HTTP 503)."""

    code = "catalog_unavailable"
