"""Artifacts over the direct-upload limit: through Object Storage and ``exportArtifact``.

As ADS does for artifacts over 2 GB: the zip is streamed into a bucket (``bucket=`` and
``namespace=`` in the catalog URL), the model is told to take it from there
(``exportArtifact``), and the work request is polled until it succeeds or fails.
"""
from __future__ import annotations

from ...errors import InvalidInput


def upload_through_object_storage(backend, model_id: str, planned, zip_size: int, progress) -> None:
    raise InvalidInput(f"The artifact's zip is {zip_size} bytes, over the direct upload limit of "
                       f"{backend.settings.upload_limit} bytes, and large uploads are not available yet.")
