"""The hub's routes: tokens, who sees what, idempotent submissions and refusals of bad bodies."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CROYDON, LEEDS, Hub, auth, make_profile
from sqlalchemy import func, select, update

from ssda903.hub.audit import verify
from ssda903.hub.people import revoke
from ssda903.hub.tables import AuditEntry, Person, Submission


def test_me_says_who_the_token_is(hub: Hub) -> None:
    token = hub.person()
    r = hub.client.get("/api/me", headers=auth(token))
    assert r.status_code == 200
    assert r.json()["la"] == CROYDON and r.json()["email"] == "analyst@croydon.gov.uk"


def test_revoked_and_expired_tokens_are_refused(hub: Hub) -> None:
    token = hub.person()
    revoke(hub.factory, "analyst@croydon.gov.uk")
    assert hub.client.get("/api/me", headers=auth(token)).status_code == 401
    other = hub.person(email="b@croydon.gov.uk")
    with hub.factory.begin() as s:
        s.execute(
            update(Person)
            .where(Person.email == "b@croydon.gov.uk")
            .values(expires=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert hub.client.get("/api/me", headers=auth(other)).status_code == 401


def test_tokens_are_stored_hashed(hub: Hub) -> None:
    token = hub.person()
    with hub.factory() as s:
        stored = s.scalars(select(Person.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64


def test_the_same_profile_twice_is_stored_once_with_the_first_answer(hub: Hub) -> None:
    token = hub.person()
    first = hub.client.post("/api/profiles", json=make_profile(), headers=auth(token))
    assert first.status_code == 201, first.json()
    again = hub.client.post("/api/profiles", json=make_profile(), headers=auth(token))
    assert again.status_code == 200 and again.json() == first.json()
    other = hub.client.post("/api/profiles", json=make_profile(stage="final"), headers=auth(token))
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    with hub.factory() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 2


def test_an_la_sees_only_its_own_submissions(hub: Hub) -> None:
    croydon, leeds = hub.person(), hub.person(LEEDS, "analyst@leeds.gov.uk")
    mine = hub.client.post("/api/profiles", json=make_profile(), headers=auth(croydon)).json()
    theirs = hub.client.post("/api/profiles", json=make_profile(LEEDS), headers=auth(leeds)).json()
    listed = hub.client.get("/api/profiles", headers=auth(croydon)).json()
    assert [s["id"] for s in listed["submissions"]] == [mine["id"]]
    assert hub.client.get(f"/api/profiles/{mine['id']}", headers=auth(croydon)).json()["profile"]["la"] == CROYDON
    assert hub.client.get(f"/api/profiles/{theirs['id']}", headers=auth(croydon)).status_code == 404


def test_an_la_cannot_submit_in_another_las_name_and_the_refusal_is_logged(hub: Hub) -> None:
    croydon = hub.person()
    r = hub.client.post("/api/profiles", json=make_profile(LEEDS), headers=auth(croydon))
    assert r.status_code == 403
    assert "your token is for E09000008" in r.json()["problems"][0]
    with hub.factory() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
        refusal = s.scalars(select(AuditEntry).where(AuditEntry.action == "refusal")).one()
    assert refusal.la == CROYDON and LEEDS in refusal.detail


def _rule(profile: dict, code: str, entry: dict) -> dict:
    profile = copy.deepcopy(profile)
    profile["rules"][code] = entry
    return profile


def _first_rule() -> str:
    return next(iter(make_profile()["rules"]))


BAD = {
    "unknown_field": lambda: make_profile(child_ids=["A1"]),
    "unknown_field_in_a_rule": lambda: _rule(
        make_profile(), _first_rule(), {"outcome": "passed", "rows": 0, "dob": "x"}
    ),
    "unknown_rule_code": lambda: _rule(make_profile(), "999Z", {"outcome": "passed", "rows": 0, "children": 0}),
    "rule_of_another_year": lambda: _rule(
        make_profile(year="2022/23"), "1016", {"outcome": "passed", "rows": 0, "children": 0}
    ),
    "unsuppressed_count": lambda: _rule(
        make_profile(), _first_rule(), {"outcome": "failed", "rows": 13, "children": 7}
    ),
    "unsuppressed_children": lambda: make_profile(children=251),
    "unsuppressed_table_rows": lambda: make_profile(rows_per_table={"Header": 3}),
    "a_band_that_is_not_ours": lambda: make_profile(children_with_error="10-20"),
    "zero_for_a_failed_rule": lambda: _rule(
        make_profile(), _first_rule(), {"outcome": "failed", "rows": 0, "children": 0}
    ),
    "a_count_for_a_rule_not_run": lambda: _rule(make_profile(), _first_rule(), {"outcome": "not run", "rows": 0}),
    "exact_counts_of_a_small_return": lambda: make_profile(children="10-49", small_return=True),
    "unsupported_year": lambda: make_profile(collection_year="2019/20"),
    "not_a_year": lambda: make_profile(collection_year="soon"),
    "wrong_format": lambda: make_profile(format="something-else/1"),
    "a_count_as_text": lambda: make_profile(children="250"),
    "a_negative_count": lambda: make_profile(children_with_error=-5),
    "a_huge_count": lambda: make_profile(children=10**400),
    "a_float_count": lambda: make_profile(children=250.0),
    "run_seconds_not_a_number": lambda: make_profile(run_seconds=float("nan")),
    "a_boolean_count": lambda: make_profile(children_with_error=True),
    "a_list_not_a_profile": lambda: [make_profile()],
    "too_many_rules": lambda: make_profile(rules={f"R{i}": {"outcome": "passed"} for i in range(3000)}),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_profile_is_refused_with_a_clear_4xx_and_logged(hub: Hub, case: str) -> None:
    token = hub.person()
    body = json.dumps(BAD[case]())  # Python's json writes NaN as the hub's JSON parser reads it
    r = hub.client.post("/api/profiles", content=body, headers={**auth(token), "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["problems"], r.json()
    with hub.factory() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
        assert s.scalar(select(func.count()).where(AuditEntry.action == "refusal")) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        (b"", 400),
        (b"x" * 1_000_001, 413),
        (b"null", 422),
        (b"[" * 200_000 + b"]" * 200_000, 400),
    ],
    ids=["broken_json", "not_utf8", "empty", "too_big", "null", "nested_too_deep"],
)
def test_a_body_that_is_not_a_profile_gets_a_4xx(hub: Hub, body: bytes, status: int) -> None:
    token = hub.person()
    r = hub.client.post("/api/profiles", content=body, headers={**auth(token), "Content-Type": "application/json"})
    assert r.status_code == status, r.text


def test_bad_path_parameters_get_a_4xx(hub: Hub) -> None:
    token = hub.person()
    assert hub.client.get("/api/profiles/abc", headers=auth(token)).status_code == 422
    assert hub.client.get("/api/profiles/99999999999999999999999", headers=auth(token)).status_code in (404, 422)


def test_every_action_is_in_the_audit_chain(hub: Hub) -> None:
    token = hub.person()
    hub.client.post("/api/profiles", json=make_profile(), headers=auth(token))
    hub.client.post("/api/profiles", json=make_profile(), headers=auth(token))
    hub.client.post("/api/profiles", json=make_profile(LEEDS), headers=auth(token))
    hub.client.get("/api/me", headers=auth("wrong"))
    revoke(hub.factory, "analyst@croydon.gov.uk")
    with hub.factory() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert verify(s).ok and verify(s).lines == 6
    assert actions == ["add_person", "submission", "repeat", "refusal", "sign_in_failed", "revoke"]
