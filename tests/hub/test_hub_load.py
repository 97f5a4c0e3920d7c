"""Many LAs submitting at once to a real server (uvicorn on 127.0.0.1): nothing acknowledged is lost.

50 clients, each with its own token and connection, send 2 different profiles (10 in the slow
run), one of them twice
(the second must get the first answer) and one in another LA's name (refused). Afterwards every
acknowledged submission is in the database with its digest, nothing else is, and the audit
chain verifies. ``ssda903 submit`` is tried against the same server. The figures are printed
(``pytest -s``); the clients run in the same process as the server, so the figures are a floor.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import CROYDON, LEEDS, auth, make_profile, serving
from sqlalchemy import select
from typer.testing import CliRunner

from ssda903.cli import app as cli
from ssda903.hub.app import create_app
from ssda903.hub.audit import verify
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
