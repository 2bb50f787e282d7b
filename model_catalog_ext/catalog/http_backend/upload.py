"""A save's request body: multipart/form-data with a 'metadata' JSON part and an 'artifact'
part, a zip streamed from the artifact's files as they are read (never the whole artifact
in memory; ``zipstream`` computes each CRC on the way)."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from ..interface import ProgressCallback
from ..source import ArtifactSource
from ..zipstream import iter_zip

CHUNK = 1024 * 1024


def multipart_body(metadata: dict, source: ArtifactSource,
                   progress: ProgressCallback | None) -> tuple[str, Iterator[bytes]]:
    """``(content_type, chunks)`` of the upload of ``source`` with ``metadata``."""
    boundary = f"model-catalog-{uuid.uuid4().hex}"
    return f"multipart/form-data; boundary={boundary}", _parts(boundary, metadata, source, progress)


def _parts(boundary: str, metadata: dict, source: ArtifactSource, progress) -> Iterator[bytes]:
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
           "Content-Type: application/json\r\n\r\n").encode()
    yield json.dumps(metadata, allow_nan=False).encode()
    yield (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"artifact.zip\"\r\n"
           "Content-Type: application/zip\r\n\r\n").encode()
    yield from iter_zip(_entries(source, progress))
    yield f"\r\n--{boundary}--\r\n".encode()


def _entries(source: ArtifactSource, progress):
    done, total = [0], source.total_size

    def chunks(item) -> Iterator[bytes]:
        with item.open() as stream:
            while chunk := stream.read(CHUNK):
                done[0] += len(chunk)
                if progress:
                    progress(done[0], total)
                yield chunk

    return [(item.path, item.size, None, lambda item=item: chunks(item)) for item in source.files]
