"""POST files/save: wrap a serialized model file of the file tree into an artifact and save it.

The file is loaded in the server's process to write its schema and metadata: that is the
user's own file in the user's own server, the same trust as opening it in a notebook.
"""
from __future__ import annotations

from pathlib import Path

import tornado

from ...errors import InvalidInput
from ..paths import resolve_api_path
from .saving import SAVE_METADATA_FIELDS, SaveJobHandler

FILE_SAVE_FIELDS = SAVE_METADATA_FIELDS | {"path", "training_script"}
MODEL_FILE_SUFFIXES = (".onnx", ".joblib", ".pkl", ".pickle")


class FileSaveHandler(SaveJobHandler):
    @tornado.web.authenticated
    async def post(self):
        body = self.json_body(allowed=FILE_SAVE_FIELDS, required={"path", "display_name"})
        self.check_flags(body, "ignore_pending_changes")
        model_file = resolve_api_path(self.contents_manager, body["path"], must_exist=True)
        if model_file.suffix.lower() not in MODEL_FILE_SUFFIXES or not model_file.is_file():
            raise InvalidInput(
                f"'{body['path']}' is not a model file this can wrap; use a {', '.join(MODEL_FILE_SUFFIXES)} file."
            )
        script = model_file
        if body.get("training_script") not in (None, ""):
            script = resolve_api_path(self.contents_manager, body["training_script"], must_exist=True,
                                      field="training_script")
        await self.check_save_metadata(body)
        await self.refuse_pending_changes(body, script)

        async def prepare(job, artifact_dir: Path) -> dict | None:
            from ...artifact import prepare_model_file

            job.report("preparing the artifact", 0.2)
            artifact = await self.run_blocking(prepare_model_file, model_file, artifact_dir)
            return artifact.defined_metadata

        self.start_save_job("file-save", body, script, prepare)
