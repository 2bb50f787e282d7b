"""``ModelCatalog``: the ADS-style entry point to the catalog from Python."""
from __future__ import annotations

from pathlib import Path

from ..catalog.defaults import default_compartment_id
from .backend import resolve_backend
from .listing import plan_listing
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

    ADS's OCI client arguments (ds_client_auth, identity_client_auth, timeout, ds_client,
    identity_client) are not supported and raise NotImplementedError.
    """

    def __init__(self, compartment_id: str | None = None, backend=None, *, artifact_root: str | None = None,
                 ds_client_auth=None, identity_client_auth=None, timeout=None, ds_client=None, identity_client=None):
        refuse_unsupported("ModelCatalog()", {
            "ds_client_auth": ds_client_auth, "identity_client_auth": identity_client_auth, "timeout": timeout,
            "ds_client": ds_client, "identity_client": identity_client})
        self.compartment_id = compartment_id or default_compartment_id()
        self.service = resolve_backend(backend, artifact_root)

    def __repr__(self) -> str:
        return f"ModelCatalog(backend={self.service.url!r}, compartment_id={self.compartment_id!r})"

    # --- listing ----------------------------------------------------------------------------
    def list_models(self, project_id: str | None = None, include_deleted: bool = False,
                    datetime_format: str | None = None, **kwargs) -> ModelSummaryList:
        """Every model matching the filters, newest first, as a ModelSummaryList.

        ``include_deleted=True`` adds inactive models (nothing is ever in a DELETED state
        here: deleted models are gone).  Keyword filters, all narrowing the result:

        - ``search``: the search-box grammar, e.g. ``"churn tag:version=3 user:alice"``;
        - ``text``: words in the name or description; ``name``: part of the name;
          ``display_name``: the exact name; ``id``: one model id;
        - ``tags``: ``"version:3"`` or a list such as ``["version:3", "team:ml*", "stage"]``;
        - ``created_by``, ``framework``, ``compartment_id`` (default: the catalog's),
          ``created_after``, ``created_before`` (datetimes or ISO dates);
        - ``lifecycle_state`` (or ``state``): ``"ACTIVE"``, ``"INACTIVE"`` or ``"ALL"``;
        - ``sort_by`` (or ``sort``): ``"timeCreated"``, ``"displayName"`` as in ADS, or
          ``"time_created"``, ``"name"``, ``"version"``; ``sort_order`` (or ``order``):
          ``"ASC"`` / ``"DESC"`` (default: newest first, names A to Z);
        - ``limit``: return at most this many models (1 or more; default: all of them).

        ADS's ``page``, ``model_version_set_name`` and ``version_label`` raise
        NotImplementedError; all matching models come back at once, page after page.
        """
        listing = plan_listing(self.service, kwargs, project_id=project_id, include_deleted=include_deleted,
                               compartment_id=self.compartment_id, page_size=_PAGE)
        entries, token = [], None
        while listing.query is not None:
            page = self.service.list(listing.query, page_token=token)
            entries += [e for e in page.items if listing.keep(e)]
            token = page.next_page_token
            if token is None or (listing.limit is not None and len(entries) >= listing.limit):
                break
        if listing.limit is not None:
            entries = entries[:listing.limit]
        listed = ModelSummaryList(self, entries, datetime_format=datetime_format)
        if "compartment_id" not in kwargs and self.compartment_id:
            listed.compartment_filter = self.compartment_id  # narrowed without being asked: say so
        return listed

    # --- single models --------------------------------------------------------------------
    def get_model(self, model_id: str) -> Model:
        """The model with this id (ModelNotFound if there is none)."""
        return Model(self.service.get(model_id), self.service)

    def download_model(self, model_id: str, target_dir, force_overwrite: bool = False, install_libs: bool = False,
                       conflict_strategy="IGNORE", bucket_uri: str | None = None,
                       remove_existing_artifact: bool = True, *, as_zip: bool = False):
        """Write the model's artifact into ``target_dir`` and return it as a ModelArtifact
        (its repr shows the folder and the files in it, as ADS prints them).

        A non-empty ``target_dir`` is refused (TargetNotEmpty) unless ``force_overwrite``.
        Every byte is checked against its sha256 on the way.  ``as_zip=True`` writes one
        zip file instead and returns its path: ``target_dir`` is the zip's name when it ends
        in ``.zip``, else the folder to put ``<name>-v<version>.zip`` in (an existing zip is
        replaced only with ``force_overwrite``).  ADS's ``install_libs``,
        ``conflict_strategy``, ``bucket_uri`` and ``remove_existing_artifact`` are accepted
        with their ADS defaults only (False, "IGNORE", None, True); other values raise
        NotImplementedError.
        """
        if isinstance(conflict_strategy, str):
            conflict_strategy = conflict_strategy.upper()
        refuse_unsupported("download_model()", {
            "install_libs": install_libs, "conflict_strategy": conflict_strategy, "bucket_uri": bucket_uri,
            "remove_existing_artifact": remove_existing_artifact},
            {"install_libs": False, "conflict_strategy": "IGNORE", "remove_existing_artifact": True})
        if as_zip:
            return _download_zip(self.service, model_id, target_dir, force_overwrite)
        return Model(self.service.get(model_id), self.service).download(target_dir, force_overwrite)

    def delete_model(self, model, delete_associated_model_deployment: bool = False, **kwargs) -> bool:
        """Delete a model (an id or a Model); its blobs go unless other models use them.
        Returns True, as ADS does. There are no model deployments here: ADS's
        ``delete_associated_model_deployment`` is accepted with its default, False."""
        refuse_unsupported("delete_model()", {"delete_associated_model_deployment": delete_associated_model_deployment,
                                              **kwargs}, {"delete_associated_model_deployment": False})
        self.service.delete(model.id if isinstance(model, Model) else model)
        return True

    def upload_model(self, model_artifact, provenance_metadata=None, project_id: str | None = None,
                     display_name: str | None = None, description: str | None = None, freeform_tags=None,
                     defined_tags=None, bucket_uri=None, remove_existing_artifact=True,
                     overwrite_existing_artifact=True, model_version_set=None, version_label=None, *,
                     compartment_id: str | None = None, defined_metadata=None, custom_metadata=None,
                     training_script_path=None, ignore_pending_changes: bool = False, as_new_version_of=None,
                     progress=None) -> Model:
        """Save an artifact folder (or .zip, or a ModelArtifact) as a new model; returns it.

        The arguments up to ``version_label`` are ADS's, in ADS's order; the rest are
        keyword-only.  ``display_name`` defaults to the name of the model given as
        ``as_new_version_of``, else to the folder's name (an empty one is refused).
        ``defined_metadata`` and the schemas default to what prepare() recorded
        in the artifact.  Provenance is ``provenance_metadata`` if given, else captured from
        git when ``training_script_path`` is given (it must exist; PendingChanges on
        uncommitted changes unless ``ignore_pending_changes``).  ``as_new_version_of=<model
        id>`` adds the next version of that model.  ADS's defined_tags, bucket_uri,
        model_version_set and version_label are not supported (NotImplementedError);
        remove/overwrite_existing_artifact only accept their ADS default, True.
        """
        refuse_unsupported("upload_model()", {
            "defined_tags": defined_tags, "bucket_uri": bucket_uri, "model_version_set": model_version_set,
            "version_label": version_label, "remove_existing_artifact": remove_existing_artifact,
            "overwrite_existing_artifact": overwrite_existing_artifact},
            {"remove_existing_artifact": True, "overwrite_existing_artifact": True})
        from ..workflows.saving import SaveRequest, save_folder

        path = Path(getattr(model_artifact, "artifact_dir", model_artifact))
        defined = defined_metadata
        if defined is None and isinstance(getattr(model_artifact, "defined_metadata", None), dict):
            # a ModelArtifact knows results of a verify() it did not record in the folder
            defined = {k: v for k, v in model_artifact.defined_metadata.items() if v is not None} or None
        request = SaveRequest(
            display_name=display_name, description=description, freeform_tags=freeform_tags,
            compartment_id=compartment_id or self.compartment_id, project_id=project_id,
            defined_metadata=defined, custom_metadata=custom_metadata, provenance=provenance_metadata,
            training_script_path=training_script_path, ignore_pending_changes=ignore_pending_changes,
            as_new_version_of=as_new_version_of)
        return Model(save_folder(self.service, path, request, progress), self.service)


def _download_zip(service, model_id: str, target, force_overwrite: bool) -> Path:
    """download_model(..., as_zip=True): a ``.zip`` path is the file, anything else a folder."""
    target = Path(target).expanduser()
    if target.suffix.lower() != ".zip" or target.is_dir():
        target = target / service.get(model_id).zip_name
    return service.write_zip(model_id, target, force_overwrite=force_overwrite)
