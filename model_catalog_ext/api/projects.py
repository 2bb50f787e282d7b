"""``ProjectCatalog`` and ``ProjectSummaryList``: Data Science projects, with ADS's names.

Projects exist on catalogs whose backend has them (``capabilities().projects``: the OCI
Data Science backend); elsewhere every call raises ``Unsupported`` saying so.
"""
from __future__ import annotations

from collections.abc import Iterator

from ..catalog.defaults import default_compartment_id
from .backend import resolve_backend
from .unsupported import refuse_unsupported

DF_COLUMNS = ("id", "display_name", "description", "lifecycle_state", "time_created", "created_by",
              "compartment_id")


class ProjectSummaryList:
    """The projects a listing found: a sequence of dicts, and ``.df`` as a pandas DataFrame."""

    def __init__(self, projects: list[dict]):
        self.projects = list(projects)

    def __len__(self) -> int:
        return len(self.projects)

    def __getitem__(self, index):
        return self.projects[index]

    def __iter__(self) -> Iterator[dict]:
        return iter(self.projects)

    def __repr__(self) -> str:
        return f"ProjectSummaryList({len(self)} project(s))"

    def to_dataframe(self):
        """The projects as a DataFrame, one row each."""
        import pandas as pd

        return pd.DataFrame([{k: p.get(k) for k in DF_COLUMNS} for p in self.projects], columns=list(DF_COLUMNS))

    @property
    def df(self):
        return self.to_dataframe()


class ProjectCatalog:
    """The projects of a compartment: ``ProjectCatalog(compartment_id=None, backend=None)``.

    ``backend`` is a catalog URL (``oci://...``), a CatalogService, or None for the configured
    catalog; ``compartment_id`` defaults to ``$NB_SESSION_COMPARTMENT_OCID``, then the catalog's.
    ADS's OCI client arguments (ds_client_auth, identity_client_auth) raise NotImplementedError.
    """

    def __init__(self, compartment_id: str | None = None, backend=None, *, ds_client_auth=None,
                 identity_client_auth=None):
        refuse_unsupported("ProjectCatalog()", {"ds_client_auth": ds_client_auth,
                                                "identity_client_auth": identity_client_auth})
        self.compartment_id = compartment_id or default_compartment_id()
        self.service = resolve_backend(backend)

    def __repr__(self) -> str:
        return f"ProjectCatalog(backend={self.service.url!r}, compartment_id={self.compartment_id!r})"

    def list_projects(self) -> ProjectSummaryList:
        """Every project of the compartment, newest first."""
        return ProjectSummaryList(self.service.list_projects(self.compartment_id))

    def get_project(self, project_id: str) -> dict:
        """One project of the compartment (KeyError naming it when there is none)."""
        for project in self.service.list_projects(self.compartment_id):
            if project["id"] == project_id:
                return project
        raise KeyError(f"No project {project_id} in compartment {self.compartment_id or '(the catalog default)'}.")

    def create_project(self, display_name: str, description: str = "") -> dict:
        """Make a project in the compartment and return it."""
        return self.service.create_project(display_name, description, self.compartment_id)
