"""The hub's re-checks of a submitted error profile: nothing is trusted because the client checked it.

The shape is a pydantic model with unknown fields refused (:class:`Profile`); then
:func:`problems` checks what a shape cannot: the LA is the token's, the year is supported, every
rule code is a code of that year (or a LOAD check), and every count is suppressed exactly as
:func:`ssda903.report.profile.suppress` leaves it (0 only for a rule that passed; bands only for
a small return).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ssda903.engine import CRASHED, FAILED, NOT_RUN, PASSED
from ssda903.model.dfe_codes import rule_codes
from ssda903.model.years import CollectionYear, supported_years
from ssda903.problems import KINDS
from ssda903.report.profile import FORMAT, SMALL_RETURN, STAGES, suppress

#: a request body larger than this is refused before it is read (a full profile is about 60 kB)
MAX_BYTES = 1_000_000
MAX_RULES = 2000

#: a count as it may leave the LA's machine: a whole number (bounded, so arithmetic on it is safe) or a band
Count = Annotated[int, Field(ge=0, le=10**9)] | Annotated[str, Field(max_length=7)]
_BAND_LABELS = {
    True: {suppress(n, small=True) for n in (1, 10, 50, 100, 500)},
    False: {suppress(n, small=False) for n in range(1, 10)},
}


class RuleEntry(BaseModel):
    """One rule's outcome and, for a rule that ran, its failing rows and children (suppressed)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    outcome: Literal["passed", "failed", "not run", "crashed"]
    rows: Count | None = None
    children: Count | None = None


class Profile(BaseModel):
    """An error profile as ``ssda903 profile`` writes it (``ssda903-profile/1``)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    format: Literal["ssda903-profile/1"]
    la: str = Field(max_length=9)
    collection_year: str = Field(max_length=7)
    stage: Literal["draft", "final"]
    validator_version: str = Field(max_length=40, pattern=r"^[0-9A-Za-z.+\-]+$")
    rule_catalogue: str = Field(max_length=64, pattern=r"^[0-9a-f]+$")
    run_seconds: float = Field(ge=0, le=86400, allow_inf_nan=False)
    children: Count
    children_with_error: Count
    small_return: bool
    rows_per_table: dict[Annotated[str, Field(max_length=40)], Count] = Field(max_length=40)
    rules: dict[Annotated[str, Field(max_length=16)], RuleEntry] = Field(max_length=MAX_RULES)


assert FORMAT == "ssda903-profile/1" and set(STAGES) == {"draft", "final"}
assert {PASSED, FAILED, NOT_RUN, CRASHED} == {"passed", "failed", "not run", "crashed"}
_TABLE = re.compile(r"(previous\.)?[A-Za-z0-9]+")


@cache
def _codes_of(year: CollectionYear) -> frozenset[str]:
    return frozenset(c for c, years in rule_codes().items() if year in years) | frozenset(KINDS)


def is_suppressed(value: int | str, *, small: bool) -> bool:
    """Whether ``value`` is a count as :func:`suppress` leaves it: 0, a band, or a multiple of 5 from 10."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0 and suppress(value, small=small) == value
    return value in _BAND_LABELS[small]


def problems(profile: Profile, la: str) -> list[str]:
    """What is wrong with ``profile`` sent by a person of ``la``; empty when it may be stored."""
    found: list[str] = []
    if profile.la != la:
        return [
            f"the profile is of {profile.la}, but your token is for {la}: a profile can only be sent for your own LA"
        ]
    try:
        year = CollectionYear.parse(profile.collection_year)
    except ValueError:
        return [f"collection_year {profile.collection_year!r} is not a collection year (write 2024/25)"]
    if year not in supported_years() or year.label != profile.collection_year:
        return [
            f"collection_year {profile.collection_year!r}: the hub takes {', '.join(y.label for y in supported_years())}"
        ]
    small = profile.small_return
    if small != (profile.children == 0 or isinstance(profile.children, str)):
        found.append("small_return does not agree with children (a return under 50 children gives bands only)")
    if not small and isinstance(profile.children, int) and profile.children < SMALL_RETURN:
        found.append(f"children {profile.children}: a return under {SMALL_RETURN} children gives bands only")
    for name in ("children", "children_with_error"):
        if not is_suppressed(getattr(profile, name), small=small):
            found.append(f"{name} {getattr(profile, name)!r} is not suppressed (0, a band, or a multiple of 5 from 10)")
    for table, n in profile.rows_per_table.items():
        if not _TABLE.fullmatch(table):
            found.append(f"rows_per_table: {table!r} is not a table name")
        elif not is_suppressed(n, small=small):
            found.append(f"rows_per_table {table}: {n!r} is not suppressed")
    codes = _codes_of(year)
    for code, entry in profile.rules.items():
        if code not in codes:
            found.append(f"rule {code!r} is no rule code of {year.label}")
            continue
        counts = {"rows": entry.rows, "children": entry.children}
        if entry.outcome in (NOT_RUN, CRASHED):
            if any(v is not None for v in counts.values()):
                found.append(f"rule {code}: a rule {entry.outcome} has no count")
            continue
        for what, v in counts.items():
            if entry.outcome == PASSED and v is None:
                continue
            if v is None:
                found.append(f"rule {code}: a failed rule gives its {what}")
            elif not is_suppressed(v, small=small):
                found.append(f"rule {code} {what}: {v!r} is not suppressed (0, a band, or a multiple of 5 from 10)")
            elif entry.outcome == PASSED and v != 0:
                found.append(f"rule {code}: a rule that passed has 0 {what}, not {v!r}")
            elif entry.outcome == FAILED and v == 0:
                found.append(f"rule {code}: 0 stands only for a rule that passed")
    return found[:50]
