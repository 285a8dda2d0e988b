"""Alembic environment: the URL comes from the caller (``frugalbench.web.db.migrate``)."""

from __future__ import annotations

from alembic import context

from frugalbench.web.db import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
