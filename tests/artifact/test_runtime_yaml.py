"""runtime.yaml records where the artifact was prepared as real fields (not only a comment),
and stays readable by ADS."""
from __future__ import annotations

import platform
import sys

import pytest
import yaml

from model_catalog_ext.artifact import prepare

from .ads_env import ensure_ads_python, run_driver

# The keys ADS's schema (model_provenance_schema.yaml) allows under MODEL_PROVENANCE: it
# refuses any other ("unknown field"), so nothing of ours may go there.
ADS_PROVENANCE_KEYS = {"PROJECT_OCID", "TENANCY_OCID", "TRAINING_CODE", "TRAINING_COMPARTMENT_OCID",
                       "TRAINING_CONDA_ENV", "TRAINING_REGION", "TRAINING_RESOURCE_OCID", "USER_OCID",
                       "VM_IMAGE_INTERNAL_ID"}


@pytest.fixture
def art(tmp_path, iris, iris_rf):
    X, y = iris
    return prepare(iris_rf, tmp_path / "rf", X_sample=X[:10])


def test_python_version_and_platform_are_fields(art):
    prepared = art.runtime["PREPARED_ON"]
    assert prepared["PYTHON_VERSION"] == platform.python_version()
    assert prepared["PLATFORM"] == platform.platform()
    assert prepared["MACHINE"] == platform.machine()
    assert prepared["ENV_TYPE"] in ("venv", "conda", "system")
    assert prepared["ENV_PATH"] == sys.prefix
    # the ADS layout around it is unchanged
    doc = yaml.safe_load((art.artifact_dir / "runtime.yaml").read_text())
    assert doc == art.runtime
    assert list(doc) == ["MODEL_ARTIFACT_VERSION", "MODEL_DEPLOYMENT", "MODEL_PROVENANCE", "PREPARED_ON"]
    assert doc["MODEL_ARTIFACT_VERSION"] == "3.0"
    assert set(doc["MODEL_PROVENANCE"]) == ADS_PROVENANCE_KEYS
    # the comment header still says it for a person reading the file
    assert f"Python {platform.python_version()}" in (art.artifact_dir / "runtime.yaml").read_text()


@pytest.mark.ads
@pytest.mark.timeout(3600)
def test_ads_reads_the_runtime_yaml(art):
    python, why = ensure_ads_python()
    if python is None:
        pytest.skip(f"oracle-ads cannot be installed here: {why}")
    got = run_driver(python, "runtime", str(art.artifact_dir))
    minor = "%d.%d" % sys.version_info[:2]
    assert got == {"model_artifact_version": "3.0", "training_python_version": minor,
                   "inference_python_version": minor}
