"""Catalog service instances over one PostgreSQL database and one moto S3 bucket, and what
tests of their bytes look at: the bucket's upload leftovers."""
from __future__ import annotations

import os
import signal

from service_process import start_service, stop_service

from model_catalog_ext.catalog import open_catalog


def start_instances(tmp_path, pg_url: str, s3_root, moto_endpoint: str, count: int = 2, extra=()) -> list:
    """``count`` services on one catalog (migrated once, as `db upgrade` does)."""
    root, options = s3_root
    open_catalog(pg_url, root, storage_options=options, upgrade=True).close()
    # The service reads the object store's endpoint and keys from its environment, as boto does.
    env = {"FSSPEC_S3_ENDPOINT_URL": moto_endpoint, "AWS_ENDPOINT_URL": moto_endpoint}
    return [start_service(tmp_path / f"service{i}", catalog_url=pg_url, artifact_root=root, env=env, extra=extra)
            for i in range(1, count + 1)]


def stop_instances(services: list) -> None:
    for service in services:
        stop_service(service)


def kill(service) -> None:
    """SIGKILL: no shutdown, no cleanup, as when a node dies."""
    os.kill(service.process.pid, signal.SIGKILL)
    service.process.wait()


def admin_catalog(pg_url: str, s3_root):
    """The catalog opened directly, as the operator's `jupyter model-catalog gc` does."""
    root, options = s3_root
    return open_catalog(pg_url, root, storage_options=options)


def bucket_leftovers(s3_root) -> tuple[list[str], list[dict]]:
    """(objects under uploads/, unfinished multipart uploads) of the catalog's bucket."""
    import s3fs

    root, options = s3_root
    fs = s3fs.S3FileSystem(**options)
    fs.invalidate_cache()
    prefix = root[len("s3://"):]
    try:
        staged = fs.find(f"{prefix}/uploads")
    except FileNotFoundError:
        staged = []
    return staged, fs.list_multipart_uploads(prefix.split("/")[0])
