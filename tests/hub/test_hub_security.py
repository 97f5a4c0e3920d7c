"""The hub's defences: no route without a token, one LA walled off from another, malformed bodies
refused with a clear 4xx, and failed sign-ins rate-limited per client address.

The route walk and the malformed bodies read the app's own route list, so a route added later
(a view, a page) is checked without changing this file; only the allow-list of routes open
without a token is written here, and it is short on purpose.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import CROYDON, LEEDS, Hub, auth, make_profile
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from ssda903.hub.app import create_app
from ssda903.hub.checks import MAX_BYTES
from ssda903.hub.limits import SignInLimiter
from ssda903.hub.people import revoke
from ssda903.hub.tables import AuditEntry, Person, Submission

#: the only paths answered without a token: the health check, and the page shell with its static
#: files (they hold no data: the page asks for everything with the person's token)
OPEN_PATHS = {"/api/health", "/", "/app.js", "/style.css"}
OPEN_PREFIXES = ("/static/",)


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path == OPEN_PREFIXES[0].rstrip("/") or path.startswith(OPEN_PREFIXES)


def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str], Any]]:
    """Every route of the app as (path, methods, route), through included routers
    (FastAPI 0.120+ keeps an included router as one ``_IncludedRouter`` entry)."""
    for r in routes:
        if hasattr(r, "original_router"):
            yield from walk(r.original_router.routes, prefix + getattr(r.include_context, "prefix", ""))
        else:
            yield prefix + r.path, set(getattr(r, "methods", None) or {"GET"}), r


@pytest.fixture
def roomy(hub: Hub) -> Iterator[TestClient]:
    """A client of the same hub whose sign-in limit is out of reach: these tests fail on purpose."""
    with TestClient(create_app(hub.engine, limiter=SignInLimiter(10**6))) as client:
        yield client


def _expired_and_revoked(hub: Hub) -> tuple[str, str]:
    expired = hub.person(email="expired@croydon.gov.uk")
    with hub.factory.begin() as s:
        s.execute(
            update(Person)
            .where(Person.email == "expired@croydon.gov.uk")
            .values(expires=datetime.now(UTC) - timedelta(seconds=1))
        )
    revoked = hub.person(email="revoked@croydon.gov.uk")
    revoke(hub.factory, "revoked@croydon.gov.uk")
    return expired, revoked


def test_no_route_answers_without_a_live_token(hub: Hub, roomy: TestClient) -> None:
    expired, revoked = _expired_and_revoked(hub)
    refusals = {
        "none": {},
        "bad": auth("not-a-token"),
        "expired": auth(expired),
        "revoked": auth(revoked),
        "basic": {"Authorization": "Basic YWRtaW46YWRtaW4="},
        "empty_bearer": {"Authorization": "Bearer "},
        "too_long": auth("x" * 5000),
    }
    routes = list(walk(roomy.app.routes))  # type: ignore[attr-defined]
    paths = {p for p, _, _ in routes}
    assert {"/api/me", "/api/profiles", "/api/profiles/{submission_id}", "/api/compare", "/api/health"} <= paths
    # no /docs, /redoc or /openapi.json: an API page would be a route without a token
    assert all(isinstance(r, APIRoute) or is_open(p) for p, _, r in routes), routes
    checked = 0
    for path, methods, _ in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(methods - {"HEAD"}):
            if is_open(path):
                if "{" not in path and path != "/static":
                    assert roomy.request(method, url).status_code == 200, path
                continue
            for name, headers in refusals.items():
                r = roomy.request(method, url, headers=headers, json=make_profile(), params={"year": "2024/25"})
                assert r.status_code == 401, (method, path, name, r.text)
                assert r.headers["www-authenticate"] == "Bearer" and r.json()["detail"].startswith("sign-in failed")
                checked += 1
    assert checked >= len(refusals) * 5
    with hub.factory() as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "sign_in_failed")) == checked
        assert s.scalar(select(func.count()).select_from(Submission)) == 0


def test_one_la_cannot_read_another_las_submissions_or_write_in_its_name(hub: Hub) -> None:
    croydon, leeds = hub.person(), hub.person(LEEDS, "analyst@leeds.gov.uk")
    theirs = [
        hub.client.post("/api/profiles", json=make_profile(LEEDS, stage=s), headers=auth(leeds)).json()["id"]
        for s in ("draft", "final")
    ]
    # Croydon has nothing yet: compare does not fall back to another LA's submission
    assert hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth(croydon)).status_code == 404
    mine = hub.client.post("/api/profiles", json=make_profile(), headers=auth(croydon)).json()["id"]
    # every id there is, walked in turn: only Croydon's own answers, and the same 404 as an id never used
    for i in range(1, max([*theirs, mine]) + 3):
        r = hub.client.get(f"/api/profiles/{i}", headers=auth(croydon))
        assert r.status_code == (200 if i == mine else 404), i
        if i != mine:
            assert r.json() == {"detail": f"your LA has no submission {i}"}
    listed = hub.client.get("/api/profiles", headers=auth(croydon)).json()
    assert listed["la"] == CROYDON and [s["id"] for s in listed["submissions"]] == [mine]
    # headers cannot change whose name a token writes in
    for headers in ({"X-Forwarded-For": "10.0.0.1", "X-LA": LEEDS}, {"Authorization": f"Bearer {croydon}, {leeds}"}):
        r = hub.client.post(
            "/api/profiles", json=make_profile(LEEDS, run_seconds=9.0), headers={**auth(croydon), **headers}
        )
        assert r.status_code in (401, 403), r.text
    compared = hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth(croydon)).json()
    text = json.dumps(compared)
    assert LEEDS not in text and "leeds" not in text
    assert compared["used"]["submission"] == mine and all(str(t) not in json.dumps(compared["used"]) for t in theirs)
    with hub.factory() as s:
        assert {(sub.la, sub.person_id) for sub in s.scalars(select(Submission))} == {
            (LEEDS, 2),
            (CROYDON, 1),
        }


# ---------------------------------------------------------------- malformed bodies, property style
def _nested(depth: int, rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def _wrong_type(rng: random.Random) -> Any:
    return rng.choice([None, [], {}, "", "x", 1.5, -1, True, [1, 2], {"k": "v"}, 10**30, "2024/25" * 3])


def _mutated_profile(rng: random.Random) -> Any:
    """A profile with one part wrong: a field of the wrong type, an unknown field, a huge number …"""
    p = make_profile()
    field = rng.choice(sorted(p))
    kind = rng.randrange(7)
    if kind == 0:
        p[field] = _wrong_type(rng)
    elif kind == 1:
        p[rng.choice(["child", "CHILD", "dob", "postcode", "x" * 300, "__proto__"])] = _wrong_type(rng)
    elif kind == 2:
        p[rng.choice(["children", "children_with_error", "run_seconds"])] = rng.choice(
            [10**400, -(10**400), 2**63, -1, 1e308 * 10, 0.5]
        )
    elif kind == 3:
        rule = rng.choice(sorted(p["rules"]))
        p["rules"][rule] = rng.choice(
            [_wrong_type(rng), {"outcome": "failed", "rows": 10**400}, {"outcome": "maybe"}, {"outcome": None}]
        )
    elif kind == 4:
        p[field] = "x" * rng.choice([100, 10_000, 200_000])
    elif kind == 5:
        p["rules"] = {("R" * rng.choice([17, 5000])): {"outcome": "passed", "rows": 0, "children": 0}}
    else:
        p = _wrong_type(rng)
    return p


def _bodies(seed: int, n: int) -> Iterator[tuple[str, bytes, str]]:
    """(what, body, content type): ``n`` malformed bodies, the same for the same seed."""
    rng = random.Random(seed)
    makers: list[Callable[[], tuple[str, bytes, str]]] = [
        lambda: ("random bytes", rng.randbytes(rng.randrange(0, 3000)), "application/json"),
        lambda: ("deep nesting", _nested(rng.choice([100, 5000, 100_000]), rng), "application/json"),
        lambda: ("wrong part", json.dumps(_mutated_profile(rng)).encode(), "application/json"),
        lambda: ("NaN", rng.choice([b"NaN", b'{"run_seconds": NaN}', b"Infinity", b"-Infinity"]), "application/json"),
        lambda: (
            "NaN in a profile",
            json.dumps(make_profile(run_seconds=rng.choice([float("nan"), float("inf")]))).encode(),
            "application/json",
        ),
        lambda: ("very long string", json.dumps("y" * rng.choice([10, 500_000])).encode(), "application/json"),
        lambda: ("too big", b'{"a":"' + b"z" * (MAX_BYTES + 10) + b'"}', "application/json"),
        lambda: (
            "wrong content type",
            json.dumps(make_profile(run_seconds=float(rng.randrange(1000)))).encode(),
            rng.choice(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]),
        ),
        lambda: (
            "broken text",
            rng.choice([b"\xff\xfe\x00", b"\xef\xbb\xbf{}", b'{"a":', b"{'a': 1}"]),
            "application/json",
        ),
        lambda: ("not an object", rng.choice([b"null", b"true", b"0", b'"profile"', b"[]"]), "application/json"),
    ]
    for i in range(n):
        yield makers[i % len(makers)]()


def test_malformed_bodies_get_a_clear_4xx_on_every_post_route(hub: Hub, roomy: TestClient) -> None:
    token = hub.person()
    posts = [p for p, methods, _ in walk(roomy.app.routes) if "POST" in methods and not is_open(p)]  # type: ignore[attr-defined]
    assert "/api/profiles" in posts
    seen: dict[str, set[int]] = {}
    for path in posts:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for what, body, ctype in _bodies(seed=903, n=120):
            headers = {**auth(token), **({"Content-Type": ctype} if ctype else {})}
            r = roomy.post(url, content=body, headers=headers)
            assert 400 <= r.status_code < 500, (path, what, r.status_code, r.text[:300])
            detail = r.json()["detail"]
            assert isinstance(detail, str) and detail, (path, what, r.text[:300])
            seen.setdefault(what, set()).add(r.status_code)
    with hub.factory() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
    assert seen["too big"] == {413} and seen["wrong content type"] == {415}, seen
    assert len(seen) == 10


def test_a_profile_sent_as_json_is_still_taken_with_a_charset(hub: Hub) -> None:
    token = hub.person()
    headers = {**auth(token), "Content-Type": "application/json; charset=utf-8"}
    assert hub.client.post("/api/profiles", content=json.dumps(make_profile()), headers=headers).status_code == 201
    # no body at all: nothing to type, so the answer is about the missing profile, not the content type
    empty = hub.client.post("/api/profiles", headers=auth(token))
    assert empty.status_code == 400 and "not JSON" in empty.json()["problems"][0]


# ---------------------------------------------------------------- rate-limiting failed sign-ins
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_counts_failures_in_a_sliding_window() -> None:
    clock = Clock()
    limiter = SignInLimiter(3, 60, clock=clock)
    assert not limiter.failed("a") and not limiter.failed("a")
    clock.now += 61  # those two are out of the window
    assert not limiter.failed("a") and not limiter.failed("a") and limiter.retry_after("a") is None
    assert limiter.failed("a")  # third within 60 s: limited, and told so once
    assert limiter.retry_after("a") == 60 and limiter.retry_after("b") is None
    clock.now += 59.5
    assert limiter.retry_after("a") == 1
    clock.now += 0.5
    assert limiter.retry_after("a") is None
    assert not limiter.failed("a")  # a fresh start after the block


def test_the_limiter_remembers_a_bounded_number_of_addresses() -> None:
    clock = Clock()
    limiter = SignInLimiter(2, 60, clock=clock, max_addresses=100)
    for i in range(1000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._failures) <= 100


def test_failed_sign_ins_from_one_address_get_429_until_the_window_passes(hub: Hub) -> None:
    token = hub.person()
    clock = Clock()
    app = create_app(hub.engine, limiter=SignInLimiter(10, 300, clock=clock))
    with TestClient(app, client=("192.0.2.7", 5000)) as guesser, TestClient(app, client=("192.0.2.8", 5000)) as other:
        for i in range(10):
            assert guesser.get("/api/me", headers=auth(f"guess-{i}")).status_code == 401
        for headers in (auth("guess-again"), auth(token), {}):
            r = guesser.get("/api/me", headers=headers)
            assert r.status_code == 429, r.text
            assert r.headers["retry-after"] == "300" and "too many failed sign-ins" in r.json()["detail"]
        r = guesser.post("/api/profiles", json=make_profile(), headers=auth(token))
        assert r.status_code == 429
        assert guesser.get("/api/health").status_code == 200  # open route, no token looked at
        assert other.get("/api/me", headers=auth(token)).status_code == 200  # another address is not limited
        clock.now += 120
        assert guesser.get("/api/me", headers=auth(token)).headers["retry-after"] == "180"
        clock.now += 180
        assert guesser.get("/api/me", headers=auth(token)).status_code == 200
        assert guesser.get("/api/me", headers=auth("guess-11")).status_code == 401  # counting again from 1
    with hub.factory() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        limited = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "sign_in_limited")).all()
        stored = s.scalar(select(func.count()).select_from(Submission))
    assert actions.count("sign_in_failed") == 11
    assert len(limited) == 1 and "192.0.2.7" in limited[0]
    assert stored == 0


def test_a_database_that_cannot_be_reached_is_a_503_not_a_traceback() -> None:
    from ssda903.hub.database import make_engine

    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")  # nothing listens on port 1
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        assert client.get("/api/health").status_code == 200
        for method, path in (("GET", "/api/me"), ("POST", "/api/profiles"), ("GET", "/api/profiles")):
            r = client.request(method, path, headers=auth("some-token"), json=make_profile())
            assert r.status_code == 503, r.text
            assert r.json()["detail"] == "the hub's database is unavailable, try again"
            assert r.headers["retry-after"] == "5"
    engine.dispose()
