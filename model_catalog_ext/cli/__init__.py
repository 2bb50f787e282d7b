"""``jupyter model-catalog``: a command line over the same CatalogService as every door."""
from __future__ import annotations


def main(argv=None) -> int:
    """Run the command line (see :mod:`model_catalog_ext.cli.main`)."""
    from .main import main as _main

    return _main(argv)


__all__ = ["main"]
