"""``jupyter model-catalog serve``: run the catalog as a shared service (see service/).

    jupyter model-catalog serve --url postgresql+psycopg://catalog@db/catalog \\
        --artifact-root s3://models/catalog --ip 0.0.0.0 --port 8585 \\
        [--policy policy.yaml] [--CatalogServiceIdentityProvider.tokens_file=tokens.json] \\
        [other Jupyter server options]

The catalog is opened (and checked) before the service starts, so a wrong URL or an
outdated schema stops it with the catalog's own message instead of failing every request.
"""
from __future__ import annotations

import os
import sys

DEFAULT_PORT = 8585


def add_serve_parser(sub, common) -> None:
    p = sub.add_parser("serve", parents=[common],
                       help="run the catalog as a shared service (REST API) that alone holds its credentials; "
                            "clients use --url http(s)://HOST:PORT and $MODEL_CATALOG_TOKEN",
                       epilog="The service's own token is $MODEL_CATALOG_SERVICE_TOKEN (else one is made and "
                              "logged). Further options go to the Jupyter server the service runs in, e.g. "
                              "--CatalogServiceIdentityProvider.tokens_file=tokens.json, "
                              "--CatalogServiceConfig.public_url=https://catalog.example.com, "
                              "--certfile=... --keyfile=... for https.")
    p.add_argument("--ip", help="address to listen on (default 127.0.0.1, or $JUPYTERHUB_SERVICE_URL's under a hub)")
    p.add_argument("--port", type=int, help=f"port to listen on (default {DEFAULT_PORT}, or $JUPYTERHUB_SERVICE_URL's "
                                            "under a hub)")
    p.add_argument("--policy", metavar="FILE",
                   help="the access policy: a YAML file saying who may read, write or administer each compartment "
                        "(docs/access-policy.md; read again when it changes). Without one, every authenticated "
                        "caller may do everything")


def listen_address(ip: str | None, port: int | None) -> tuple[str, int]:
    """Where to listen: as given, else where a hub that manages the service sends its requests
    (``$JUPYTERHUB_SERVICE_URL``, the ``url`` of its ``c.JupyterHub.services`` entry), else
    127.0.0.1:8585."""
    from urllib.parse import urlsplit

    # Only for a hub's service: a single-user server's environment names the server's own URL.
    hub = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "") if os.environ.get("JUPYTERHUB_SERVICE_NAME") else "")
    return (ip or hub.hostname or "127.0.0.1",
            port or hub.port or (DEFAULT_PORT if not hub.hostname else 443 if hub.scheme == "https" else 80))


def cmd_serve(args, extra: list[str]) -> int:
    """Start the service (runs until stopped); ``extra``: Jupyter server options passed on."""
    from ..catalog import open_catalog
    from ..configuration import catalog_location
    from ..service.app import serve

    url, root = catalog_location(args.url, args.artifact_root)
    open_catalog(url, root).close()  # its errors say what cannot be opened, before anything listens
    ip, port = listen_address(args.ip, args.port)
    argv = [f"--ServerApp.ip={ip}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if url:
        argv.append(f"--ModelCatalogConfig.backend_url={url}")
    if root:
        argv.append(f"--ModelCatalogConfig.artifact_root={root}")
    if args.policy:
        argv.append(f"--CatalogServicePolicy.policy_file={os.path.abspath(args.policy)}")
    sys.argv[1:] = []  # Jupyter reads its options from argv only
    serve(argv + list(extra))
    return 0
