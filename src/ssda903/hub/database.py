"""The hub's database: an engine for a URL (SQLite by default, PostgreSQL for real use), the
migrations run on start, and write transactions that run one at a time.

Writes are serialised on purpose: every write appends to the hash-chained audit log, whose next
line needs the previous line's hash, and a submission is looked up by digest before it is stored.
SQLite takes its write lock at ``BEGIN IMMEDIATE`` (reads begin deferred, and WAL mode lets them
run beside a write);
PostgreSQL takes a transaction-scoped advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub import DEFAULT_URL

#: the advisory lock key of every write transaction on PostgreSQL ("903")
_LOCK = 903
_WRITE = "ssda903_hub_write"


def normalise_url(url: str) -> str:
    """``postgresql://…`` means psycopg 3 here (the driver the hub installs), not psycopg2."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        return u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str = DEFAULT_URL) -> Engine:
    """An engine for ``url``; SQLite in WAL mode, waiting up to 30 s for the write lock."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write takes the lock up front (no deadlock between two readers turning writers); a read does not.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the database to the latest migration (creating it if new)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("ssda903.hub").joinpath("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def writing(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for one write transaction, holding the hub's write lock until it commits."""
    with factory.begin() as session:
        session.connection(execution_options={_WRITE: True})
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        yield session


def aware(at: datetime) -> datetime:
    """A time read back from the database, in UTC (SQLite keeps no time zone: what it returns is UTC)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
