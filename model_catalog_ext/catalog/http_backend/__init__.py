"""A catalog served by a catalog service (``jupyter model-catalog serve``): ``http://`` and
``https://`` catalog URLs.

Every door then is a client of the service, which alone holds the catalog's credentials.
The client sends a token (``$MODEL_CATALOG_TOKEN``) and never shows it: not in messages, logs
or provenance.  (A JupyterHub user's own API token is never sent: it opens the user's whole
hub account.)

- ``transport.py``: one HTTP request at a time, the token, connection failures;
- ``remote_errors.py``: an error answer back into the typed errors of ``errors.py``;
- ``upload.py``: a save's multipart body, a zip streamed from the artifact's files;
- ``backend.py``: ``HttpBackend``, the ``CatalogBackend`` on top of them.
"""
from .backend import HttpBackend, open_http_backend

__all__ = ["HttpBackend", "open_http_backend"]
