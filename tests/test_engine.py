"""The engine: every rule gets an outcome, stage 2 is gated, crashes are contained."""

from __future__ import annotations

import pytest

from ssda903.dataset import Dataset
from ssda903.engine import run
from ssda903.ingest.frames import load_frames
from ssda903.problems import KINDS
from ssda903.rules import Rule, parse_rule_file
from ssda903.typed import finish


def make_rule(code: str, sql: str, *, stage: int = 2, fields: list[str], tables: list[str] | None = None) -> Rule:
    return parse_rule_file(
        {
            "code": code,
            "message": f"Test rule {code}.",
            "why": "A rule made up for testing the engine, with enough words to pass.",
            "stage": stage,
            "tables": tables or ["Episodes"],
            "fields": fields,
            "query": {"sql": sql},
        }
    )[0]


def dataset(current: dict, previous: dict | None = None, year: str = "2024/25") -> Dataset:
    ds = Dataset(year)
    load_frames(ds, current, period="current")
    if previous is not None:
        load_frames(ds, previous, period="previous")
    return ds


EPISODES = [
    {"CHILD": "1", "DECOM": "01/05/2024", "DEC": "01/04/2024"},  # ends before it starts
    {"CHILD": "2", "DECOM": "32/05/2024", "DEC": "01/04/2024"},  # DECOM is not a date
    {"CHILD": "3", "DECOM": "01/05/2024", "DEC": ""},
]
ENDS_BEFORE_START = "SELECT _id FROM Episodes WHERE DEC < DECOM"
DECOM_NOT_A_DATE = "SELECT _id FROM raw.Episodes WHERE as_date(DECOM) IS NULL AND blank_to_null(DECOM) IS NOT NULL"


def test_failed_rule_reports_rows_and_children() -> None:
    result = run(dataset({"Episodes": EPISODES}), rules=[make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"])])
    o = result.outcome("X1")
    assert (o.status, o.count) == ("failed", 1)
    f = result.findings()
    rows = f[f.rule == "X1"][["period", "table", "row", "child"]].values.tolist()
    assert rows == [["current", "Episodes", 0, "1"]]


def test_passed_rule() -> None:
    result = run(
        dataset({"Episodes": EPISODES[2:]}), rules=[make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"])]
    )
    assert result.outcome("X1").status == "passed"
    assert not result.has_errors or all(r.startswith("LOAD") for r in result.findings().rule)


def test_rule_needing_an_absent_table_is_not_run_and_says_which() -> None:
    rule = make_rule("X2", "SELECT e._id FROM Episodes e JOIN previous.Episodes p USING (CHILD)", fields=["DECOM"])
    result = run(dataset({"Episodes": EPISODES}), rules=[rule])
    o = result.outcome("X2")
    assert o.status == "not run"
    assert o.detail == "needs: Episodes of the previous year"


def test_crashing_rule_is_contained_and_reported() -> None:
    rules = [
        make_rule("X3", "SELECT _id FROM Episodes WHERE no_such_column = 1", fields=["DECOM"]),
        make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"]),
    ]
    result = run(dataset({"Episodes": EPISODES}), rules=rules)
    assert result.outcome("X3").status == "crashed"
    assert "no_such_column" in result.outcome("X3").detail
    assert result.outcome("X1").status == "failed"


def test_stage_two_is_silent_where_its_field_failed_stage_one() -> None:
    stage1 = make_rule("S1", DECOM_NOT_A_DATE, stage=1, fields=["DECOM"])
    # a stage 2 rule that (wrongly) treats a missing DECOM as a problem would flag row 1 as noise
    stage2 = make_rule("S2", "SELECT _id FROM Episodes WHERE DECOM IS NULL OR DEC < DECOM", fields=["DECOM", "DEC"])
    result = run(dataset({"Episodes": EPISODES}), rules=[stage1, stage2])
    f = result.findings()
    assert f[f.rule == "S1"].row.tolist() == [1]
    assert f[f.rule == "S2"].row.tolist() == [0]


def test_load_value_problem_gives_way_to_the_dfe_stage_one_rule_on_the_same_cell() -> None:
    stage1 = make_rule("S1", DECOM_NOT_A_DATE, stage=1, fields=["DECOM"])
    f = run(dataset({"Episodes": EPISODES}), rules=[stage1]).findings()
    assert "LOAD07" not in set(f[f.fields == "DECOM"].rule)
    f_without = run(dataset({"Episodes": EPISODES}), rules=[]).findings()
    assert f_without[f_without.rule == "LOAD07"].row.tolist() == [1]


def test_every_load_check_has_an_outcome() -> None:
    result = run(dataset({"Episodes": EPISODES}), rules=[])
    codes = {o.rule for o in result.outcomes}
    assert set(KINDS) <= codes
    assert result.outcome("LOAD07").status == "failed"
    assert result.outcome("LOAD11").status == "passed"


def test_findings_are_sorted_by_rule_period_table_row() -> None:
    rules = [
        make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"]),
        make_rule("A0", "SELECT _id FROM Episodes", fields=["DECOM"]),
    ]
    f = run(dataset({"Episodes": EPISODES}), rules=rules).findings()
    keys = list(zip(f.rule, f.period, f.table, f.row.fillna(-1), strict=True))
    assert keys == sorted(keys)


@pytest.mark.parametrize("year", ["2022/23", "2026/27"])
def test_reference_dates_follow_the_year(year: str) -> None:
    ds = dataset({"Episodes": EPISODES}, year=year)
    start, end = finish(ds).sql("SELECT collection_start(), collection_end()").fetchall()[0]
    assert (start.year, end.year) == (int(year[:4]), int(year[:4]) + 1)
