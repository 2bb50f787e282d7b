"""The calls of Oracle ADS's model-catalog guide that used to fail here (issue 20, items 1-7),
one test each, with the import lines changed to ``model_catalog_ext`` and nothing else."""
from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest


def _iris():
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    return data.data, data.target


def _forest(X, y):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=10, random_state=0).fit(X.values, y.values)


def test_listed_models_have_ads_user_name(tmp_path, mc, artifact_dir):
    from model_catalog_ext import ModelArtifact

    saved = ModelArtifact(artifact_dir()).save(display_name="mine", catalog=mc, ignore_pending_changes=True)
    your_user_name = saved.created_by
    my_model_list = mc.list_models()
    mine = my_model_list.filter(lambda x: x.user_name == your_user_name)
    assert [m.id for m in mine] == [saved.id]
    assert mc.get_model(saved.id).user_name == your_user_name
    assert "user_name" in dir(saved)
    assert my_model_list.sort_by("user_name")[0].id == saved.id


def test_ads_model_from_estimator_prepares_and_predicts(tmp_path):
    from model_catalog_ext import ADSModel, ModelArtifact

    X, y = _iris()
    rf_clf = _forest(X, y)
    rf_model = ADSModel.from_estimator(rf_clf)
    path = tmp_path / "ads-model"
    artifact = rf_model.prepare(path, X_sample=X.values[:10], y_sample=y.values[:10],
                                fn_artifact_files_included=True, force_overwrite=True,
                                data_science_env=True, use_case_type="multinomial_classification")
    assert isinstance(artifact, ModelArtifact) and hasattr(artifact, "save")
    assert (path / "score.py").is_file() and (path / "fn-folder").is_dir()
    assert list(rf_model.predict(X.values[:5])) == list(rf_clf.predict(X.values[:5]))
    assert rf_model.predict_proba(X.values[:5]).shape == (5, 3)
    assert rf_model.est is rf_clf
    assert artifact.defined_metadata["UseCaseType"] == "multinomial_classification"


def test_ads_model_names_a_model_it_cannot_wrap():
    from model_catalog_ext import ADSModel
    from model_catalog_ext.errors import PrepareError

    with pytest.raises(PrepareError, match="predict"):
        ADSModel.from_estimator(object())


def test_onnx_artifact_model_predicts_through_score_py(tmp_path):
    from model_catalog_ext import ModelArtifact, prepare

    X, y = _iris()
    rf_clf = _forest(X, y)
    path = tmp_path / "onnx"
    prepare(rf_clf, path, X_sample=X.values[:10], y_sample=y.values[:10])
    assert (path / "model.onnx").is_file()
    model_artifact = ModelArtifact(path)
    rf_model = model_artifact.model
    assert list(rf_model.predict(X.values[:10])) == list(rf_clf.predict(X.values[:10]))
    # the session stays reachable, by name and through its own methods
    assert type(rf_model.session).__name__ == "InferenceSession"
    assert rf_model.get_inputs()[0].name == rf_model.session.get_inputs()[0].name


@pytest.mark.parametrize("how, name", [("joblib", "model.onnx"), ("joblib-compressed", "model.bin"),
                                       ("pickle", "model.joblib"), ("cloudpickle", "model.pkl"),
                                       ("onnx", "model.pkl")])
def test_prepare_generic_model_on_a_folder_holding_the_users_model(tmp_path, how, name):
    """The guide dumps the model into a folder, then prepares that folder: no forcing, the
    file stays as it was, and score.py loads it in the format its bytes are in."""
    from sklearn.linear_model import LinearRegression

    from model_catalog_ext import ModelArtifact, prepare, prepare_generic_model

    train_X = [[1, 2], [2, 3], [3, 4], [4, 3]]
    train_y = [19, 26, 33, 30]
    model = LinearRegression().fit(train_X, train_y)
    model_path = tmp_path / "generic"
    model_path.mkdir()
    target = model_path / name
    if how.startswith("joblib"):
        import joblib

        joblib.dump(model, target, compress=3 if how == "joblib-compressed" else 0)
    elif how == "pickle":
        target.write_bytes(pickle.dumps(model))
    elif how == "cloudpickle":
        import cloudpickle
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer

        # a lambda in it: only cloudpickle can save this one
        target.write_bytes(cloudpickle.dumps(make_pipeline(FunctionTransformer(lambda x: x), model)))
    else:
        onnx_dir = tmp_path / "made-onnx"
        prepare(model, onnx_dir, X_sample=np.array(train_X, dtype=float), as_onnx=True)
        target.write_bytes((onnx_dir / "model.onnx").read_bytes())
    before = target.read_bytes()

    artifact = prepare_generic_model(model_path, data_science_env=True)
    assert target.read_bytes() == before
    assert sorted(p.name for p in model_path.iterdir() if p.suffix in (".pkl", ".onnx", ".joblib", ".bin")) \
        == [name]
    data = [[3, 4], [4, 5]]
    expected = model.predict(data)
    got = ModelArtifact(model_path).predict(data)["prediction"]
    assert np.allclose(np.ravel(got), expected, rtol=1e-4)
    assert artifact.preparation["model_file"] == name
    assert artifact.preparation["serializer"] == how.split("-")[0]
    assert artifact.verify(data=data).ok
    assert target.read_bytes() == before

    # preparing it again (forced) still leaves the user's file alone
    prepare_generic_model(model_path, force_overwrite=True)
    assert target.read_bytes() == before


def test_prepare_generic_model_refuses_a_folder_with_other_files(tmp_path):
    from model_catalog_ext import prepare_generic_model
    from model_catalog_ext.errors import TargetNotEmpty

    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "a.pkl").write_bytes(pickle.dumps(1))
    (tmp_path / "two" / "notes.txt").write_text("x")
    with pytest.raises(TargetNotEmpty):
        prepare_generic_model(tmp_path / "two")


def test_provenance_script_dir_is_the_artifact_directory_as_ads_records_it(tmp_path, mc, artifact_dir):
    import subprocess

    from model_catalog_ext import ModelArtifact

    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    script = repo / "notebooks" / "train.py"
    script.write_text("print('train')\n")
    for cmd in (["init", "-q", "-b", "main"], ["add", "."],
                ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    art = artifact_dir()
    saved = ModelArtifact(art).save(display_name="p", catalog=mc, training_script_path=str(script),
                                    ignore_pending_changes=True)
    prov = saved.provenance_metadata
    assert prov["script_dir"] == str(art)
    assert prov["training_script"] == "notebooks/train.py"
    assert "git_dirty" in prov


def test_download_model_shows_directory_and_files_and_can_zip(tmp_path, mc, artifact_dir):
    from model_catalog_ext import ModelArtifact

    saved = ModelArtifact(artifact_dir(**{"extra.txt": "x"})).save(display_name="d", catalog=mc,
                                                                    ignore_pending_changes=True)
    target = tmp_path / "dl"
    downloaded = mc.download_model(saved.id, target, force_overwrite=True)
    shown = repr(downloaded)
    assert f"Artifact directory: {target}" in shown
    assert "Contains: [" in shown and "'score.py'" in shown and "'extra.txt'" in shown

    zipped = mc.download_model(saved.id, tmp_path / "zips", as_zip=True)
    assert zipped.parent == tmp_path / "zips" and zipped.suffix == ".zip"
    assert "score.py" in zipfile.ZipFile(zipped).namelist()
    named = mc.download_model(saved.id, tmp_path / "m.zip", as_zip=True)
    assert named == tmp_path / "m.zip" and zipfile.is_zipfile(named)
    from model_catalog_ext.errors import InvalidInput, TargetNotEmpty

    with pytest.raises((TargetNotEmpty, InvalidInput, FileExistsError), match="force_overwrite"):
        mc.download_model(saved.id, tmp_path / "m.zip", as_zip=True)
    assert mc.download_model(saved.id, tmp_path / "m.zip", as_zip=True, force_overwrite=True) == named


def test_project_catalog_lists_the_projects_in_use(tmp_path, mc, artifact_dir, service):
    from model_catalog_ext import ModelArtifact, ModelSummaryList, ProjectCatalog, ProjectSummaryList, SummaryList

    for i, project in enumerate(["proj-a", "proj-b", "proj-a"]):
        ModelArtifact(artifact_dir(f"a{i}")).save(display_name=f"m{i}", project_id=project, catalog=mc,
                                                  ignore_pending_changes=True)
    pc = ProjectCatalog(backend=service)
    projects = pc.list_projects()
    assert isinstance(projects, ProjectSummaryList) and isinstance(projects, SummaryList)
    assert isinstance(mc.list_models(), SummaryList)
    assert sorted(p.id for p in projects) == ["proj-a", "proj-b"]
    assert sorted(projects.df["id"]) == ["proj-a", "proj-b"]
    assert [p.id for p in projects.filter(lambda p: p.id == "proj-b")] == ["proj-b"]
    assert pc.get_project("proj-a").display_name == "proj-a"
    assert len(mc.list_models(project_id=pc.get_project("proj-a").id)) == 2
    from model_catalog_ext.errors import InvalidInput

    with pytest.raises(InvalidInput, match="proj-zzz"):
        pc.get_project("proj-zzz")
    with pytest.raises(NotImplementedError, match="project_id"):
        pc.create_project(display_name="x")
    assert ModelSummaryList is not None


def test_artifact_reload_load_model_and_predict_take_adss_arguments(tmp_path, artifact_dir):
    from model_catalog_ext import ModelArtifact
    from model_catalog_ext.errors import InvalidArtifact

    root = artifact_dir(**{"model.bin": b"x"})
    art = ModelArtifact(root, reload=True)
    assert art._loaded and art.load_model() == 2
    assert art.reload(model_file_name="model.bin") is art and art.model_file_name == "model.bin"
    with pytest.raises(InvalidArtifact, match="model.onnx is not in"):
        art.reload(model_file_name="model.onnx")
    assert art.predict([1, 2], model=art.load_model()) == {"prediction": [2, 4]}
    assert art.predict([1, 2], model=10) == {"prediction": [10, 20]}


def test_model_has_adss_defined_tags_show_in_notebook_and_provenance_attributes(mc, artifact_dir, capsys):
    from model_catalog_ext import ModelArtifact

    saved = ModelArtifact(artifact_dir()).save(display_name="m", catalog=mc, ignore_pending_changes=True)
    assert saved.defined_tags == {}
    assert saved.provenance_metadata.training_script == saved.provenance_metadata["training_script"]
    with pytest.raises(AttributeError, match="no field 'nope'"):
        _ = saved.provenance_metadata.nope
    saved.show_in_notebook()
    assert "display_name" in capsys.readouterr().out


def test_ads_metadata_objects_on_the_artifact_and_the_model(tmp_path, mc):
    from sklearn.linear_model import LogisticRegression

    from model_catalog_ext import prepare
    from model_catalog_ext.errors import InvalidInput

    X, y = _iris()
    art = prepare(LogisticRegression(max_iter=300).fit(X.values, y.values), tmp_path / "meta",
                  X_sample=X.values[:5], as_onnx=False)
    assert art.metadata_taxonomy["Algorithm"].value == "LogisticRegression"
    art.metadata_taxonomy["UseCaseType"].value = "multinomial_classification"
    with pytest.raises(InvalidInput, match="binary_classification"):
        art.metadata_taxonomy["UseCaseType"].value = "classification please"
    art.metadata_custom.add(key="test", value="test", category="Other", description="test", replace=True)
    art.metadata_custom["test"].update(value="test1", description=None, category="Training Environment")
    assert list(art.metadata_taxonomy.to_dataframe().columns) == ["Key", "Value"]
    assert art.metadata_custom.to_dataframe().to_dict("records") == [
        {"Key": "test", "Value": "test1", "Description": None, "Category": "Training Environment"}]

    saved = art.save(display_name="meta", catalog=mc, ignore_pending_changes=True)
    model = mc.get_model(saved.id)
    assert model.metadata_taxonomy["UseCaseType"].value == "multinomial_classification"
    assert model.metadata_custom["test"].value == "test1" and "test" in model.metadata_custom.keys
    model.metadata_custom["test"].description = "test purpose."
    model.metadata_taxonomy["Hyperparameters"].value = {"C": 1.0}
    model.commit()
    again = mc.get_model(saved.id)
    assert again.metadata_custom["test"].description == "test purpose."
    assert again.metadata_taxonomy["Hyperparameters"].value == {"C": 1.0}
    again.metadata_custom.remove("test")
    again.commit()
    assert "test" not in mc.get_model(saved.id).metadata_custom.keys


def test_use_case_type_is_one_of_adss(tmp_path):
    from sklearn.linear_model import LinearRegression

    from model_catalog_ext import prepare, prepare_generic_model
    from model_catalog_ext.errors import InvalidInput

    model = LinearRegression().fit([[1], [2]], [1, 2])
    with pytest.raises(InvalidInput, match="regression"):
        prepare(model, tmp_path / "a", use_case_type="regresion")
    with pytest.raises(InvalidInput, match="UseCaseType"):
        prepare_generic_model(tmp_path / "b", use_case_type="anything")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert prepare(model, tmp_path / "c", use_case_type="REGRESSION").defined_metadata["UseCaseType"] \
        == "regression"


def test_verify_changes_nothing_in_a_folder_it_did_not_make(artifact_dir, mc):
    import hashlib

    from model_catalog_ext import ModelArtifact

    root = artifact_dir("foreign", **{"runtime.yaml": "MODEL_ARTIFACT_VERSION: '3.0'\n"})

    def digests():
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.iterdir()}

    before = digests()
    art = ModelArtifact(root)
    assert art.verify(data=[1]).ok
    assert digests() == before
    assert art.defined_metadata["ArtifactTestResults"]["ok"] is True  # kept with the object ...
    saved = art.save(display_name="foreign", catalog=mc, ignore_pending_changes=True)
    assert saved.defined_metadata["ArtifactTestResults"]["ok"] is True  # ... and saved with it
    art.verify(data=[1], record=True)
    assert "model-metadata.json" in digests()


def test_a_session_compartment_listing_says_it_is_narrowed(service, artifact_dir, monkeypatch):
    from model_catalog_ext import ModelArtifact, ModelCatalog

    monkeypatch.delenv("NB_SESSION_COMPARTMENT_OCID", raising=False)
    ModelArtifact(artifact_dir("shell")).save(display_name="from-a-shell", catalog=ModelCatalog(backend=service),
                                              ignore_pending_changes=True)
    monkeypatch.setenv("NB_SESSION_COMPARTMENT_OCID", "ocid1.compartment.oc1..session")
    mc = ModelCatalog(backend=service)
    ModelArtifact(artifact_dir("nb")).save(display_name="from-the-session", catalog=mc,
                                           ignore_pending_changes=True)
    scoped = mc.list_models()
    assert [m.display_name for m in scoped] == ["from-the-session"]
    assert "ocid1.compartment.oc1..session" in repr(scoped) and "compartment_id=None" in repr(scoped)
    assert "compartment_id=None" in scoped.df.attrs["note"] and "compartment_id=None" in scoped._repr_html_()
    assert "compartment_id=None" in repr(scoped.filter(lambda m: True))
    everything = mc.list_models(compartment_id=None)
    assert sorted(m.display_name for m in everything) == ["from-a-shell", "from-the-session"]
    assert "compartment" not in repr(everything) and not everything.df.attrs
