"""Artifacts over the direct-upload limit: through Object Storage and ``exportArtifact``.

As ADS does for artifacts over 2 GB (``upload_limit=`` in the catalog URL): the zip is
streamed into a bucket (``bucket=``, and ``namespace=`` or the tenancy's own), the model is
told to take it from there (``exportArtifact``), and the work request is polled until it
succeeds or fails.  The object is removed afterwards, whatever happened.
"""
from __future__ import annotations

import time
import uuid

from oci.data_science import models as ds

from ...errors import CatalogUnavailable, InvalidInput
from .artifacts import ZipUpload
from .client import oci_errors

POLL_SECONDS = (0.05, 2.0)  # first and longest wait between two looks at the work request
WORK_REQUEST_TIMEOUT = 6 * 3600
_FINISHED = ("SUCCEEDED", "FAILED", "CANCELED", "CANCELING")


def check_large_upload_possible(settings, zip_size: int) -> None:
    """Refuse, before anything is created, an artifact too large to send directly when no bucket is set."""
    if zip_size > settings.upload_limit and not settings.bucket:
        raise InvalidInput(
            f"The artifact's zip is {zip_size} bytes, over the direct upload limit of {settings.upload_limit} bytes: "
            "it must go through Object Storage. Add bucket=<bucket name> (and namespace=<namespace> if not your "
            "tenancy's) to the catalog URL, or raise upload_limit=.", zip_size=zip_size)


def upload_through_object_storage(backend, model_id: str, planned, zip_size: int, progress) -> None:
    """Stream the zip into the bucket, have OCI import it into the model, wait for that."""
    settings = backend.settings
    storage = backend._object_storage()
    where = f"uploading the artifact of {model_id} through Object Storage bucket {settings.bucket}"
    with oci_errors(where, None, settings.retries):
        namespace = settings.namespace or storage.get_namespace().data
    name = f"model-catalog-ext/{model_id}/{uuid.uuid4().hex}.zip"
    body = ZipUpload(planned, zip_size, progress)
    try:
        try:
            with oci_errors(where, None, settings.retries):
                storage.put_object(namespace, settings.bucket, name, body, content_length=zip_size)
        except CatalogUnavailable:
            if body.error is not None:
                raise body.error from None
            raise
        details = ds.ExportModelArtifactDetails(artifact_export_details=ds.ArtifactExportDetailsObjectStorage(
            namespace=namespace, source_bucket=settings.bucket, source_object_name=name,
            source_region=settings.region))
        with oci_errors(where, model_id, settings.retries):
            response = backend.client.export_model_artifact(model_id, details)
        _wait(backend, response.headers["opc-work-request-id"], where)
    finally:
        try:
            storage.delete_object(namespace, settings.bucket, name)
        except Exception:  # noqa: BLE001 - a leftover object is not worth failing a finished save
            pass


def _wait(backend, work_request_id: str, where: str) -> None:
    delay, deadline = POLL_SECONDS[0], time.monotonic() + WORK_REQUEST_TIMEOUT
    while True:
        with oci_errors(where, None, backend.settings.retries):
            work = backend.client.get_work_request(work_request_id).data
        if work.status == "SUCCEEDED":
            return
        if work.status in _FINISHED:
            raise CatalogUnavailable(f"{where}: OCI's work request {work_request_id} ended {work.status} at "
                                     f"{work.percent_complete or 0:.0f}%. Look at its errors in the OCI console, "
                                     "then save again.", work_request_id=work_request_id)
        if time.monotonic() > deadline:
            raise CatalogUnavailable(f"{where}: OCI's work request {work_request_id} did not finish within "
                                     f"{WORK_REQUEST_TIMEOUT // 3600} hours.", work_request_id=work_request_id)
        time.sleep(delay)
        delay = min(delay * 2, POLL_SECONDS[1])
