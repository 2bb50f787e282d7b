"""The team catalog as a service: ``jupyter model-catalog serve``.

It serves the REST API of ``model_catalog_ext/server/`` (the same handlers, routes and
``openapi.yaml``) over one catalog URL, and is the only process that holds that catalog's
credentials; clients reach it with an ``http(s)://`` catalog URL
(``catalog/http_backend/``).  It keeps nothing of its own between requests: several
instances on one database and one bucket serve the same catalog.
"""
