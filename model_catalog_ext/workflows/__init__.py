"""Workflows that span the core's parts: the save (prepare, verify, provenance, catalog),
written once for every door (``saving.py``)."""
