"""Meta-tests: every rule file has what a rule needs, and declares what its SQL reads."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from ssda903.model import load_model
from ssda903.rules import (
    Rule,
    RuleError,
    all_rules,
    expression_columns,
    parse_rule_file,
    skeleton,
    strip_sql,
    unfinished,
)

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
    # a field may be read through an expression the rule calls (episode_neighbours() orders by DECOM)
    through = {c for name in rule.calls for c in expression_columns()[name]}
    allowed = read | through | {"PL_DISTANCE", "PL_LA", "PL_LOCATION"}
    assert declared <= allowed, f"declared but not read: {declared - allowed}"
    assert read - KEYS <= declared, f"read but not declared: {read - KEYS - declared}"


def test_codes_are_unique_per_year() -> None:
    seen: dict[tuple[str, str], str] = {}
    for r in RULES:
        for y in r.years:
            key = (r.code, y.label)
            assert key not in seen, f"{r.code} has two variants in {y}"
            seen[key] = r.variant


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_rule_is_not_a_placeholder(rule: Rule) -> None:
    assert unfinished(rule) == []


def test_the_new_rule_skeleton_fails_the_meta_tests_until_filled_in() -> None:
    (rule,) = parse_rule_file(yaml.safe_load(skeleton("999X")), "999X.yaml")
    problems = unfinished(rule)
    assert "the message still says TODO" in problems and "no example fails" in problems


@pytest.mark.parametrize("key", ["valid_form", "optinal", "sqll"])
def test_a_misspelt_key_is_an_error_naming_the_file_and_the_key(key: str) -> None:
    data = yaml.safe_load(skeleton("999X"))
    if key == "sqll":
        data["query"] = {"sqll": "SELECT 1"}
    else:
        data["variants"] = [{"name": "later", key: "2025/26"}]
    with pytest.raises(RuleError, match=rf"999X\.yaml: unknown key `{key}`"):
        parse_rule_file(data, "999X.yaml")


def test_params_are_written_into_the_sql_and_a_variant_overrides_only_what_changed() -> None:
    data = yaml.safe_load(skeleton("999X"))
    data["params"] = {"places": ["T0", "T1"], "cut_off": dt.date(2015, 3, 31)}
    data["query"] = {"sql": "SELECT _id FROM Episodes WHERE PLACE IN {{places}} AND DEC > {{ cut_off }}"}
    data["variants"] = [{"name": "t1_dropped", "valid_from": "2025/26", "params": {"places": ["T0"]}}]
    base, later = parse_rule_file(data, "999X.yaml")
    assert base.sql.endswith("PLACE IN ('T0', 'T1') AND DEC > DATE '2015-03-31'")
    assert later.sql.endswith("PLACE IN ('T0') AND DEC > DATE '2015-03-31'") and not later.own_sql


@pytest.mark.parametrize(
    ("params", "sql", "error"),
    [
        ({}, "SELECT _id FROM Episodes WHERE PLACE IN {{places}}", r"uses \['places'\] but `params` does not give"),
        ({"places": ["T0"], "unused": 1}, "SELECT _id FROM Episodes WHERE PLACE IN {{places}}", "does not use"),
    ],
)
def test_params_and_sql_must_agree(params: dict, sql: str, error: str) -> None:
    data = yaml.safe_load(skeleton("999X")) | {"params": params, "query": {"sql": sql}}
    with pytest.raises(RuleError, match=error):
        parse_rule_file(data, "999X.yaml")


def _sql_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in strip_sql(text).splitlines() if line.strip()]


def _rule_files() -> list[tuple[str, dict]]:
    folder = Path(str(resources.files("ssda903.rules").joinpath("catalogue")))
    return [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.yaml"))]


@pytest.mark.parametrize(("code", "data"), _rule_files(), ids=[c for c, _ in _rule_files()])
def test_no_variant_repeats_its_base_query(code: str, data: dict) -> None:
    """A dated change overrides parameters (or uses a year-dependent meaning such as is_male); a
    variant whose own SQL is mostly its base's is the copy-per-year decay the schema exists to stop."""
    base = (data.get("query") or {}).get("sql") or ""
    for v in data.get("variants") or []:
        own = (v.get("query") or {}).get("sql")
        if not own or not base:
            continue
        same = difflib.SequenceMatcher(None, _sql_lines(base), _sql_lines(own)).ratio()
        assert same < 0.5, f"{code} variant {v['name']} repeats {same:.0%} of its base query: use params"


def test_each_variant_amends_the_rule_as_the_variant_before_left_it() -> None:
    data = yaml.safe_load(skeleton("999X"))
    data["params"] = {"places": ["H5"], "min_age": 14}
    data["query"] = {"sql": "SELECT _id FROM Episodes WHERE PLACE IN {{places}} AND {{min_age}} > 0"}
    data["variants"] = [  # in any order in the file: they apply by date
        {"name": "k3_replaces_h5", "valid_from": "2024/25", "params": {"places": ["K3"]}},
        {"name": "sixteen", "valid_from": "2023/24", "valid_until": "2023/24", "params": {"min_age": 16}},
    ]
    got = {r.variant: (r.params["places"], r.params["min_age"]) for r in parse_rule_file(data, "999X.yaml")}
    assert got == {"": (["H5"], 14), "sixteen": (["H5"], 16), "k3_replaces_h5": (["K3"], 16)}
