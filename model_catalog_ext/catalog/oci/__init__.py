"""The OCI Data Science backend: the catalog kept in an OCI compartment's model catalog.

Selected by a catalog URL of the form::

    oci://<region>/<compartment ocid>?project=<project ocid>&profile=DEFAULT

Every part may be left out: ``oci://`` alone uses the config's region and, as in an OCI
notebook session, ``$NB_SESSION_COMPARTMENT_OCID`` and ``$PROJECT_OCID``.  Options:

- ``project=``: the Data Science project saves go into (listings show the compartment);
- ``auth=``: ``resource_principal`` (the default when ``$OCI_RESOURCE_PRINCIPAL_VERSION`` is
  set, as in notebook sessions and jobs), ``api_key`` (``~/.oci/config``, otherwise the
  default) or ``instance_principal``;
- ``profile=`` (default ``$OCI_CONFIG_PROFILE``, else ``DEFAULT``) and ``config=`` (default
  ``$OCI_CONFIG_FILE``, else ``~/.oci/config``) for ``api_key``;
- ``retries=`` (attempts per call, 5), ``backoff=`` (seconds, 1), ``timeout=`` (seconds, 60);
- ``upload_limit=`` (bytes, 2 GiB), ``bucket=`` and ``namespace=``: larger artifacts go
  through that Object Storage bucket;
- ``endpoint=``: another service endpoint than the region's (the tests' loopback fake);
- ``auth_endpoint=``: for ``instance_principal``, another Auth federation endpoint than the
  region's (the instance's region, certificate and key come from its metadata service,
  ``$OCI_METADATA_BASE_URL`` if set).

The ``oci`` SDK is the optional extra ``[oci]``: it is imported only when an ``oci://``
catalog is opened, and its absence is one clear error.
"""
from __future__ import annotations

from ...errors import CatalogUnavailable
from .settings import parse_oci_url

INSTALL_HINT = 'pip install "model-catalog-ext[oci]"'


def open_oci_backend(url: str, artifact_root: str | None = None, **options):
    """The backend factory registered for ``oci://`` URLs (other options do not apply)."""
    settings = parse_oci_url(url)
    try:
        import oci  # noqa: F401
    except ImportError:
        raise CatalogUnavailable(
            f"The catalog {settings.location()} is in OCI Data Science, which needs the OCI SDK: "
            f"{INSTALL_HINT}.") from None
    from .backend import OciBackend

    return OciBackend(settings, url)
