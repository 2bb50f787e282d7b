"""Save the model of a running notebook: discovery, the save job, provenance, download, predict."""
import asyncio
import io
import json
import subprocess
import sys
import zipfile

import tornado.httpclient

from .notebook_session import TRAIN_CODE, git, make_repo_with_notebook, run_in_kernel, start_session

API = ("model-catalog", "api")
NOTEBOOK = "work/train.ipynb"


async def call(jp_fetch, *parts, expect=200, **kwargs):
    try:
        response = await jp_fetch(*API, *parts, **kwargs)
    except tornado.httpclient.HTTPClientError as exc:
        assert exc.code == expect, (exc.code, exc.response.body)
        return json.loads(exc.response.body)
    assert response.code == expect, response.code
    return json.loads(response.body)


async def wait_for_job(jp_fetch, job_id, timeout=300):
    seen_steps = set()
    for _ in range(int(timeout / 0.25)):
        job = await call(jp_fetch, "jobs", job_id)
        seen_steps.add(job["step"])
        if job["state"] in ("succeeded", "failed"):
            return job, seen_steps
        await asyncio.sleep(0.25)
    raise AssertionError(f"job {job_id} did not finish")


async def test_save_model_from_a_running_notebook(jp_fetch, jp_root_dir, jp_serverapp, tmp_path):
    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    commit = git(jp_root_dir, "rev-parse", "HEAD").strip()

    no_kernel = await call(jp_fetch, "notebooks", "models", params={"path": NOTEBOOK}, expect=409)
    assert no_kernel["error"] == "no_kernel" and "run" in no_kernel["message"].lower()

    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await run_in_kernel(jp_serverapp.kernel_manager, kernel_id, TRAIN_CODE)

    found = await call(jp_fetch, "notebooks", "models", params={"path": NOTEBOOK})
    assert found["kernel_id"] == kernel_id
    assert [m["name"] for m in found["models"]] == ["clf"]
    assert found["models"][0]["framework"] == "scikit-learn"
    assert {s["name"] for s in found["samples"]} >= {"X", "X_small", "y_small"}
    assert found["pending_changes"] == {"dirty": False, "files": []}

    started = await call(
        jp_fetch, "notebooks", "save", method="POST", expect=202,
        body=json.dumps({
            "path": NOTEBOOK, "variable": "clf", "display_name": "iris-logreg",
            "description": "from the notebook", "freeform_tags": {"version": "1"},
            "X_sample": "X_small", "y_sample": "y_small", "ignore_pending_changes": False,
        }),
    )
    job, steps = await wait_for_job(jp_fetch, started["job_id"])
    assert job["state"] == "succeeded", job["error"]
    assert steps & {"preparing and verifying in the notebook's kernel", "saving into the catalog", "done"}
    model = job["model"]
    assert model["display_name"] == "iris-logreg" and model["freeform_tags"] == {"version": "1"}
    provenance = model["provenance"]
    assert provenance["git_commit"] == commit and provenance["git_branch"] == "main"
    assert provenance["repository_url"] == "https://git.example.com/team/churn.git"
    assert provenance["training_script"] == NOTEBOOK and provenance["git_dirty"] is False
    assert model["defined_metadata"]["Framework"] == "scikit-learn"
    assert model["defined_metadata"]["Algorithm"] == "LogisticRegression"

    # Download the zip and predict with it in a fresh process that knows nothing of the catalog.
    response = await jp_fetch(*API, "models", model["id"], "artifact")
    target = tmp_path / "downloaded"
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        archive.extractall(target)
    assert (target / "score.py").exists()
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import score; "
        "rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]; "
        "import pandas as pd; "
        "cols = [c['name'] for c in json.load(open(sys.argv[1] + '/input_schema.json'))['schema']]; "
        "print(json.dumps(score.predict(pd.DataFrame(rows, columns=cols))))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    prediction = json.loads(out.stdout.strip().splitlines()[-1])["prediction"]
    assert [int(p) for p in prediction] == [0, 2]


async def test_pending_changes_are_refused_unless_ignored(jp_fetch, jp_root_dir, jp_serverapp):
    notebook = make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await run_in_kernel(jp_serverapp.kernel_manager, kernel_id, TRAIN_CODE)
    notebook.write_text(notebook.read_text().replace("max_iter=500", "max_iter=600"))

    found = await call(jp_fetch, "notebooks", "models", params={"path": NOTEBOOK})
    assert found["pending_changes"]["dirty"] is True
    assert NOTEBOOK in found["pending_changes"]["files"]

    body = {"path": NOTEBOOK, "variable": "clf", "display_name": "dirty", "X_sample": "X_small"}
    refused = await call(jp_fetch, "notebooks", "save", method="POST", body=json.dumps(body), expect=409)
    assert refused["error"] == "pending_changes" and NOTEBOOK in refused["details"]["files"]
    assert (await call(jp_fetch, "models", params={"state": "ALL"}))["items"] == []

    started = await call(jp_fetch, "notebooks", "save", method="POST", expect=202,
                         body=json.dumps({**body, "ignore_pending_changes": True}))
    job, _ = await wait_for_job(jp_fetch, started["job_id"])
    assert job["state"] == "succeeded", job["error"]
    assert job["model"]["provenance"]["git_dirty"] is True


async def test_save_errors_are_clear(jp_fetch, jp_root_dir, jp_serverapp):
    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await run_in_kernel(jp_serverapp.kernel_manager, kernel_id, TRAIN_CODE)
    base = {"path": NOTEBOOK, "display_name": "x"}
    missing_var = await call(jp_fetch, "notebooks", "save", method="POST", expect=202,
                             body=json.dumps({**base, "variable": "nope"}))
    job, _ = await wait_for_job(jp_fetch, missing_var["job_id"])
    assert job["state"] == "failed" and "nope" in job["error"]["message"]
    # The shape of every error; its code (a plain CatalogError in the kernel) is in the spec.
    assert set(job["error"]) <= {"error", "message", "details"}
    assert job["error"]["error"] == "catalog_error"
    for body, status in [
        ({**base, "variable": "clf", "colour": 1}, 400),
        ({"path": NOTEBOOK, "variable": "clf"}, 400),
        ({**base, "variable": "clf", "path": "../outside.ipynb"}, 403),
        ({**base, "variable": "clf", "path": "/etc/passwd"}, 403),
        ({**base, "variable": "clf", "as_onnx": "yes"}, 400),
    ]:
        await call(jp_fetch, "notebooks", "save", method="POST", body=json.dumps(body), expect=status)
    unknown_job = await call(jp_fetch, "jobs", "abc123", expect=404)
    assert unknown_job["error"] == "not_found"


async def test_saving_from_a_notebook_without_a_kernel_is_a_409(jp_fetch, jp_root_dir, jp_serverapp):
    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    refused = await call(jp_fetch, "notebooks", "save", method="POST", expect=409,
                         body=json.dumps({"path": NOTEBOOK, "variable": "clf", "display_name": "x"}))
    assert refused["error"] == "no_kernel" and NOTEBOOK in refused["message"]
    assert not jp_serverapp.web_app.settings["model_catalog_jobs"]._jobs


async def test_the_kernel_is_found_however_the_path_is_spelled(jp_fetch, jp_root_dir):
    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    for spelling in (NOTEBOOK, "./work/train.ipynb", "work//train.ipynb", "work/./train.ipynb"):
        found = await call(jp_fetch, "notebooks", "models", params={"path": spelling})
        assert found["kernel_id"] == kernel_id, spelling


async def test_two_saves_from_one_notebook_at_once(jp_fetch, jp_root_dir, jp_serverapp):
    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await run_in_kernel(jp_serverapp.kernel_manager, kernel_id, TRAIN_CODE)
    bodies = [{"path": NOTEBOOK, "variable": "clf", "display_name": f"iris{i}", "X_sample": "X_small"}
              for i in range(2)]
    started = await asyncio.gather(*(call(jp_fetch, "notebooks", "save", method="POST", expect=202,
                                          body=json.dumps(body)) for body in bodies))
    jobs = await asyncio.gather(*(wait_for_job(jp_fetch, s["job_id"], timeout=120) for s in started))
    for job, _ in jobs:
        assert job["state"] == "succeeded", job["error"]
    assert sorted(job["model"]["display_name"] for job, _ in jobs) == ["iris0", "iris1"]


def _save_dirs(spool):
    return sorted(p.name for p in spool.glob("model-catalog-save-*"))


async def _until(condition, timeout=30.0):
    for _ in range(int(timeout / 0.1)):
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


async def _start_busy_cell(kernel_manager, kernel_id, seconds):
    """A cell the user runs (not waited for): the kernel is busy with it for ``seconds``.
    Returns once the kernel has started it, so a request sent afterwards waits behind it
    (two clients' messages are not ordered otherwise: on a loaded machine the later one
    could arrive first)."""
    client = kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    msg_id = client.execute(f"import time; time.sleep({seconds})")
    while True:
        msg = await client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            return client


async def test_a_save_given_up_on_leaves_nothing_behind(jp_fetch, jp_root_dir, jp_serverapp, spool):
    """The kernel is busy with a cell past the save's timeout: the save fails and says why, and
    when the kernel gets to the request later, no model, work dir or file appears."""
    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    kernel_manager = jp_serverapp.kernel_manager
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await run_in_kernel(kernel_manager, kernel_id, TRAIN_CODE)
    jp_serverapp.web_app.settings["model_catalog"].config.kernel_save_timeout = 1.5
    busy = await _start_busy_cell(kernel_manager, kernel_id, 6)
    try:
        started = await call(jp_fetch, "notebooks", "save", method="POST", expect=202,
                             body=json.dumps({"path": NOTEBOOK, "variable": "clf", "display_name": "late",
                                              "X_sample": "X_small"}))
        job, _ = await wait_for_job(jp_fetch, started["job_id"], timeout=60)
        assert job["state"] == "failed"
        assert job["error"]["error"] == "kernel_error"
        assert "did not answer within 1.5 s" in job["error"]["message"], job["error"]
        assert _save_dirs(spool) == []  # removed when the job failed
        await run_in_kernel(kernel_manager, kernel_id, "pass")  # the kernel has run the late request
        assert await _until(lambda: _save_dirs(spool) == [], timeout=10), _save_dirs(spool)
        await asyncio.sleep(1)  # and nothing comes back
        assert _save_dirs(spool) == []
        assert (await call(jp_fetch, "models"))["items"] == []
    finally:
        busy.stop_channels()


async def test_what_a_late_answer_wrote_is_removed_once_the_kernel_answers(jp_fetch, jp_root_dir, jp_serverapp):
    """evaluate() gives up after its timeout, then calls after_late_answer once the kernel has
    answered after all -- not before, and never when the answer came in time."""
    from model_catalog_ext.server.kernel_bridge import KernelError, evaluate

    make_repo_with_notebook(jp_root_dir, NOTEBOOK)
    kernel_manager = jp_serverapp.kernel_manager
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await run_in_kernel(kernel_manager, kernel_id, "pass")
    calls = []
    assert await evaluate(kernel_manager, kernel_id, "'in time'", timeout=30,
                          after_late_answer=lambda: calls.append("in time")) == "in time"

    busy = await _start_busy_cell(kernel_manager, kernel_id, 4)
    try:
        try:
            await evaluate(kernel_manager, kernel_id, "'late'", timeout=1, after_late_answer=lambda: calls.append("late"))
        except KernelError as exc:
            assert "did not answer within 1 s" in exc.message
        else:
            raise AssertionError("no KernelError for a kernel busy past the timeout")
        assert calls == []  # the kernel is still running the cell
        await run_in_kernel(kernel_manager, kernel_id, "pass")
        assert await _until(lambda: calls == ["late"], timeout=15), calls
    finally:
        busy.stop_channels()
