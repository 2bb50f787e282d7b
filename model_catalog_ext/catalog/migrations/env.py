"""Alembic environment: runs on the connection the catalog hands over (see migrate.py).

Command-line use also works: ``alembic -x url=sqlite:////path/catalog.db upgrade head``
with ``script_location`` set to this folder.
"""
from __future__ import annotations

from alembic import context

from model_catalog_ext.catalog.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    import sqlalchemy as sa

    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = sa.create_engine(str(url))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
