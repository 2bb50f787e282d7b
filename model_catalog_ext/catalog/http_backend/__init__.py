"""A catalog served by a catalog service (``jupyter model-catalog serve``): ``http://`` and
``https://`` catalog URLs.

Every door then is a client of the service, which alone holds the catalog's credentials.
The client sends a token (``$MODEL_CATALOG_TOKEN``, or in a JupyterHub single-user server the
user's hub token, to the hub's own catalog service only) and never shows it: not in messages,
logs or provenance.

- ``hub_token.py``: which token goes to which URL;
- ``transport.py``: one HTTP request at a time, the token, connection failures;
- ``remote_errors.py``: an error answer back into the typed errors of ``errors.py``;
- ``upload.py``: a save's multipart body, a zip streamed from the artifact's files;
- ``backend.py``: ``HttpBackend``, the ``CatalogBackend`` on top of them.
"""
from .backend import HttpBackend, open_http_backend

__all__ = ["HttpBackend", "open_http_backend"]
