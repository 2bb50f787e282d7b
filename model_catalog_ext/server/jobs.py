"""Long-running saves as jobs: the client gets a job id at once and polls GET jobs/{id}.

Jobs live in this server process's memory (a restart forgets finished jobs; the saved
models themselves are in the catalog). Finished jobs are kept for a while, then dropped.
"""
from __future__ import annotations

import asyncio
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..errors import CatalogError
from .error_body import error_body, internal_error_message, new_error_id, public_error

KEEP_FINISHED_SECONDS = 3600


@dataclass
class Job:
    id: str
    kind: str
    state: str = "pending"  # pending | running | succeeded | failed
    step: str = "queued"
    progress: float = 0.0
    model: dict | None = None
    error: dict | None = None
    finished: float | None = None

    def report(self, step: str, progress: float | None = None) -> None:
        """Called by the job's work to say where it is."""
        self.step = step
        if progress is not None:
            self.progress = max(0.0, min(1.0, progress))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "step": self.step,
            "progress": round(self.progress, 4),
            "model": self.model,
            "error": self.error,
        }


class JobRegistry:
    def __init__(self, log=None):
        self._jobs: dict[str, Job] = {}
        self._tasks: set[asyncio.Task] = set()
        self.log = log

    def start(self, kind: str, work: Callable[[Job], Awaitable[dict]]) -> Job:
        """Run ``work(job)`` on the event loop; its result (a model dict) ends the job."""
        self._forget_old()
        job = Job(id=uuid.uuid4().hex, kind=kind)
        self._jobs[job.id] = job
        task = asyncio.get_running_loop().create_task(self._run(job, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    async def _run(self, job: Job, work) -> None:
        job.state = "running"
        try:
            job.model = await work(job)
            job.state, job.step, job.progress = "succeeded", "done", 1.0
        except CatalogError as exc:
            _, message, details = public_error(exc, self.log, f"job {job.id}")
            job.state, job.error = "failed", error_body(exc.code, message, details)
        except Exception:  # a bug or an environment problem: logged under an id, the server stays up
            error_id = new_error_id()
            if self.log:
                self.log.error("model-catalog: error %s: job %s failed:\n%s", error_id, job.id, traceback.format_exc())
            job.state = "failed"
            job.error = error_body("internal_error", internal_error_message(error_id), {"error_id": error_id})
        finally:
            job.finished = time.time()

    def _forget_old(self) -> None:
        now = time.time()
        for job_id, job in list(self._jobs.items()):
            if job.finished and now - job.finished > KEEP_FINISHED_SECONDS:
                del self._jobs[job_id]
