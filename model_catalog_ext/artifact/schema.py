"""ADS data schemas (version 1.1) from samples, and reading them back (new and legacy files).

A schema is ``{"schema": [feature, ...], "version": "1.1"}`` where each feature is
``{name, dtype, feature_type, order, required, description, domain: {values, stats,
constraints}}``, the layout ADS writes to ``input_schema.json`` / ``output_schema.json``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import layout

if TYPE_CHECKING:  # numpy is imported where a sample is read, not with the catalog
    import numpy as np


@dataclass
class Column:
    """One column of a sample: its name, pandas-style dtype name and values (1-D numpy)."""

    name: str
    dtype: str
    values: np.ndarray
    # A pandas category column's full category list (the model was trained on exactly these;
    # LightGBM and XGBoost refuse a column whose categories differ), when JSON can hold it.
    categories: list | None = None
    ordered: bool = False


def _is_pandas(obj, kind: str) -> bool:
    cls = type(obj)
    return cls.__module__.startswith("pandas") and cls.__name__ == kind


def columns_of(sample, default_prefix: str = "feature") -> tuple[list[Column], bool]:
    """Split a sample into columns. Returns (columns, named) where ``named`` says whether
    the names came from the data (a DataFrame, records, a dict) or were made up."""
    import numpy as np

    if _is_pandas(sample, "DataFrame"):
        return [_pandas_column(str(c), sample[c]) for c in sample.columns], True
    if _is_pandas(sample, "Series"):
        name = str(sample.name) if sample.name is not None else default_prefix
        return [Column(name, str(sample.dtype), sample.to_numpy())], sample.name is not None
    if isinstance(sample, dict):
        out = []
        for key, values in sample.items():
            arr = np.asarray(list(values.values()) if isinstance(values, dict) else values)
            out.append(Column(str(key), _dtype_name(arr), arr))
        return out, True
    if isinstance(sample, (list, tuple)) and sample and isinstance(sample[0], dict):
        keys = list(sample[0])
        return [
            Column(str(k), _dtype_name(arr), arr)
            for k in keys
            for arr in [np.asarray([row.get(k) for row in sample])]
        ], True
    arr = np.asarray(sample)
    if arr.ndim == 1:
        return [Column(default_prefix, _dtype_name(arr), arr)], False
    if arr.ndim != 2:
        raise ValueError(f"a sample must be 1-D or 2-D; got shape {arr.shape}")
    return [
        Column(f"{default_prefix}_{i}", _dtype_name(arr[:, i]), arr[:, i])
        for i in range(arr.shape[1])
    ], False


def _pandas_column(name: str, series) -> Column:
    column = Column(name, str(series.dtype), series.to_numpy())
    if column.dtype == "category":
        categories = series.cat.categories.tolist()
        if all(isinstance(c, (str, int, float, bool)) for c in categories):
            column.categories, column.ordered = categories, bool(series.cat.ordered)
    return column


def _dtype_name(arr) -> str:
    if arr.dtype.kind in "US":
        return "object"
    return str(arr.dtype)


def _feature_type(dtype: str) -> str:
    if dtype == "bool":
        return "Boolean"
    if dtype.startswith(("int", "uint", "Int", "UInt")):
        return "Integer"
    if dtype.startswith(("float", "Float")):
        return "Continuous"
    if dtype == "category":
        return "Category"
    if dtype.startswith("datetime"):
        return "DateTime"
    return "String"


def _stats(values, feature_type: str) -> dict:
    import numpy as np

    n = int(len(values))
    if feature_type in ("Continuous", "Integer"):
        arr = np.asarray(values, dtype="float64")
        arr = arr[~np.isnan(arr)]
        if arr.size == 0:
            return {"count": n}
        q = np.percentile(arr, [25, 50, 75])
        return {
            "count": n,
            "mean": float(arr.mean()),
            "standard deviation": float(arr.std(ddof=1)) if arr.size > 1 else 0.0,
            "sample minimum": float(arr.min()),
            "lower quartile": float(q[0]),
            "median": float(q[1]),
            "upper quartile": float(q[2]),
            "sample maximum": float(arr.max()),
        }
    texts = [str(v) for v in values if v is not None]
    uniq, counts = np.unique(np.asarray(texts, dtype=object).astype(str), return_counts=True)
    stats: dict[str, int | str] = {"count": n, "unique": int(uniq.size)}
    if uniq.size:
        top = int(counts.argmax())
        stats.update({"mode": str(uniq[top]), "frequency": int(counts[top])})
    return stats


def _has_missing(values) -> bool:
    import numpy as np

    if getattr(values, "dtype", None) is not None and values.dtype.kind == "f":
        return bool(np.isnan(values).any())
    return any(v is None or (isinstance(v, float) and v != v) for v in values)


def feature_entry(column: Column, order: int, classes=None) -> dict:
    """The ADS 1.1 schema entry of one column; ``classes`` (a classifier's labels) become
    the domain's allowed values."""
    feature_type = _feature_type(column.dtype)
    constraints = []
    values = feature_type
    if classes is not None:
        labels = [c.item() if hasattr(c, "item") else c for c in classes]
        values = ", ".join(str(c) for c in labels)
        constraints.append({"expression": f"$x in {labels!r}", "language": "python"})
    return {
        "name": column.name,
        "dtype": column.dtype,
        "feature_type": feature_type,
        "order": order,
        "required": not _has_missing(column.values),
        "description": column.name,
        "domain": {
            "values": values,
            "stats": _stats(column.values, feature_type),
            "constraints": constraints,
        },
    }


def schema_from_columns(columns: list[Column], classes=None) -> dict:
    """A whole ADS 1.1 schema document for these columns."""
    return {
        "schema": [feature_entry(c, i, classes) for i, c in enumerate(columns)],
        "version": layout.SCHEMA_VERSION,
    }


def read_schemas(artifact_dir: Path) -> tuple[dict | None, dict | None]:
    """(input_schema, output_schema) of an artifact: ``input_schema.json`` /
    ``output_schema.json``, else the legacy ``schema.json``; None where there is none."""
    artifact_dir = Path(artifact_dir)

    def load(name):
        path = artifact_dir / name
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text() or "null")
        except ValueError as exc:
            from ..errors import InvalidArtifact

            raise InvalidArtifact(
                f"{name} in {artifact_dir} is not valid JSON ({exc}). Fix or delete the file.",
                file=name,
            ) from exc

    input_schema, output_schema = load(layout.INPUT_SCHEMA), load(layout.OUTPUT_SCHEMA)
    if input_schema is None and output_schema is None:
        legacy = load(layout.LEGACY_SCHEMA)
        if isinstance(legacy, dict):
            if "input_schema" in legacy or "output_schema" in legacy:
                input_schema = legacy.get("input_schema")
                output_schema = legacy.get("output_schema")
            elif "schema" in legacy:
                input_schema = legacy
    return input_schema, output_schema
