"""``ProjectCatalog`` and ``ProjectSummaryList``, as ADS's guide imports them from
``ads.catalog.project``.

On a backend with project resources (``capabilities().projects``: OCI Data Science) they
are that backend's projects, which can be created here.  The embedded and team catalogs
have none: a project there is a ``project_id`` that models were saved with, so listing
projects lists the ids in use (in the catalog's compartment), described by their first
model, and creating, renaming or deleting projects is refused with what to do instead.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt

from ..errors import InvalidInput
from .summary_base import SummaryList
from .unsupported import refuse_unsupported

_NO_PROJECT_OBJECTS = ("Projects are not objects of their own in model-catalog-ext: a project is the "
                       "project_id models are saved with. Pass project_id='...' to save() or "
                       "upload_model(); list_projects() then shows it.")


@dataclasses.dataclass
class Project:
    """A project id in use, with ADS's project fields (described by its first model)."""

    id: str
    display_name: str
    compartment_id: str | None
    time_created: _dt.datetime | None
    created_by: str | None
    model_count: int
    description: str = ""
    lifecycle_state: str = "ACTIVE"
    freeform_tags: dict = dataclasses.field(default_factory=dict)
    defined_tags: dict = dataclasses.field(default_factory=dict)

    @property
    def user_name(self) -> str | None:
        """ADS's name for ``created_by``."""
        return self.created_by


class ProjectSummaryList(SummaryList):
    """The projects ``ProjectCatalog.list_projects()`` found, as a list with ADS's helpers."""

    def __init__(self, projects=(), datetime_format: str | None = None):
        super().__init__(projects)
        self.datetime_format = datetime_format

    def __repr__(self) -> str:
        if not self:
            return "ProjectSummaryList([])"
        lines = [f"ProjectSummaryList of {len(self)} project(s):"]
        lines += [f"  {p.id}  {p.model_count} model(s)" for p in self]
        return "\n".join(lines)

    def filter(self, selection, instance=None) -> ProjectSummaryList:
        """Keep the projects ``selection`` (a function of a project, or a list of booleans
        as long as this list) selects."""
        if callable(selection):
            return ProjectSummaryList([p for p in (instance if instance is not None else self) if selection(p)],
                                      self.datetime_format)
        selection = list(selection)
        if len(selection) != len(self) or not all(isinstance(s, bool) for s in selection):
            raise InvalidInput("Filter projects with a function (lambda p: p.id == '...') or a list of "
                               f"{len(self)} booleans.")
        return ProjectSummaryList([p for p, keep in zip(self, selection) if keep], self.datetime_format)

    def sort_by(self, columns, reverse: bool = False) -> ProjectSummaryList:
        """Sorted by a field name (or a list of them); missing values last."""
        columns = [columns] if isinstance(columns, str) else list(columns)
        fields = {f.name for f in dataclasses.fields(Project)}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise InvalidInput(f"Cannot sort projects by {unknown[0]!r}; sort by one of {sorted(fields)}.")
        return ProjectSummaryList(sorted(self, key=lambda p: [(getattr(p, c) is None, getattr(p, c))
                                                              for c in columns], reverse=reverse),
                                  self.datetime_format)

    def to_dataframe(self, datetime_format: str | None = None):
        """The projects as a pandas DataFrame, one row each."""
        import pandas as pd

        fmt = datetime_format or self.datetime_format
        rows = []
        for p in self:
            row = dataclasses.asdict(p)
            if fmt and p.time_created is not None:
                row["time_created"] = p.time_created.strftime(fmt)
            rows.append(row)
        return pd.DataFrame(rows, columns=[f.name for f in dataclasses.fields(Project)])


class ProjectCatalog:
    """The projects of a catalog: ``ProjectCatalog(compartment_id=None, backend=None)``, as
    :class:`ModelCatalog` takes them.  ADS's OCI client arguments are not supported."""

    def __init__(self, compartment_id: str | None = None, backend=None, *, artifact_root: str | None = None,
                 ds_client_auth=None, identity_client_auth=None, timeout=None):
        refuse_unsupported("ProjectCatalog()", {"ds_client_auth": ds_client_auth,
                                                "identity_client_auth": identity_client_auth, "timeout": timeout})
        from .catalog import ModelCatalog

        self._models = ModelCatalog(compartment_id, backend, artifact_root=artifact_root)
        self.compartment_id = self._models.compartment_id

    def __repr__(self) -> str:
        return f"ProjectCatalog(backend={self._models.service.url!r}, compartment_id={self.compartment_id!r})"

    @property
    def _has_projects(self) -> bool:
        return self._models.service.capabilities().projects

    def list_projects(self, include_deleted: bool = False, datetime_format: str | None = None,
                      **kwargs) -> ProjectSummaryList:
        """Every project of the compartment on a backend that has projects; elsewhere every
        project id the catalog's models use (inactive models' too with
        ``include_deleted=True``), oldest first."""
        if self._has_projects:
            return ProjectSummaryList([_project(p) for p in self._models.service.list_projects(self.compartment_id)],
                                      datetime_format)
        models = self._models.list_models(include_deleted=include_deleted, sort_by="time_created",
                                          sort_order="ASC", **kwargs)
        found: dict[str, Project] = {}
        for e in models._entries():
            if not e.project_id:
                continue
            project = found.get(e.project_id)
            if project is None:
                found[e.project_id] = Project(id=e.project_id, display_name=e.project_id,
                                              compartment_id=e.compartment_id, time_created=e.time_created,
                                              created_by=e.created_by, model_count=1)
            else:
                project.model_count += 1
        return ProjectSummaryList(found.values(), datetime_format)

    def get_project(self, project_id: str) -> Project:
        """The project with this id; InvalidInput when no model uses it."""
        for project in self.list_projects(include_deleted=True):
            if project.id == project_id:
                return project
        raise InvalidInput(f"No model in this catalog uses project {project_id!r}. {_NO_PROJECT_OBJECTS}",
                           project_id=project_id)

    def create_project(self, display_name: str | None = None, description: str = "", *args, **kwargs):
        """Make a project in the compartment (on a backend that has projects) and return it."""
        if not self._has_projects or args or kwargs or not display_name:
            raise NotImplementedError(_NO_PROJECT_OBJECTS if not self._has_projects else
                                      "create_project(display_name, description='') takes a name and a description.")
        return _project(self._models.service.create_project(display_name, description, self.compartment_id))

    def update_project(self, *args, **kwargs):
        """ADS's update_project(): not supported (NotImplementedError)."""
        raise NotImplementedError(_NO_PROJECT_OBJECTS)

    def delete_project(self, *args, **kwargs):
        """ADS's delete_project(): not supported (NotImplementedError)."""
        raise NotImplementedError(_NO_PROJECT_OBJECTS)


def _project(data: dict) -> Project:
    """A backend's project (a dict of its fields) as a Project."""
    created = data.get("time_created")
    if isinstance(created, str):
        created = _dt.datetime.fromisoformat(created)
    return Project(id=data["id"], display_name=data.get("display_name") or data["id"],
                   compartment_id=data.get("compartment_id"), time_created=created,
                   created_by=data.get("created_by"), model_count=int(data.get("model_count") or 0),
                   description=data.get("description") or "", lifecycle_state=data.get("lifecycle_state") or "ACTIVE",
                   freeform_tags=dict(data.get("freeform_tags") or {}))
