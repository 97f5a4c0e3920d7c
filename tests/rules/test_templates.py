"""The rule templates refuse parameters they cannot use, so a typo in a rule file fails when the rules load."""

from __future__ import annotations

import pytest

from ssda903.rules.templates import TemplateError, render


def test_status_spell_template_takes_a_legal_status_and_a_number_of_days() -> None:
    sql = render("status_spell_longer_than", {"status": "L2", "max_days": 21})
    assert "e.LS = 'L2'" in sql and "> 21" in sql
    with pytest.raises(TemplateError, match="not a legal status"):
        render("status_spell_longer_than", {"status": "L9", "max_days": 21})
    with pytest.raises(TemplateError, match="whole number of days"):
        render("status_spell_longer_than", {"status": "L2", "max_days": "21"})
