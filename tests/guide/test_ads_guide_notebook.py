"""ADS's model-catalog guide, as a notebook, run top to bottom in a real kernel (issue 20).

``ads_model_catalog_guide.ipynb`` holds the guide's cells with only the import lines
changed (and iris in place of the ADS dataset browser).  It runs against a throw-away
SQLite catalog, in an OCI-like session (PROJECT_OCID, NB_SESSION_COMPARTMENT_OCID set, as
the guide reads them), and each tagged cell's output is checked against what the guide
says it shows.
"""
from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.notebook_output import printed

NOTEBOOK = Path(__file__).with_name("ads_model_catalog_guide.ipynb")
REPO_ROOT = Path(__file__).resolve().parents[2]



@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The executed notebook: tag -> printed text."""
    work = tmp_path_factory.mktemp("guide")
    env = {"MODEL_CATALOG_URL": f"sqlite:///{work}/catalog.db",
           "MODEL_CATALOG_ARTIFACT_ROOT": str(work / "blobs"),
           "PROJECT_OCID": "ocid1.datascienceproject.oc1..guide",
           "NB_SESSION_COMPARTMENT_OCID": "ocid1.compartment.oc1..guide",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits them
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {tag: printed(c) for c in nb.cells if c.cell_type == "code" for tag in c.metadata.get("tags", [])}


def _last_literal(text: str):
    return ast.literal_eval(text.strip().splitlines()[-1])


def test_prepare_writes_the_artifact_files(ran):
    files = ran["artifact-files"]
    assert "Model Artifact Path:" in files
    for name in ("score.py", "runtime.yaml", "model.onnx", ".model-ignore", "input_schema.json",
                 "output_schema.json", "fn-folder/func.py"):
        assert name in files, files
    assert '"schema"' in ran["output-schema"]


def test_taxonomy_and_custom_metadata_objects(ran):
    assert "UseCaseType" in ran["taxonomy-df"] and "multinomial_classification" in ran["taxonomy-df"]
    assert ran["custom-df"].startswith("RandomForestClassifier")
    assert "test1" in ran["custom-df"] and "Training Environment" in ran["custom-df"]


def test_the_artifact_and_the_ads_model_predict_the_same(ran):
    printed = ran["artifact-predict"].strip().splitlines()
    from_artifact = ast.literal_eval(printed[0])["prediction"]
    assert len(from_artifact) == 10 and from_artifact == ast.literal_eval(printed[1])


def test_the_generic_model_is_prepared_around_the_users_file(ran):
    assert len(_last_literal(ran["gamma-predict"])) == 2
    files = _last_literal(ran["generic-files"])
    assert "model.onnx" in files and "score.py" in files and "model.pkl" not in files
    assert len(_last_literal(ran["generic-predict"])) == 2


def test_save_list_filter_and_projects(ran):
    assert "RF Classifier" in ran["save"]
    assert "ModelSummaryList of 1 model" in ran["list"]
    assert ran["filter"].split() == ["1", "1", "True"]
    assert ran["names"].strip() == "RF Classifier"
    assert _last_literal(ran["df"]) == ["RF Classifier"]
    assert ran["projects"].strip() == "True ['ocid1.datascienceproject.oc1..guide']"


def test_download_shows_the_folder_and_predicts(ran):
    text = ran["download"]
    assert re.search(r"Artifact directory: \S+", text) and "Contains: [" in text and "'score.py'" in text
    assert len(_last_literal(text)["prediction"]) > 10
    lines = ran["loaded-predict"].strip().splitlines()
    assert ast.literal_eval(lines[0]) == ast.literal_eval(lines[1])


def test_metadata_update_activation_and_delete(ran):
    assert "display_name" in ran["retrieve"] and "RF Classifier" in ran["retrieve"]
    assert "User name: " in ran["metadata"] and "Training script: None" in ran["metadata"]
    assert "Update Display Name This description has been updated {'isUpdated': 'True'}" in ran["update"]
    assert "test purpose. {'n_estimators': 10}" in ran["update"]
    assert ran["activate"].split() == ["INACTIVE", "0", "ACTIVE", "1"]
    assert ran["delete"].split() == ["True", "0"]
