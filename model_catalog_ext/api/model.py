"""``Model``: one catalog entry you can edit and commit, as in ADS."""
from __future__ import annotations

import copy
import dataclasses
import difflib
from typing import Any

from ..catalog.entry import ModelEntry
from ..catalog.fields import ARTIFACT as ARTIFACT_FIELDS
from ..catalog.fields import EDITABLE, READ_ONLY
from ..errors import ImmutableArtifact

# Model.history()'s columns: what people scan for first, the keys last.
HISTORY_COLUMNS = ("at", "version", "action", "actor", "changes", "model_id", "version_set_id", "sequence")

# ADS attribute names that map onto ours.
_ALIASES = {"provenance_metadata": "provenance", "metadata_custom": "custom_metadata",
            "metadata_taxonomy": "defined_metadata", "schema_input": "input_schema",
            "schema_output": "output_schema", "user_name": "created_by"}


class Model:
    """A model in the catalog.

    Read any field as an attribute (``m.display_name``, ``m.freeform_tags``, ``m.manifest``
    ...).  Assign editable fields (display_name, description, freeform_tags,
    defined_metadata, custom_metadata, provenance_metadata, compartment_id, project_id), or
    edit their dicts and lists in place (``m.freeform_tags["stage"] = "prod"``), then
    :meth:`commit` them or :meth:`rollback`.  The artifact never changes: to change it,
    save a new version (``ModelArtifact(path).save(..., as_new_version_of=m.id)``).

    ``user_name`` is ADS's name for ``created_by``; ``provenance_metadata`` fields read as
    attributes too.  Two differences from ADS's Model: :meth:`deactivate` / :meth:`activate` change the
    state in the catalog at once (ADS only sets it for the next ``commit()``), and
    :meth:`commit` refuses to overwrite someone else's change by default (``force=False``;
    ADS defaults to ``force=True``).
    """

    def __init__(self, entry: ModelEntry, service):
        object.__setattr__(self, "_entry", entry)
        object.__setattr__(self, "_service", service)
        object.__setattr__(self, "_pending", {})
        # Copies of editable dicts and lists handed out: an in-place edit of one
        # (m.freeform_tags["stage"] = "prod") is a change that commit() saves, as in ADS.
        object.__setattr__(self, "_working", {})

    # --- attribute access ---------------------------------------------------------------
    def __getattr__(self, name: str):
        field = _ALIASES.get(name, name)
        pending = object.__getattribute__(self, "_pending")
        if field in pending:
            return pending[field]
        entry = object.__getattribute__(self, "_entry")
        if hasattr(entry, field):
            value = getattr(entry, field)
            if not isinstance(value, (dict, list)):
                return value
            if field not in EDITABLE:  # a copy: the entry itself must not change
                return copy.deepcopy(value)
            working = object.__getattribute__(self, "_working")
            if field not in working:
                working[field] = copy.deepcopy(value)
                if field == "provenance" and isinstance(value, dict):
                    working[field] = Provenance(working[field])
            return working[field]
        raise AttributeError(f"'Model' object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        field = _ALIASES.get(name, name)
        if field in ARTIFACT_FIELDS:
            raise ImmutableArtifact(
                f"The artifact of model {self._entry.id} never changes ({name} comes from it). "
                f"Artifacts never change: save a new version with as_new_version_of='{self._entry.id}'.")
        if field not in EDITABLE:
            raise AttributeError(_not_editable(name, field, self._entry))
        self._pending[field] = copy.deepcopy(value)
        self._working.pop(field, None)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(vars(self._entry)) | set(_ALIASES))

    def __repr__(self) -> str:
        e = self._entry
        changes = self._changes()
        dirty = f", {len(changes)} uncommitted change(s)" if changes else ""
        return f"Model(id={e.id!r}, display_name={self.display_name!r}, version={e.version}, " \
               f"lifecycle_state={e.lifecycle_state!r}{dirty})"

    @property
    def provenance_metadata(self) -> dict:
        """Git provenance: git_branch, git_commit, repository_url, script_dir, training_script, git_dirty."""
        return self.__getattr__("provenance")

    @provenance_metadata.setter
    def provenance_metadata(self, value: dict) -> None:
        self.__setattr__("provenance", value)

    @property
    def metadata_taxonomy(self):
        """ADS's taxonomy object over ``defined_metadata``: ``m.metadata_taxonomy["Algorithm"].value``,
        ``.to_dataframe()``; a value set here is a change for :meth:`commit`."""
        from ..artifact.metadata_views import MetadataTaxonomy

        return MetadataTaxonomy(self.__getattr__("defined_metadata"))

    @property
    def metadata_custom(self):
        """ADS's custom-metadata object over ``custom_metadata``: ``add()``, ``remove()``,
        ``m.metadata_custom["auc"].value``, ``.to_dataframe()``; changes wait for :meth:`commit`."""
        from ..artifact.metadata_views import MetadataCustom

        return MetadataCustom(self.__getattr__("custom_metadata"))

    @property
    def defined_tags(self) -> dict:
        """ADS's OCI defined tags: this catalog has none (use freeform_tags)."""
        return {}

    def show_in_notebook(self):
        """Display the model's fields as a table (ADS's view), or print them outside IPython."""
        df = self.to_dataframe()
        try:
            from IPython.display import display
        except ImportError:
            print(df.to_string())
        else:
            display(df)

    @property
    def pending_changes(self) -> dict:
        """Assigned (or edited in place) but not yet committed fields."""
        return copy.deepcopy(self._changes())

    def _changes(self) -> dict:
        changes = dict(self._pending)
        for field, value in self._working.items():
            if value != getattr(self._entry, field):
                changes[field] = value
        return changes

    def _keep_edits(self) -> None:
        """Before the entry is replaced: in-place edits become pending changes (the same
        objects, so later in-place edits still count)."""
        self._pending.update(self._changes())
        self._working.clear()

    # --- actions ----------------------------------------------------------------------------
    def commit(self, force: bool = False) -> Model:
        """Save the assigned fields to the catalog.

        Refused with :class:`~model_catalog_ext.errors.Conflict` when someone changed the
        model since it was read, unless ``force=True`` (their change is then overwritten).
        Unlike ADS, whose commit() defaults to ``force=True``, the default here is the safe
        one: pass ``force=True`` for ADS's behaviour.  The lifecycle state is not part of a
        commit: deactivate() and activate() apply at once.
        """
        changes = self._changes()
        if changes:
            entry = self._service.update(self._entry.id, etag=None if force else self._entry.etag,
                                         **copy.deepcopy(changes))
            object.__setattr__(self, "_entry", entry)
            self._pending.clear()
        self._working.clear()
        return self

    def rollback(self) -> Model:
        """Forget the uncommitted changes (back to what was last read from the catalog)."""
        self._pending.clear()
        self._working.clear()
        return self

    def refresh(self) -> Model:
        """Re-read the model from the catalog (uncommitted changes are kept)."""
        self._keep_edits()
        object.__setattr__(self, "_entry", self._service.get(self._entry.id))
        return self

    def deactivate(self) -> Model:
        """Hide the model from default listings (it stays downloadable).

        Takes effect in the catalog at once, with no commit() needed (ADS only sets the
        state, and its commit() saves it); uncommitted field changes stay pending.
        """
        self._keep_edits()
        object.__setattr__(self, "_entry", self._service.deactivate(self._entry.id))
        return self

    def activate(self) -> Model:
        """Show an inactive model in default listings again.

        Takes effect in the catalog at once, with no commit() needed (ADS only sets the
        state, and its commit() saves it); uncommitted field changes stay pending.
        """
        self._keep_edits()
        object.__setattr__(self, "_entry", self._service.activate(self._entry.id))
        return self

    def delete(self) -> None:
        """Remove the model from the catalog (its blobs go unless other models use them)."""
        self._service.delete(self._entry.id)

    def versions(self) -> list[Model]:
        """Every version of this model (its version set), by ascending version."""
        return [Model(e, self._service) for e in self._service.versions(self._entry.id)]

    def history(self, all_versions: bool = False):
        """Who changed this model, when and what, oldest first, as a pandas DataFrame (one row
        per save, edit, activation, deactivation and delete; also after the model was deleted).

        Columns: ``at`` (UTC timestamps), ``version``, ``action`` (saved, edited, activated,
        deactivated, deleted), ``actor`` (who), ``changes`` (``{field: [old, new]}``; a save
        lists the values the version started with as ``[None, value]``), ``model_id``,
        ``version_set_id``, ``sequence``.  ``all_versions=True``: the changes of every version
        of the model, so that replaying the rows up to a date tells which version was active
        (or tagged for production) then, and who made it so (docs/journey.md shows how).
        Catalogs that keep no history (OCI) raise Unsupported.
        """
        import pandas as pd

        records = self._service.history(self._entry.id, all_versions=all_versions)
        frame = pd.DataFrame.from_records(records, columns=list(HISTORY_COLUMNS))
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        return frame

    def to_dict(self) -> dict:
        """The model's fields as JSON-ready data (uncommitted changes included)."""
        data = self._entry.to_dict()
        data.update(copy.deepcopy(self._changes()))
        return data

    def to_dataframe(self):
        """The fields as a one-column pandas DataFrame (ADS's view of a model)."""
        import pandas as pd

        return pd.DataFrame({"value": pd.Series(self.to_dict())})

    def download(self, target_dir, force_overwrite: bool = False):
        """Write the artifact's files into ``target_dir``; returns a ModelArtifact."""
        from .artifact import ModelArtifact

        path = self._service.download(self._entry.id, target_dir, force_overwrite=force_overwrite)
        return ModelArtifact(path)

    def load(self, target_dir=None, force_overwrite: bool = False):
        """Download the artifact (to a new temporary folder by default) and return it as a
        ModelArtifact; ``.model`` / ``.predict(...)`` then load it."""
        if target_dir is None:
            import tempfile

            target_dir = tempfile.mkdtemp(prefix=f"model-{self._entry.id}-")
        return self.download(target_dir, force_overwrite=force_overwrite)


class Provenance(dict):
    """Provenance fields read as keys or, like ADS's ModelProvenance, as attributes
    (``model.provenance_metadata.training_script``)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"provenance has no field {name!r}; it has {sorted(self)}") from None


def _not_editable(name: str, field: str, entry: ModelEntry) -> str:
    """Why ``name`` cannot be assigned: a read-only field, or no field at all (a typo?)."""
    editable = ", ".join(EDITABLE)
    if field in READ_ONLY or hasattr(entry, field):
        hint = " Use deactivate() / activate() to change it." if field == "lifecycle_state" else ""
        return f"{name} cannot be changed.{hint} Editable fields: {editable}."
    known = list(EDITABLE) + list(_ALIASES) + [f.name for f in dataclasses.fields(entry)]
    close = difflib.get_close_matches(name, known, n=1)
    guess = f" Did you mean {close[0]}?" if close else ""
    return f"{name} is not a field of a model.{guess} Editable fields: {editable}."
