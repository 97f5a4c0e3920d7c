"""Fixtures of the hub's tests: a migrated hub on SQLite and, when a server answers, on PostgreSQL.

PostgreSQL: the server given by ``SSDA903_TEST_POSTGRES`` (a SQLAlchemy URL of a role allowed to
create databases), else ``postgresql://postgres@127.0.0.1:5432/postgres`` (how ``.ci/run`` starts
it). Each test session makes a throwaway database and drops it at the end; each test starts on an
empty schema. When no server answers, the PostgreSQL tests are skipped saying so.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub.app import create_app
from ssda903.hub.database import make_engine, migrate, normalise_url, sessions
from ssda903.hub.people import add_person
from ssda903.model.dfe_codes import rule_codes
from ssda903.model.years import CollectionYear

SERVER = os.environ.get("SSDA903_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
CROYDON, LEEDS = "E09000008", "E08000035"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session (one per xdist worker)."""
    server = normalise_url(SERVER)
    try:
        # pre-ping: the restart test restarts the server under this pool
        admin = create_engine(
            server, isolation_level="AUTOCOMMIT", pool_pre_ping=True, connect_args={"connect_timeout": 3}
        )
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as e:
        pytest.skip(f"no PostgreSQL server answers at {SERVER} ({type(e).__name__}); set SSDA903_TEST_POSTGRES")
    name = f"ssda903_hub_test_{secrets.token_hex(4)}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """The URL of an empty hub database, on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@dataclass
class Hub:
    """A migrated hub: its engine, sessions, and a test client of its app."""

    engine: Engine
    factory: sessionmaker[Session]
    client: TestClient

    def person(self, la: str = CROYDON, email: str = "analyst@croydon.gov.uk", days: int = 365) -> str:
        """Add a person and return their token."""
        return add_person(self.factory, la, email, days)[1]


@pytest.fixture
def hub(db_url: str) -> Iterator[Hub]:
    engine = make_engine(db_url)
    migrate(engine)
    with TestClient(create_app(engine)) as client:
        yield Hub(engine, sessions(engine), client)
    engine.dispose()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rules(
    fails: dict[str, Any], passes: tuple[str, ...] = (), not_run: tuple[str, ...] = (), crashed: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A profile's rules: the failing ones with their rows, and those passed, not run or crashed."""
    out: dict[str, Any] = {c: {"outcome": "failed", "rows": rows, "children": "1-9"} for c, rows in fails.items()}
    out |= {c: {"outcome": "passed", "rows": 0, "children": 0} for c in passes}
    out |= {c: {"outcome": "not run"} for c in not_run}
    out |= {c: {"outcome": "crashed"} for c in crashed}
    return out


def make_profile(la: str = CROYDON, year: str = "2024/25", **changes: Any) -> dict[str, Any]:
    """A valid profile as ``ssda903 profile`` writes it (a few rules of the year), with ``changes``."""
    codes = sorted(c for c, years in rule_codes().items() if CollectionYear.parse(year) in years)[:40]
    rules: dict[str, Any] = {c: {"outcome": "passed", "rows": 0, "children": 0} for c in codes}
    rules[codes[0]] = {"outcome": "failed", "rows": 15, "children": "1-9"}
    rules[codes[1]] = {"outcome": "not run"}
    rules["LOAD07"] = {"outcome": "failed", "rows": 20, "children": 10}
    profile = {
        "format": "ssda903-profile/1",
        "la": la,
        "collection_year": year,
        "stage": "draft",
        "validator_version": "0.1.0",
        "rule_catalogue": "0123456789abcdef",
        "run_seconds": 0.4,
        "children": 250,
        "children_with_error": 25,
        "small_return": False,
        "rows_per_table": {"Header": 250, "Episodes": 600, "previous.Header": 245},
        "rules": rules,
    }
    profile.update(changes)
    return profile


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free port of 127.0.0.1 in a thread; yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
