"""``ModelSummaryList``: the result of ``ModelCatalog.list_models()``, as in ADS."""
from __future__ import annotations

import inspect
import operator
from collections.abc import Iterable, Iterator

from ..catalog.entry import ModelEntry
from ..errors import InvalidInput
from .model import Model

DF_COLUMNS = ("id", "display_name", "description", "lifecycle_state", "time_created", "created_by",
              "compartment_id", "project_id", "tags", "freeform_tags", "framework", "version",
              "version_set_id", "artifact_size")


# ADS's names of the fields list_models() sorts by.
_SORT_ALIASES = {"displayName": "display_name", "timeCreated": "time_created", "lifecycleState": "lifecycle_state"}


class ModelSummaryList:
    """The models a listing found, as in ADS.

    - ``models[i]`` is the Model read afresh from the catalog (ADS's ``get_model(id)``), so
      what you assign to it can be committed;
    - iterating yields Model objects built from the listing itself (no query per model),
      the same objects each time, so ``for m in models: m.description = ...; m.commit()``
      works;
    - ``models[1:3]``, ``.filter(...)``, ``.sort_by(...)`` and ``models + others`` are new
      ModelSummaryLists;
    - ``.df`` / ``.to_dataframe()`` show the models as a pandas DataFrame.

    ``ModelSummaryList(model_catalog, model_list, response=None, datetime_format=None)``:
    ``model_list`` holds ModelEntry or Model objects of ``model_catalog`` (a ModelCatalog).
    """

    def __init__(self, model_catalog, model_list: Iterable, response=None, datetime_format: str | None = None):
        self.mc = model_catalog
        self.response = response  # ADS keeps its OCI response here; there is none to keep
        self.datetime_format = datetime_format
        # Entries become Model objects on first use and stay so: iterating 100,000 listed
        # models to build a DataFrame must not pay for 100,000 Model objects.
        self._items: list = list(model_list)
        # The compartment list_models() narrowed to without being asked (ADS's scoping to
        # the notebook session's compartment): the repr and .df say so.
        self.compartment_filter: str | None = None

    # --- list behaviour --------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def _model(self, i: int) -> Model:
        item = self._items[i]
        if not isinstance(item, Model):
            item = self._items[i] = Model(item, self.mc.service)
        return item

    def _entries(self) -> list[ModelEntry]:
        """The listed entries as last read (a Model's after its commit())."""
        return [item._entry if isinstance(item, Model) else item for item in self._items]

    def __iter__(self) -> Iterator[Model]:
        for i in range(len(self._items)):
            yield self._model(i)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return self._new(self._items[item])
        try:
            index = operator.index(item)
        except TypeError:
            raise TypeError(f"Index a ModelSummaryList with a position or a slice, not {type(item).__name__}; "
                            "use ModelCatalog.get_model(id) to get a model by its id.") from None
        return self.mc.get_model(self._entries_at(index).id)

    def _entries_at(self, index: int) -> ModelEntry:
        item = self._items[index]
        return item._entry if isinstance(item, Model) else item

    def __contains__(self, model) -> bool:
        """True for a Model, a ModelEntry or a model id in this list."""
        model_id = model if isinstance(model, str) else getattr(model, "id", None)
        return any(e.id == model_id for e in self._entries())

    def __add__(self, other) -> ModelSummaryList:
        if isinstance(other, ModelSummaryList):
            return self._new(self._items + other._items)
        if isinstance(other, (list, tuple)) and all(isinstance(m, (Model, ModelEntry)) for m in other):
            return self._new(self._items + list(other))
        return NotImplemented

    def _new(self, items) -> ModelSummaryList:
        narrowed = ModelSummaryList(self.mc, items, datetime_format=self.datetime_format)
        narrowed.compartment_filter = self.compartment_filter
        return narrowed

    def _scope_note(self) -> str | None:
        if not self.compartment_filter:
            return None
        return (f"Only models of compartment {self.compartment_filter} (this session's "
                "NB_SESSION_COMPARTMENT_OCID); list_models(compartment_id=None) lists every compartment's.")

    def __repr__(self) -> str:
        entries = self._entries()
        note = self._scope_note()
        if not entries:
            return "ModelSummaryList([])" + (f"\n{note}" if note else "")
        lines = [f"ModelSummaryList of {len(entries)} model(s):"] + ([note] if note else [])
        for e in entries[:20]:
            lines.append(f"  {e.id}  v{e.version}  {e.lifecycle_state:<8}  {e.display_name}")
        if len(entries) > 20:
            lines.append(f"  ... {len(entries) - 20} more")
        return "\n".join(lines)

    # --- narrowing and ordering ------------------------------------------------------------
    def filter(self, selection, instance=None) -> ModelSummaryList:
        """A new list narrowed by ``selection`` (empty when nothing matches; ADS returns None).

        ``selection`` is one of:

        - a callable that gets each Model, e.g. ``lambda m: m.freeform_tags.get("team") == "ml"``;
          as in ADS, ``instance`` (a list of models) is then filtered instead of this list;
        - a callable of two arguments, ``lambda m, instance: ...``: ``instance`` is its second;
        - a list of Model objects (e.g. ``[m for m in models if ...]``, ADS's other form);
        - a list of positions, or of booleans as long as this list.
        """
        if callable(selection):
            if _takes_two(selection):
                return self._new([m for m in self if selection(m, instance)])
            source = self if instance is None else instance
            return self._new([m for m in source if selection(m)])
        if isinstance(selection, (str, bytes)) or not hasattr(selection, "__iter__"):
            raise ValueError(f"Filter selection must be a function, a list of models, or a list of positions or "
                             f"booleans; got {type(selection).__name__}. For text, use "
                             f"models.filter(lambda m: 'churn' in m.display_name).")
        selection = list(selection)
        if all(isinstance(s, (Model, ModelEntry)) for s in selection) and selection:
            return self._new(selection)
        if selection and all(isinstance(s, bool) for s in selection):
            if len(selection) != len(self._items):
                raise ValueError(f"A boolean selection needs {len(self)} values, got {len(selection)}.")
            return self._new([m for m, s in zip(self, selection) if s])
        if not all(isinstance(s, int) for s in selection):
            odd = next(s for s in selection if not isinstance(s, int))
            raise ValueError(f"Filter selection lists must hold models, positions or booleans, not {odd!r}.")
        return self._new([self._model(i) for i in selection])

    def sort_by(self, columns, reverse: bool = False) -> ModelSummaryList:
        """A new list sorted by ``columns`` (a field name or a list of them), ascending unless
        ``reverse=True``, as in ADS.  Text sorts case-insensitively; missing values (None)
        sort after all others (before them with ``reverse=True``)."""
        columns = [columns] if isinstance(columns, str) else list(columns)
        columns = [_SORT_ALIASES.get(c, c) for c in columns]  # ADS's camelCase names too
        models = list(self)
        for column in columns:
            if models and not hasattr(models[0], column):
                raise InvalidInput(f"Cannot sort by {column!r}: it is not a field of a model. "
                                   "Sort by display_name, time_created, version, created_by, lifecycle_state ...")
            if models and isinstance(getattr(models[0], column), (dict, list)):
                raise InvalidInput(f"Cannot sort by {column!r}: its values are {type(getattr(models[0], column)).__name__}s. "
                                   "Sort by display_name, time_created, version, created_by, lifecycle_state ...")

        def key(m: Model):
            values = [getattr(m, c) for c in columns]
            return [(v is None, v.lower() if isinstance(v, str) else v) for v in values]

        return self._new(sorted(models, key=key, reverse=reverse))

    # --- tables ---------------------------------------------------------------------------
    def to_dataframe(self, datetime_format: str | None = None):
        """The models as a pandas DataFrame (columns: id, display_name, description,
        lifecycle_state, time_created, created_by, compartment_id, project_id, tags,
        freeform_tags, framework, version, version_set_id, artifact_size)."""
        import pandas as pd  # only here: listing must not pay for pandas

        fmt = datetime_format or self.datetime_format
        rows = []
        for e in self._entries():
            created = e.time_created.strftime(fmt) if (fmt and e.time_created) else e.time_created
            rows.append({
                "id": e.id, "display_name": e.display_name, "description": e.description,
                "lifecycle_state": e.lifecycle_state, "time_created": created, "created_by": e.created_by,
                "compartment_id": e.compartment_id, "project_id": e.project_id,
                "tags": ", ".join(f"{k}:{v}" for k, v in sorted(e.freeform_tags.items())),
                "freeform_tags": dict(e.freeform_tags), "framework": e.framework, "version": e.version,
                "version_set_id": e.version_set_id, "artifact_size": e.artifact_size,
            })
        df = pd.DataFrame(rows, columns=list(DF_COLUMNS))
        if self._scope_note():
            df.attrs.update(compartment_filter=self.compartment_filter, note=self._scope_note())
        if not rows:  # the column types a filled list has, so code written against it still works
            text = ("id", "display_name", "description", "lifecycle_state", "created_by", "tags", "version_set_id")
            df = df.astype({"version": "int64", "artifact_size": "int64", **{c: str for c in text}})
            if not fmt:
                df["time_created"] = pd.Series(dtype="datetime64[us, UTC]")
        return df

    @property
    def df(self):
        """Same as :meth:`to_dataframe` (ADS's attribute name)."""
        return self.to_dataframe()

    def _repr_html_(self) -> str:
        import html

        note = self._scope_note()
        caption = f"<p><em>{html.escape(note)}</em></p>" if note else ""
        return caption + self.to_dataframe().to_html(index=False)


def _takes_two(selection) -> bool:
    try:
        return len(inspect.signature(selection).parameters) >= 2
    except (TypeError, ValueError):
        return False
