"""The hub's tables (SQLAlchemy 2 models): people and their tokens, submissions, the audit log,
notes on how an LA fixed a rule, and what the admin says of each LA (region, CMS, neighbours, mailbox).

The schema is created and changed by the Alembic migrations in ``migrations/versions``, never by
``create_all``: a change here needs a new migration beside the others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The declarative base of every hub table."""


class Person(Base):
    """Someone at an LA who may submit and read that LA's profiles, through one personal token."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    la: Mapped[str] = mapped_column(String(9), index=True)
    #: sha256 of the token; the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Submission(Base):
    """One error profile as received, stored once (append-only: never updated or deleted)."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: sha256 of the profile's canonical JSON: the same profile sent twice is stored once
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    la: Mapped[str] = mapped_column(String(9), index=True)
    collection_year: Mapped[str] = mapped_column(String(7), index=True)
    stage: Mapped[str] = mapped_column(String(5))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    profile: Mapped[dict] = mapped_column(JSON)


class AuditEntry(Base):
    """One line of the append-only audit log; ``hash`` covers this line and the previous line's hash."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: submission, repeat, refusal, sign_in_failed, add_person, revoke, note, note_refused, set_la
    action: Mapped[str] = mapped_column(String(32))
    la: Mapped[str | None] = mapped_column(String(9), nullable=True)
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Note(Base):
    """How an LA fixed a rule's errors, in its own words (screened for children's identifiers first).

    Append-only like a submission: a later note of the same LA and rule is shown first, the
    earlier ones stay.
    """

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    la: Mapped[str] = mapped_column(String(9), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    collection_year: Mapped[str] = mapped_column(String(7))
    rule: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text)
    written: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuthorityInfo(Base):
    """What the hub's admin has said of an LA: its region, case management system, statistical
    neighbours and role mailbox (each None until set)."""

    __tablename__ = "authority"

    la: Mapped[str] = mapped_column(String(9), primary_key=True)
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    cms: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: the LA's statistical neighbours, ONS codes
    neighbours: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    mailbox: Mapped[str | None] = mapped_column(String(254), nullable=True)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
