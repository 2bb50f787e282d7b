"""The IPython door: ``%catalog`` / ``%%catalog`` magics over the same CatalogService.

Load it in a notebook with ``%load_ext model_catalog_ext``. To have it in every kernel
JupyterLab starts, add one line to ``~/.ipython/profile_default/ipython_kernel_config.py``::

    c.InteractiveShellApp.extensions.append("model_catalog_ext")

(``append`` keeps any extensions you already load.) Installing the package does not do
this for you: IPython has no drop-in config directory, so a package cannot add an extension
without overwriting the user's or another package's kernel configuration.

Loading costs next to nothing: the catalog, the API and the artifact layer are imported by
the first command that needs them.
"""
from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    from .catalog_magics import CatalogMagics

    ipython.register_magics(CatalogMagics)


def unload_ipython_extension(ipython) -> None:
    # IPython has no public "unregister"; dropping the names is what reloading needs.
    magics = ipython.magics_manager.magics
    magics["line"].pop("catalog", None)
    magics["cell"].pop("catalog", None)
    registry = ipython.magics_manager.registry
    instance = registry.pop("CatalogMagics", None)
    context = getattr(instance, "_context", None)
    if context is not None:
        context.connection.close()
