"""Notes on how an LA fixed a rule's errors ("we changed the extract for placement end dates"),
shown to other LAs in *who fixed it* with the LA's name and role mailbox.

A note is the one free text the hub takes from an LA, and other LAs read it, so it is screened
before it is stored: :func:`screen` refuses anything that looks like a child's identifier (a
UPN, a run of 6 or more digits such as a CHILD id, an NHS or phone number), a date in any
common form, a UK postcode, or an email address (the LA's role mailbox is shown beside its note
already), and a note longer than :data:`MAX_CHARS`. A refusal says what kind of thing was found
and where (characters 12-21), never the text itself, so the refusal, which is audit-logged, does
not copy an identifier either. Children's names cannot be found reliably by a pattern: the note
form and the docs ask people not to write them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ssda903.hub import audit
from ssda903.hub.database import aware, writing
from ssda903.hub.requests import Me, factory_of, read_json
from ssda903.hub.tables import Note, Person
from ssda903.model.dfe_codes import rule_codes
from ssda903.model.years import CollectionYear, YearError, supported_years
from ssda903.problems import KINDS

MAX_CHARS = 1000
MIN_CHARS = 10

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_YEAR = r"(?:'?\d{2}|\d{4})"

#: what a note may not hold, most specific first: where two overlap, the first one found names it
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        # a UPN: a letter, 11 digits, then a check digit or letter (a temporary UPN ends with a letter)
        ("a UPN", r"(?<![0-9a-z])[a-z]\d{11}[0-9a-z](?![0-9a-z])"),
        ("an email address", r"[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}"),
        # a full postcode, with or without the space between its outward and inward codes
        ("a postcode", r"(?<![0-9a-z])[a-z]{1,2}\d[a-z\d]?\s*\d[abd-hjlnp-uw-z]{2}(?![0-9a-z])"),
        ("a date", r"(?<!\d)\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(?!\d)"),
        ("a date", r"(?<!\d)\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}(?!\d)"),
        # 3 March 2024, 3rd Mar 24, 3 March (a day and a month is enough to place an event)
        ("a date", rf"(?<![0-9a-z]){_DAY}\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+{_YEAR})?(?![0-9a-z])"),
        # March 3, 2024; March 3rd
        ("a date", rf"(?<![0-9a-z]){_MONTH}\.?\s+{_DAY}(?:,?\s+{_YEAR})?(?![0-9a-z])"),
        # Mar 2024, March '24
        ("a date", rf"(?<![0-9a-z]){_MONTH}\.?,?\s+(?:'\d{{2}}|\d{{4}})(?![0-9a-z])"),
        ("an NHS number", r"(?<!\d)\d{3}[ \-]\d{3}[ \-]\d{4}(?!\d)"),
        ("a phone number", r"(?:\+44\s?|(?<![0-9a-z])0)\d{2,4}[ \-]?\d{3,4}[ \-]?\d{3,4}(?!\d)"),
        ("a run of 6 or more digits (a child's ID?)", r"\d{6,}"),
    )
)


@dataclass(frozen=True)
class Found:
    """Something a note may not hold: its kind and where it is (1-based, inclusive)."""

    kind: str
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.kind} at characters {self.start}-{self.end}"


class NoteRefused(ValueError):
    """A note the hub will not keep, with every reason (kind and position, never the text)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _found(text: str) -> Iterator[Found]:
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            yield Found(kind, m.start() + 1, m.end())


def screen(text: str) -> list[str]:
    """Why ``text`` may not be a note; empty when it may."""
    if len(text) > MAX_CHARS:
        return [f"the note is {len(text)} characters: at most {MAX_CHARS}"]
    if len(text.strip()) < MIN_CHARS:
        return [f"the note is empty or under {MIN_CHARS} characters: say how you fixed it"]
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        return ["the note holds control characters"]
    found = sorted(_found(text), key=lambda f: f.start)
    return [f"it holds what looks like {f}: remove it" for f in found[:20]]


def _rule_codes(year: CollectionYear) -> set[str]:
    return {c for c, years in rule_codes().items() if year in years} | set(KINDS)


def write_note(session: Session, person: Person, year: str, rule: str, text: str) -> Note:
    """Store ``person``'s note on how their LA fixed ``rule`` (for collection ``year``), audit-logged.

    Runs in the caller's write transaction; raises :class:`NoteRefused` with every reason when
    the year or rule is unknown or the text fails :func:`screen`.
    """
    try:
        parsed = CollectionYear.parse(year)
    except YearError as e:
        raise NoteRefused([str(e)]) from None
    if parsed not in supported_years():
        raise NoteRefused([f"year {parsed.label}: the hub takes {', '.join(y.label for y in supported_years())}"])
    # a code as people type it ("load07", "503d") is the catalogue's code ("LOAD07", "503D")
    code = {c.casefold(): c for c in _rule_codes(parsed)}.get(rule.strip().casefold())
    reasons = [] if code else [f"rule {rule.strip()[:16]!r} is no rule code of {parsed.label}"]
    reasons += screen(text)
    if reasons or code is None:
        raise NoteRefused(reasons)
    rule = code
    note = Note(
        la=person.la,
        person_id=person.id,
        collection_year=parsed.label,
        rule=rule,
        text=text.strip(),
        written=datetime.now(UTC),
    )
    session.add(note)
    session.flush()
    audit.append(
        session, "note", f"note {note.id} on rule {rule} for {parsed.label}", la=person.la, person_id=person.id
    )
    return note


def of_las(session: Session, las: set[str], rules: set[str]) -> dict[tuple[str, str], list[Note]]:
    """The notes of ``las`` on ``rules``, newest first, by (LA, rule)."""
    out: dict[tuple[str, str], list[Note]] = {}
    if not las or not rules:
        return out
    query = select(Note).where(Note.la.in_(las), Note.rule.in_(rules)).order_by(Note.id.desc())
    for note in session.scalars(query):
        out.setdefault((note.la, note.rule), []).append(note)
    return out


def shown(note: Note) -> dict[str, Any]:
    """A note as the API shows it."""
    written = aware(note.written)
    return {
        "id": note.id,
        "collection_year": note.collection_year,
        "rule": note.rule,
        "text": note.text,
        "written": written.isoformat()[:10],
    }


class NoteBody(BaseModel):
    """``POST /api/notes``: the note is always the token's LA's."""

    model_config = ConfigDict(extra="forbid", strict=True)
    year: str = Field(max_length=20)
    rule: str = Field(max_length=16)
    # longer than MAX_CHARS so an over-long note gets screen()'s plain answer, not a schema error
    text: str = Field(max_length=20 * MAX_CHARS)


router = APIRouter(prefix="/api")


def _write(request: Request, person: Person, body: NoteBody) -> Note | list[str]:
    factory = factory_of(request)
    try:
        with writing(factory) as session:
            return write_note(session, person, body.year, body.rule, body.text)
    except NoteRefused as e:
        with writing(factory) as session:
            audit.append(session, "note_refused", "; ".join(e.reasons), la=person.la, person_id=person.id)
        return e.reasons


@router.post("/notes", status_code=201)
async def post_note(person: Me, request: Request) -> JSONResponse:
    """Add a note on how my LA fixed a rule; 422 with the reasons when it is screened out.

    The body is read as the profile's is (:func:`ssda903.hub.app.read_json`): too big is a 413 before
    anything is parsed, not JSON a 400, the wrong shape a 422 with the problems."""
    data = await read_json(request)
    if isinstance(data, JSONResponse):
        return data
    try:
        body = NoteBody.model_validate(data)
    except ValidationError as e:
        problems = [f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in e.errors()[:20]]
        return JSONResponse({"detail": "bad request", "problems": problems}, status_code=422)
    result = await run_in_threadpool(_write, request, person, body)
    if isinstance(result, list):
        return JSONResponse({"detail": "note refused", "problems": result}, status_code=422)
    return JSONResponse({**shown(result), "la": result.la}, status_code=201)


@router.get("/notes")
def my_notes(person: Me, request: Request) -> dict[str, Any]:
    """My LA's notes, newest first (never another LA's: theirs show in who fixed it)."""
    with factory_of(request)() as session:
        rows = session.scalars(select(Note).where(Note.la == person.la).order_by(Note.id.desc()).limit(500))
        return {"la": person.la, "notes": [shown(n) for n in rows]}


__all__ = ["MAX_CHARS", "NoteRefused", "router", "screen", "write_note"]
