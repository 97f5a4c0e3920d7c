"""Many LAs submitting at once to a real server (uvicorn on 127.0.0.1): nothing acknowledged is lost.

50 clients, each with its own token and connection, send 2 different profiles (10 in the slow
run), one of them twice
(the second must get the first answer) and one in another LA's name (refused). Afterwards every
acknowledged submission is in the database with its digest, nothing else is, and the audit
chain verifies. ``ssda903 submit`` is tried against the same server.

The slow PostgreSQL run does the same while the server is restarted in the middle: the hub answers
503 during the outage, the clients send the same profile again (safe: a profile is stored once),
and still nothing acknowledged is lost. The figures are printed
(``pytest -s``); the clients run in the same process as the server, so the figures are a floor.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import CROYDON, LEEDS, auth, make_profile, serving
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from ssda903.cli import app as cli
from ssda903.hub.app import create_app
from ssda903.hub.audit import verify
from ssda903.hub.client import send_until_answered
from ssda903.hub.database import make_engine, migrate, sessions
from ssda903.hub.people import add_person
from ssda903.hub.submissions import canonical_digest
from ssda903.hub.tables import Submission
from ssda903.reference.postcodes import authorities

CLIENTS = 50


@dataclass
class Served:
    url: str
    factory: Any
    tokens: list[tuple[str, str]] = field(default_factory=list)  # (LA, token)


@pytest.fixture
def served(db_url: str) -> Iterator[Served]:
    engine = make_engine(db_url)
    migrate(engine)
    factory = sessions(engine)
    # ten LAs, five people each: English children's services authorities still in use
    las = sorted(
        c for c, row in authorities().items() if c[0] == "E" and row["upper_tier"] == c and not row["replaced_by"]
    )[:10]
    with serving(create_app(engine)) as url:
        served = Served(url, factory)
        for i in range(CLIENTS):
            la = las[i % len(las)]
            served.tokens.append((la, add_person(factory, la, f"person{i}@example.org")[1]))
        yield served
    engine.dispose()


def _client(url: str, la: str, token: str, n: int, each: int) -> dict[str, Any]:
    acked: list[tuple[int, str]] = []
    repeats: list[tuple[int, int]] = []
    refused = 0
    other = LEEDS if la != LEEDS else CROYDON
    with httpx.Client(base_url=url, headers=auth(token), timeout=60) as http:
        for i in range(each):
            profile = make_profile(la, run_seconds=round(n + i / 100, 2), stage=("draft", "final")[i % 2])
            r = http.post("/api/profiles", json=profile)
            assert r.status_code == 201, r.text
            acked.append((r.json()["id"], canonical_digest(profile)))
            if i == 0:
                again = http.post("/api/profiles", json=profile)
                assert again.status_code == 200, again.text
                repeats.append((r.json()["id"], again.json()["id"]))
        r = http.post("/api/profiles", json=make_profile(other, run_seconds=float(n)))
        refused += r.status_code == 403
    return {"acked": acked, "repeats": repeats, "refused": refused}


@pytest.mark.parametrize("each", [2, pytest.param(10, marks=pytest.mark.slow)])
def test_concurrent_submissions_lose_nothing_acknowledged(served: Served, db_url: str, each: int) -> None:
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda a: _client(served.url, a[1][0], a[1][1], a[0], each), enumerate(served.tokens)))
    seconds = time.perf_counter() - start
    acked = {sub_id: digest for r in results for sub_id, digest in r["acked"]}
    requests = sum(len(r["acked"]) + len(r["repeats"]) + 1 for r in results)
    with served.factory() as s:
        stored = {sub.id: sub.digest for sub in s.scalars(select(Submission))}
        chain = verify(s)
    lost = [i for i, d in acked.items() if stored.get(i) != d]
    engine = db_url.split(":", 1)[0]
    print(
        f"\n{engine}: {CLIENTS} clients, {len(acked)} submissions stored + {requests - len(acked)} repeats and refusals "
        f"in {seconds:.2f} s: {len(acked) / seconds:.0f} submissions/s, {requests / seconds:.0f} requests/s; "
        f"acknowledged lost: {len(lost)}; audit lines: {chain.lines}"
    )
    assert len(acked) == CLIENTS * each and not lost and set(stored) == set(acked)
    assert all(first == second for r in results for first, second in r["repeats"])
    assert sum(r["refused"] for r in results) == CLIENTS
    assert chain.ok and chain.lines == CLIENTS * (1 + each + 1 + 1)  # add-person, submissions, repeat, refusal


def test_ssda903_submit_sends_a_profile(served: Served, tmp_path: Path) -> None:
    la, token = served.tokens[0]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(make_profile(la)))
    first = CliRunner().invoke(cli, ["submit", str(path), "--hub", served.url, "--token", token])
    assert first.exit_code == 0 and "Stored as submission" in first.output, first.output
    again = CliRunner().invoke(cli, ["submit", str(path), "--hub", served.url, "--token", token])
    assert again.exit_code == 0 and "already there" in again.output
    path.write_text(json.dumps(make_profile(la, children=251)))
    refused = CliRunner().invoke(cli, ["submit", str(path), "--hub", served.url, "--token", token])
    assert refused.exit_code == 1 and "not suppressed" in refused.output
    wrong = CliRunner().invoke(cli, ["submit", str(path), "--hub", served.url, "--token", "wrong"])
    assert wrong.exit_code == 1 and "401" in wrong.output
    down = CliRunner().invoke(cli, ["submit", str(path), "--hub", "http://127.0.0.1:1", "--token", token])
    assert down.exit_code == 2 and "Could not reach the hub" in down.output


# ---------------------------------------------------------------- the PostgreSQL server restarted mid-run
def restart_postgres() -> None:
    """Restart the local PostgreSQL cluster and wait until it answers again (started again if the restart failed)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    try:
        subprocess.run([*command, "restart"], check=True, capture_output=True, timeout=120)
    finally:
        if subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()[3] != "online":
            subprocess.run([*command, "start"], capture_output=True, timeout=120)


def _can_restart(url: str) -> bool:
    return (
        shutil.which("pg_ctlcluster") is not None
        and os.path.isdir("/etc/postgresql")
        and os.geteuid() == 0
        and make_url(url).host in ("127.0.0.1", "localhost")
    )


def _retrying_client(url: str, la: str, token: str, n: int, each: int, acks: list[int]) -> dict[str, Any]:
    """As ``_client``, but every profile is sent again after a 503 or a lost connection."""
    acked: list[tuple[int, str]] = []
    retried: list[str] = []
    other = LEEDS if la != LEEDS else CROYDON
    with httpx.Client(base_url=url, headers=auth(token), timeout=60) as http:
        for i in range(each):
            profile = make_profile(la, run_seconds=round(n + i / 100, 2), stage=("draft", "final")[i % 2])
            d = send_until_answered(http, profile)
            retried += d.retried
            assert d.status in (200, 201), d  # 200: a retry of one stored before its answer was lost
            acked.append((d.body["id"], canonical_digest(profile)))
            acks.append(d.body["id"])
        again = send_until_answered(http, make_profile(la, run_seconds=float(n), stage="draft"))
        retried += again.retried
        refused = send_until_answered(http, make_profile(other, run_seconds=float(n)))
        retried += refused.retried
    return {"acked": acked, "same": again.body.get("id") == acked[0][0], "refused": refused.status, "retried": retried}


@pytest.mark.slow
def test_a_postgresql_restart_mid_run_loses_nothing_acknowledged(postgres_url: str) -> None:
    if not _can_restart(postgres_url):
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster on this machine")
    each = 10
    engine = make_engine(postgres_url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    factory = sessions(engine)
    las = sorted(
        c for c, row in authorities().items() if c[0] == "E" and row["upper_tier"] == c and not row["replaced_by"]
    )[:10]
    tokens = [(las[i % 10], add_person(factory, las[i % 10], f"person{i}@example.org")[1]) for i in range(CLIENTS)]
    acks: list[int] = []
    at_restart: list[int] = []

    def restarter() -> None:
        deadline = time.monotonic() + 120
        while len(acks) < CLIENTS * each // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        at_restart.append(len(acks))
        restart_postgres()

    with serving(create_app(engine)) as url:
        thread = threading.Thread(target=restarter)
        thread.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(
                pool.map(lambda a: _retrying_client(url, a[1][0], a[1][1], a[0], each, acks), enumerate(tokens))
            )
        thread.join()
    acked = {sub_id: digest for r in results for sub_id, digest in r["acked"]}
    retried = [why for r in results for why in r["retried"]]
    with factory() as s:
        stored = {sub.id: sub.digest for sub in s.scalars(select(Submission))}
        chain = verify(s)
    engine.dispose()
    lost = [i for i, d in acked.items() if stored.get(i) != d]
    print(
        f"\npostgresql restarted after {at_restart[0]} of {CLIENTS * each} submissions: {len(acked)} acknowledged, "
        f"lost {len(lost)}, retries {len(retried)} ({len(set(retried))} kinds: {sorted(set(retried))}), "
        f"refusals {sum(r['refused'] == 403 for r in results)} of {CLIENTS}; audit lines {chain.lines}"
    )
    assert at_restart[0] < CLIENTS * each  # the restart came while the clients were still sending
    assert len(acked) == CLIENTS * each and not lost and set(stored) == set(acked)
    # the outage was seen, and only as the hub's clean 503: no 500, no dropped connection
    assert retried and set(retried) == {"503: the hub's database is unavailable, try again"}
    assert all(r["same"] for r in results) and all(r["refused"] == 403 for r in results)
    assert chain.ok
