"""What an ``oci://`` catalog URL says: region, compartment, project, how to authenticate.

Parsing only: nothing here imports the ``oci`` SDK, so a malformed URL is refused with a
clear message even where the SDK is not installed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from ...errors import InvalidInput
from .. import defaults

AUTH_KINDS = ("api_key", "resource_principal", "instance_principal")
_OPTIONS = ("project", "profile", "config", "auth", "endpoint", "auth_endpoint", "retries", "backoff", "timeout",
            "upload_limit", "bucket", "namespace")
DEFAULT_UPLOAD_LIMIT = 2 * 1024**3  # ADS's direct-upload limit; larger artifacts go via Object Storage


@dataclass(frozen=True)
class OciSettings:
    """The catalog's place in OCI and how to reach it."""

    region: str | None
    compartment_id: str | None
    project_id: str | None
    auth: str  # one of AUTH_KINDS
    profile: str
    config_file: str
    endpoint: str | None  # a service endpoint other than the region's (tests: the loopback fake)
    # Instance principals: the Auth service's x509 federation endpoint, if not the region's
    # (private endpoints; tests: a loopback fake). The SDK finds the rest in the instance metadata.
    auth_endpoint: str | None
    retries: int  # attempts per call, for throttling (429), 5xx and dropped connections
    backoff: float  # base of the exponential backoff, in seconds
    timeout: float  # seconds to connect / to wait between bytes
    upload_limit: int  # artifacts over this many bytes go through Object Storage
    bucket: str | None  # Object Storage bucket for large artifacts
    namespace: str | None  # its namespace

    def location(self) -> str:
        """The URL without options that only matter to this process, for messages."""
        where = f"oci://{self.region or ''}/{self.compartment_id or ''}"
        return where + (f"?project={self.project_id}" if self.project_id else "")


def parse_oci_url(url: str) -> OciSettings:
    """Read ``oci://<region>/<compartment ocid>?project=<project ocid>&profile=DEFAULT``.

    Region, compartment and project may be left out (``oci://`` alone): they then come from
    the config file / the notebook session (``NB_SESSION_COMPARTMENT_OCID``, ``PROJECT_OCID``).
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "oci":
        raise InvalidInput(f"'{url}' is not an oci:// catalog URL.")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(_OPTIONS))
    if unknown:
        raise InvalidInput(f"The catalog URL '{url}' has unknown option(s) {', '.join(unknown)}; "
                           f"known: {', '.join(_OPTIONS)}.", url=url)

    def option(name: str) -> str | None:
        values = query.get(name)
        return values[-1].strip() or None if values else None

    path = parts.path.strip("/")
    if "/" in path:
        raise InvalidInput(f"The catalog URL '{url}' has more than one path part; write "
                           "oci://<region>/<compartment ocid>?project=<project ocid>.", url=url)
    auth = option("auth")
    if auth is None:
        auth = "resource_principal" if os.environ.get("OCI_RESOURCE_PRINCIPAL_VERSION") else "api_key"
    auth = auth.replace("-", "_").lower()
    if auth not in AUTH_KINDS:
        raise InvalidInput(f"auth={option('auth')} in '{url}': use one of {', '.join(AUTH_KINDS)}.", url=url)
    return OciSettings(
        region=parts.hostname or None,
        compartment_id=path or defaults.default_compartment_id(),
        project_id=option("project") or defaults.default_project_id(),
        auth=auth,
        profile=option("profile") or os.environ.get("OCI_CONFIG_PROFILE") or "DEFAULT",
        config_file=os.path.expanduser(option("config") or os.environ.get("OCI_CONFIG_FILE") or "~/.oci/config"),
        endpoint=option("endpoint"),
        auth_endpoint=option("auth_endpoint"),
        retries=_number(url, "retries", option("retries"), 5, int, 1, 20),
        backoff=_number(url, "backoff", option("backoff"), 1.0, float, 0.0, 60.0),
        timeout=_number(url, "timeout", option("timeout"), 60.0, float, 0.1, 3600.0),
        upload_limit=_number(url, "upload_limit", option("upload_limit"), DEFAULT_UPLOAD_LIMIT, int, 1, 2**62),
        bucket=option("bucket"),
        namespace=option("namespace"),
    )


def _number(url: str, name: str, raw: str | None, default, kind, low, high):
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise InvalidInput(f"{name}={raw} in '{url}' is not a number.", url=url) from None
    if not low <= value <= high:
        raise InvalidInput(f"{name}={raw} in '{url}' must be between {low} and {high}.", url=url)
    return value
