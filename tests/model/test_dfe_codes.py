"""The list of every 903 rule code per year, used to say which codes are still to come."""

from __future__ import annotations

import pytest

from ssda903.model import CollectionYear, supported_years
from ssda903.model.dfe_codes import is_community_check, rule_codes, years_of
from ssda903.rules import rules_for_year


@pytest.mark.parametrize("year", supported_years(), ids=str)
def test_every_rule_we_run_is_a_903_code_of_its_year(year: CollectionYear) -> None:
    assert [r.code for r in rules_for_year(year) if year not in years_of(r.code)] == []


def test_codes_are_looked_up_in_any_case_and_years_are_read() -> None:
    assert years_of("503d") == years_of("503D") == tuple(supported_years())
    assert years_of("SW01aSTG1") == (CollectionYear(2024),)
    assert years_of("999Z") == ()
    assert len(rule_codes()) > 300


def test_community_checks_are_told_apart() -> None:
    assert is_community_check("INT01") and is_community_check("EPI") and not is_community_check("503D")
