"""Every rule code of every year is implemented, for exactly the years it applies to.

The codes and years come from ``model/dfe_rule_codes.csv`` (taken from the per-year rule
catalogues); the implemented ones from the rule files, their variants and their years.
"""

from __future__ import annotations

import pytest

from ssda903.model import CollectionYear, supported_years
from ssda903.model.dfe_codes import rule_codes
from ssda903.rules import rules_for_year

YEARS = supported_years()


@pytest.mark.parametrize("year", YEARS, ids=str)
def test_every_code_of_the_year_is_implemented_and_no_other(year: CollectionYear) -> None:
    expected = {code for code, years in rule_codes().items() if year in years}
    implemented = {r.code for r in rules_for_year(year)}
    assert sorted(expected - implemented) == [], "codes of the year with no rule"
    assert sorted(implemented - expected) == [], "rules running in a year the code does not apply to"


def test_each_year_has_one_rule_per_code() -> None:
    for year in YEARS:
        codes = [r.code for r in rules_for_year(year)]
        assert len(codes) == len(set(codes)), f"{year}: a code runs twice"
