"""Alembic's environment: runs the migrations on the connection :func:`ssda903.hub.database.migrate` passes."""

from __future__ import annotations

from alembic import context

from ssda903.hub.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
