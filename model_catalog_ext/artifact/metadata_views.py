"""ADS's metadata objects over our plain metadata: ``metadata_taxonomy`` and ``metadata_custom``.

ADS's guide reads and edits metadata as objects::

    artifact.metadata_taxonomy["UseCaseType"].value = "binary_classification"
    model.metadata_custom.add(key="test", value="test", category="Other", description="test")
    model.metadata_custom["test"].value = "test1"
    model.metadata_taxonomy.to_dataframe()

Here the metadata is a dict (the taxonomy, key -> value) and a list of ``{key, value,
category, description}`` dicts (custom).  These classes are views of those: every edit
goes straight into the dict or list they were given (a Model's working copy, which
``commit()`` saves) and, for an artifact, through ``on_change`` into its files.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import InvalidInput

TAXONOMY_KEYS = ("UseCaseType", "Framework", "FrameworkVersion", "Algorithm", "Hyperparameters",
                 "ArtifactTestResults")
# ADS's UseCaseType values (ads.common.model_metadata.UseCaseType).
USE_CASE_TYPES = ("anomaly_detection", "binary_classification", "clustering", "dimensionality_reduction",
                  "image_classification", "multinomial_classification", "ner", "object_localization", "other",
                  "recommender", "regression", "sentiment_analysis", "time_series_forecasting",
                  "topic_modeling")
# ADS's MetadataCustomCategory values.
CUSTOM_CATEGORIES = ("Performance", "Training Profile", "Training and Validation Datasets",
                     "Training Environment", "Other")


def check_use_case_type(value) -> str | None:
    """``value`` if it is one of ADS's use cases (None too); InvalidInput naming them otherwise."""
    if value is None:
        return None
    text = getattr(value, "value", value)  # an enum member of the user's
    if isinstance(text, str) and text.lower() in USE_CASE_TYPES:
        return text.lower()
    raise InvalidInput(f"{value!r} is not one of ADS's use case types (UseCaseType): "
                       f"{', '.join(USE_CASE_TYPES)}.", allowed=list(USE_CASE_TYPES))


def _yaml(data) -> str:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with the artifact layer
        return json.dumps(data, indent=2, default=str)
    return yaml.safe_dump(json.loads(json.dumps(data, default=str)), sort_keys=False).rstrip()


class MetadataItem:
    """One metadata entry: ``key``, ``value`` (settable), and for custom metadata
    ``category`` and ``description``."""

    _FIELDS: tuple[str, ...] = ("value",)

    def __init__(self, owner, key: str):
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "key", key)

    def __getattr__(self, name):
        if name in type(self)._FIELDS:
            return self._owner._get(self.key, name)
        raise AttributeError(f"metadata item {self.key!r} has no {name!r}; it has key, "
                             f"{', '.join(type(self)._FIELDS)}")

    def __setattr__(self, name, value):
        if name not in type(self)._FIELDS:
            raise AttributeError(f"metadata item {self.key!r}: only {', '.join(type(self)._FIELDS)} can be set")
        self._owner._set(self.key, name, value)

    def update(self, **fields) -> None:
        """Set several fields at once, e.g. ``update(value=..., description=...)``."""
        for name, value in fields.items():
            setattr(self, name, value)

    def to_dict(self) -> dict:
        return {"key": self.key, **{f: getattr(self, f) for f in type(self)._FIELDS}}

    def to_json_file(self, folder) -> Path:
        """Write this item to ``folder/<key>.json`` (as ADS does) and return the path."""
        target = Path(folder) / f"{self.key}.json"
        target.write_text(json.dumps(self.to_dict(), indent=2, default=str))
        return target

    def __repr__(self) -> str:
        return _yaml(self.to_dict())


class CustomItem(MetadataItem):
    _FIELDS = ("value", "category", "description")


class _Metadata:
    _item = MetadataItem
    _columns: tuple[str, ...] = ("Key", "Value")

    def __init__(self, on_change=None):
        self._on_change = on_change

    # Each kind says which keys it has and where their fields live.
    @property
    def keys(self) -> tuple:
        raise NotImplementedError

    def _get(self, key, field):
        raise NotImplementedError

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def __getitem__(self, key: str) -> MetadataItem:
        if key not in self.keys:
            raise KeyError(f"no metadata {key!r}; there is {', '.join(self.keys) or 'none'}")
        return self._item(self, key)

    def __contains__(self, key) -> bool:
        return key in self.keys

    def __iter__(self):
        return (self._item(self, k) for k in self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, key: str, default=None):
        """The item's value, or ``default`` when there is no such item."""
        return self._get(key, "value") if key in self.keys else default

    def to_dict(self) -> dict:
        """ADS's form: ``{"data": [{"key": ..., "value": ...}, ...]}``."""
        return {"data": [item.to_dict() for item in self]}

    def to_dataframe(self):
        """One row per item (ADS's columns)."""
        import pandas as pd

        rows = [[item.to_dict()[c.lower()] for c in self._columns] for item in self]
        return pd.DataFrame(rows, columns=list(self._columns))

    def to_json_file(self, folder, name: str | None = None) -> Path:
        target = Path(folder) / (name or f"{type(self).__name__}.json")
        target.write_text(json.dumps(self.to_dict(), indent=2, default=str))
        return target

    def __repr__(self) -> str:
        return _yaml(self.to_dict())


class MetadataTaxonomy(_Metadata):
    """ADS's ``metadata_taxonomy`` over a defined-metadata dict: its keys are fixed."""

    def __init__(self, data: dict, on_change=None):
        super().__init__(on_change)
        self._data = data

    @property
    def keys(self) -> tuple:
        return TAXONOMY_KEYS

    def _get(self, key, field):
        return self._data.get(key)

    def _set(self, key, field, value):
        if key == "UseCaseType":
            value = check_use_case_type(value)
        self._data[key] = value
        self._changed()


class MetadataCustom(_Metadata):
    """ADS's ``metadata_custom`` over a list of ``{key, value, category, description}``."""

    _item = CustomItem
    _columns = ("Key", "Value", "Description", "Category")

    def __init__(self, items: list, on_change=None):
        super().__init__(on_change)
        self._items = items

    @property
    def keys(self) -> tuple:
        return tuple(i.get("key") for i in self._items)

    def _find(self, key) -> dict:
        return next(i for i in self._items if i.get("key") == key)

    def _get(self, key, field):
        return self._find(key).get(field)

    def _set(self, key, field, value):
        if field == "category" and value is not None and value not in CUSTOM_CATEGORIES:
            raise InvalidInput(f"{value!r} is not a custom metadata category; use one of "
                               f"{', '.join(CUSTOM_CATEGORIES)}.", allowed=list(CUSTOM_CATEGORIES))
        self._find(key)[field] = value
        self._changed()

    def add(self, key: str, value, description: str = "", category: str = "Other", replace: bool = False) -> None:
        """Add an item; an existing key needs ``replace=True``."""
        if not isinstance(key, str) or not key.strip():
            raise InvalidInput("A custom metadata item needs a non-empty key.")
        if category not in CUSTOM_CATEGORIES:
            raise InvalidInput(f"{category!r} is not a custom metadata category; use one of "
                               f"{', '.join(CUSTOM_CATEGORIES)}.", allowed=list(CUSTOM_CATEGORIES))
        if key in self.keys:
            if not replace:
                raise InvalidInput(f"Custom metadata {key!r} exists already; pass replace=True to replace it.")
            self._items.remove(self._find(key))
        self._items.append({"key": key, "value": value, "category": category, "description": description})
        self._changed()

    def remove(self, key: str) -> None:
        """Remove the item ``key``."""
        if key not in self.keys:
            raise KeyError(f"no custom metadata {key!r}")
        self._items.remove(self._find(key))
        self._changed()

    def set_training_data(self, path: str, data_size: str | None = None) -> None:
        self.add("TrainingDataset", path, description="The path of the training data",
                 category="Training and Validation Datasets", replace=True)
        if data_size is not None:
            self.add("TrainingDatasetSize", data_size, description="The size of the training data",
                     category="Training and Validation Datasets", replace=True)

    def set_validation_data(self, path: str, data_size: str | None = None) -> None:
        self.add("ValidationDataset", path, description="The path of the validation data",
                 category="Training and Validation Datasets", replace=True)
        if data_size is not None:
            self.add("ValidationDatasetSize", data_size, description="The size of the validation data",
                     category="Training and Validation Datasets", replace=True)
