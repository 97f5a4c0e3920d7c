"""Every 903 rule code and the collection years it applies to, implemented here or not.

Read from ``dfe_rule_codes.csv`` beside this module (code and years only), taken from the
community validator's per-year catalogues in ``../shared/spec/peer_rule_catalogue_<year>.csv``.
It lets ``ssda903 rules 503D`` say that a code exists but is not implemented yet, and list
the codes still to come for a year. The community validator's own checks (INT01 …, EPI,
NoE) are in it too, under their own codes.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from ssda903.model.years import CollectionYear

_COMMUNITY = re.compile(r"INT\d+|EPI|NoE", re.IGNORECASE)


@cache
def rule_codes() -> dict[str, tuple[CollectionYear, ...]]:
    """Every rule code (as the DfE writes it) → the collection years it applies to."""
    text = resources.files("ssda903.model").joinpath("dfe_rule_codes.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return {row["code"]: tuple(CollectionYear.parse(y) for y in row["years"].split()) for row in csv.DictReader(lines)}


def years_of(code: str) -> tuple[CollectionYear, ...]:
    """The years ``code`` applies to (any case); empty when it is no 903 rule code."""
    wanted = code.strip().upper()
    return next((years for c, years in rule_codes().items() if c.upper() == wanted), ())


def is_community_check(code: str) -> bool:
    """Whether ``code`` is one of the community validator's own checks rather than a DfE rule."""
    return bool(_COMMUNITY.fullmatch(code.strip()))
