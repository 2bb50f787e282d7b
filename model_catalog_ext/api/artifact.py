"""``ModelArtifact`` with ``.save()``: the artifact layer's class, plus saving to the catalog.

Importing this module imports ``model_catalog_ext.artifact``; the API package loads it
lazily, so the rest of the API works without the artifact layer.
"""
from __future__ import annotations

from ..artifact import ModelArtifact as _BaseArtifact
from .unsupported import refuse_unsupported


class ModelArtifact(_BaseArtifact):
    """A model artifact folder you can reload, predict with, verify and save to the catalog."""

    def save(self, display_name: str | None = None, description: str | None = None,
             project_id: str | None = None, compartment_id: str | None = None, training_script_path=None,
             ignore_pending_changes: bool = False, auth=None, training_id=None, timeout=None,
             ignore_introspection=None, freeform_tags=None, defined_tags=None, bucket_uri=None,
             remove_existing_artifact=None, model_version_set=None, version_label=None, *,
             as_new_version_of: str | None = None, catalog=None, custom_metadata=None, progress=None):
        """Save this artifact to the catalog as a new model and return the Model.

        The arguments up to ``version_label`` are ADS's, in ADS's order; the rest are
        keyword-only.  ``display_name`` defaults to the name of the model given as
        ``as_new_version_of``, else to the folder's name (an empty one is refused).
        Captures git provenance of ``training_script_path`` (default: this notebook; a
        path that does not exist is refused) and refuses to save
        (PendingChanges) while it or the artifact folder has uncommitted changes, unless
        ``ignore_pending_changes=True``.  The taxonomy (framework, algorithm, test
        results...) and the schemas recorded by prepare()/verify() go with it.
        ``as_new_version_of=<model id>`` adds the next version of that model.  ``catalog``
        is a ModelCatalog, a catalog URL or a CatalogService (default: the embedded
        catalog).  ADS's auth, training_id, timeout, defined_tags, bucket_uri,
        model_version_set and version_label are not supported and raise
        NotImplementedError; ignore_introspection and remove_existing_artifact only accept
        True.
        """
        refuse_unsupported("ModelArtifact.save()", {
            "auth": auth, "training_id": training_id, "timeout": timeout,
            "ignore_introspection": ignore_introspection, "defined_tags": defined_tags, "bucket_uri": bucket_uri,
            "remove_existing_artifact": remove_existing_artifact, "model_version_set": model_version_set,
            "version_label": version_label},
            {"ignore_introspection": True, "remove_existing_artifact": True})
        from ..workflows.saving import SaveRequest, save_folder
        from .catalog import ModelCatalog
        from .model import Model

        mc = catalog if isinstance(catalog, ModelCatalog) else ModelCatalog(backend=catalog)
        request = SaveRequest(
            display_name=display_name, description=description, freeform_tags=freeform_tags,
            compartment_id=compartment_id or mc.compartment_id, project_id=project_id,
            defined_metadata={k: v for k, v in (self.defined_metadata or {}).items() if v is not None},
            custom_metadata=custom_metadata, training_script_path=training_script_path, capture_provenance=True,
            ignore_pending_changes=ignore_pending_changes, as_new_version_of=as_new_version_of)
        return Model(save_folder(mc.service, self.artifact_dir, request, progress), mc.service)
