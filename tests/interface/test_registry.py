"""Backends by URL scheme: built in, registered at run time, or from another package's
entry point; an unknown scheme is one clear error listing the known ones."""
from __future__ import annotations

import sys
import textwrap

import pytest

from model_catalog_ext.catalog import known_schemes, open_catalog
from model_catalog_ext.errors import InvalidInput


def test_an_unknown_scheme_names_the_known_ones():
    with pytest.raises(InvalidInput) as err:
        open_catalog("mongodb://u:secret@db.example/models")
    message = err.value.message
    assert "'mongodb://'" in message and "sqlite://" in message and "postgresql+psycopg://" in message
    assert "secret" not in message  # never a password in a message


def test_a_url_without_a_scheme_says_so():
    with pytest.raises(InvalidInput, match="no scheme"):
        open_catalog("/home/me/catalog.db")


def test_a_registered_scheme_serves_its_urls(memory_catalog_url, tmp_path):
    assert "memory" in known_schemes()
    catalog = open_catalog(memory_catalog_url)
    assert catalog.info().kind == "memory"
    assert catalog.list().items == []


def test_another_package_adds_a_backend_through_its_entry_point(tmp_path, monkeypatch):
    """A distribution on sys.path whose entry_points.txt names a factory in the group
    model_catalog_ext.backends: found by the standard importlib.metadata machinery."""
    site = tmp_path / "site"
    (site / "toy_backend-1.0.dist-info").mkdir(parents=True)
    (site / "toy_backend-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-backend\n"
                                                                  "Version: 1.0\n")
    (site / "toy_backend-1.0.dist-info" / "entry_points.txt").write_text(
        "[model_catalog_ext.backends]\ntoy = toy_backend:open_toy\n")
    (site / "toy_backend.py").write_text(textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from memory_backend import MemoryBackend

        def open_toy(url, artifact_root=None, **options):
            return MemoryBackend(url)
    """ % str(__import__("pathlib").Path(__file__).parents[1] / "catalog")))
    monkeypatch.syspath_prepend(str(site))
    assert "toy" in known_schemes()
    catalog = open_catalog("toy://shelf")
    assert catalog.info().location == "toy://shelf" and catalog.stats()["models"] == 0
    sys.modules.pop("toy_backend", None)
