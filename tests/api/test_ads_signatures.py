"""ADS's argument order and defaults for upload_model, download_model and ModelArtifact.save."""
from __future__ import annotations

import importlib.util
import inspect

import pytest

from model_catalog_ext.api.catalog import ModelCatalog
from model_catalog_ext.errors import InvalidInput

needs_artifact_layer = pytest.mark.skipif(importlib.util.find_spec("model_catalog_ext.artifact") is None,
                                          reason="model_catalog_ext.artifact not importable")

# From ads/catalog/model.py and ads/common/model_artifact.py (oracle-ads 2.x).
ADS_UPLOAD = ["model_artifact", "provenance_metadata", "project_id", "display_name", "description",
              "freeform_tags", "defined_tags", "bucket_uri", "remove_existing_artifact",
              "overwrite_existing_artifact", "model_version_set", "version_label"]
ADS_DOWNLOAD = ["model_id", "target_dir", "force_overwrite", "install_libs", "conflict_strategy", "bucket_uri",
                "remove_existing_artifact"]
ADS_SAVE = ["display_name", "description", "project_id", "compartment_id", "training_script_path",
            "ignore_pending_changes", "auth", "training_id", "timeout", "ignore_introspection", "freeform_tags",
            "defined_tags", "bucket_uri", "remove_existing_artifact", "model_version_set", "version_label"]


def positional(func) -> list[str]:
    return [p.name for p in inspect.signature(func).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]


def test_upload_model_takes_ads_arguments_in_ads_order(mc, artifact_dir):
    assert positional(ModelCatalog.upload_model) == ADS_UPLOAD  # our extras are keyword-only
    m = mc.upload_model(artifact_dir(), {"git_branch": "main"}, "proj", "churn", "predicts churn", {"v": "1"},
                        None, None, True, True, None, None)
    assert (m.display_name, m.description, m.project_id, m.freeform_tags) == ("churn", "predicts churn", "proj",
                                                                               {"v": "1"})
    assert m.provenance_metadata["git_branch"] == "main"
    with pytest.raises(TypeError):
        mc.upload_model(artifact_dir("b"), None, None, None, None, None, None, None, True, True, None, None, "c1")
    with pytest.raises(NotImplementedError, match="remove_existing_artifact"):
        mc.upload_model(artifact_dir("c"), remove_existing_artifact=False)


def test_upload_model_names_after_the_folder_but_refuses_an_empty_name(mc, artifact_dir):
    assert mc.upload_model(artifact_dir("iris.v2")).display_name == "iris.v2"
    for empty in ("", "   "):
        with pytest.raises(InvalidInput, match="display name"):
            mc.upload_model(artifact_dir(f"named{len(empty)}"), display_name=empty)
    assert len(mc.list_models()) == 1


def test_upload_model_refuses_a_training_script_that_does_not_exist(mc, artifact_dir, tmp_path):
    missing = tmp_path / "nowhere" / "train.py"
    with pytest.raises(InvalidInput) as err:
        mc.upload_model(artifact_dir(), display_name="m", training_script_path=str(missing))
    assert str(missing) in err.value.message and "training_script_path" in err.value.message
    assert len(mc.list_models()) == 0  # nothing was stored


def test_download_model_accepts_ads_defaults_and_refuses_the_rest(mc):
    assert positional(ModelCatalog.download_model) == ADS_DOWNLOAD
    for name, value in (("conflict_strategy", "UPDATE"), ("bucket_uri", "oci://bucket@ns/prefix"),
                        ("remove_existing_artifact", False), ("install_libs", True)):
        with pytest.raises(NotImplementedError, match=name):
            mc.download_model("mdl-x", "/tmp/never-written", **{name: value})


@needs_artifact_layer
def test_download_model_with_ads_defaults_spelled_out(mc, artifact_dir, tmp_path):
    m = mc.upload_model(artifact_dir(), display_name="m")
    art = mc.download_model(m.id, tmp_path / "a", False, False, "IGNORE", None, True)
    assert art.predict([1]) == {"prediction": [2]}
    art = mc.download_model(m.id, tmp_path / "b", conflict_strategy="ignore", bucket_uri=None,
                            remove_existing_artifact=True)
    assert (tmp_path / "b" / "score.py").is_file()


@needs_artifact_layer
def test_model_artifact_save_stores_what_it_is_given(mc, artifact_dir):
    from model_catalog_ext.api.artifact import ModelArtifact

    assert positional(ModelArtifact.save) == ADS_SAVE  # our extras (catalog=...) are keyword-only
    saved = ModelArtifact(artifact_dir("iris")).save(display_name="iris", description="the iris model",
                                                     project_id="proj-1", compartment_id="comp-1", catalog=mc)
    again = mc.get_model(saved.id)
    assert (again.description, again.project_id, again.compartment_id) == ("the iris model", "proj-1", "comp-1")
    assert [m.id for m in mc.list_models(compartment_id="comp-1")] == [saved.id]
    assert ModelArtifact(artifact_dir("folder-name")).save(catalog=mc).display_name == "folder-name"


@needs_artifact_layer
def test_model_artifact_save_refuses_an_empty_name_and_a_missing_script(mc, artifact_dir, tmp_path):
    from model_catalog_ext.api.artifact import ModelArtifact

    art = ModelArtifact(artifact_dir())
    with pytest.raises(InvalidInput, match="display name"):
        art.save(display_name="", catalog=mc)
    with pytest.raises(InvalidInput, match="does not exist") as err:
        art.save(display_name="m", training_script_path=str(tmp_path / "train.py"), catalog=mc)
    assert str(tmp_path / "train.py") in err.value.message
    assert len(mc.list_models()) == 0
