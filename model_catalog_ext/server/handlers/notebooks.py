"""Save the model a notebook's kernel holds: list its model variables, then prepare,
verify (in the kernel) and save one, as a job the client polls."""
from __future__ import annotations

import shutil
from pathlib import Path

import tornado

from ...errors import InvalidInput, RemoteError
from ...workflows.saving import pending_changes
from ..kernel_bridge import describe_namespace, find_kernel_id, prepare_in_kernel
from ..paths import resolve_api_path
from .base import CatalogAPIHandler
from .saving import SAVE_METADATA_FIELDS, SaveJobHandler

NOTEBOOK_SAVE_FIELDS = SAVE_METADATA_FIELDS | {"path", "variable", "X_sample", "y_sample", "as_onnx"}


def check_variable_names(body: dict) -> None:
    """variable, X_sample and y_sample name variables of the kernel (the samples may be left out)."""
    for field in ("variable", "X_sample", "y_sample"):
        value = body.get(field)
        if field != "variable" and value in (None, ""):
            continue
        if not isinstance(value, str) or not value.isidentifier():
            raise InvalidInput(
                f"{field} must be the name of a variable of the notebook's kernel, such as "
                f"{'clf' if field == 'variable' else 'X_test'}; got {value!r}.",
                field=field,
            )


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


class NotebookSaveHandler(SaveJobHandler):
    """POST notebooks/save: answers 202 with a job id at once; GET jobs/{id} follows it."""

    @tornado.web.authenticated
    async def post(self):
        body = self.json_body(allowed=NOTEBOOK_SAVE_FIELDS, required={"path", "variable", "display_name"})
        self.check_flags(body, "ignore_pending_changes", "as_onnx")
        check_variable_names(body)
        notebook = resolve_api_path(self.contents_manager, body["path"], must_exist=True)
        await self.check_save_metadata(body)
        kernel_id = await find_kernel_id(self.session_manager, body["path"])
        await self.refuse_pending_changes(body, notebook)

        async def prepare(job, artifact_dir: Path) -> dict | None:
            job.report("preparing and verifying in the notebook's kernel", 0.15)
            result = await prepare_in_kernel(self.kernel_manager, kernel_id, {
                "variable": body["variable"],
                "X_sample": body.get("X_sample") or None,
                "y_sample": body.get("y_sample") or None,
                "as_onnx": body.get("as_onnx"),
                "artifact_dir": str(artifact_dir),
            }, timeout=self.catalog_config.kernel_save_timeout,
                # Given up on, the request may still run once the kernel is free: the job has
                # removed the work dir by then, and this removes what a run already under
                # way wrote into it.
                after_late_answer=lambda: shutil.rmtree(artifact_dir.parent, ignore_errors=True))
            if not result.get("ok"):
                raise RemoteError(result["error"])
            verification = result.get("verification") or {}
            if verification.get("ok") is False:  # never store an artifact that does not run
                failed = [c for c in verification.get("checks", []) if not c.get("ok")]
                reason = "; ".join(f"{c.get('name')}: {c.get('message')}" for c in failed) or "see the report"
                raise RemoteError({
                    "error": "prepare_error",
                    "message": f"The prepared artifact failed verification in a clean process: {reason}",
                    "verification": verification,
                })
            return result.get("defined_metadata")

        self.start_save_job("notebook-save", body, notebook, prepare)
