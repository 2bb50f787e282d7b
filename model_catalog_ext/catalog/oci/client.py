"""Reaching OCI: credentials, the SDK clients with our retry policy, and OCI's errors as ours.

Credentials, in order: ``auth=`` in the URL; else resource principals when
``OCI_RESOURCE_PRINCIPAL_VERSION`` is set (an OCI notebook session or job); else the API key
of a profile of ``~/.oci/config`` (``profile=``, ``$OCI_CONFIG_PROFILE``, ``DEFAULT``).
Anything missing or broken is one :class:`CatalogUnavailable` saying what to set; credentials or
a policy OCI refuses are one :class:`NotAuthorized` saying what to check.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import oci
from oci._vendor.requests.exceptions import RequestException as TransportError

from ...errors import CatalogError, CatalogUnavailable, Conflict, InvalidInput, ModelNotFound, NotAuthorized
from .settings import OciSettings


def retry_strategy(settings: OciSettings):
    """Retry throttling (429), every 5xx, timeouts and dropped connections, with exponential
    backoff and full jitter; creates and actions carry opc-retry-tokens, so a retried create
    makes one model."""
    if settings.retries <= 1:
        return oci.retry.NoneRetryStrategy()
    return oci.retry.RetryStrategyBuilder(
        max_attempts_check=True, max_attempts=settings.retries,
        total_elapsed_time_check=True, total_elapsed_time_seconds=600,
        service_error_check=True, service_error_retry_on_any_5xx=True,
        service_error_retry_config={-1: [], 429: []},
        retry_base_sleep_time_seconds=settings.backoff, retry_exponential_growth_factor=2,
        retry_max_wait_between_calls_seconds=max(settings.backoff, 30),
        backoff_type=oci.retry.BACKOFF_FULL_JITTER_VALUE,
    ).get_retry_strategy()


def _config_and_signer(settings: OciSettings) -> tuple[dict, object | None]:
    if settings.auth == "resource_principal":
        try:
            signer = oci.auth.signers.get_resource_principals_signer()
        except Exception as exc:
            raise CatalogUnavailable(
                f"Cannot use resource principals for {settings.location()} ({exc}). Inside an OCI notebook "
                "session or job they need OCI_RESOURCE_PRINCIPAL_VERSION and its companion variables; elsewhere "
                "unset OCI_RESOURCE_PRINCIPAL_VERSION to use ~/.oci/config, or add auth=api_key to the URL.",
                auth=settings.auth) from None
        return {"region": settings.region or signer.region}, signer
    if settings.auth == "instance_principal":
        try:
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner(
                federation_endpoint=settings.auth_endpoint)
        except Exception as exc:
            raise CatalogUnavailable(
                f"Cannot use instance principals for {settings.location()} ({exc}); they work only on an OCI "
                "compute instance in a dynamic group with a policy for data-science-family. Use auth=api_key "
                "with ~/.oci/config elsewhere.", auth=settings.auth) from None
        return {"region": settings.region or signer.region}, signer
    try:
        config = oci.config.from_file(settings.config_file, settings.profile)
        if settings.region:
            config["region"] = settings.region
        oci.config.validate_config(config)
    except oci.exceptions.ConfigFileNotFound:
        raise CatalogUnavailable(
            f"No OCI config file at {settings.config_file} for {settings.location()}. Create one with "
            "`oci setup config` (user, fingerprint, tenancy, region, key_file), point config= in the catalog URL "
            "or $OCI_CONFIG_FILE at yours, or run inside an OCI notebook session (resource principals).",
            config_file=settings.config_file) from None
    except oci.exceptions.ProfileNotFound:
        raise CatalogUnavailable(
            f"The OCI config file {settings.config_file} has no profile [{settings.profile}]. Add it, or choose "
            "another with profile= in the catalog URL or $OCI_CONFIG_PROFILE.",
            config_file=settings.config_file, profile=settings.profile) from None
    except (oci.exceptions.InvalidConfig, oci.exceptions.InvalidPrivateKey, oci.exceptions.InvalidKeyFilePath,
            OSError, ValueError) as exc:
        raise CatalogUnavailable(
            f"The profile [{settings.profile}] of {settings.config_file} cannot be used: {exc}. It needs user, "
            "fingerprint, tenancy, region and a readable key_file (see `oci setup config`).",
            config_file=settings.config_file, profile=settings.profile) from None
    return config, None


def make_clients(settings: OciSettings):
    """``(DataScienceClient, ObjectStorageClient factory)`` for these settings."""
    config, signer = _config_and_signer(settings)
    kwargs = {"retry_strategy": retry_strategy(settings),
              # Our retries already bound how hard a failing service is pressed; a process-wide
              # circuit breaker would turn one model's failures into every catalog call failing.
              "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
              "timeout": (min(settings.timeout, 30.0), settings.timeout)}
    if signer is not None:
        kwargs["signer"] = signer
    if settings.endpoint:
        kwargs["service_endpoint"] = settings.endpoint
    try:
        data_science = oci.data_science.DataScienceClient(config, **kwargs)
    except Exception as exc:
        raise CatalogUnavailable(f"Cannot set up the OCI Data Science client for {settings.location()}: {exc}. "
                                 "Check the region and the credentials.") from None

    def object_storage():
        return oci.object_storage.ObjectStorageClient(config, **kwargs)

    return data_science, object_storage


def request_id_of(exc: BaseException) -> str | None:
    """The opc-request-id OCI answered with, or (no answer came) the one the SDK sent."""
    found = getattr(exc, "request_id", None) or (getattr(exc, "headers", None) or {}).get("opc-request-id")
    if found:
        return found
    for cause in (exc, *getattr(exc, "args", ())):
        request = getattr(cause, "request", None)
        sent = getattr(request, "headers", None) or {}
        if sent.get("opc-request-id"):
            return sent["opc-request-id"]
    return None


# What to check when OCI refuses the caller: the credentials (401), the policy (403, and the
# 404 NotAuthorizedOrNotFound OCI answers for a compartment or project one may not see).
CHECK_CREDENTIALS = (
    "With an API key (auth=api_key): the user, tenancy, fingerprint and key_file of the profile in ~/.oci/config "
    "(profile=, $OCI_CONFIG_PROFILE) must belong together, with the key's public half uploaded to that user, and "
    "this machine's clock must be right. In a notebook session or job (resource principals): "
    "OCI_RESOURCE_PRINCIPAL_VERSION and its companion variables, as the session sets them.")
CHECK_POLICY = (
    "Check the compartment and project OCIDs, and that a policy lets you use that compartment's models: 'allow group "
    "<your group> to manage data-science-family in compartment <compartment>' to save and edit, or 'read "
    "data-science-models' to list and download only; in a notebook session or job the same for the resource "
    "principal's dynamic group ('allow dynamic-group <group> to ...'); large artifacts also need 'manage objects' "
    "on the bucket's compartment.")


def translate(exc: BaseException, where: str, model_id: str | None = None, attempts: int = 1) -> CatalogError:
    """OCI's error as one of ours, naming what failed, what to check and the opc-request-id."""
    if isinstance(exc, CatalogError):
        return exc
    rid = request_id_of(exc)
    if isinstance(exc, oci.exceptions.ServiceError):
        said = f"OCI said {exc.status} {exc.code}: {exc.message} (opc-request-id {rid})"
        details = {"oci_status": exc.status, "oci_code": exc.code, "opc_request_id": rid}
        if exc.status == 404 and model_id is not None:
            return ModelNotFound(f"No model with id '{model_id}' in {where}. {said}.", model_id=model_id, **details)
        if exc.status in (409, 412):
            return Conflict(f"{where}: the model changed or is in a state that refuses this. {said}.",
                            model_id=model_id, **details)
        if exc.status == 401:
            return NotAuthorized(f"OCI did not accept the credentials for {where}. {said}. {CHECK_CREDENTIALS}",
                                 **details)
        if exc.status == 403 or (exc.status == 404 and model_id is None):
            return NotAuthorized(f"Not authorized for {where}, or it does not exist. {said}. {CHECK_POLICY}",
                                 **details)
        if exc.status == 429 or exc.status >= 500:
            kind = "is throttling requests" if exc.status == 429 else "failed"
            return CatalogUnavailable(f"OCI Data Science {kind} for {where}, {attempts} attempt(s) with backoff. "
                                      f"{said}. Try again in a while.", **details)
        return InvalidInput(f"{where}: {said}.", **details)
    sent = f" (opc-request-id {rid}, no answer came)" if rid else ""
    if isinstance(exc, (TransportError, oci.exceptions.RequestException, ConnectionError, TimeoutError)):
        return CatalogUnavailable(f"Cannot reach OCI Data Science for {where}: {exc}{sent}. Check the network, the "
                                  f"region, and (if set) the endpoint option; {attempts} attempt(s) were made.",
                                  opc_request_id=rid)
    return CatalogUnavailable(f"{where}: unexpected {type(exc).__name__}: {exc}{sent}", opc_request_id=rid)


@contextlib.contextmanager
def oci_errors(where: str, model_id: str | None = None, attempts: int = 1) -> Iterator[None]:
    """Raise OCI's and the transport's errors inside as our typed errors."""
    try:
        yield
    except CatalogError:
        raise
    except (oci.exceptions.ServiceError, oci.exceptions.ClientError, TransportError, ConnectionError,
            TimeoutError) as exc:
        raise translate(exc, where, model_id, attempts) from None
