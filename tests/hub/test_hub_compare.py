"""The comparison views (my position, eliminated elsewhere) and ``ssda903 hub compare``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CROYDON, LEEDS, Hub, auth, make_profile, rules, serving
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.hub.app import create_app
from ssda903.hub.compare import count, wilson
from ssda903.hub.database import make_engine, migrate, sessions

OTHERS = ["E08000025", "E09000027", "E06000001", "E08000026"]  # Birmingham, Richmond, Hartlepool, Coventry


def submit(hub: Hub, la: str, **changes: Any) -> tuple[str, int]:
    token = hub.person(la, f"analyst@{la.lower()}.gov.uk")
    r = hub.client.post("/api/profiles", json=make_profile(la, **changes), headers=auth(token))
    assert r.status_code == 201, r.json()
    return token, r.json()["id"]


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [(10, 100, 0.0552, 0.1744), (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (81, 263, 0.2553, 0.3662)],
)
def test_wilson_interval_against_known_values(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-4)


@pytest.mark.parametrize(
    ("value", "number"),
    [("1-9", 5), ("10-49", 29.5), ("50-99", 74.5), ("100-499", 299.5), ("500+", 500), (0, 0), (15, 15), (None, None)],
)
def test_bands_are_read_as_their_midpoints(value: Any, number: float | None) -> None:
    assert count(value) == number


@pytest.fixture
def sqlite_hub(tmp_path: Path) -> Iterator[Hub]:
    """A hub on SQLite: the views only read, through the ORM, so one engine is enough."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(engine)
    with TestClient(create_app(engine)) as client:
        yield Hub(engine, sessions(engine), client)
    engine.dispose()


def test_eliminated_elsewhere_puts_errors_others_solved_first(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    # mine: 147 and 148 fail with the same rows; 148 is clean at every other LA, 147 at one;
    # 149 fails with many rows but is clean at half; 151 ran at only two others
    token, _ = submit(hub, CROYDON, rules=rules({"147": 20, "148": 20, "149": 100, "151": 50}))
    for i, la in enumerate(OTHERS):
        fails = {"147": 10} if i else {}
        fails |= {"149": 10} if i % 2 else {}
        passes = tuple(c for c in ("147", "148", "149") if c not in fails)
        ran = ("151",) if i < 2 else ()
        submit(hub, la, rules=rules(fails, passes + ran, ("151",) if i == 2 else (), ("151",) if i == 3 else ()))
    body = hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth(token)).json()
    view = body["eliminated_elsewhere"]
    assert [r["rule"] for r in view["rules"]] == ["149", "148", "147"]
    by_rule = {r["rule"]: r for r in view["rules"]}
    assert by_rule["148"]["share_found_nothing"] == 1.0 and by_rule["148"]["ran_at"] == 4
    assert by_rule["147"]["share_found_nothing"] == 0.25
    assert by_rule["149"]["my_rows_per_100_children"] == 40.0  # 100 rows, 250 children
    assert view["left_out"] == 1  # 151: ran at two other LAs only (not run at one, crashed at one)
    assert "midpoint" in body["approximation"]


def test_position_with_funnel_limits_and_no_other_la_named(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    token, _ = submit(hub, CROYDON, children=250, children_with_error=100)
    for la, (n, e) in zip(OTHERS, [(250, 25), (500, 50), (1000, 100), (100, "1-9")], strict=True):
        submit(hub, la, children=n, children_with_error=e)
    r = hub.client.get("/api/compare", params={"year": "2024-25"}, headers=auth(token))
    assert r.status_code == 200, r.json()
    body = r.json()
    text = json.dumps(body)
    for la in OTHERS:
        assert la not in text
    assert "@" not in text
    pos = body["position"]
    assert pos["shown"] and pos["other_las"] == 4
    assert pos["mine"]["rate"] == 40.0
    assert pos["mine"]["ci95"] == pytest.approx([34.12, 46.18], abs=0.01)  # Wilson, 100 of 250
    # other LAs' sizes only to the nearest 100 children (250 is shown as 300): enough for a funnel, names no LA
    assert [p["children"] for p in pos["points"]] == [100, 300, 500, 1000]
    assert pos["points"][0]["rate"] == 5.0  # "1-9" children with an error read as 5
    pooled = (100 + 25 + 50 + 100 + 5) / (250 + 250 + 500 + 1000 + 100)
    assert pos["pooled_rate"] == pytest.approx(100 * pooled, abs=0.01)
    at_me = next(f for f in pos["funnel"] if f["children"] == 250)
    assert at_me["lower998"] < at_me["lower95"] < pos["pooled_rate"] < at_me["upper95"] < at_me["upper998"]
    assert pos["band"] == "above" and pos["beyond_998"]


def test_a_final_submission_is_preferred_over_a_later_draft(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    token, _ = submit(hub, CROYDON, stage="draft", children_with_error=100)
    _, final = submit(hub, CROYDON, stage="final", children_with_error=50)
    _, _draft = submit(hub, CROYDON, stage="draft", children_with_error=75)
    for la in OTHERS[:3]:
        submit(hub, la)
        submit(hub, la, stage="final", children_with_error=10)
        submit(hub, la, stage="draft", children_with_error=200)
    body = hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth(token)).json()
    assert body["used"]["submission"] == final and body["used"]["stage"] == "final"
    assert body["position"]["mine"]["children_with_error"] == 50
    assert [p["rate"] for p in body["position"]["points"]] == [4.0, 4.0, 4.0]  # their finals, 10 of 250


def test_fewer_than_three_other_las_shows_no_figures_of_theirs(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    token, _ = submit(hub, CROYDON)
    submit(hub, LEEDS)
    submit(hub, OTHERS[0])
    body = hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth(token)).json()
    for view in ("position", "eliminated_elsewhere"):
        assert body[view]["shown"] is False and "fewer than 3 other LAs" in body[view]["note"]
        assert body[view]["other_las"] == 2
    assert "points" not in body["position"] and "rules" not in body["eliminated_elsewhere"]
    assert body["position"]["mine"]["rate"] == 10.0  # my own figures still shown


def test_compare_needs_a_token_and_a_year_and_a_submission(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    assert hub.client.get("/api/compare", params={"year": "2024/25"}).status_code == 401
    assert hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth("nope")).status_code == 401
    token = hub.person()
    assert hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth(token)).status_code == 404
    assert hub.client.get("/api/compare", params={"year": "24/25x"}, headers=auth(token)).status_code == 422
    assert hub.client.get("/api/compare", headers=auth(token)).status_code == 422


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Hub]]:
    """A real hub (uvicorn on 127.0.0.1, SQLite) for the command to talk to."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(engine)
    hub_app = create_app(engine)
    with serving(hub_app) as url, TestClient(hub_app) as client:
        yield url, Hub(engine, sessions(engine), client)
    engine.dispose()


def test_hub_compare_prints_the_json_and_a_table(served: tuple[str, Hub]) -> None:
    url, hub = served
    token, _ = submit(hub, CROYDON, rules=rules({"147": 20}))
    for la in OTHERS[:3]:
        submit(hub, la, rules=rules({}, ("147",)))
    api = hub.client.get("/api/compare", params={"year": "2024/25"}, headers=auth(token)).json()
    base = ["hub", "compare", "--hub", url, "--token", token, "--year", "2024/25"]
    r = CliRunner().invoke(app, [*base, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == api
    r = CliRunner().invoke(app, base)
    assert r.exit_code == 0, r.output
    assert "per 100" in r.output and "147" in r.output and "E09000027" not in r.output
    r = CliRunner().invoke(app, [*base[:5], "wrong", *base[6:]])
    assert r.exit_code == 1 and "401" in r.output
