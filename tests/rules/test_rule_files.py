"""Meta-tests: every rule file has what a rule needs, and declares what its SQL reads."""

from __future__ import annotations

import re

import pytest

from ssda903.model import load_model
from ssda903.rules import Rule, all_rules, strip_sql

RULES = all_rules()
COLUMNS = {c for t in load_model().all_tables for c in t.columns}
# columns that join rows of one child or identify it; reading them is not "using a field"
KEYS = {"CHILD", "DOB"}


def _ids(rules: tuple[Rule, ...]) -> list[str]:
    return [f"{r.code}{'-' + r.variant if r.variant else ''}" for r in rules]


def columns_read(sql: str) -> set[str]:
    """Upper-case identifiers in the SQL that are model column names.

    Comments, string literals and table references (after FROM/JOIN or a schema prefix,
    e.g. the UASC table beside the Header's UASC column) are not columns.
    """
    text = strip_sql(sql)
    text = re.sub(r"\b(?:FROM|JOIN)\s+(?:\w+\.)?\w+", " ", text, flags=re.I)
    text = re.sub(r"\b(?:raw_previous|previous|raw|main)\.\w+", " ", text)
    return {w for w in re.findall(r"\b[A-Z][A-Z0-9_]*\b", text) if w in COLUMNS}


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_rule_is_complete(rule: Rule) -> None:
    assert rule.message, "a DfE message"
    assert len(rule.why) > 40, "a why of at least a sentence"
    assert rule.stage in (1, 2)
    assert rule.severity in ("error", "query")
    assert rule.tables, "the tables it reports on"
    assert rule.fields, "the fields it concerns"
    names = {t.name for t in load_model().all_tables}
    assert set(rule.tables) <= names, f"unknown tables {set(rule.tables) - names}"


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_rule_has_passing_and_failing_examples(rule: Rule) -> None:
    assert any(not e.fails for e in rule.examples), "at least one passing example"
    assert any(e.fails for e in rule.examples), "at least one failing example"


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_declared_fields_are_the_columns_the_sql_reads(rule: Rule) -> None:
    read = columns_read(rule.sql)
    declared = set(rule.fields)
    assert declared <= read | {"PL_DISTANCE", "PL_LA", "PL_LOCATION"}, f"declared but not read: {declared - read}"
    assert read - KEYS <= declared, f"read but not declared: {read - KEYS - declared}"


def test_codes_are_unique_per_year() -> None:
    seen: dict[tuple[str, str], str] = {}
    for r in RULES:
        for y in r.years:
            key = (r.code, y.label)
            assert key not in seen, f"{r.code} has two variants in {y}"
            seen[key] = r.variant
