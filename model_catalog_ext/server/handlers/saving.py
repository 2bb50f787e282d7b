"""What every "save into the catalog" request shares: the pending-changes rule, the
provenance, a throw-away work dir, and the final save with progress, run as a job."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Awaitable, Callable

from ...catalog import validation
from ...errors import CatalogError, InvalidInput, ModelNotFound, PendingChanges
from .base import STATUS_BY_CODE, CatalogAPIHandler

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


class RemoteError(CatalogError):
    """An error reported by the preparation (e.g. in the kernel), keeping its code so it
    maps to the same HTTP status as if it had been raised here."""

    def __init__(self, error: dict):
        details = {k: v for k, v in error.items() if k not in ("error", "message", "details")}
        if isinstance(error.get("details"), dict):
            details.update(error["details"])
        super().__init__(error.get("message", "Preparing the artifact failed."), **details)
        code = error.get("error", "prepare_error")
        if code not in STATUS_BY_CODE:  # a kernel with another version: keep to codes clients know
            self.details["kernel_error_code"] = code
            code = "prepare_error"
        self.code = code


def pending_changes(script: Path) -> dict:
    """``{dirty, files}``: uncommitted changes that would block a save without the override."""
    from ...provenance import capture_provenance

    try:
        provenance = capture_provenance(training_script_path=str(script))
    except PendingChanges as exc:
        return {"dirty": True, "files": list(exc.details.get("files", []))}
    return {"dirty": bool(provenance.get("git_dirty")), "files": []}


# prepare(job, artifact_dir) -> defined_metadata: writes a complete artifact into artifact_dir.
Prepare = Callable[[object, Path], Awaitable[dict | None]]


class SaveJobHandler(CatalogAPIHandler):
    """Base of the handlers that prepare an artifact and save it as a job."""

    async def check_save_metadata(self, body: dict) -> None:
        """Refuse bad metadata now (400, or 404 for an unknown as_new_version_of), with the
        checks the catalog's save would make, rather than in the job once the model is prepared."""
        validation.check_display_name(body.get("display_name"))
        validation.check_description(body.get("description"))
        validation.check_freeform_tags(body.get("freeform_tags"))
        for field in ("project_id", "compartment_id"):
            validation.check_namespace(field, body.get(field))
        base = body.get("as_new_version_of")
        if base in (None, ""):
            return
        if not isinstance(base, str):
            raise InvalidInput("as_new_version_of must be the id (text) of the model this saves a new version of.",
                               field="as_new_version_of")
        try:
            await self.run_blocking(self.catalog.get, base)
        except ModelNotFound:
            raise ModelNotFound(
                f"as_new_version_of: there is no model '{base}' in the catalog to save a new version of. "
                "Pick the model in the catalog's list, or leave as_new_version_of out to save a new model.",
                model_id=base,
            ) from None

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
        from ...provenance import capture_provenance

        job.report("reading provenance", 0.05)
        provenance = await self.run_blocking(
            capture_provenance,
            training_script_path=str(script),
            ignore_pending_changes=bool(body.get("ignore_pending_changes")),
        )
        workdir = Path(tempfile.mkdtemp(prefix="model-catalog-save-"))
        try:
            artifact_dir = workdir / "artifact"
            defined_metadata = await prepare(job, artifact_dir)
            job.report("saving into the catalog", 0.6)

            def progress(done: int, total: int) -> None:
                job.report("saving into the catalog", 0.6 + 0.4 * (done / total if total else 1))

            entry = await self.run_blocking(
                self.catalog.save,
                artifact_dir,
                display_name=body["display_name"],
                description=body.get("description") or "",
                freeform_tags=body.get("freeform_tags") or None,
                project_id=body.get("project_id") or None,
                compartment_id=body.get("compartment_id") or None,
                as_new_version_of=body.get("as_new_version_of") or None,
                defined_metadata=defined_metadata or None,
                provenance=provenance,
                created_by=self.user_name(),
                progress=progress,
            )
            return entry.to_dict()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def check_flags(self, body: dict, *flags: str) -> None:
        for flag in flags:
            if body.get(flag) is not None and not isinstance(body[flag], bool):
                raise InvalidInput(f"{flag} must be true or false.")
