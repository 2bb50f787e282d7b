"""A JupyterHub whose users share one model catalog: the catalog runs as a hub-managed service.

Walk-through: docs/deploy-jupyterhub.md.  The tests (tests/hub/) start a hub with this very
file, replacing only the site's own parts: the authenticator, addresses, and PostgreSQL/S3
by SQLite and a folder.

    jupyterhub -f jupyterhub_config.py
"""
import os

c = get_config()  # noqa: F821 (JupyterHub defines it when it reads this file)

# --- your site --------------------------------------------------------------------------------
HUB_PUBLIC_URL = os.environ.get("HUB_PUBLIC_URL", "https://hub.example.com")
CATALOG = "model-catalog"  # the service's name: it answers at <hub>/services/model-catalog/
CATALOG_ADDRESS = "http://127.0.0.1:8585"  # where the service listens; only the hub's proxy needs to reach it
CATALOG_POLICY = "/etc/model-catalog/policy.yaml"  # who may read/write what: docs/access-policy.md

c.JupyterHub.public_url = HUB_PUBLIC_URL
c.JupyterHub.bind_url = "http://:8000"  # TLS ends in front of the hub (or set ssl_cert / ssl_key)
# Any authenticator. Groups come from it (Authenticator.manage_groups) or from load_groups:
c.JupyterHub.load_groups = {
    "data-science": {"users": ["alice", "bob"]},
    "ml-platform": {"users": ["bob"]},
}

# --- the catalog service ----------------------------------------------------------------------
c.JupyterHub.services = [
    {
        "name": CATALOG,
        "url": CATALOG_ADDRESS,
        # The hub starts it (and restarts it when it exits). `serve` finds the hub in its
        # environment: it listens on the service's url, serves under /services/model-catalog/,
        # and asks the hub who each caller is (hub API tokens; the hub's OAuth for browsers).
        "command": ["jupyter", "model-catalog", "serve", "--policy", CATALOG_POLICY,
                    f"--CatalogServiceConfig.public_url={HUB_PUBLIC_URL}/services/{CATALOG}"],
        # The catalog's credentials are in the service's environment only: users' servers,
        # kernels and terminals never see them. Give the hub these variables (a systemd
        # EnvironmentFile, a Kubernetes secret...) rather than writing them here.
        "environment": {
            "MODEL_CATALOG_URL": os.environ.get("MODEL_CATALOG_DB_URL",
                                                "postgresql+psycopg://catalog@db.internal/catalog"),
            "MODEL_CATALOG_ARTIFACT_ROOT": os.environ.get("MODEL_CATALOG_S3_ROOT", "s3://models/catalog"),
            # Any S3-compatible store (MinIO, Ceph, OCI Object Storage...): its endpoint and keys.
            **{name: os.environ[name] for name in ("AWS_ENDPOINT_URL", "FSSPEC_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                                                   "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "PGPASSWORD")
               if name in os.environ},
        },
        "oauth_no_confirm": True,  # the hub's own service: no "authorize this application?" page
        "display": True,  # listed in the Services menu of the hub's home page (the browser login)
    },
]

# Who may call the catalog at all (the policy file then says what each may do): here the
# members of two groups. To let every user in, add the scope to the "user" role instead.
c.JupyterHub.load_roles = [
    {
        "name": "model-catalog-users",
        "description": "Use the team model catalog",
        "scopes": [f"access:services!service={CATALOG}"],
        "groups": ["data-science", "ml-platform"],
    },
]

# --- users' servers: nothing for users to set up ---------------------------------------------
# Every door in a user's server (the side panel, %catalog, ModelCatalog(), the CLI) opens the
# team catalog, and authenticates with the server's own hub token ($JUPYTERHUB_API_TOKEN),
# which may call the catalog service (only users the role above lets in get that scope).
c.Spawner.environment = {"MODEL_CATALOG_URL": f"{HUB_PUBLIC_URL}/services/{CATALOG}"}
c.Spawner.server_token_scopes = [
    "users:activity!user",  # the two scopes a server's token has by default
    "access:servers!server",
    f"access:services!service={CATALOG}",
]
