"""The Jupyter Server door: tornado handlers over the one CatalogService."""
