"""``ModelCatalog``: the ADS-style entry point to the catalog from Python."""
from __future__ import annotations

from pathlib import Path

from ..catalog.defaults import default_compartment_id
from .backend import resolve_backend
from .model import Model
from .summary import ModelSummaryList
from .unsupported import refuse_unsupported

_PAGE = 1000


class ModelCatalog:
    """The model catalog, with the names Oracle ADS users know.

    ``ModelCatalog(compartment_id=None, backend=None)``: ``backend`` is a catalog URL
    (``sqlite:////path/catalog.db``, ``postgresql+psycopg://...``), a CatalogService, or None
    for the embedded catalog under the Jupyter data dir (or ``$MODEL_CATALOG_URL``).
    ``artifact_root`` (a path or fsspec URL) goes with a URL backend.

    ADS's OCI client arguments (ds_client_auth, identity_kwargs, timeout, ds_client,
    identity_client) are not supported and raise NotImplementedError.
    """

    def __init__(self, compartment_id: str | None = None, backend=None, *, artifact_root: str | None = None,
                 ds_client_auth=None, identity_kwargs=None, timeout=None, ds_client=None, identity_client=None):
        refuse_unsupported("ModelCatalog()", {
            "ds_client_auth": ds_client_auth, "identity_kwargs": identity_kwargs, "timeout": timeout,
            "ds_client": ds_client, "identity_client": identity_client})
        self.compartment_id = compartment_id or default_compartment_id()
        self.service = resolve_backend(backend, artifact_root)

    def __repr__(self) -> str:
        return f"ModelCatalog(backend={self.service.url!r}, compartment_id={self.compartment_id!r})"

    # --- listing ----------------------------------------------------------------------------
    def list_models(self, project_id: str | None = None, include_deleted: bool = False,
                    datetime_format: str | None = None, **kwargs) -> ModelSummaryList:
        """Every model matching the filters, newest first, as a ModelSummaryList.

        ``include_deleted=True`` adds inactive models.  Keyword filters: ``search`` (the
        search-box grammar, e.g. ``"churn tag:version=3 user:alice"``), ``text``, ``name``,
        ``display_name`` (exact), ``tags`` (``["version:3", "team:ml*"]``), ``created_by``,
        ``framework``, ``lifecycle_state`` / ``state``, ``created_after``,
        ``created_before``, ``sort``, ``order``, and ``limit`` (at most this many models).
        """
        from ..catalog import parse_search

        search = kwargs.pop("search", None)
        display_name = kwargs.pop("display_name", None)
        limit = kwargs.pop("limit", None)
        if "lifecycle_state" in kwargs:
            kwargs["state"] = kwargs.pop("lifecycle_state")
        kwargs.setdefault("state", "ALL" if include_deleted else "ACTIVE")
        if project_id is not None:
            kwargs["project_id"] = project_id
        if self.compartment_id and "compartment_id" not in kwargs:
            kwargs["compartment_id"] = self.compartment_id
        if display_name is not None:
            kwargs.setdefault("name", display_name)
        query = parse_search(search, **kwargs, limit=min(_PAGE, limit or _PAGE))
        entries, token = [], None
        while True:
            page = self.service.list(query, page_token=token)
            entries += [e for e in page.items if display_name is None or e.display_name == display_name]
            token = page.next_page_token
            if token is None or (limit is not None and len(entries) >= limit):
                break
        if limit is not None:
            entries = entries[:limit]
        return ModelSummaryList(entries, datetime_format)

    # --- single models --------------------------------------------------------------------
    def get_model(self, model_id: str) -> Model:
        """The model with this id (ModelNotFound if there is none)."""
        return Model(self.service.get(model_id), self.service)

    def download_model(self, model_id: str, target_dir, force_overwrite: bool = False, install_libs: bool = False,
                       conflict_strategy=None):
        """Write the model's artifact into ``target_dir`` and return it as a ModelArtifact.

        A non-empty ``target_dir`` is refused (TargetNotEmpty) unless ``force_overwrite``.
        Every byte is checked against its sha256 on the way.  ADS's ``install_libs`` and
        ``conflict_strategy`` are not supported.
        """
        refuse_unsupported("download_model()", {"install_libs": install_libs, "conflict_strategy": conflict_strategy},
                           {"install_libs": False})
        return Model(self.service.get(model_id), self.service).download(target_dir, force_overwrite)

    def delete_model(self, model, **kwargs) -> None:
        """Delete a model (an id or a Model); its blobs go unless other models use them."""
        refuse_unsupported("delete_model()", kwargs)
        self.service.delete(model.id if isinstance(model, Model) else model)

    def upload_model(self, model_artifact, display_name: str | None = None, description: str = "",
                     project_id: str | None = None, compartment_id: str | None = None, freeform_tags=None,
                     defined_metadata=None, custom_metadata=None, provenance_metadata=None,
                     training_script_path=None, ignore_pending_changes: bool = False, as_new_version_of=None,
                     progress=None, defined_tags=None, bucket_uri=None, remove_existing_artifact=None,
                     overwrite_existing_artifact=None, model_version_set=None, version_label=None) -> Model:
        """Save an artifact folder (or .zip, or a ModelArtifact) as a new model; returns it.

        ``display_name`` defaults to the folder's name.  ``defined_metadata`` and the schemas
        default to what prepare() recorded in the artifact.  Provenance is
        ``provenance_metadata`` if given, else captured from git when
        ``training_script_path`` is given (PendingChanges on uncommitted changes unless
        ``ignore_pending_changes``).  ``as_new_version_of=<model id>`` adds the next version
        of that model.  ADS's defined_tags, bucket_uri, model_version_set and version_label
        are not supported; remove/overwrite_existing_artifact only accept their ADS default.
        """
        refuse_unsupported("upload_model()", {
            "defined_tags": defined_tags, "bucket_uri": bucket_uri, "model_version_set": model_version_set,
            "version_label": version_label, "remove_existing_artifact": remove_existing_artifact,
            "overwrite_existing_artifact": overwrite_existing_artifact},
            {"remove_existing_artifact": True, "overwrite_existing_artifact": True})
        path = Path(getattr(model_artifact, "artifact_dir", model_artifact))
        if provenance_metadata is None and training_script_path is not None:
            from ..provenance import capture_provenance

            provenance_metadata = capture_provenance(training_script_path=training_script_path, artifact_dir=path,
                                                     ignore_pending_changes=ignore_pending_changes)
        if defined_metadata is None and path.is_dir():
            defined_metadata = _prepared_metadata(path)
        entry = self.service.save(
            path, display_name=display_name or path.stem, description=description or "",
            compartment_id=compartment_id or self.compartment_id, project_id=project_id,
            freeform_tags=freeform_tags, defined_metadata=defined_metadata, custom_metadata=custom_metadata,
            provenance=provenance_metadata, as_new_version_of=as_new_version_of, progress=progress)
        return Model(entry, self.service)


def _prepared_metadata(path: Path) -> dict | None:
    """The taxonomy prepare() recorded in the artifact, if the artifact layer can read it."""
    try:
        from ..artifact import ModelArtifact
    except ImportError:
        return None
    try:
        data = ModelArtifact(path).defined_metadata
    except Exception:  # a hand-made artifact: no recorded metadata is fine
        return None
    return {k: v for k, v in (data or {}).items() if v is not None} or None
