"""What every "save into the catalog" request shares: the pending-changes rule, the
provenance, a throw-away work dir, and the final save with progress, run as a job."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from ...catalog import validation
from ...errors import InvalidInput, PendingChanges
from ...workflows.saving import SaveRequest, capture_provenance, check_request, pending_changes, save_folder
from .base import CatalogAPIHandler

# How the REST API spells the save's options, for the workflow's messages.
REST_SPELLING = {"ignore_pending_changes": "ignore_pending_changes: true",
                 "as_new_version_of": "as_new_version_of", "training_script_path": "training_script"}
# Metadata a client may set on any save request.
SAVE_METADATA_FIELDS = {
    "display_name",
    "description",
    "freeform_tags",
    "project_id",
    "compartment_id",
    "as_new_version_of",
    "ignore_pending_changes",
}


# prepare(job, artifact_dir) -> defined_metadata: writes a complete artifact into artifact_dir.
Prepare = Callable[[object, Path], Awaitable[dict | None]]


class SaveJobHandler(CatalogAPIHandler):
    """Base of the handlers that prepare an artifact and save it as a job."""

    def save_request(self, body: dict, script: Path | None = None) -> SaveRequest:
        """The workflow's request for this body, its values as sent: the workflow checks them."""
        base = body.get("as_new_version_of")
        return SaveRequest(
            display_name=body.get("display_name"), description=body.get("description"),
            freeform_tags=body.get("freeform_tags"), project_id=body.get("project_id"),
            compartment_id=body.get("compartment_id"), as_new_version_of=None if base == "" else base,
            training_script_path=None if script is None else str(script),
            ignore_pending_changes=bool(body.get("ignore_pending_changes")),
            created_by=self.user_name(), spelling=REST_SPELLING, door="server")

    async def check_save_metadata(self, body: dict) -> None:
        """Refuse bad metadata now (400, or 404 for an unknown as_new_version_of), with the
        checks the catalog's save would make, rather than in the job once the model is prepared."""
        validation.check_display_name(body.get("display_name"))  # required here: no folder to name it after
        await self.run_blocking(check_request, self.catalog, self.save_request(body))

    async def refuse_pending_changes(self, body: dict, script: Path) -> None:
        """Fail fast, before any job starts, when the script's repository has changes."""
        if body.get("ignore_pending_changes"):
            return
        state = await self.run_blocking(pending_changes, script)
        if state["files"]:
            raise PendingChanges(
                "Uncommitted changes in the git repository: " + ", ".join(state["files"])
                + ". Commit them so the saved model can be traced to a commit, or save with "
                "'ignore uncommitted changes'.",
                files=state["files"],
            )

    def start_save_job(self, kind: str, body: dict, script: Path, prepare: Prepare) -> None:
        job = self.jobs.start(kind, lambda job: self._run_save(job, body, script, prepare))
        self.set_header("Location", f"{self.base_url.rstrip('/')}/model-catalog/api/jobs/{job.id}")
        self.write_json({"job_id": job.id}, 202)

    async def _run_save(self, job, body: dict, script: Path, prepare: Prepare) -> dict:
        request = self.save_request(body, script)
        job.report("reading provenance", 0.05)
        request.provenance = await self.run_blocking(capture_provenance, request)
        workdir = Path(tempfile.mkdtemp(prefix="model-catalog-save-"))
        try:
            artifact_dir = workdir / "artifact"
            request.defined_metadata = await prepare(job, artifact_dir) or {}
            job.report("saving into the catalog", 0.6)

            def progress(done: int, total: int) -> None:
                job.report("saving into the catalog", 0.6 + 0.4 * (done / total if total else 1))

            entry = await self.run_blocking(save_folder, self.catalog, artifact_dir, request, progress)
            return entry.to_dict()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def check_flags(self, body: dict, *flags: str) -> None:
        for flag in flags:
            if body.get(flag) is not None and not isinstance(body[flag], bool):
                raise InvalidInput(f"{flag} must be true or false.")
