"""The IPython door: ``%catalog`` / ``%%catalog`` magics over the same CatalogService."""
from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    from .catalog_magics import CatalogMagics

    ipython.register_magics(CatalogMagics)


def unload_ipython_extension(ipython) -> None:
    # IPython has no public "unregister"; dropping the names is what reloading needs.
    magics = ipython.magics_manager.magics
    magics["line"].pop("catalog", None)
    magics["cell"].pop("catalog", None)
