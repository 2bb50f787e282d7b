"""notebooks/save and files/save refuse bad metadata before they answer 202 (no job starts),
and a job that fails reports its error in the shape of every other error."""
import json

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from .notebook_session import git, make_repo_with_notebook
from .test_models_api import fetch_json, upload
from .test_notebook_save import wait_for_job
from .test_openapi import SPEC

NOTEBOOK = "work/train.ipynb"
BAD_METADATA = [
    ({"display_name": 5}, 400),
    ({"display_name": "   "}, 400),
    ({"display_name": ["x"]}, 400),
    ({"description": 5}, 400),
    ({"freeform_tags": {"bad key": "x"}}, 400),
    ({"freeform_tags": ["version:1"]}, 400),
    ({"project_id": 5}, 400),
    ({"compartment_id": {"id": 1}}, 400),
    ({"as_new_version_of": 5}, 400),
    ({"as_new_version_of": "mdl-no-such-model"}, 404),
]


def committed_model_file(root):
    make_repo_with_notebook(root, NOTEBOOK)
    X, y = load_iris(return_X_y=True)
    joblib.dump(LogisticRegression(max_iter=500).fit(X, y), root / "work" / "iris.joblib")
    (root / "work" / "broken.joblib").write_bytes(b"not a joblib file")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "model files")


def jobs_started(jp_serverapp) -> int:
    return len(jp_serverapp.web_app.settings["model_catalog_jobs"]._jobs)


async def test_file_save_refuses_bad_metadata_before_any_job(jp_fetch, jp_root_dir, jp_serverapp):
    committed_model_file(jp_root_dir)
    good = {"path": "work/iris.joblib", "display_name": "iris"}
    for change, status in BAD_METADATA:
        error = await fetch_json(jp_fetch, "files", "save", method="POST", expect=status,
                                 body=json.dumps({**good, **change}))
        assert error["error"] == ("not_found" if status == 404 else "invalid_input"), (change, error)
    unknown_base = await fetch_json(jp_fetch, "files", "save", method="POST", expect=404,
                                    body=json.dumps({**good, "as_new_version_of": "mdl-no-such-model"}))
    assert "mdl-no-such-model" in unknown_base["message"] and "as_new_version_of" in unknown_base["message"]
    assert jobs_started(jp_serverapp) == 0
    assert (await fetch_json(jp_fetch, "models", params={"state": "ALL"}))["items"] == []


async def test_notebook_save_refuses_bad_metadata_before_any_job(jp_fetch, jp_root_dir, jp_serverapp):
    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    good = {"path": NOTEBOOK, "variable": "clf", "display_name": "iris"}
    bad_variables = [
        ({"variable": 5}, 400),
        ({"variable": "clf; import os"}, 400),
        ({"X_sample": 5}, 400),
        ({"y_sample": ["y"]}, 400),
    ]
    for change, status in BAD_METADATA + bad_variables:
        error = await fetch_json(jp_fetch, "notebooks", "save", method="POST", expect=status,
                                 body=json.dumps({**good, **change}))
        assert error["error"] == ("not_found" if status == 404 else "invalid_input"), (change, error)
    assert jobs_started(jp_serverapp) == 0


async def test_a_good_base_model_is_accepted(jp_fetch, jp_root_dir):
    committed_model_file(jp_root_dir)
    base = await upload(jp_fetch, {"display_name": "iris"})
    started = await fetch_json(jp_fetch, "files", "save", method="POST", expect=202, body=json.dumps({
        "path": "work/iris.joblib", "display_name": "iris", "as_new_version_of": base["id"],
        "freeform_tags": {"version": 2}, "project_id": "", "description": None,
    }))
    job, _ = await wait_for_job(jp_fetch, started["job_id"])
    assert job["state"] == "succeeded", job["error"]
    assert job["model"]["version"] == 2 and job["model"]["parent_id"] == base["id"]


async def test_a_failed_job_reports_error_message_details(jp_fetch, jp_root_dir):
    committed_model_file(jp_root_dir)
    started = await fetch_json(jp_fetch, "files", "save", method="POST", expect=202,
                               body=json.dumps({"path": "work/broken.joblib", "display_name": "broken"}))
    job, _ = await wait_for_job(jp_fetch, started["job_id"])
    assert job["state"] == "failed"
    error = job["error"]
    assert set(error) <= {"error", "message", "details"} and error["error"] == "prepare_error"
    assert error["details"]["errors"]
    assert error["error"] in SPEC["components"]["schemas"]["Error"]["properties"]["error"]["enum"]


def test_every_code_a_job_can_carry_is_in_the_spec():
    """What a job's error can say: any typed error of the catalog, the server or the
    kernel-side save (a plain CatalogError there is 'catalog_error'), or internal_error."""
    import model_catalog_ext.errors as errors
    from model_catalog_ext.server import kernel_bridge, paths
    from model_catalog_ext.server.handlers import base

    codes = {"internal_error"}
    for module in (errors, kernel_bridge, paths, base):
        codes |= {obj.code for obj in vars(module).values()
                  if isinstance(obj, type) and issubclass(obj, errors.CatalogError)}
    assert "catalog_error" in codes
    assert codes <= set(SPEC["components"]["schemas"]["Error"]["properties"]["error"]["enum"])


def test_a_kernel_request_whose_work_dir_is_gone_writes_nothing(tmp_path):
    """The kernel side of a save the server gave up on: its work dir was removed, so the
    late request must not recreate it (prepare() would make missing parents)."""
    import json

    from sklearn.linear_model import LinearRegression

    from model_catalog_ext.kernel.save import prepare_variable

    user_ns = {"model": LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])}
    gone = tmp_path / "model-catalog-save-gone"
    answer = json.loads(prepare_variable(user_ns, json.dumps({"variable": "model",
                                                             "artifact_dir": str(gone / "artifact")})))
    assert answer["ok"] is False and "stopped waiting" in answer["error"]["message"]
    assert not gone.exists()

    gone.mkdir()  # the work dir is there: the same request prepares
    answer = json.loads(prepare_variable(user_ns, json.dumps({"variable": "model",
                                                             "artifact_dir": str(gone / "artifact")})))
    assert answer["ok"] is True, answer
    assert (gone / "artifact" / "score.py").is_file()
