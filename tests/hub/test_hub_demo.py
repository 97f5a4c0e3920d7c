"""``ssda903 hub demo``: a small demo hub has every LA's submissions, checked like any other, and
the demo person's comparison has data."""

from __future__ import annotations

import sys
import types
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import auth
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from ssda903.cli import app as cli
from ssda903.hub import checks
from ssda903.hub.app import create_app
from ssda903.hub.audit import verify
from ssda903.hub.database import make_engine, sessions
from ssda903.hub.demo import HABITS, Demo, _add_notes_and_groups, build, default_year, english_las
from ssda903.hub.tables import Submission
from ssda903.model.years import CollectionYear

YEAR = CollectionYear.parse("2024/25")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Five LAs, returns of 60 children: a few seconds of generating and validating."""
    db = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'hub.db'}"
    return build(db, las=5, children=60, seed=7, year=YEAR, say=lambda _: None)


@pytest.fixture
def client(demo: Demo) -> Iterator[TestClient]:
    engine = make_engine(demo.db)
    with TestClient(create_app(engine)) as c:
        yield c
    engine.dispose()


def _submissions(demo: Demo) -> list[Submission]:
    engine = make_engine(demo.db)
    with sessions(engine)() as s:
        subs = list(s.scalars(select(Submission).order_by(Submission.id)))
    engine.dispose()
    return subs


def _failing_rows(profile: dict[str, Any]) -> float:
    from ssda903.hub.compare import count

    return sum(count(r.get("rows")) or 0 for r in profile["rules"].values() if r["outcome"] == "failed")


def test_every_la_sends_a_draft_and_a_final_and_last_years_final(demo: Demo) -> None:
    subs = _submissions(demo)
    codes = {code for code, _ in english_las()}
    assert len(demo.las) == 5 and {la.code for la in demo.las} <= codes
    assert len({la.habit for la in demo.las}) == 5 and {la.habit for la in demo.las} <= set(HABITS)
    assert demo.submissions == len(subs) == 15
    per_la = Counter((s.la, s.collection_year, s.stage) for s in subs)
    for la in demo.las:
        assert per_la[(la.code, "2024/25", "draft")] == 1 and per_la[(la.code, "2024/25", "final")] == 1
        assert per_la[(la.code, "2023/24", "final")] == 1
    for s in subs:  # stored as the hub's own checks allow, like a profile sent over the network
        assert checks.problems(checks.Profile.model_validate(s.profile), s.la) == []
    # each LA's final return has fewer failing rows than its draft, and some rules were fixed
    drafts = {s.la: _failing_rows(s.profile) for s in subs if s.stage == "draft"}
    finals = {s.la: _failing_rows(s.profile) for s in subs if s.stage == "final" and s.collection_year == "2024/25"}
    assert sum(finals.values()) < sum(drafts.values())
    assert sum(len(la.fixed["2024/25"]) for la in demo.las) > 0
    # different LAs made different errors: their failing rules are not all the same
    failing = {frozenset(r for r, v in s.profile["rules"].items() if v["outcome"] == "failed") for s in subs}
    assert len(failing) > 5


def test_the_demo_person_has_a_comparison(demo: Demo, client: TestClient) -> None:
    me = client.get("/api/me", headers=auth(demo.token)).json()
    assert me["la"] == demo.me.code
    r = client.get("/api/compare", params={"year": "2024/25"}, headers=auth(demo.token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["used"]["stage"] == "final"
    assert body["position"]["shown"] and body["position"]["other_las"] == 4
    assert body["eliminated_elsewhere"]["shown"]
    assert client.get("/api/compare", params={"year": "2023/24"}, headers=auth(demo.token)).status_code == 200


def test_the_audit_log_of_the_demo_verifies(demo: Demo) -> None:
    engine = make_engine(demo.db)
    with sessions(engine)() as s:
        verdict = verify(s)
    engine.dispose()
    assert verdict.ok and verdict.lines == 5 + 15 + 1  # a person per LA, the submissions, the demo person


def test_peer_groups_and_notes_go_through_the_other_views_modules(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, list[Any]] = {"set_authority": [], "write_note": []}
    groups, notes = types.ModuleType("ssda903.hub.groups"), types.ModuleType("ssda903.hub.notes")
    groups.set_authority = lambda session, la, **kw: calls["set_authority"].append((la, kw))  # type: ignore[attr-defined]
    notes.write_note = lambda session, person, year, rule, text: calls["write_note"].append(  # type: ignore[attr-defined]
        (person.la, year, rule, text)
    )
    monkeypatch.setitem(sys.modules, "ssda903.hub.groups", groups)
    monkeypatch.setitem(sys.modules, "ssda903.hub.notes", notes)
    engine = make_engine(demo.db)
    said: list[str] = []
    line = _add_notes_and_groups(sessions(engine), demo.las, YEAR, said.append)
    engine.dispose()
    assert said == [line] and "Peer groups set for 5 LAs" in line
    assert [la for la, _ in calls["set_authority"]] == [la.code for la in demo.las]
    for _, kw in calls["set_authority"]:
        assert set(kw) == {"region", "cms", "neighbours", "mailbox"} and len(kw["neighbours"]) == 3
        assert kw["region"] in ("London", None) and kw["cms"].startswith("Demo CMS")
        assert kw["mailbox"].endswith(".demo.example")
    assert all((kw["region"] == "London") == la.startswith("E09") for la, kw in calls["set_authority"])
    fixed = {la.code: la.fixed["2024/25"] for la in demo.las}
    assert calls["write_note"] and all(
        rule in fixed[la] and year == "2024/25" for la, year, rule, _ in calls["write_note"]
    )


def test_the_default_year_is_the_latest_one_over() -> None:
    from datetime import date

    assert default_year(date(2025, 6, 1)).label == "2024/25"
    assert default_year(date(2025, 3, 31)).label == "2023/24"


@pytest.mark.slow
def test_ssda903_hub_demo_prints_the_url_the_token_and_what_to_try(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))  # instead of serving until Ctrl-C
    r = CliRunner().invoke(
        cli, ["hub", "demo", "--las", "4", "--children", "30", "--port", "8999", "--no-open", "--year", "2024/25"]
    )
    assert r.exit_code == 0, r.output
    token = r.output.split("Your token (for 30 days, on this demo only):\n")[1].splitlines()[0]
    assert f"ssda903 hub compare --hub http://127.0.0.1:8999 --token {token} --year 2024/25" in r.output
    assert "4 LAs" in r.output and "12 submissions" in r.output
    assert served == [{"host": "127.0.0.1", "port": 8999, "log_level": "warning"}]
