"""The append-only, hash-chained audit log: every submission, refusal, failed sign-in and admin action.

Each line's ``hash`` is the sha256 of the previous line's hash and this line's own fields, so a
line changed, removed or inserted afterwards breaks the chain from there on;
:func:`verify` finds the first broken line. Lines are appended inside
:func:`ssda903.hub.database.writing`, which lets one writer at a time read the last hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ssda903.hub.tables import AuditEntry

GENESIS = "0" * 64


def _digest(prev_hash: str, at: datetime, action: str, la: str | None, person_id: int | None, detail: str) -> str:
    fields = [prev_hash, _instant(at), action, la, person_id, detail]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


def _instant(at: datetime) -> str:
    """A timestamp as the same text whether the database kept its time zone (PostgreSQL) or not (SQLite)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    session: Session, action: str, detail: str, *, la: str | None = None, person_id: int | None = None
) -> AuditEntry:
    """Append one line to the log, in the caller's write transaction."""
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS
    at = datetime.now(UTC)
    entry = AuditEntry(
        at=at,
        action=action,
        la=la,
        person_id=person_id,
        detail=detail[:2000],
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, action, la, person_id, detail[:2000]),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: how many lines it checked and the first broken one, if any."""

    lines: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session) -> Verdict:
    """Check every line's hash and its link to the line before."""
    prev_hash = GENESIS
    n = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        n += 1
        if entry.prev_hash != prev_hash:
            return Verdict(
                n, entry.id, "its previous hash is not the hash of the line before (a line was removed or inserted)"
            )
        expected = _digest(prev_hash, entry.at, entry.action, entry.la, entry.person_id, entry.detail)
        if entry.hash != expected:
            return Verdict(n, entry.id, "its hash does not match its content (the line was changed)")
        prev_hash = entry.hash
    return Verdict(n)
