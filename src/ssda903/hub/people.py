"""People and their personal tokens: made once, stored hashed, bound to one LA, expiring, revocable.

A token is ``secrets.token_urlsafe(32)``, shown once by ``ssda903 hub add-person``; the hub keeps
only its sha256, so a copy of the database gives nobody a working token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub import audit
from ssda903.hub.database import aware, writing
from ssda903.hub.tables import Person
from ssda903.reference.authority import authority

MAX_DAYS = 3 * 365


class HubError(ValueError):
    """An admin command that cannot be done, with what to do instead."""


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_person(factory: sessionmaker[Session], la: str, email: str, days: int = 365) -> tuple[Person, str]:
    """Add a person at the LA ``la`` (an ONS code or name, checked) and return them with their new token."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise HubError(f"--email {email!r} is not an email address")
    if not 1 <= days <= MAX_DAYS:
        raise HubError(f"--days {days}: a token lasts from 1 to {MAX_DAYS} days")
    code = authority(la).code  # AuthorityError (an InputError) says what to give instead
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with writing(factory) as session:
        person = Person(
            email=email, la=code, token_hash=token_hash(token), created=now, expires=now + timedelta(days=days)
        )
        session.add(person)
        session.flush()
        audit.append(
            session,
            "add_person",
            f"{email} at {code}, token expires {person.expires:%Y-%m-%d}",
            la=code,
            person_id=person.id,
        )
    return person, token


def revoke(factory: sessionmaker[Session], email: str) -> list[Person]:
    """Revoke every live token of ``email``; the people whose token was revoked."""
    email = email.strip().lower()
    now = datetime.now(UTC)
    with writing(factory) as session:
        people = list(session.scalars(select(Person).where(Person.email == email, Person.revoked.is_(None))))
        if not people:
            raise HubError(f"no live token for {email}")
        for p in people:
            p.revoked = now
            audit.append(session, "revoke", f"{email} at {p.la}", la=p.la, person_id=p.id)
    return people


def signed_in(session: Session, token: str) -> Person | None:
    """The person whose live token ``token`` is, or None (unknown, expired or revoked)."""
    if not token or len(token) > 200:
        return None
    person = session.scalars(select(Person).where(Person.token_hash == token_hash(token))).first()
    if person is None or person.revoked is not None or aware(person.expires) <= datetime.now(UTC):
        return None
    return person
