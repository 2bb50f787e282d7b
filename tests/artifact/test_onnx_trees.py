"""Trees and forests written to ONNX without skl2onnx: checked against ONNX Runtime on data
the model never saw, the protobuf against the onnx package's own checker."""
from __future__ import annotations

import numpy as np
import pytest

from model_catalog_ext.artifact import onnx_trees, prepare

ort = pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(7)


def _session(model, n_features):
    data = onnx_trees.write(model, n_features)
    assert data is not None, f"{type(model).__name__} was not written"
    return ort.InferenceSession(data, providers=["CPUExecutionProvider"])


def _classes_agree(model, X):
    label, proba = _session(model, X.shape[1]).run(None, {"input": X.astype(np.float32)})
    np.testing.assert_array_equal(label, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)


def _classification_data(n_classes):
    from sklearn.datasets import make_classification

    X, y = make_classification(600, 8, n_informative=5, n_classes=n_classes, random_state=1)
    return X, y, RNG.normal(size=(2000, 8)) * 2  # fresh points, far outside too


def _classifiers():
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

    return [DecisionTreeClassifier(random_state=0), ExtraTreeClassifier(random_state=0),
            RandomForestClassifier(30, random_state=0), ExtraTreesClassifier(30, random_state=0),
            RandomForestClassifier(30, max_depth=4, min_samples_leaf=5, random_state=0)]


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("labels", ["ints", "strings"])
def test_classifiers_give_the_models_labels_and_probabilities(n_classes, labels):
    X, y, unseen = _classification_data(n_classes)
    if labels == "strings":
        y = np.array([f"class {i}" for i in range(n_classes)])[y]
    else:
        y = y * 10 - 3  # labels that are not their index
    for model in _classifiers():
        model.fit(X, y)
        _classes_agree(model, unseen)


def test_two_class_ties_go_to_the_first_class_as_in_scikit_learn():
    from sklearn.ensemble import RandomForestClassifier

    X, y, unseen = _classification_data(2)
    model = RandomForestClassifier(2, random_state=0).fit(X, y)
    proba = model.predict_proba(unseen)
    assert (proba[:, 0] == proba[:, 1]).sum() > 100  # half the trees each way: many ties
    _classes_agree(model, unseen)


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressors_predict_the_mean_of_their_trees(n_targets):
    from sklearn.datasets import make_regression
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.tree import DecisionTreeRegressor, ExtraTreeRegressor

    X, y = make_regression(500, 6, n_targets=n_targets, noise=5, random_state=2)
    unseen = RNG.normal(size=(2000, 6)) * 2
    for model in (DecisionTreeRegressor(random_state=0), ExtraTreeRegressor(random_state=0),
                  RandomForestRegressor(25, random_state=0), ExtraTreesRegressor(25, random_state=0)):
        model.fit(X, y)
        (got,) = _session(model, 6).run(None, {"input": unseen.astype(np.float32)})
        expected = model.predict(unseen).reshape(len(unseen), n_targets)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4 * np.abs(expected).max())


def test_a_threshold_that_float32_rounds_up_still_splits_where_scikit_learn_does():
    """scikit-learn compares float32(x) with a float64 threshold, the midpoint of two
    neighbouring float32 values; rounded to float32 that midpoint is one of them, and when it
    is the upper one a plain cast would send that value the wrong way."""
    from sklearn.tree import DecisionTreeClassifier

    # At 1000 a float32 step is 6e-5, wide enough for scikit-learn to split. Ties round to
    # the even mantissa: down for (1000, 1000 + step), up for the next pair.
    low = np.float32(1000)
    high = np.nextafter(low, np.float32(2000))
    cases = 0
    for a, b in ((low, high), (high, np.nextafter(high, np.float32(2000)))):
        X = np.array([[a], [b]], dtype=np.float64)
        model = DecisionTreeClassifier().fit(X, [0, 1])
        threshold = model.tree_.threshold[0]
        cases += np.float32(threshold) > threshold  # the cast rounds up: the case that matters
        _classes_agree(model, X)
    assert cases >= 1, "neither pair gave a threshold that rounds up; the test checks nothing"


def test_missing_values_go_where_the_tree_learned_to_send_them():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    X, y, unseen = _classification_data(3)
    X, unseen = X.copy(), unseen.copy()
    X[RNG.random(X.shape) < 0.15] = np.nan
    unseen[RNG.random(unseen.shape) < 0.15] = np.nan
    for model in (DecisionTreeClassifier(random_state=0), RandomForestClassifier(20, random_state=0)):
        model.fit(X, y)
        _classes_agree(model, unseen)
    # Trained without any NaN: scikit-learn sends one to the child that saw more samples.
    X_full, y_full, _ = _classification_data(3)
    regressor = DecisionTreeRegressor(random_state=0).fit(X_full, y_full.astype(float))
    (got,) = _session(regressor, 8).run(None, {"input": unseen.astype(np.float32)})
    np.testing.assert_allclose(got.ravel(), regressor.predict(unseen), rtol=1e-6)


def test_the_protobuf_passes_the_onnx_checker_and_reads_back():
    onnx = pytest.importorskip("onnx")
    from onnx import helper
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    X, y, _ = _classification_data(3)
    classifier = RandomForestClassifier(5, random_state=0).fit(X, np.array(["a", "b", "c"])[y])
    regressor = RandomForestRegressor(5, random_state=0).fit(X, -1e6 * y)  # negative weights
    for model in (classifier, regressor):
        proto = onnx.load_model_from_string(onnx_trees.write(model, 8))
        onnx.checker.check_model(proto, full_check=True)
        assert proto.ir_version == 8
        assert {o.domain: o.version for o in proto.opset_import} == {"": 15, "ai.onnx.ml": 3}
        node = proto.graph.node[0]
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        trees = [e.tree_ for e in model.estimators_]
        assert attrs["nodes_nodeids"] == [i for t in trees for i in range(t.node_count)]
        assert attrs["nodes_modes"].count(b"LEAF") == sum(t.n_leaves for t in trees)
    assert attrs["target_weights"] and min(attrs["target_weights"]) < -1e5
    assert [i.name for i in proto.graph.input] == ["input"]


def test_models_it_does_not_know_are_left_to_skl2onnx():
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    X, y, _ = _classification_data(3)

    class Tweaked(RandomForestClassifier):  # may predict differently from its trees
        pass

    assert onnx_trees.write(Tweaked(3).fit(X, y), 8) is None
    assert onnx_trees.write(GradientBoostingClassifier(n_estimators=3).fit(X, y), 8) is None
    assert onnx_trees.write(RandomForestClassifier(3).fit(X, y == 1), 8) is None  # bool labels
    assert onnx_trees.write(RandomForestClassifier(3).fit(X, np.c_[y, y]), 8) is None  # two outputs
    assert onnx_trees.write(RandomForestClassifier(3).fit(X, y), 5) is None  # other width
    assert onnx_trees.write(RandomForestClassifier(3), 8) is None  # not fitted


def test_prepare_writes_a_forest_without_importing_skl2onnx(run_python, tmp_path):
    done = run_python(
        "import sys, json\n"
        "from sklearn.datasets import load_iris\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "from model_catalog_ext.artifact import prepare\n"
        "X, y = load_iris(return_X_y=True, as_frame=True)\n"
        "model = RandomForestClassifier(20, random_state=0).fit(X, y)\n"
        f"art = prepare(model, {str(tmp_path / 'rf')!r}, X_sample=X[:30], y_sample=y[:30], as_onnx=True)\n"
        "assert art.verify().ok\n"
        "print(json.dumps([art.preparation, [m for m in ('onnx', 'skl2onnx', 'onnxruntime') if m in sys.modules]]))\n")
    assert done.returncode == 0, done.stderr
    preparation, imported = __import__("json").loads(done.stdout.splitlines()[-1])
    assert preparation["serializer"] == "onnx"
    assert preparation["onnx_converter"].startswith("model-catalog-ext ")
    assert imported == []


def test_when_onnx_runtime_disagrees_with_the_written_trees_skl2onnx_gets_its_turn(tmp_path, iris, monkeypatch):
    """The ONNX Runtime check covers this writer like any converter: a wrong forest (here
    another one's) is not used, and skl2onnx converts the model instead."""
    from sklearn.ensemble import RandomForestClassifier

    X, y = iris
    model = RandomForestClassifier(10, random_state=0).fit(X, y)
    other = RandomForestClassifier(10, random_state=1).fit(X, (y + 1) % 3)
    written = onnx_trees.write
    monkeypatch.setattr(onnx_trees, "write", lambda m, n: written(other, n))
    art = prepare(model, tmp_path / "rf", X_sample=X, y_sample=y, as_onnx=True)
    assert art.preparation["serializer"] == "onnx"
    assert art.preparation["onnx_converter"].startswith("skl2onnx ")
    assert art.verify().ok
