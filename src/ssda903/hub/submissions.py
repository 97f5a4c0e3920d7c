"""Storing submitted profiles: append-only and idempotent.

A profile's identity is the sha256 of its canonical JSON (sorted keys, no spaces). Sent again
(a retry after a lost reply, or the same file twice) it is not stored again: the caller gets the
first submission back, with the same id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub import audit
from ssda903.hub.database import aware, writing
from ssda903.hub.tables import Person, Submission


def canonical_digest(profile: dict[str, Any]) -> str:
    """The sha256 of the profile's canonical JSON."""
    text = json.dumps(profile, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """A submission as the hub answers it, and whether this call stored it or found it already there."""

    submission: Submission
    created: bool


def store(factory: sessionmaker[Session], person: Person, profile: dict[str, Any]) -> Stored:
    """Store ``profile`` (already checked) from ``person``, once."""
    digest = canonical_digest(profile)
    with writing(factory) as session:
        existing = session.scalars(select(Submission).where(Submission.digest == digest)).first()
        if existing is not None:
            audit.append(session, "repeat", f"submission {existing.id} sent again", la=person.la, person_id=person.id)
            return Stored(existing, created=False)
        sub = Submission(
            digest=digest,
            la=profile["la"],
            collection_year=profile["collection_year"],
            stage=profile["stage"],
            person_id=person.id,
            received=datetime.now(UTC),
            profile=profile,
        )
        session.add(sub)
        session.flush()
        audit.append(
            session,
            "submission",
            f"submission {sub.id}: {sub.collection_year} {sub.stage}, digest {digest}",
            la=person.la,
            person_id=person.id,
        )
        return Stored(sub, created=True)


def refuse(factory: sessionmaker[Session], person: Person | None, reason: str) -> None:
    """Log a refused submission (or a failed sign-in when ``person`` is None)."""
    with writing(factory) as session:
        if person is None:
            audit.append(session, "sign_in_failed", reason)
        else:
            audit.append(session, "refusal", reason, la=person.la, person_id=person.id)


def of_la(session: Session, la: str) -> list[Submission]:
    """Every submission of one LA, oldest first."""
    return list(session.scalars(select(Submission).where(Submission.la == la).order_by(Submission.id)))


def summary(sub: Submission) -> dict[str, Any]:
    """A submission as the API shows it (the profile itself is not repeated)."""
    received = aware(sub.received)
    return {
        "id": sub.id,
        "la": sub.la,
        "collection_year": sub.collection_year,
        "stage": sub.stage,
        "digest": sub.digest,
        "received": received.isoformat(),
    }
