"""The hub's admin commands, and a real profile written by ``ssda903 profile`` accepted by the hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CROYDON, Hub, auth
from sqlalchemy import select
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.hub.people import token_hash
from ssda903.hub.tables import AuditEntry, Person


def test_add_person_prints_the_token_on_its_last_line(hub: Hub, db_url: str) -> None:
    r = CliRunner().invoke(app, ["hub", "add-person", "--db", db_url, "--la", "croydon", "--email", "A@Croydon.gov.uk"])
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    me = hub.client.get("/api/me", headers=auth(token)).json()
    assert me["la"] == CROYDON and me["email"] == "a@croydon.gov.uk"
    with hub.factory() as s:
        assert s.scalars(select(Person.token_hash)).one() == token_hash(token)
        assert s.scalars(select(AuditEntry.action)).all() == ["add_person"]


@pytest.mark.parametrize(
    ("la", "email", "says"),
    [
        ("cardiff", "a@b.c", "Welsh"),
        ("nowhere", "a@b.c", "no English local authority"),
        ("croydon", "no-at", "not an email"),
    ],
)
def test_add_person_refuses_what_is_not_an_english_la_or_an_email(
    hub: Hub, db_url: str, la: str, email: str, says: str
) -> None:
    r = CliRunner().invoke(app, ["hub", "add-person", "--db", db_url, "--la", la, "--email", email])
    assert r.exit_code == 2 and says in r.output


def test_revoke(hub: Hub, db_url: str) -> None:
    token = hub.person()
    r = CliRunner().invoke(app, ["hub", "revoke", "--db", db_url, "--email", "analyst@croydon.gov.uk"])
    assert r.exit_code == 0, r.output
    assert hub.client.get("/api/me", headers=auth(token)).status_code == 401
    again = CliRunner().invoke(app, ["hub", "revoke", "--db", db_url, "--email", "analyst@croydon.gov.uk"])
    assert again.exit_code == 2 and "no live token" in again.output


def test_a_database_that_cannot_be_opened_is_a_message(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["hub", "verify-audit", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert r.exit_code == 2 and "Could not open the hub database" in r.output


@pytest.fixture(scope="module")
def real_profile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The profile ``ssda903 profile`` writes of a synthetic return of 60 children, with errors."""
    from ssda903.synth import generate

    root = tmp_path_factory.mktemp("profile")
    generate(60, "2024/25", 3, root / "return", previous=True, error_rate=0.1)
    out = root / "profile.json"
    r = CliRunner().invoke(
        app,
        [
            "profile",
            str(root / "return"),
            "--previous",
            str(root / "return" / "previous"),
            "--la",
            "E09000027",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code in (0, 1), r.output
    return json.loads(out.read_text())


def test_a_profile_written_by_ssda903_profile_is_accepted(hub: Hub, real_profile: dict) -> None:
    token = hub.person("E09000027", "analyst@richmond.gov.uk")
    r = hub.client.post("/api/profiles", json=real_profile, headers=auth(token))
    assert r.status_code == 201, r.json()
    stored = hub.client.get(f"/api/profiles/{r.json()['id']}", headers=auth(token)).json()["profile"]
    assert stored == real_profile
