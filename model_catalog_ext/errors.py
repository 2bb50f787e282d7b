"""Typed errors shared by every layer.

Each error carries a stable machine ``code`` (used as the JSON ``"error"`` field) with
exactly one ``http_status``, and a ``message`` written for a person who has never read the
code: what is wrong, and what to do about it.  Extra machine-readable context goes in
``details``.  Every code of every layer is defined here (``STATUS_BY_CODE`` is the table the
server answers with and ``openapi.yaml`` documents); this module imports nothing, so every
layer can use it.
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
    "CatalogUnavailable",
    "NotAuthorized",
    "Unsupported",
    "FailedVerification",
    "ForbiddenPath",
    "Forbidden",
    "PayloadTooLarge",
    "UploadNotFound",
    "RangeNotSatisfiable",
    "RouteNotFound",
    "NoKernel",
    "KernelError",
    "RemoteError",
    "STATUS_BY_CODE",
    "http_status",
]


class CatalogError(Exception):
    """Base class of every error the catalog raises on purpose."""

    code = "catalog_error"
    http_status = 400  # a CatalogError without a more precise type (e.g. from a kernel)

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
    http_status = 404


class InvalidInput(CatalogError):
    """Bad tag syntax, empty name, bad filter, unknown field (HTTP 400)."""

    code = "invalid_input"
    http_status = 400


class InvalidArtifact(CatalogError):
    """The artifact cannot be stored: no score.py, escaping symlink, zip-slip... (HTTP 422)."""

    code = "invalid_artifact"
    http_status = 422


class Conflict(CatalogError):
    """A stale etag: someone changed the entry since you read it (HTTP 412).

    ``details["current_etag"]`` holds the etag to retry with.
    """

    code = "conflict"
    http_status = 412

    @classmethod
    def stale(cls, model_id: str, given: str, current: str) -> Conflict:
        """The one message of a stale etag, whichever backend found it."""
        return cls(f"Model {model_id} was changed by someone else since you read it (your etag {given} is "
                   f"stale; the current one is {current}). Reload the model, re-apply your change and save "
                   "again.", model_id=model_id, current_etag=current)


class ImmutableArtifact(CatalogError):
    """An attempt to change the artifact of an entry (HTTP 409)."""

    code = "immutable_artifact"
    http_status = 409


class DamagedArtifact(CatalogError):
    """Stored bytes no longer match the digests recorded when they were saved; they are never
    served (HTTP 500)."""

    code = "damaged_artifact"
    http_status = 500


class PendingChanges(CatalogError):
    """Uncommitted git changes in the training script or artifact (HTTP 409).

    ``details["files"]`` lists the changed paths, relative to the repository root.
    """

    code = "pending_changes"
    http_status = 409


class TargetNotEmpty(CatalogError):
    """Download or prepare into a non-empty directory without force (HTTP 409)."""

    code = "target_not_empty"
    http_status = 409


class PrepareError(CatalogError):
    """Artifact preparation failed; the message says what to do (HTTP 422)."""

    code = "prepare_error"
    http_status = 422


class StorageFull(CatalogError):
    """No room left on the disk (or in the quota) being written to (HTTP 507)."""

    code = "storage_full"
    http_status = 507


class CatalogUnavailable(CatalogError):
    """The catalog's database or artifact store cannot be opened, or a hub-managed service
    cannot reach its hub; the message says which and what to check (HTTP 503)."""

    code = "catalog_unavailable"
    http_status = 503


class NotAuthorized(CatalogError):
    """The catalog's store refused these credentials or this principal (OCI's 401 / 403); the
    message says what to check: the policy, the config profile and key, the principal
    (HTTP 403)."""

    code = "not_authorized"
    http_status = 403


class FailedVerification(InvalidInput):
    """The artifact's last verify() failed and MODEL_CATALOG_REFUSE_FAILED_VERIFY refuses to
    save it (HTTP 400, as any input refused)."""


class Unsupported(CatalogError):
    """The catalog's backend cannot do this (sort by a field it does not keep, list projects it
    does not have); its capabilities say so up front.  HTTP 400: the request asks what this
    catalog cannot answer, and the message says what to ask instead (5xx stays for faults)."""

    code = "unsupported"
    http_status = 400


class ForbiddenPath(CatalogError):
    """A client path that leaves the server's root, or goes where it is hidden (HTTP 403)."""

    code = "forbidden_path"
    http_status = 403


class Forbidden(CatalogError):
    """The caller is known but the catalog's access policy does not let them do this (HTTP 403);
    the message names the compartment, the right that is missing and whom to ask."""

    code = "forbidden"
    http_status = 403


class PayloadTooLarge(CatalogError):
    """An upload over the configured size limits (HTTP 413)."""

    code = "payload_too_large"
    http_status = 413


class UploadNotFound(CatalogError):
    """No upload session with this id for this caller (completed and collected, idle too long, or another's)."""

    code = "upload_not_found"
    http_status = 404


class RangeNotSatisfiable(CatalogError):
    """A download's Range lies outside the bytes there are."""

    code = "range_not_satisfiable"
    http_status = 416


class RouteNotFound(CatalogError):
    """A URL under the API prefix that is no route of the API (HTTP 404)."""

    code = "not_found"
    http_status = 404


class NoKernel(CatalogError):
    """The notebook has no running kernel (HTTP 409)."""

    code = "no_kernel"
    http_status = 409


class KernelError(CatalogError):
    """The kernel could not answer (HTTP 502)."""

    code = "kernel_error"
    http_status = 502


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Each code has exactly one status (a test checks that no two classes disagree).
STATUS_BY_CODE: dict[str, int] = {CatalogError.code: CatalogError.http_status}
STATUS_BY_CODE.update({cls.code: cls.http_status for cls in _subclasses(CatalogError)})


class RemoteError(CatalogError):
    """An error reported by another process (a notebook's kernel preparing a model), keeping
    its code so it maps to the same HTTP status as if it had been raised here.  A code this
    version does not know becomes ``prepare_error`` (kept as ``details["kernel_error_code"]``)."""

    def __init__(self, error: dict):
        details = {k: v for k, v in error.items() if k not in ("error", "message", "details")}
        if isinstance(error.get("details"), dict):
            details.update(error["details"])
        super().__init__(error.get("message", "Preparing the artifact failed."), **details)
        code = error.get("error", "prepare_error")
        if code not in STATUS_BY_CODE:
            self.details["kernel_error_code"] = code
            code = "prepare_error"
        self.code = code
        self.http_status = STATUS_BY_CODE[code]


def http_status(error: CatalogError) -> int:
    """The HTTP status of an error (by its code: subclasses defined elsewhere keep to the table)."""
    return STATUS_BY_CODE.get(error.code, error.http_status)
