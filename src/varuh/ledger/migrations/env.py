"""Alembic environment: migrations run on the connection varuh.ledger.db.upgrade hands over."""

from alembic import context
from sqlalchemy import create_engine

from varuh.ledger.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # plain `alembic` use: connect to the configured URL
    engine = create_engine(config.attributes.get("url") or config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
