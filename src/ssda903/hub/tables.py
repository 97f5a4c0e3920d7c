"""The hub's tables (SQLAlchemy 2 models): people and their tokens, submissions, the audit log.

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
    #: submission, repeat, refusal, sign_in_failed, add_person, revoke
    action: Mapped[str] = mapped_column(String(32))
    la: Mapped[str | None] = mapped_column(String(9), nullable=True)
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
