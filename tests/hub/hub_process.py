"""A real JupyterHub (``jupyterhub`` + ``configurable-http-proxy``) with the catalog as its
managed service, configured by the deployment example (examples/jupyterhub/jupyterhub_config.py)
with only the site's own parts replaced: a dummy authenticator, loopback ports, SQLite and a
folder instead of PostgreSQL and S3."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "catalog"))
from service_process import free_port  # noqa: E402

ROOT = Path(__file__).parents[2]
EXAMPLE_CONFIG = ROOT / "examples" / "jupyterhub" / "jupyterhub_config.py"
PROXY = Path(__file__).parent / "node_modules" / ".bin" / "configurable-http-proxy"
CATALOG = "model-catalog"
ADMIN_TOKEN = "test-admin-service-token-0123456789"

# Appended to the example: what a test site has instead of a real one.
TEST_SITE = '''
load_subconfig({example!r})
c.JupyterHub.bind_url = {public_url!r}
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = {proxy_api!r}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = {hub_db!r}
c.JupyterHub.cookie_secret_file = {cookie_secret!r}
c.JupyterHub.pid_file = {pid_file!r}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.load_groups["nobody-here"] = {{"users": ["carol"]}}  # carol: a user without access

catalog = c.JupyterHub.services[0]
catalog["url"] = {service_url!r}
catalog["command"] = {command!r}
catalog["environment"].update({service_env!r})

# Users' servers: processes of the hub's own OS user, homes in the test's folder.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# The tests' own service: makes users' tokens and starts their servers through the hub's API.
c.JupyterHub.services.append({{"name": "test-admin", "api_token": {admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "test-admin", "scopes": ["admin:users", "admin:servers", "tokens",
                                                               "list:users"],
                                "services": ["test-admin"]}})
'''


@dataclass
class RunningHub:
    public_url: str  # the proxy: what users and programs reach
    api_url: str  # the hub's own API, as a single-user server's environment names it
    catalog_url: str  # the catalog service, through the proxy
    process: subprocess.Popen
    log: Path
    folder: Path
    tokens_made: list[str] = field(default_factory=list)  # none of them may ever be logged
    # The command and environment it was started with, for restart_hub.
    launch: tuple[list[str], dict[str, str]] = field(default_factory=lambda: ([], {}))

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def hub_api(self, method: str, path: str, body: dict | None = None) -> dict:
        """A request to the hub's REST API as the tests' admin service."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.api_url}/{path}", data=data, method=method,
                                         headers={"Authorization": f"token {ADMIN_TOKEN}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def token(self, user: str, scopes: list[str] | None = None, expires_in: int | None = None) -> str:
        """A new hub API token of ``user`` (by default with every permission the user has)."""
        body: dict = {"note": "model-catalog tests"}
        if scopes is not None:
            body["scopes"] = scopes
        if expires_in is not None:
            body["expires_in"] = expires_in
        token = self.hub_api("POST", f"users/{user}/tokens", body)["token"]
        self.tokens_made.append(token)
        return token

    def start_server(self, user: str, timeout: float = 180) -> str:
        """Start ``user``'s single-user server (as the hub does when they log in); its URL."""
        try:
            self.hub_api("POST", f"users/{user}/server")
        except urllib.error.HTTPError as exc:
            if exc.code != 400:  # 400: already running
                raise
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.hub_api("GET", f"users/{user}")["servers"].get("", {})
            if server.get("ready"):
                return f"{self.public_url}{server['url'].rstrip('/')}"
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError(f"{user}'s server did not start:\n{self.log_text()[-5000:]}")

    def single_user_environment(self, user: str) -> dict[str, str]:
        """The hub's variables in the environment of ``user``'s single-user server (and of its
        kernels and terminals), as the spawner sets them with the example's configuration."""
        config = example_config(self.public_url)
        return {**config.Spawner.environment,
                "JUPYTERHUB_API_TOKEN": self.token(user, scopes=list(config.Spawner.server_token_scopes)),
                "JUPYTERHUB_API_URL": self.api_url, "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_USER": user,
                "JUPYTERHUB_SERVICE_PREFIX": f"/user/{user}/", "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:0/user/",
                "JUPYTERHUB_PUBLIC_URL": f"{self.public_url}/user/{user}/",
                "JUPYTERHUB_PUBLIC_HUB_URL": f"{self.public_url}/hub/", "JUPYTERHUB_HOST": ""}


def serve_options() -> set[str]:
    """The options ``jupyter model-catalog serve`` has in this checkout."""
    done = subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "serve", "--help"],
                          capture_output=True, text=True, timeout=60)
    return {word.strip(",[]") for word in done.stdout.split() if word.startswith("--")}


POLICY = Path(__file__).parent / "policy.yaml"


def service_command(example_command: list[str], extra: list[str]) -> list[str]:
    """The example's command with the tests' policy file instead of the site's, and options this
    checkout's ``serve`` lacks left out."""
    known, command, words = serve_options(), [], iter(example_command)
    for word in words:
        if word.startswith("--") and "=" not in word and word not in known:
            next(words, None)  # and its value
            continue
        command.append(word)
        if word == "--policy":
            next(words, None)
            command.append(str(POLICY))
    return command + extra


def example_config(public_url: str | None = None):
    """The settings the deployment example makes (read as JupyterHub reads it), for a hub at
    ``public_url``."""
    namespace: dict = {}

    class _Config(dict):
        def __getattr__(self, name):
            return self.setdefault(name, _Config())

        def __setattr__(self, name, value):
            self[name] = value

    config = _Config()
    namespace["get_config"] = lambda: config
    saved = os.environ.get("HUB_PUBLIC_URL")
    if public_url:
        os.environ["HUB_PUBLIC_URL"] = public_url
    try:
        exec(compile(EXAMPLE_CONFIG.read_text(), str(EXAMPLE_CONFIG), "exec"), namespace)
    finally:
        if saved is None:
            os.environ.pop("HUB_PUBLIC_URL", None)
        else:
            os.environ["HUB_PUBLIC_URL"] = saved
    return config


def start_hub(folder: Path, timeout: float = 120, service_args: tuple[str, ...] = ()) -> RunningHub:
    """A running hub whose catalog service has ``service_args`` beside the example's."""
    folder.mkdir(parents=True, exist_ok=True)
    if not PROXY.exists():
        raise RuntimeError(f"{PROXY} is missing: run `npm ci --prefix tests/hub` (scripts/test.sh does)")
    proxy_port, hub_port, api_port, service_port = (free_port() for _ in range(4))
    public_url = f"http://127.0.0.1:{proxy_port}"
    service_env = {
        "MODEL_CATALOG_URL": f"sqlite:///{folder}/catalog.db", "MODEL_CATALOG_ARTIFACT_ROOT": str(folder / "blobs"),
        "JUPYTER_CONFIG_DIR": str(folder / "jupyter-config"), "JUPYTER_DATA_DIR": str(folder / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(folder / "jupyter-runtime"),
    }
    # The hub's answers are reused for 1 s (not the default minute), so an expired token's
    # refusal is seen at once.
    command = service_command(list(example_config().JupyterHub.services[0]["command"]),
                              ["--CatalogHubIdentityProvider.hub_cache_max_age=1",
                               # ignored under a hub (anyone could send it through the proxy): tested
                               "--CatalogServiceIdentityProvider.trusted_header=X-Forwarded-User",
                               *service_args])
    config = folder / "jupyterhub_config.py"
    config.write_text(TEST_SITE.format(
        example=str(EXAMPLE_CONFIG), public_url=public_url, hub_port=hub_port,
        proxy_api=f"http://127.0.0.1:{api_port}", proxy=str(PROXY), hub_db=f"sqlite:///{folder}/jupyterhub.sqlite",
        cookie_secret=str(folder / "cookie_secret"), pid_file=str(folder / "jupyterhub.pid"),
        service_url=f"http://127.0.0.1:{service_port}", command=command, service_env=service_env,
        admin_token=ADMIN_TOKEN, homes=str(folder / "home"),
        singleuser=str(Path(sys.executable).with_name("jupyterhub-singleuser"))))
    env = {**os.environ, "HUB_PUBLIC_URL": public_url,
           # `jupyter model-catalog` of this venv (the example's command), this checkout's code.
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    for name in ("MODEL_CATALOG_TOKEN", "MODEL_CATALOG_URL", "MODEL_CATALOG_ARTIFACT_ROOT", "JUPYTERHUB_API_TOKEN"):
        env.pop(name, None)
    log = folder / "hub.log"
    launch = ([shutil.which("jupyterhub", path=env["PATH"]) or "jupyterhub", "-f", str(config)], env)
    hub = RunningHub(public_url, f"http://127.0.0.1:{hub_port}/hub/api", f"{public_url}/services/{CATALOG}",
                     _launch(launch, folder, log), log, folder, launch=launch)
    _wait_until_ready(hub, timeout)
    return hub


def _launch(launch: tuple[list[str], dict[str, str]], folder: Path, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(launch[0], cwd=folder, env=launch[1], stdout=out, stderr=subprocess.STDOUT)


def restart_hub(hub: RunningHub, timeout: float = 120) -> None:
    """Start the stopped ``hub`` again, on the same ports and database (its tokens still valid)."""
    hub.process = _launch(hub.launch, hub.folder, hub.log)
    _wait_until_ready(hub, timeout)


def _wait_until_ready(hub: RunningHub, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    probe = f"{hub.catalog_url}/model-catalog/api/version"
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited ({hub.process.returncode}):\n{hub.log_text()}")
        try:
            urllib.request.urlopen(probe, timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # the service itself answers: it runs, behind the proxy
                return
        except OSError:
            pass
        time.sleep(0.2)
    stop_hub(hub)
    raise RuntimeError(f"the hub's catalog service did not answer within {timeout} s:\n{hub.log_text()}")


def stop_hub(hub: RunningHub) -> None:
    """Stop the hub (it stops its services and proxy)."""
    if hub.process.poll() is None:
        hub.process.terminate()
        try:
            hub.process.wait(30)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait()
