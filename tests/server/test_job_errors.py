"""A save job that fails on the server's side answers as a request would: what to do, an
error id, and none of the server's paths or URLs (the log keeps them)."""
from __future__ import annotations

import asyncio
import logging

from model_catalog_ext.errors import InvalidInput, StorageFull
from model_catalog_ext.server.jobs import JobRegistry


async def finished(registry, work):
    job = registry.start("save", work)
    while job.state in ("pending", "running"):
        await asyncio.sleep(0.01)
    return job


async def test_a_server_side_failure_in_a_job_hides_the_servers_internals(caplog):
    async def fill_the_disk(job):
        raise StorageFull("No room left in '/srv/secret-team/catalog/blobs' for 'model.bin' (postgresql+psycopg://"
                          "svc@db.internal/catalog). Free some space there, then save again.",
                          where="/srv/secret-team/catalog/blobs")

    with caplog.at_level(logging.INFO):
        job = await finished(JobRegistry(log=logging.getLogger("test")), fill_the_disk)
    error = job.to_dict()["error"]
    assert job.state == "failed" and error["error"] == "storage_full"
    assert "secret-team" not in str(error) and "db.internal" not in str(error)
    assert "Free some space there" in error["message"] and error["details"]["error_id"]
    assert "secret-team" in caplog.text and error["details"]["error_id"] in caplog.text


async def test_a_users_mistake_in_a_job_is_answered_as_it_is():
    async def bad_name(job):
        raise InvalidInput("The display name is empty: give the model a name.", field="display_name")

    error = (await finished(JobRegistry(), bad_name)).to_dict()["error"]
    assert error == {"error": "invalid_input", "message": "The display name is empty: give the model a name.",
                     "details": {"field": "display_name"}}
