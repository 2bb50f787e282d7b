"""scikit-learn decision trees and forests straight to ONNX, without skl2onnx.

Random forests are the model data scientists save most, and converting them through skl2onnx
means importing skl2onnx and onnx first: about 0.2 s and 30 MB of a cold ``prepare()``,
for what is a copy of the fitted arrays into one TreeEnsemble node. This writes that node
itself (onnx_proto.py) for DecisionTree, ExtraTree, RandomForest and ExtraTrees, classifier
(one output) and regressor. Like every conversion the result is only used when ONNX
Runtime agrees with the model on the sample; when it does not, skl2onnx gets its turn.

The semantics are scikit-learn's, exactly:
- a split sends x left when ``float32(x) <= threshold`` (a float64): the ONNX threshold is
  the largest float32 not above it, so float32 comparisons in ONNX Runtime agree;
- a missing value (NaN) goes where the tree's ``missing_go_to_left`` says (scikit-learn
  >= 1.3 learns it, or sends NaN to the larger child), which skl2onnx ignores;
- class probabilities are the mean of each tree's normalised leaf values, a regressor's
  prediction the mean of its trees' leaf values.
"""
from __future__ import annotations

import numpy as np

from . import onnx_proto, rendering

_CLASSIFIERS = {
    "sklearn.tree": {"DecisionTreeClassifier", "ExtraTreeClassifier"},
    "sklearn.ensemble": {"RandomForestClassifier", "ExtraTreesClassifier"},
}
_REGRESSORS = {
    "sklearn.tree": {"DecisionTreeRegressor", "ExtraTreeRegressor"},
    "sklearn.ensemble": {"RandomForestRegressor", "ExtraTreesRegressor"},
}
OPSETS = {"": 15, "ai.onnx.ml": 3}
INPUT = "input"


def _kind(model) -> str | None:
    """"classifier", "regressor", or None when this is not exactly one of the classes above
    (a subclass may predict differently from its trees)."""
    cls = type(model)
    package = (cls.__module__ or "").rsplit(".", 1)[0]
    if cls.__name__ in _CLASSIFIERS.get(package, ()):
        return "classifier"
    if cls.__name__ in _REGRESSORS.get(package, ()):
        return "regressor"
    return None


def _trees(model) -> list:
    if hasattr(model, "estimators_"):
        return [estimator.tree_ for estimator in model.estimators_]
    return [model.tree_]


def _float32_floor(thresholds: np.ndarray) -> np.ndarray:
    """The largest float32 <= each float64 threshold: for any float32 x,
    ``x <= t`` exactly when ``x <= _float32_floor(t)``."""
    rounded = thresholds.astype(np.float32)
    above = rounded.astype(np.float64) > thresholds
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded


def _class_labels(classes: np.ndarray):
    """(attribute name, labels, ONNX type) for the label output, or None when ONNX's
    TreeEnsembleClassifier cannot carry them (only int64 and string labels)."""
    if classes.dtype.kind in "iu":
        return "classlabels_int64s", classes.astype(np.int64), onnx_proto.INT64
    if classes.dtype.kind in "UO" and all(isinstance(c, str) for c in classes):
        return "classlabels_strings", [str(c) for c in classes], onnx_proto.STRING
    return None


def write(model, n_features: int) -> bytes | None:
    """The fitted ``model`` as a serialized ONNX model taking one float tensor "input" of
    ``n_features`` columns; None when the model is not one this module writes."""
    kind = _kind(model)
    if kind is None or not (hasattr(model, "estimators_") or hasattr(model, "tree_")):
        return None
    if getattr(model, "n_features_in_", n_features) != n_features:
        return None
    labels = None
    if kind == "classifier":
        if getattr(model, "n_outputs_", 1) != 1:
            return None
        labels = _class_labels(np.asarray(model.classes_))
        if labels is None or len(model.classes_) < 2:
            return None
    trees = _trees(model)
    weight = 1.0 / len(trees)  # a regressor's leaves: the mean of the trees' predictions
    # Each tree's arrays, concatenated into one per attribute after the loop.
    node_parts: dict[str, list[np.ndarray]] = {
        key: [] for key in ("treeids", "nodeids", "featureids", "values", "truenodeids",
                            "falsenodeids", "missing", "leaf")}
    leaf_parts: dict[str, list[np.ndarray]] = {key: [] for key in ("treeids", "nodeids", "ids", "weights")}
    for tree_id, tree in enumerate(trees):
        count = tree.node_count
        left, right = tree.children_left[:count], tree.children_right[:count]
        leaf = left == -1
        branch = ~leaf
        ids = np.arange(count, dtype=np.int64)
        node_parts["treeids"].append(np.full(count, tree_id, dtype=np.int64))
        node_parts["nodeids"].append(ids)
        node_parts["featureids"].append(np.where(branch, tree.feature[:count], 0))
        node_parts["values"].append(np.where(branch, _float32_floor(tree.threshold[:count]), np.float32(0)))
        node_parts["truenodeids"].append(np.where(branch, left, 0))
        node_parts["falsenodeids"].append(np.where(branch, right, 0))
        missing_left = getattr(tree, "missing_go_to_left", None)
        node_parts["missing"].append(np.zeros(count, dtype=np.int64) if missing_left is None
                                else np.where(branch, np.asarray(missing_left[:count], dtype=np.int64), 0))
        node_parts["leaf"].append(leaf)
        leaf_ids = ids[leaf]
        if kind == "classifier":
            values = tree.value[leaf_ids, 0, :].astype(np.float64)  # [leaves, classes]
            totals = values.sum(axis=1, keepdims=True)
            values = values / np.where(totals == 0, 1.0, totals)
            if values.shape[1] == 2:
                values = values[:, 1:]  # two classes: one score per leaf, see below
        else:
            values = tree.value[leaf_ids, :, 0].astype(np.float64)  # [leaves, outputs]
            values = values * weight
        width = values.shape[1]
        leaf_parts["treeids"].append(np.full(leaf_ids.size * width, tree_id, dtype=np.int64))
        leaf_parts["nodeids"].append(np.repeat(leaf_ids, width))
        leaf_parts["ids"].append(np.tile(np.arange(width, dtype=np.int64), leaf_ids.size))
        leaf_parts["weights"].append(values.ravel())
    nodes = {key: np.concatenate(parts) for key, parts in node_parts.items()}
    leaves = {key: np.concatenate(parts) for key, parts in leaf_parts.items()}
    modes = np.where(nodes["leaf"], "LEAF", "BRANCH_LEQ").tolist()
    attributes = [
        onnx_proto.attribute("nodes_treeids", nodes["treeids"]),
        onnx_proto.attribute("nodes_nodeids", nodes["nodeids"]),
        onnx_proto.attribute("nodes_featureids", nodes["featureids"]),
        onnx_proto.strings_attribute("nodes_modes", modes),
        onnx_proto.attribute("nodes_values", nodes["values"].astype(np.float32)),
        onnx_proto.attribute("nodes_truenodeids", nodes["truenodeids"]),
        onnx_proto.attribute("nodes_falsenodeids", nodes["falsenodeids"]),
        onnx_proto.attribute("nodes_missing_value_tracks_true", nodes["missing"]),
        onnx_proto.attribute("post_transform", "NONE"),
    ]
    graph_input = [onnx_proto.tensor_value(INPUT, onnx_proto.FLOAT, [None, n_features])]
    if kind == "classifier":
        assert labels is not None  # a classifier without them returned None above
        label_attribute, label_values, label_type = labels
        attributes += [
            onnx_proto.attribute(label_attribute, label_values),
            onnx_proto.attribute("class_treeids", leaves["treeids"]),
            onnx_proto.attribute("class_nodeids", leaves["nodeids"]),
            onnx_proto.attribute("class_ids", leaves["ids"]),
            onnx_proto.attribute("class_weights", leaves["weights"].astype(np.float32)),
        ]
        n_classes = len(model.classes_)
        outputs = [onnx_proto.tensor_value("label", label_type, [None]),
                   onnx_proto.tensor_value("probabilities", onnx_proto.FLOAT, [None, n_classes])]
        # The leaves hold each tree's probabilities unscaled, so that the sums of pure leaves
        # are whole numbers and ties stay exact ties, broken towards the first class as
        # numpy's argmax does; the mean comes after, in a Mul node.
        n = len(trees)
        shift = 0.0
        if n_classes == 2:
            # ONNX Runtime's two-class case: one score per leaf (the second class's, under
            # class id 0), non-negative, so it picks the second class when the score plus
            # base_values is above 0.5 and gives [1 - score, score]. With base_values
            # 0.5 - n/2, that is when the second class has more than half the votes; adding
            # n/2 - 0.5 back gives [n - votes, votes].
            shift = n / 2 - 0.5
            attributes.append(onnx_proto.attribute("base_values", np.array([-shift], dtype=np.float32)))
        after = [onnx_proto.node("Constant", [], ["shift"], [onnx_proto.attribute("value_float", shift)]),
                 onnx_proto.node("Add", ["sums", "shift"], ["votes"]),
                 onnx_proto.node("Constant", [], ["scale"], [onnx_proto.attribute("value_float", 1.0 / n)]),
                 onnx_proto.node("Mul", ["votes", "scale"], ["probabilities"])]
        op, output_names = "TreeEnsembleClassifier", ["label", "sums"]
    else:
        n_targets = int(getattr(model, "n_outputs_", 1))
        attributes += [
            onnx_proto.attribute("n_targets", n_targets),
            onnx_proto.attribute("aggregate_function", "SUM"),
            onnx_proto.attribute("target_treeids", leaves["treeids"]),
            onnx_proto.attribute("target_nodeids", leaves["nodeids"]),
            onnx_proto.attribute("target_ids", leaves["ids"]),
            onnx_proto.attribute("target_weights", leaves["weights"].astype(np.float32)),
        ]
        outputs = [onnx_proto.tensor_value("variable", onnx_proto.FLOAT, [None, n_targets])]
        op, output_names, after = "TreeEnsembleRegressor", ["variable"], []
    graph_node = onnx_proto.node(op, [INPUT], output_names, attributes, domain="ai.onnx.ml")
    return onnx_proto.model([graph_node, *after], graph_input, outputs, OPSETS,
                            producer_version=rendering.generator_version(), graph_name=type(model).__name__)
