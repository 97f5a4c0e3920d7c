"""What the hub knows of each LA beyond its code: region, case management system (CMS),
statistical neighbours and role mailbox; and the peer groups built from them.

Everything here is set by the hub's admin (``ssda903 hub set-la``), audit-logged, with one
exception: a London borough's region. The package ships no region table (the postcode table
holds each postcode's authority, not its region), but an ONS code starting ``E09`` is a London
borough by the code's own definition, so those LAs are in ``London`` until the admin says
otherwise. The DfE's statistical neighbour lists and the LAs' CMS cannot be reached from here:
the admin types them in.

A peer group is the LAs sharing my region or my CMS, or my own statistical neighbours (the
list is mine: an LA that names me as a neighbour is not in my group unless I name it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ssda903.hub import audit
from ssda903.hub.tables import AuthorityInfo
from ssda903.reference.authority import authority

#: England's nine regions (ITL1); a region is one of these, so "north west" and "North West" group together
REGIONS = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
Group = Literal["all", "region", "neighbours", "cms"]
GROUPS: tuple[Group, ...] = ("all", "region", "neighbours", "cms")
#: a plain address only: it becomes a mailto: link on the page, so nothing that could add a query or a header
_MAILBOX = re.compile(r"[a-z0-9][a-z0-9._+\-]*@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}")
MAX_NEIGHBOURS = 20


class GroupError(ValueError):
    """A value for an LA that the hub cannot keep, with what to give instead."""


@dataclass(frozen=True)
class LaInfo:
    """One LA as the views see it; ``region_set_by`` says where the region came from."""

    la: str
    region: str | None = None
    cms: str | None = None
    neighbours: tuple[str, ...] = ()
    mailbox: str | None = None
    region_set_by: Literal["admin", "ons code", "nobody"] = "nobody"


def default_region(la: str) -> str | None:
    """The region an ONS code itself gives: London for ``E09`` (London boroughs), else None."""
    return "London" if la.startswith("E09") else None


def _region(text: str) -> str:
    for region in REGIONS:
        if region.casefold() == " ".join(text.split()).casefold():
            return region
    raise GroupError(f"--region {text!r} is not an English region; give one of: {', '.join(REGIONS)}")


def _cms(text: str) -> str:
    name = " ".join(text.split())
    if len(name) > 60:
        raise GroupError(f"--cms {text[:20]!r}…: a system's name is at most 60 characters")
    return name


def _mailbox(text: str) -> str:
    box = text.strip().lower()
    if len(box) > 254 or not _MAILBOX.fullmatch(box):
        raise GroupError(f"--mailbox {text!r} is not an email address")
    return box


def set_authority(
    session: Session,
    la: str,
    *,
    region: str | None = None,
    cms: str | None = None,
    neighbours: list[str] | None = None,
    mailbox: str | None = None,
) -> None:
    """Set what is given of ``la`` (None: leave as it is; ``""`` or ``[]``: clear it), audit-logged.

    Runs in the caller's write transaction (:func:`ssda903.hub.database.writing`). Raises
    :class:`GroupError` for a value it cannot keep and ``AuthorityError`` for an LA (or a
    neighbour) that is not an English children's services authority.
    """
    code = authority(la).code
    # every value is checked before anything is written, so a refusal leaves the LA as it was
    values: dict[str, str | list[str] | None] = {}
    if region is not None:
        values["region"] = _region(region) if region.strip() else None
    if cms is not None:
        values["cms"] = _cms(cms) if cms.strip() else None
    if neighbours is not None:
        codes = list(dict.fromkeys(authority(n.strip()).code for n in neighbours if n.strip()))
        if code in codes:
            raise GroupError(f"{code} cannot be its own statistical neighbour")
        if len(codes) > MAX_NEIGHBOURS:
            raise GroupError(f"{len(codes)} neighbours: an LA has at most {MAX_NEIGHBOURS}")
        values["neighbours"] = codes or None
    if mailbox is not None:
        values["mailbox"] = _mailbox(mailbox) if mailbox.strip() else None
    row = session.get(AuthorityInfo, code)
    if row is None:
        row = AuthorityInfo(la=code, updated=datetime.now(UTC))
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated = datetime.now(UTC)
    session.flush()
    changed = [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in values.items()]
    audit.append(session, "set_la", f"{code}: {'; '.join(changed) or 'nothing changed'}", la=code)


def info(session: Session, la: str) -> LaInfo:
    """What the hub knows of ``la`` (an ONS code as stored)."""
    return infos(session, [la])[la]


def infos(session: Session, las: list[str]) -> dict[str, LaInfo]:
    """What the hub knows of each of ``las``, by code."""
    rows = {r.la: r for r in session.scalars(select(AuthorityInfo).where(AuthorityInfo.la.in_(las)))}
    out: dict[str, LaInfo] = {}
    for la in las:
        row = rows.get(la)
        by: Literal["admin", "ons code", "nobody"] = "admin"
        region = row.region if row is not None else None
        if not region:
            region, by = default_region(la), "ons code"
        out[la] = LaInfo(
            la=la,
            region=region,
            cms=row.cms if row is not None else None,
            neighbours=tuple(row.neighbours or ()) if row is not None else (),
            mailbox=row.mailbox if row is not None else None,
            region_set_by=by if region else "nobody",
        )
    return out


def members(me: LaInfo, others: dict[str, LaInfo], group: Group) -> tuple[set[str], str]:
    """Which of ``others`` are in my ``group``, and a sentence saying what the group is.

    When my own region, CMS or neighbours are not set the group is empty and the sentence says
    so (the caller then shows the views' "not shown" note with it).
    """
    if group == "all":
        return set(others), "every LA that submitted for the year"
    if group == "region":
        if not me.region:
            return set(), "your LA has no region set: ask the hub's admin (ssda903 hub set-la --region)"
        return {la for la, o in others.items() if o.region == me.region}, f"LAs in {me.region}"
    if group == "cms":
        if not me.cms:
            return set(), "your LA has no case management system set: ask the hub's admin (ssda903 hub set-la --cms)"
        mine = me.cms.casefold()
        return {la for la, o in others.items() if o.cms and o.cms.casefold() == mine}, f"LAs using {me.cms}"
    if not me.neighbours:
        return set(), "your LA has no statistical neighbours set: ask the hub's admin (ssda903 hub set-la --neighbours)"
    return {la for la in others if la in me.neighbours}, "your statistical neighbours"
