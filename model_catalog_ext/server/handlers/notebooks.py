"""Save the model a notebook's kernel holds: list its model variables, then prepare,
verify and save one as a job the client polls."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import tornado

from ...errors import CatalogError, InvalidInput, PendingChanges
from ..kernel_bridge import describe_namespace, find_kernel_id, prepare_in_kernel
from ..paths import resolve_api_path
from .base import CatalogAPIHandler

SAVE_FIELDS = {
    "path",
    "variable",
    "display_name",
    "description",
    "freeform_tags",
    "project_id",
    "compartment_id",
    "X_sample",
    "y_sample",
    "as_onnx",
    "as_new_version_of",
    "ignore_pending_changes",
}


class RemoteError(CatalogError):
    """An error the kernel reported, keeping its code (so it maps to the same status)."""

    def __init__(self, error: dict):
        details = {k: v for k, v in error.items() if k not in ("error", "message")}
        super().__init__(error.get("message", "The notebook's kernel failed."), **details)
        self.code = error.get("error", "prepare_error")


def pending_changes(notebook: Path) -> dict:
    """``{dirty, files}``: uncommitted changes that would block a save without the override."""
    from ...provenance import capture_provenance

    try:
        provenance = capture_provenance(training_script_path=str(notebook))
    except PendingChanges as exc:
        return {"dirty": True, "files": list(exc.details.get("files", []))}
    return {"dirty": bool(provenance.get("git_dirty")), "files": []}


class NotebookModelsHandler(CatalogAPIHandler):
    """GET notebooks/models?path=: the model variables of the notebook's running kernel."""

    @tornado.web.authenticated
    async def get(self):
        path = self.get_query_argument("path", None)
        if not path:
            raise InvalidInput("Give the notebook's path: notebooks/models?path=folder/train.ipynb.")
        local = resolve_api_path(self.contents_manager, path, must_exist=True)
        kernel_id = await find_kernel_id(self.session_manager, path)
        described = await describe_namespace(self.kernel_manager, kernel_id)
        described["kernel_id"] = kernel_id
        described["pending_changes"] = await self.run_blocking(pending_changes, local)
        self.write_json(described)


class NotebookSaveHandler(CatalogAPIHandler):
    """POST notebooks/save: answers 202 with a job id at once; GET jobs/{id} follows it."""

    @tornado.web.authenticated
    async def post(self):
        body = self.json_body(allowed=SAVE_FIELDS, required={"path", "variable", "display_name"})
        for flag in ("ignore_pending_changes", "as_onnx"):
            if body.get(flag) is not None and not isinstance(body[flag], bool):
                raise InvalidInput(f"{flag} must be true or false.")
        notebook = resolve_api_path(self.contents_manager, body["path"], must_exist=True)
        # Fail fast, before any job, on what the client can fix right away.
        kernel_id = await find_kernel_id(self.session_manager, body["path"])
        if not body.get("ignore_pending_changes"):
            state = await self.run_blocking(pending_changes, notebook)
            if state["files"]:
                raise PendingChanges(
                    "The notebook's git repository has uncommitted changes: "
                    + ", ".join(state["files"])
                    + ". Commit them so the saved model can be traced to a commit, or save with "
                    "'ignore uncommitted changes'.",
                    files=state["files"],
                )
        job = self.jobs.start("notebook-save", lambda job: self._save(job, body, notebook, kernel_id))
        self.set_header("Location", f"{self.base_url.rstrip('/')}/model-catalog/api/jobs/{job.id}")
        self.write_json({"job_id": job.id}, 202)

    async def _save(self, job, body: dict, notebook: Path, kernel_id: str) -> dict:
        from ...provenance import capture_provenance

        job.report("reading provenance", 0.05)
        provenance = await self.run_blocking(
            capture_provenance,
            training_script_path=str(notebook),
            ignore_pending_changes=bool(body.get("ignore_pending_changes")),
        )
        workdir = Path(tempfile.mkdtemp(prefix="model-catalog-save-"))
        try:
            artifact_dir = workdir / "artifact"
            job.report("preparing and verifying in the notebook's kernel", 0.15)
            result = await prepare_in_kernel(
                self.kernel_manager,
                kernel_id,
                {
                    "variable": body["variable"],
                    "X_sample": body.get("X_sample") or None,
                    "y_sample": body.get("y_sample") or None,
                    "as_onnx": body.get("as_onnx"),
                    "artifact_dir": str(artifact_dir),
                },
            )
            if not result.get("ok"):
                raise RemoteError(result["error"])
            verification = result.get("verification") or {}
            if verification.get("ok") is False:
                failed = [c for c in verification.get("checks", []) if not c.get("ok")]
                reason = "; ".join(f"{c.get('name')}: {c.get('message')}" for c in failed) or "see the report"
                raise RemoteError({
                    "error": "prepare_error",
                    "message": f"The prepared artifact failed verification in a clean process: {reason}",
                    "verification": verification,
                })
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
                defined_metadata=result.get("defined_metadata") or None,
                provenance=provenance,
                created_by=self.user_name(),
                progress=progress,
            )
            return entry.to_dict()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


class JobHandler(CatalogAPIHandler):
    """GET jobs/{id}: where a save is."""

    @tornado.web.authenticated
    def get(self, job_id):
        job = self.jobs.get(job_id)
        if job is None:
            from ...errors import ModelNotFound

            raise ModelNotFound(f"No job '{job_id}' on this server (finished jobs are kept for an hour).")
        self.write_json(job.to_dict())


FILE_SAVE_FIELDS = {
    "path",
    "training_script",
    "display_name",
    "description",
    "freeform_tags",
    "project_id",
    "compartment_id",
    "as_new_version_of",
    "ignore_pending_changes",
}
MODEL_FILE_SUFFIXES = (".onnx", ".joblib", ".pkl", ".pickle")


class FileSaveHandler(CatalogAPIHandler):
    """POST files/save: wrap a serialized model file of the file tree into an artifact and save it.

    The file is loaded in the server's process to write its schema and metadata: that is
    the user's own file in the user's own server, the same trust as opening it in a notebook.
    """

    @tornado.web.authenticated
    async def post(self):
        body = self.json_body(allowed=FILE_SAVE_FIELDS, required={"path", "display_name"})
        if body.get("ignore_pending_changes") is not None and not isinstance(body["ignore_pending_changes"], bool):
            raise InvalidInput("ignore_pending_changes must be true or false.")
        model_file = resolve_api_path(self.contents_manager, body["path"], must_exist=True)
        if model_file.suffix.lower() not in MODEL_FILE_SUFFIXES or not model_file.is_file():
            raise InvalidInput(
                f"'{body['path']}' is not a model file this can wrap; use a {', '.join(MODEL_FILE_SUFFIXES)} file."
            )
        script = model_file
        if body.get("training_script"):
            script = resolve_api_path(self.contents_manager, body["training_script"], must_exist=True)
        if not body.get("ignore_pending_changes"):
            state = await self.run_blocking(pending_changes, script)
            if state["files"]:
                raise PendingChanges(
                    "Uncommitted changes in the git repository: " + ", ".join(state["files"])
                    + ". Commit them, or save with 'ignore uncommitted changes'.",
                    files=state["files"],
                )
        job = self.jobs.start("file-save", lambda job: self._save(job, body, model_file, script))
        self.write_json({"job_id": job.id}, 202)

    async def _save(self, job, body: dict, model_file: Path, script: Path) -> dict:
        from ...artifact import prepare_model_file
        from ...provenance import capture_provenance

        job.report("reading provenance", 0.05)
        provenance = await self.run_blocking(
            capture_provenance,
            training_script_path=str(script),
            ignore_pending_changes=bool(body.get("ignore_pending_changes")),
        )
        workdir = Path(tempfile.mkdtemp(prefix="model-catalog-file-"))
        try:
            job.report("preparing the artifact", 0.2)
            artifact = await self.run_blocking(prepare_model_file, model_file, workdir / "artifact")
            job.report("saving into the catalog", 0.6)
            entry = await self.run_blocking(
                self.catalog.save,
                artifact.artifact_dir,
                display_name=body["display_name"],
                description=body.get("description") or "",
                freeform_tags=body.get("freeform_tags") or None,
                project_id=body.get("project_id") or None,
                compartment_id=body.get("compartment_id") or None,
                as_new_version_of=body.get("as_new_version_of") or None,
                defined_metadata=artifact.defined_metadata or None,
                provenance=provenance,
                created_by=self.user_name(),
            )
            return entry.to_dict()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
