"""The catalog as one caller of the service may use it: every call checked against the policy.

The catalog service's handlers get a :class:`PolicedCatalog` instead of the catalog itself
(``extension.py`` installs :func:`policed` in the web app's settings; ``server/handlers/base.py``
applies it per request).  It offers the methods of
:class:`~model_catalog_ext.catalog.catalog_service.CatalogService` the REST API calls:

- reads (get, versions, history, files, zips, downloads) of a model the caller may not read
  answer exactly as for a model that does not exist (404);
- listings carry the caller's readable scope into the backend's own query
  (``ModelQuery.scope``), so pages and totals count only what the caller may read;
- changes (save, edit, (de)activate, delete, projects) the caller may not make raise
  :class:`~model_catalog_ext.errors.Forbidden` (403) with the policy's reason.

Any other method is the catalog's admins' alone: a method added to the catalog later and
called by a new route fails closed (403) until it is given its rule here.
"""
from __future__ import annotations

import builtins
import dataclasses

from ..catalog import fields
from ..catalog.entry import ModelEntry
from ..catalog.query import ModelQuery, Page
from ..errors import Forbidden, ModelNotFound
from .policy import READ, AccessPolicy, Caller, caller_of


class PolicedCatalog:
    """``catalog`` (a CatalogService) as ``caller`` may use it under ``policy``."""

    def __init__(self, catalog, policy: AccessPolicy, caller: Caller):
        self._catalog = catalog
        self.policy = policy
        self.caller = caller

    # --- which catalog: no model data ----------------------------------------------------
    @property
    def url(self) -> str:
        return self._catalog.url

    def info(self):
        return self._catalog.info()

    def capabilities(self):
        return self._catalog.capabilities()

    def spool_folder(self) -> str | None:
        return self._catalog.spool_folder()

    # --- reading -------------------------------------------------------------------------
    def get(self, model_id: str) -> ModelEntry:
        """The entry, if the caller may read it; else the same ModelNotFound as for no entry."""
        entry = self._catalog.get(model_id)
        if not self.policy.may_read(self.caller, entry):
            raise self._not_found(model_id)
        return entry

    def _not_found(self, model_id: str) -> ModelNotFound:
        # Word for word what the SQL store says of an id it does not have: a caller cannot tell
        # a model they may not see from one that is not there.
        return ModelNotFound(
            f"No model with id '{model_id}' in the catalog at {self.url}. "
            "List models with `jupyter model-catalog list` (or ModelCatalog().list_models()) to find its id.",
            model_id=model_id)

    def list(self, query: ModelQuery | None = None, **filters) -> Page:
        """One page of what the caller may read (the backend filters on the caller's scope)."""
        if query is None:
            query = ModelQuery.from_filters(**filters)
        elif filters:
            query = dataclasses.replace(query, **filters)
        query = dataclasses.replace(query, scope=self.policy.scope(self.caller))
        return self._catalog.list(query)

    def versions(self, model_id: str) -> builtins.list[ModelEntry]:
        """The versions of a model the caller may read, without those they may not."""
        self.get(model_id)
        return [e for e in self._catalog.versions(model_id) if self.policy.may_read(self.caller, e)]

    def history(self, model_id: str, all_versions: bool = False) -> builtins.list[dict]:
        """The records of a model (of its whole version set with ``all_versions``) the caller may
        read. A deleted model is judged by where its records last put it: its history stays
        readable to those who could read it, and is 404 to everyone else."""
        records = self._catalog.history(model_id, all_versions=all_versions)
        if not records:  # a model saved before its catalog kept history: no records yet
            self.get(model_id)
            return []
        readable = {entry_id for entry_id in {r["model_id"] for r in records} if self._may_read_history(entry_id, records)}
        if model_id not in readable:
            raise self._not_found(model_id)
        return [r for r in records if r["model_id"] in readable]

    def _may_read_history(self, entry_id: str, records: builtins.list[dict]) -> bool:
        """Whether the caller may read an entry's records: by its place while it exists, else
        by the last place its records name (a save lists where it went, an edit where it moved).
        A deleted entry whose records name no place (saved before the catalog kept history) is
        the admins' alone: nothing says whose it was."""
        try:
            entry = self._catalog.get(entry_id)
        except ModelNotFound:
            place: dict[str, str | None] = {}
            for record in records:
                if record["model_id"] == entry_id:
                    if record["action"] == "saved":  # a save names its place (none: the default one)
                        place = {"compartment_id": None, "project_id": None}
                    for name in ("compartment_id", "project_id"):
                        if name in record["changes"]:
                            place[name] = record["changes"][name][1]
            if "compartment_id" not in place:
                return self.policy.is_admin(self.caller)
            return self.policy.level(self.caller, place["compartment_id"], place.get("project_id")) >= READ
        return self.policy.level(self.caller, entry.compartment_id, entry.project_id) >= READ

    def iter_file(self, model_id: str, path: str, reuse_buffers: bool = False, offset: int = 0):
        self.get(model_id)
        return self._catalog.iter_file(model_id, path, reuse_buffers, offset)

    def iter_zip(self, model_id: str, reuse_buffers: bool = False, offset: int = 0):
        self.get(model_id)
        return self._catalog.iter_zip(model_id, reuse_buffers, offset)

    def zip_size(self, model_id: str) -> int:
        self.get(model_id)
        return self._catalog.zip_size(model_id)

    def download(self, model_id: str, *args, **kwargs):
        self.get(model_id)
        return self._catalog.download(model_id, *args, **kwargs)

    def write_zip(self, model_id: str, *args, **kwargs):
        self.get(model_id)
        return self._catalog.write_zip(model_id, *args, **kwargs)

    def stats(self) -> dict:
        """Counts of the models the caller may read (the whole catalog's for its admins)."""
        scope = self.policy.scope(self.caller)
        if scope is None:
            return self._catalog.stats()
        by_state = {state: self._catalog.list(ModelQuery(state=state, limit=1, count_total=True, scope=scope)).total
                    for state in ("ACTIVE", "INACTIVE")}
        return {"models": sum(by_state.values()), "by_state": {k: v for k, v in by_state.items() if v}}

    # --- changing ------------------------------------------------------------------------
    def save(self, artifact, **kwargs) -> ModelEntry:
        """Save into a compartment the caller may write (default: the policy's default
        compartment; a new version: its model's), adding versions only to a model they may read."""
        compartment, project = self._place_to_save(kwargs)
        return self._catalog.save(artifact, **{**kwargs, "compartment_id": compartment, "project_id": project})

    def check_may_save(self, **kwargs) -> None:
        """Refuse, before any byte is sent, a save this caller may not make (an upload session)."""
        self._place_to_save(kwargs)

    def _place_to_save(self, kwargs: dict) -> tuple[str, str | None]:
        """(compartment, project) a save of ``kwargs`` goes into, if the caller may save there."""
        compartment = fields.check_field("compartment_id", kwargs.get("compartment_id"))
        project = fields.check_field("project_id", kwargs.get("project_id"))
        base_id = kwargs.get("as_new_version_of")
        if base_id is not None:
            base = self.get(base_id)
            self.policy.check_save(self.caller, base.compartment_id, base.project_id,
                                   doing=f"add versions to model {base.id}")
            if not compartment:
                compartment, project = base.compartment_id, project or base.project_id
        compartment = compartment or self.policy.default_compartment
        self.policy.check_save(self.caller, compartment, project)
        return compartment, project

    def upload_sessions(self):
        """Resumable uploads whose sessions open, read and save through this policed catalog."""
        from ..catalog.upload_sessions import UploadSessions

        return UploadSessions(self, self._catalog.upload_sessions().staging)

    def update(self, model_id: str, *, etag: str | None = None, **changes) -> ModelEntry:
        """Edit a model the caller may change; moving it needs write where it goes too."""
        entry = self.get(model_id)
        self.policy.check_change(self.caller, entry, "edit")
        if "compartment_id" in changes or "project_id" in changes:
            compartment = fields.check_field("compartment_id", changes.get("compartment_id", entry.compartment_id))
            project = fields.check_field("project_id", changes.get("project_id", entry.project_id))
            self.policy.check_save(self.caller, compartment, project, doing=f"move model {model_id} there")
        return self._catalog.update(model_id, etag=etag, **changes)

    def deactivate(self, model_id: str) -> ModelEntry:
        self.policy.check_change(self.caller, self.get(model_id), "deactivate")
        return self._catalog.deactivate(model_id)

    def activate(self, model_id: str) -> ModelEntry:
        self.policy.check_change(self.caller, self.get(model_id), "activate")
        return self._catalog.activate(model_id)

    def delete(self, model_id: str) -> None:
        self.policy.check_change(self.caller, self.get(model_id), "delete")
        self._catalog.delete(model_id)

    # --- projects ------------------------------------------------------------------------
    def list_projects(self, compartment_id: str | None = None) -> builtins.list[dict]:
        """The projects the caller may read models of."""
        projects = self._catalog.list_projects(compartment_id)
        return [p for p in projects
                if self.policy.level(self.caller, p.get("compartment_id"), p.get("id")) >= READ]

    def create_project(self, display_name: str, description: str = "", compartment_id: str | None = None) -> dict:
        """Make a project in a compartment the caller administers."""
        compartment = fields.check_field("compartment_id", compartment_id)
        self.policy.check_admin(self.caller, compartment, "create projects in it")
        return self._catalog.create_project(display_name, description, compartment)

    def acting_as(self, *args, **kwargs) -> PolicedCatalog:
        """The catalog acting for someone (the history's author), under the same policy."""
        return PolicedCatalog(self._catalog.acting_as(*args, **kwargs), self.policy, self.caller)

    # --- everything else: the admins' ----------------------------------------------------
    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self.policy.is_admin(self.caller):
            return getattr(self._catalog, name)
        raise Forbidden(f"{self.caller.name} may not use '{name}' of this catalog service: the access policy "
                        "leaves it to the catalog's admins.", right="admin")


def policed(catalog, policy: AccessPolicy, user) -> PolicedCatalog:
    """``catalog`` as the handler's ``current_user`` may use it."""
    return PolicedCatalog(catalog, policy, caller_of(user))
