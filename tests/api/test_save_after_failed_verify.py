"""Saving an artifact whose last verify() failed (issue 19, item 19): the API and the CLI
warn, and ``MODEL_CATALOG_REFUSE_FAILED_VERIFY=1`` refuses the save."""
from __future__ import annotations

import warnings

import pytest

from model_catalog_ext.artifact.test_results_policy import FailedVerification, FailedVerificationWarning

BROKEN = ("def load_model():\n    return 2\n\n"
          "def predict(data, model=load_model()):\n    raise ValueError('broken on purpose')\n")


@pytest.fixture
def failed(artifact_dir):
    from model_catalog_ext import ModelArtifact

    root = artifact_dir("broken", **{"score.py": BROKEN, "runtime.yaml": "MODEL_ARTIFACT_VERSION: '3.0'\n"})
    art = ModelArtifact(root)
    assert not art.verify(data=[1, 2], record=True).ok  # recorded in the folder, for the CLI
    return art


def test_api_save_warns_and_stores_the_failed_result(failed, mc, monkeypatch):
    monkeypatch.delenv("MODEL_CATALOG_REFUSE_FAILED_VERIFY", raising=False)
    with pytest.warns(FailedVerificationWarning, match="verify\\(\\) failed.*predict"):
        saved = failed.save(display_name="broken", catalog=mc, ignore_pending_changes=True)
    assert saved.defined_metadata["ArtifactTestResults"]["ok"] is False


def test_the_setting_refuses_the_save_and_stores_nothing(failed, mc, monkeypatch):
    monkeypatch.setenv("MODEL_CATALOG_REFUSE_FAILED_VERIFY", "1")
    with pytest.raises(FailedVerification, match="MODEL_CATALOG_REFUSE_FAILED_VERIFY"):
        failed.save(display_name="broken", catalog=mc, ignore_pending_changes=True)
    with pytest.raises(FailedVerification):
        mc.upload_model(failed.artifact_dir, display_name="broken")
    with pytest.raises(FailedVerification):
        mc.upload_model(failed, display_name="broken")
    assert len(mc.list_models(include_deleted=True)) == 0


def test_a_passing_or_unverified_artifact_saves_silently(artifact_dir, mc, monkeypatch):
    from model_catalog_ext import ModelArtifact

    monkeypatch.setenv("MODEL_CATALOG_REFUSE_FAILED_VERIFY", "1")
    good = ModelArtifact(artifact_dir("good", **{"runtime.yaml": "MODEL_ARTIFACT_VERSION: '3.0'\n"}))
    unverified = ModelArtifact(artifact_dir("unverified"))
    assert good.verify(data=[1]).ok
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        good.save(display_name="good", catalog=mc, ignore_pending_changes=True)
        unverified.save(display_name="unverified", catalog=mc, ignore_pending_changes=True)
    assert len(mc.list_models()) == 2


def test_cli_save_warns_and_the_setting_refuses(failed, tmp_path, monkeypatch, capsys):
    from model_catalog_ext.cli.main import main

    monkeypatch.setenv("MODEL_CATALOG_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("MODEL_CATALOG_ARTIFACT_ROOT", str(tmp_path / "cli-blobs"))
    monkeypatch.setenv("MODEL_CATALOG_REFUSE_FAILED_VERIFY", "1")
    assert main(["save", str(failed.artifact_dir), "--name", "broken"]) == 2
    err = capsys.readouterr().err
    assert "verify() failed" in err and "MODEL_CATALOG_REFUSE_FAILED_VERIFY" in err
    monkeypatch.setenv("MODEL_CATALOG_REFUSE_FAILED_VERIFY", "0")
    assert main(["save", str(failed.artifact_dir), "--name", "broken"]) == 0
    assert "warning: " in capsys.readouterr().err
