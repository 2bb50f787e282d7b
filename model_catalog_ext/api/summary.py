"""``ModelSummaryList``: the result of ``ModelCatalog.list_models()``, as in ADS."""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from ..catalog.entry import ModelEntry

DF_COLUMNS = ("id", "display_name", "description", "lifecycle_state", "time_created", "created_by",
              "compartment_id", "project_id", "tags", "freeform_tags", "framework", "version",
              "version_set_id", "artifact_size")


class ModelSummaryList:
    """A list of model summaries (``ModelEntry`` objects): index it, iterate it, ``len()`` it,
    narrow it with ``.filter(...)`` and look at it as a pandas DataFrame with ``.df``."""

    def __init__(self, entries: Iterable[ModelEntry], datetime_format: str | None = None):
        self._entries = list(entries)
        self.datetime_format = datetime_format

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self._entries)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return ModelSummaryList(self._entries[item], self.datetime_format)
        return self._entries[item]

    def __repr__(self) -> str:
        if not self._entries:
            return "ModelSummaryList([])"
        lines = [f"ModelSummaryList of {len(self)} model(s):"]
        for e in self._entries[:20]:
            lines.append(f"  {e.id}  v{e.version}  {e.lifecycle_state:<8}  {e.display_name}")
        if len(self) > 20:
            lines.append(f"  ... {len(self) - 20} more")
        return "\n".join(lines)

    def filter(self, selection, instance=None) -> "ModelSummaryList":
        """A new list narrowed by ``selection``.

        ``selection`` is a callable (``lambda m: m.freeform_tags.get("team") == "ml"``; ADS's
        form ``lambda m, instance: ...`` gets ``instance`` as its second argument), a list of
        indices, or a list of booleans as long as this list.
        """
        if callable(selection):
            try:
                import inspect

                two_args = len(inspect.signature(selection).parameters) >= 2
            except (TypeError, ValueError):
                two_args = False
            keep: Callable = (lambda e: selection(e, instance)) if two_args else selection
            return ModelSummaryList([e for e in self._entries if keep(e)], self.datetime_format)
        selection = list(selection)
        if selection and all(isinstance(s, bool) for s in selection):
            if len(selection) != len(self._entries):
                raise ValueError(f"A boolean selection needs {len(self)} values, got {len(selection)}.")
            return ModelSummaryList([e for e, s in zip(self._entries, selection) if s], self.datetime_format)
        return ModelSummaryList([self._entries[i] for i in selection], self.datetime_format)

    def to_dataframe(self, datetime_format: str | None = None):
        """The models as a pandas DataFrame (columns: id, display_name, description,
        lifecycle_state, time_created, created_by, compartment_id, project_id, tags,
        freeform_tags, framework, version, version_set_id, artifact_size)."""
        import pandas as pd  # only here: listing must not pay for pandas

        fmt = datetime_format or self.datetime_format
        rows = []
        for e in self._entries:
            created = e.time_created.strftime(fmt) if (fmt and e.time_created) else e.time_created
            rows.append({
                "id": e.id, "display_name": e.display_name, "description": e.description,
                "lifecycle_state": e.lifecycle_state, "time_created": created, "created_by": e.created_by,
                "compartment_id": e.compartment_id, "project_id": e.project_id,
                "tags": ", ".join(f"{k}:{v}" for k, v in sorted(e.freeform_tags.items())),
                "freeform_tags": dict(e.freeform_tags), "framework": e.framework, "version": e.version,
                "version_set_id": e.version_set_id, "artifact_size": e.artifact_size,
            })
        return pd.DataFrame(rows, columns=list(DF_COLUMNS))

    @property
    def df(self):
        """Same as :meth:`to_dataframe` (ADS's attribute name)."""
        return self.to_dataframe()

    def _repr_html_(self) -> str:
        return self.to_dataframe().to_html(index=False)
