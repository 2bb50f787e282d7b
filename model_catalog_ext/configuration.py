"""Which catalog a door opens: one answer for the panel, kernels, the Python API and the CLI.

The Jupyter server reads ``c.ModelCatalogConfig.backend_url`` / ``artifact_root`` and puts
what it uses into the environment of the kernels it starts (``MODEL_CATALOG_URL``,
``MODEL_CATALOG_ARTIFACT_ROOT``), so ``%catalog`` and ``ModelCatalog()`` there see the
panel's catalog.  Everywhere else (the CLI, a script) a setting is taken from, in order:
what the caller passed, the environment, the same Jupyter configuration files the server
reads (``jupyter_server_config.py`` / ``.json`` and ``jupyter_server_config.d/`` on
``jupyter --paths``), then the embedded default.  This is door-side code: the core
(``catalog/``) knows only the environment and the default.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

URL_ENV = "MODEL_CATALOG_URL"
ARTIFACT_ROOT_ENV = "MODEL_CATALOG_ARTIFACT_ROOT"
_TRAITS = {"url": "backend_url", "artifact_root": "artifact_root"}
_ENVS = {"url": URL_ENV, "artifact_root": ARTIFACT_ROOT_ENV}


def jupyter_config_values() -> dict[str, str]:
    """``{"url": ..., "artifact_root": ...}`` from the Jupyter server's configuration files
    (only the keys set there)."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import Config, JSONFileConfigLoader, PyFileConfigLoader

    merged = Config()
    # jupyter_config_path() lists the most important folder first: load the others before it.
    for folder in reversed(jupyter_config_path()):
        dropins = sorted(Path(folder, "jupyter_server_config.d").glob("*.json"))
        loaders: list[Any] = [JSONFileConfigLoader(p.name, str(p.parent)) for p in dropins]
        loaders.append(JSONFileConfigLoader("jupyter_server_config.json", folder))
        loaders.append(PyFileConfigLoader("jupyter_server_config.py", folder))
        for loader in loaders:
            try:
                merged.merge(loader.load_config())
            except Exception:  # a missing or broken file: the server would report it; skip it here
                continue
    section = merged.get("ModelCatalogConfig", {})
    found = {}
    for key, trait in _TRAITS.items():
        value = section.get(trait)
        if isinstance(value, str) and value:
            found[key] = value
    return found


def catalog_location(url: str | None = None, artifact_root: str | None = None) -> tuple[str | None, str | None]:
    """``(url, artifact_root)`` to open: given > environment > Jupyter config > None (the
    embedded default, decided by the core)."""
    chosen = {"url": url, "artifact_root": artifact_root}
    missing = [k for k, v in chosen.items() if not v and not os.environ.get(_ENVS[k])]
    if missing:
        config = jupyter_config_values()
        for key in missing:
            chosen[key] = config.get(key)
    return chosen["url"] or None, chosen["artifact_root"] or None


def export_for_kernels(url: str | None, artifact_root: str | None) -> None:
    """Make the kernels this process starts open the same catalog (they inherit its
    environment)."""
    if url:
        os.environ[URL_ENV] = url
    if artifact_root:
        os.environ[ARTIFACT_ROOT_ENV] = artifact_root
