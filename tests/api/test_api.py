"""The ADS-style Python API over a real SQLite catalog."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from model_catalog_ext.api.catalog import ModelCatalog
from model_catalog_ext.api.model import Model
from model_catalog_ext.api.summary import ModelSummaryList
from model_catalog_ext.errors import (
    Conflict,
    ImmutableArtifact,
    InvalidInput,
    ModelNotFound,
    PrepareError,
    TargetNotEmpty,
)

HAS_ARTIFACT_LAYER = importlib.util.find_spec("model_catalog_ext.artifact") is not None
needs_artifact_layer = pytest.mark.skipif(not HAS_ARTIFACT_LAYER, reason="model_catalog_ext.artifact not importable yet")


def test_upload_list_get(mc, artifact_dir):
    m = mc.upload_model(artifact_dir("churn"), display_name="churn", description="d",
                        freeform_tags={"version": "3"}, project_id="p1")
    assert isinstance(m, Model) and m.display_name == "churn" and m.version == 1
    assert mc.upload_model(artifact_dir("fraud")).display_name == "fraud"  # name defaults to the folder
    models = mc.list_models()
    assert isinstance(models, ModelSummaryList) and len(models) == 2
    assert [e.display_name for e in models] == ["fraud", "churn"]
    assert models[0].display_name == "fraud" and len(models[:1]) == 1
    assert [e.display_name for e in mc.list_models(search="tag:version=3")] == ["churn"]
    assert [e.display_name for e in mc.list_models(project_id="p1")] == ["churn"]
    assert [e.display_name for e in mc.list_models(display_name="fraud")] == ["fraud"]
    assert len(mc.list_models(limit=1)) == 1
    assert mc.get_model(m.id).to_dict()["id"] == m.id
    with pytest.raises(ModelNotFound):
        mc.get_model("mdl-nope")
    with pytest.raises(InvalidInput, match="Unknown filter"):
        mc.list_models(colour="red")


def test_list_pages_through_everything(mc, artifact_dir, monkeypatch):
    import model_catalog_ext.api.catalog as api_catalog

    monkeypatch.setattr(api_catalog, "_PAGE", 2)
    art = artifact_dir()
    for i in range(5):
        mc.upload_model(art, display_name=f"m{i}")
    assert [e.display_name for e in mc.list_models()] == ["m4", "m3", "m2", "m1", "m0"]


def test_summary_filter_and_df(mc, artifact_dir):
    empty = mc.list_models().df  # the column types of a filled list, so the same code works on both
    assert len(empty) == 0 and str(empty["time_created"].dtype) == "datetime64[us, UTC]"
    assert str(empty["version"].dtype) == "int64" and str(empty["artifact_size"].dtype) == "int64"
    art = artifact_dir()
    mc.upload_model(art, display_name="a", freeform_tags={"team": "ml"})
    mc.upload_model(art, display_name="b", freeform_tags={"team": "risk"})
    models = mc.list_models()
    assert [e.display_name for e in models.filter(lambda e: e.freeform_tags["team"] == "ml")] == ["a"]
    assert [e.display_name for e in models.filter(lambda e, inst: e.display_name == inst, "b")] == ["b"]
    assert [e.display_name for e in models.filter([1])] == ["a"]
    assert [e.display_name for e in models.filter([True, False])] == ["b"]
    df = models.df
    assert list(df.columns[:8]) == ["id", "display_name", "description", "lifecycle_state", "time_created",
                                    "created_by", "compartment_id", "project_id"]
    assert {"tags", "version"} <= set(df.columns)
    assert df["tags"].tolist() == ["team:risk", "team:ml"] and df["version"].tolist() == [1, 1]
    assert {c: str(t) for c, t in empty.dtypes.items()} == {c: str(t) for c, t in df.dtypes.items()}
    assert "a" in models._repr_html_() and "ModelSummaryList of 2" in repr(models)
    fmt = mc.list_models(datetime_format="%Y").df["time_created"].iloc[0]
    assert isinstance(fmt, str) and len(fmt) == 4


def test_model_edit_commit_rollback(mc, artifact_dir):
    m = mc.upload_model(artifact_dir(), display_name="m", freeform_tags={"version": "1"})
    m.display_name = "renamed"
    m.freeform_tags = {"version": "2"}
    m.provenance_metadata = {"git_branch": "main"}
    assert m.pending_changes.keys() == {"display_name", "freeform_tags", "provenance"}
    assert m.display_name == "renamed" and "uncommitted" in repr(m)
    m.rollback()
    assert m.display_name == "m" and not m.pending_changes
    m.description = "new"
    m.commit()
    assert mc.get_model(m.id).description == "new"
    with pytest.raises(ImmutableArtifact, match="new version"):
        m.manifest = []
    with pytest.raises(AttributeError, match="cannot be changed"):
        m.lifecycle_state = "INACTIVE"


def test_in_place_edits_are_committed_as_in_ads(mc, artifact_dir):
    """m.freeform_tags["stage"] = "prod"; m.commit() saves the edit (ADS's usual pattern),
    rollback() forgets it, and fields that cannot change hand out copies."""
    m = mc.upload_model(artifact_dir(), display_name="m", freeform_tags={"version": "1"},
                        defined_metadata={"Algorithm": "Ridge"})
    assert not m.pending_changes and "uncommitted" not in repr(m)
    m.freeform_tags["stage"] = "prod"
    m.defined_metadata["Algorithm"] = "RidgeCV"
    m.custom_metadata.append({"key": "auc", "value": "0.91"})
    assert m.pending_changes.keys() == {"freeform_tags", "defined_metadata", "custom_metadata"}
    assert "3 uncommitted change(s)" in repr(m)
    m.commit()
    stored = mc.get_model(m.id)
    assert stored.freeform_tags == {"version": "1", "stage": "prod"}
    assert stored.defined_metadata["Algorithm"] == "RidgeCV"
    assert [(c["key"], c["value"]) for c in stored.custom_metadata] == [("auc", "0.91")]
    assert not m.pending_changes

    m.freeform_tags.pop("stage")
    m.rollback()
    assert m.freeform_tags == {"version": "1", "stage": "prod"} and not m.pending_changes
    etag = mc.get_model(m.id).etag
    assert m.freeform_tags == m.freeform_tags and m.commit() is m  # reading is not a change
    assert mc.get_model(m.id).etag == etag

    m.freeform_tags["team"] = "ml"
    m.refresh()  # an edit made before a refresh stays pending
    assert m.pending_changes.keys() == {"freeform_tags"}
    m.commit()
    assert mc.get_model(m.id).freeform_tags == {"version": "1", "stage": "prod", "team": "ml"}
    m.manifest.clear()  # the artifact's fields are copies: nothing to commit, nothing changed
    assert m.manifest and not m.pending_changes


def test_assigning_a_name_that_is_not_a_field(mc, artifact_dir):
    m = mc.upload_model(artifact_dir(), display_name="m")
    with pytest.raises(AttributeError) as err:
        m.dispaly_name = "x"
    message = str(err.value)
    assert "dispaly_name is not a field of a model" in message and "Did you mean display_name?" in message
    assert "cannot be changed" not in message and "Editable fields: display_name, description" in message
    with pytest.raises(AttributeError, match="cannot be changed. Use deactivate"):
        m.lifecycle_state = "INACTIVE"
    with pytest.raises(AttributeError, match="version cannot be changed"):
        m.version = 7
    assert not m.pending_changes


def test_docstrings_say_where_model_differs_from_ads():
    assert "force=True" in Model.commit.__doc__ and "ADS" in Model.commit.__doc__
    for action in (Model.deactivate, Model.activate):
        assert "at once" in action.__doc__ and "commit()" in action.__doc__


def test_commit_conflict_and_force(mc, artifact_dir):
    m = mc.upload_model(artifact_dir(), display_name="m")
    other = mc.get_model(m.id)
    other.description = "theirs"
    other.commit()
    m.description = "mine"
    with pytest.raises(Conflict):
        m.commit()
    m.commit(force=True)
    assert mc.get_model(m.id).description == "mine"


def test_deactivate_activate_versions_delete(mc, artifact_dir):
    m = mc.upload_model(artifact_dir("a"), display_name="m")
    v2 = mc.upload_model(artifact_dir("b"), display_name="m", as_new_version_of=m.id)
    assert [v.version for v in m.versions()] == [1, 2] and v2.parent_id == m.id
    assert m.deactivate().lifecycle_state == "INACTIVE"
    assert [e.id for e in mc.list_models()] == [v2.id]
    assert {e.id for e in mc.list_models(include_deleted=True)} == {m.id, v2.id}
    assert m.activate().lifecycle_state == "ACTIVE"
    mc.delete_model(v2)
    mc.delete_model(m.id)
    assert len(mc.list_models(include_deleted=True)) == 0


def test_a_new_version_is_named_after_its_model_by_default(mc, artifact_dir):
    m = mc.upload_model(artifact_dir("first-folder"), display_name="churn")
    v2 = mc.upload_model(artifact_dir("other-folder"), as_new_version_of=m.id)
    assert (v2.display_name, v2.version) == ("churn", 2)
    v3 = mc.upload_model(artifact_dir("third"), display_name="churn-renamed", as_new_version_of=m.id)
    assert v3.display_name == "churn-renamed"  # a name given is kept
    assert mc.upload_model(artifact_dir("fresh"), display_name=None).display_name == "fresh"


def test_download_refuses_non_empty_target(mc, artifact_dir, tmp_path):
    m = mc.upload_model(artifact_dir(), display_name="m")
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(TargetNotEmpty):
        mc.service.download(m.id, target)
    mc.service.download(m.id, target, force_overwrite=True)
    assert (target / "score.py").exists() and (target / "keep.txt").read_text() == "mine"


@needs_artifact_layer
def test_download_model_returns_a_model_artifact(mc, artifact_dir, tmp_path):
    m = mc.upload_model(artifact_dir(), display_name="m")
    art = mc.download_model(m.id, tmp_path / "dl")
    assert art.artifact_dir == (tmp_path / "dl").absolute()
    assert art.predict([1, 2]) == {"prediction": [2, 4]}
    with pytest.raises(TargetNotEmpty):
        mc.download_model(m.id, tmp_path / "dl")
    assert mc.get_model(m.id).load().predict([3]) == {"prediction": [6]}


@needs_artifact_layer
def test_model_artifact_save_wires_provenance_and_metadata(mc, artifact_dir, tmp_path):
    import git

    from model_catalog_ext.api.artifact import ModelArtifact
    from model_catalog_ext.errors import PendingChanges

    repo_dir = tmp_path / "repo"
    repo = git.Repo.init(repo_dir, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "t").set_value("user", "email", "t@example.com")
    script = repo_dir / "train.py"
    script.write_text("print('train')\n")
    art_dir = repo_dir / "artifact"
    art_dir.mkdir()
    (art_dir / "score.py").write_text("def load_model():\n    return 1\n\ndef predict(data, model=load_model()):\n"
                                      "    return data\n")
    repo.index.add([str(script), str(art_dir / "score.py")])
    commit = repo.index.commit("train").hexsha
    saved = ModelArtifact(art_dir).save(display_name="from-git", training_script_path=str(script),
                                        freeform_tags={"version": "1"}, catalog=mc)
    assert saved.provenance_metadata["git_commit"] == commit
    assert saved.provenance_metadata["training_script"] == "train.py"
    assert saved.freeform_tags == {"version": "1"}
    script.write_text("print('changed')\n")
    with pytest.raises(PendingChanges):
        ModelArtifact(art_dir).save(display_name="dirty", training_script_path=str(script), catalog=mc)
    assert len(mc.list_models()) == 1
    again = ModelArtifact(art_dir).save(display_name="dirty", training_script_path=str(script), catalog=mc,
                                        ignore_pending_changes=True, as_new_version_of=saved.id)
    assert again.version == 2 and again.provenance_metadata["git_dirty"] is True
    with pytest.raises(NotImplementedError, match="bucket_uri"):
        ModelArtifact(art_dir).save(display_name="x", bucket_uri="oci://b@ns/p", catalog=mc)


def test_unsupported_ads_arguments_are_named(mc, artifact_dir, service):
    with pytest.raises(NotImplementedError, match="ds_client_auth"):
        ModelCatalog(backend=service, ds_client_auth={"signer": None})
    with pytest.raises(NotImplementedError, match="identity_client_auth"):  # ADS's name for it
        ModelCatalog(backend=service, identity_client_auth={"signer": None})
    with pytest.raises(NotImplementedError, match="install_libs"):
        mc.download_model("mdl-x", "/tmp/x", install_libs=True)
    with pytest.raises(NotImplementedError, match="defined_tags, model_version_set"):
        mc.upload_model(artifact_dir(), defined_tags={"ns": {"k": "v"}}, model_version_set="vs")
    assert len(mc.list_models()) == 0  # nothing was saved by the refused upload
    m = mc.upload_model(artifact_dir("deletable"), display_name="d")
    with pytest.raises(NotImplementedError, match="delete_associated_model_deployment"):
        mc.delete_model(m.id, delete_associated_model_deployment=True)
    assert mc.delete_model(m.id, delete_associated_model_deployment=False) is True  # ADS's default and result
    with pytest.raises(PrepareError, match="Pass the arguments by name"):
        from model_catalog_ext import prepare_generic_model

        prepare_generic_model(artifact_dir("ads-order") / "out", False, "model_api", True)  # ADS's order


def test_backend_url_and_shared_services(tmp_path, artifact_dir):
    from model_catalog_ext.api.backend import reset_shared_backends

    url = f"sqlite:///{tmp_path}/url.db"
    a = ModelCatalog(backend=url, artifact_root=str(tmp_path / "b"))
    b = ModelCatalog(backend=url, artifact_root=str(tmp_path / "b"))
    assert a.service is b.service
    m = a.upload_model(artifact_dir(), display_name="m")
    assert b.get_model(m.id).display_name == "m"
    reset_shared_backends()


def test_api_import_does_not_load_pandas_or_jupyter():
    code = ("import sys; from model_catalog_ext.api import ModelCatalog; "
            "print([m for m in ('pandas', 'jupyter_server', 'tornado', 'IPython') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
