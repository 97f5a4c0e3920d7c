"""Notes on how an LA fixed a rule: screened for children's identifiers, dates and postcodes,
written only in the token's LA's name, audit-logged; and what the admin sets of an LA (set-la)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CROYDON, LEEDS, Hub, auth, serving
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.hub.app import create_app
from ssda903.hub.audit import verify
from ssda903.hub.database import make_engine, migrate, sessions, writing
from ssda903.hub.groups import GroupError, info, set_authority
from ssda903.hub.notes import MAX_CHARS, NoteRefused, screen, write_note
from ssda903.hub.people import signed_in
from ssda903.hub.tables import AuditEntry, AuthorityInfo, Note
from ssda903.reference.authority import AuthorityError

GOOD = "We changed the extract so a placement's end date is the next placement's start; rule 102 went away."

# (case, note, what the refusal names, the characters it names)
REFUSED = [
    ("upn", "The child A123456789012 had two episodes open.", "a UPN", "11-23"),
    ("temporary_upn", "UPN B12345678901C was typed twice.", "a UPN", "5-17"),
    ("child_id", "CHILD 4453921 had no legal status.", "a run of 6 or more digits", "7-13"),
    ("phone", "Ring us on 020 7946 0018 about it.", "a phone number", "12-24"),
    ("nhs_number", "The NHS number 943 476 5919 was on the wrong child.", "an NHS number", "16-27"),
    ("date_slashes", "The episode that started 03/04/2019 was the problem.", "a date", "26-35"),
    ("date_short_year", "The episode that started 3.4.19 was the problem.", "a date", "26-31"),
    ("date_iso", "The episode of 2024-03-05 was the problem.", "a date", "16-25"),
    ("date_words", "Since 3 March 2024 it has been fine.", "a date", "7-18"),
    ("date_ordinal", "Since the 21st of Sept it has been fine.", "a date", "11-22"),
    ("date_month_first", "It was fixed on March 3, 2024 by the team.", "a date", "17-29"),
    ("month_and_year", "It came back in Mar 2024 for one child.", "a date", "17-24"),
    ("postcode", "The child placed at CR0 1AB moved twice.", "a postcode", "21-27"),
    ("postcode_no_space", "The child placed at sw1a1aa moved twice.", "a postcode", "21-27"),
    ("email", "Write to jane.smith@croydon.gov.uk for the script.", "an email address", "10-34"),
]


@pytest.mark.parametrize(("case", "text", "kind", "where"), REFUSED, ids=[c[0] for c in REFUSED])
def test_screening_refuses_each_identifier_kind_saying_what_and_where(
    case: str, text: str, kind: str, where: str
) -> None:
    reasons = screen(text)
    assert len(reasons) == 1, reasons
    assert kind in reasons[0] and f"characters {where}" in reasons[0]
    start, end = (int(x) for x in where.split("-"))
    found = text[start - 1 : end]
    assert found not in reasons[0]  # the refusal never repeats what it found


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        "Rules 102 and 103 in 2024/25: the SW01aSTG1 and LOAD07 checks were our extract's fault; in March we fixed it.",
        "We asked the placements team to record the reason for every move before the end of the quarter.",
        "Our Mosaic report dropped the last episode when two started on the same day; Liquidlogic users may not see it.",
    ],
)
def test_screening_accepts_a_note_that_only_says_how(text: str) -> None:
    assert screen(text) == []


def test_screening_lists_every_finding_and_caps_the_length() -> None:
    reasons = screen("A123456789012 placed at CR0 1AB on 03/04/2019.")
    assert [r.split(" at characters")[0] for r in reasons] == [
        "it holds what looks like a UPN",
        "it holds what looks like a postcode",
        "it holds what looks like a date",
    ]
    assert screen("x" * (MAX_CHARS + 1)) == [f"the note is {MAX_CHARS + 1} characters: at most {MAX_CHARS}"]
    assert screen("x" * MAX_CHARS) == []
    assert "empty" in screen("   ")[0]


def test_write_note_refuses_an_unknown_rule_and_year_and_keeps_nothing(hub: Hub) -> None:
    token = hub.person()
    with hub.factory() as s:
        person = signed_in(s, token)
    assert person is not None
    with pytest.raises(NoteRefused) as refused, writing(hub.factory) as s:
        write_note(s, person, "2024/25", "999Z", "see 03/04/2019")
    assert refused.value.reasons[0] == "rule '999Z' is no rule code of 2024/25" and "a date" in refused.value.reasons[1]
    with pytest.raises(NoteRefused), writing(hub.factory) as s:
        write_note(s, person, "2019/20", "102", GOOD)
    with writing(hub.factory) as s:
        note = write_note(s, person, "2024-25", "102", f"  {GOOD}\n")
    assert (note.la, note.collection_year, note.rule, note.text) == (CROYDON, "2024/25", "102", GOOD)
    with writing(hub.factory) as s:
        assert write_note(s, person, "2024/25", "load07", GOOD).rule == "LOAD07"
    with hub.factory() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 2
        assert s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all() == ["add_person", "note", "note"]


def test_a_note_is_written_in_the_tokens_la_only(hub: Hub) -> None:
    croydon, leeds = hub.person(), hub.person(LEEDS, "analyst@leeds.gov.uk")
    # a body naming another LA is refused outright: the LA is never taken from the body
    r = hub.client.post(
        "/api/notes", json={"year": "2024/25", "rule": "102", "text": GOOD, "la": LEEDS}, headers=auth(croydon)
    )
    assert r.status_code == 422
    r = hub.client.post("/api/notes", json={"year": "2024/25", "rule": "102", "text": GOOD}, headers=auth(croydon))
    assert r.status_code == 201, r.json()
    assert r.json()["la"] == CROYDON and r.json()["text"] == GOOD
    assert [n["rule"] for n in hub.client.get("/api/notes", headers=auth(croydon)).json()["notes"]] == ["102"]
    assert hub.client.get("/api/notes", headers=auth(leeds)).json() == {"la": LEEDS, "notes": []}
    with hub.factory() as s:
        assert s.scalars(select(Note.la)).all() == [CROYDON]


def test_a_screened_out_note_is_a_422_with_reasons_and_an_audit_line_without_the_text(hub: Hub) -> None:
    token = hub.person()
    text = "Child A123456789012 at CR0 1AB was the cause."
    r = hub.client.post("/api/notes", json={"year": "2024/25", "rule": "102", "text": text}, headers=auth(token))
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert len(problems) == 2 and "a UPN at characters 7-19" in problems[0] and "a postcode" in problems[1]
    with hub.factory() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 0
        line = s.scalars(select(AuditEntry).where(AuditEntry.action == "note_refused")).one()
        assert line.la == CROYDON and "A123456789012" not in line.detail and "CR0" not in line.detail
        assert verify(s).ok
    assert hub.client.post("/api/notes", json={"year": "2024/25", "rule": "102", "text": GOOD}).status_code == 401


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, Hub]]:
    """A real hub (uvicorn on 127.0.0.1, SQLite), its database URL, for the commands."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = make_engine(url)
    migrate(engine)
    hub_app = create_app(engine)
    with serving(hub_app) as address, TestClient(hub_app) as client:
        yield address, url, Hub(engine, sessions(engine), client)
    engine.dispose()


def test_hub_note_command(served: tuple[str, str, Hub]) -> None:
    address, _, hub = served
    token = hub.person()
    base = ["hub", "note", "--hub", address, "--token", token, "--year", "2024/25", "--rule", "102"]
    r = CliRunner().invoke(app, [*base, GOOD])
    assert r.exit_code == 0, r.output
    assert "rule 102 (2024/25) stored for E09000008" in r.output
    r = CliRunner().invoke(app, [*base, "The child born 03/04/2019 was the one."])
    assert r.exit_code == 1 and "a date at characters 16-25" in r.output and "03/04/2019" not in r.output


def test_set_la_sets_clears_and_logs(served: tuple[str, str, Hub]) -> None:
    _, url, hub = served
    r = CliRunner().invoke(
        app,
        [
            "hub",
            "set-la",
            "--db",
            url,
            "--la",
            "leeds",
            "--region",
            "yorkshire and the humber",
            "--cms",
            " Mosaic ",
            "--neighbours",
            "E08000036,bradford",
            "--mailbox",
            "903Team@Leeds.gov.uk",
        ],
    )
    assert r.exit_code == 0, r.output
    with hub.factory() as s:
        got = info(s, LEEDS)
    assert got.region == "Yorkshire and The Humber" and got.region_set_by == "admin"
    assert (got.cms, got.neighbours, got.mailbox) == ("Mosaic", ("E08000036", "E08000032"), "903team@leeds.gov.uk")
    r = CliRunner().invoke(app, ["hub", "set-la", "--db", url, "--la", LEEDS, "--cms", ""])
    assert r.exit_code == 0, r.output
    with hub.factory() as s:
        assert info(s, LEEDS).cms is None and info(s, LEEDS).mailbox == "903team@leeds.gov.uk"
        lines = s.scalars(select(AuditEntry).where(AuditEntry.action == "set_la")).all()
        assert [line.la for line in lines] == [LEEDS, LEEDS] and verify(s).ok
    for bad, says in (
        (["--region", "Wessex"], "not an English region"),
        (["--mailbox", "nope"], "not an email"),
        (["--mailbox", "team@la.gov.uk?subject=x"], "not an email"),
    ):
        r = CliRunner().invoke(app, ["hub", "set-la", "--db", url, "--la", LEEDS, *bad])
        assert r.exit_code == 2 and says in r.output


def test_region_defaults_to_london_for_a_london_borough_only(hub: Hub) -> None:
    with hub.factory() as s:
        assert (info(s, CROYDON).region, info(s, CROYDON).region_set_by) == ("London", "ons code")
        assert (info(s, LEEDS).region, info(s, LEEDS).region_set_by) == (None, "nobody")
    with writing(hub.factory) as s:
        with pytest.raises(AuthorityError):
            set_authority(s, LEEDS, neighbours=["Cardiff"])
        with pytest.raises(GroupError):
            set_authority(s, LEEDS, neighbours=[LEEDS])
    with hub.factory() as s:
        assert s.scalar(select(func.count()).select_from(AuthorityInfo)) == 0
