"""The shipped Alembic migrations build exactly the tables the models declare, and run again harmlessly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ssda903.hub.database import make_engine, migrate
from ssda903.hub.tables import Base


def test_migrations_match_the_models_and_run_twice(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    migrate(engine)  # a restart of the hub: nothing to do
    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
        assert MigrationContext.configure(c).get_current_revision() is not None
    assert {"person", "submission", "audit", "alembic_version"} <= set(inspect(engine).get_table_names())
    assert diff == [], f"the models and the migrations differ: add a migration in hub/migrations/versions ({diff})"
    engine.dispose()
