"""``ssda903 hub demo``: a small demo hub has every LA's submissions, checked like any other, and
the demo person's comparison has data."""

from __future__ import annotations

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
from ssda903.hub.demo import HABITS, Demo, build, default_year, english_las
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
    # a person per LA, the submissions, the demo person, each LA's peer groups, the notes
    assert demo.notes > 0
    assert verdict.ok and verdict.lines == 5 + 15 + 1 + 5 + demo.notes


def test_every_la_has_peer_groups_and_las_that_fixed_an_error_wrote_how(demo: Demo) -> None:
    from ssda903.hub.tables import AuthorityInfo, Note

    engine = make_engine(demo.db)
    with sessions(engine)() as s:
        info = {a.la: a for a in s.scalars(select(AuthorityInfo))}
        notes = list(s.scalars(select(Note)))
    engine.dispose()
    assert set(info) == {la.code for la in demo.las}
    for code, a in info.items():
        assert (a.region == "London") == code.startswith("E09") and a.cms and a.cms.startswith("Demo CMS")
        assert a.neighbours and len(a.neighbours) == 3 and code not in a.neighbours
        assert a.mailbox and a.mailbox.endswith(".demo.example")
    fixed = {la.code: la.fixed["2024/25"] for la in demo.las}
    assert len(notes) == demo.notes > 0
    assert all(n.rule in fixed[n.la] and n.collection_year == "2024/25" for n in notes)


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
