"""The engine: every rule gets an outcome, stage 2 is marked (or halted), crashes are contained, exit statuses."""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.parametrize("timed", [False, True])
def test_a_row_a_rule_gives_twice_is_one_finding(timed: bool) -> None:
    twice = make_rule("X1", f"{ENDS_BEFORE_START} UNION ALL {ENDS_BEFORE_START}", fields=["DEC", "DECOM"])
    result = run(dataset({"Episodes": EPISODES}), rules=[twice], timed=timed)
    assert (result.outcome("X1").status, result.outcome("X1").count) == ("failed", 1)
    f = result.findings()
    assert f[f.rule == "X1"]["row"].tolist() == [0]


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


def _by_rule(result, code: str) -> list[tuple[int, str | None]]:  # type: ignore[no-untyped-def]
    f = result.findings()
    part = f[f.rule == code]
    return [(int(r), None if a is None or a != a else a) for r, a in zip(part.row, part.after_stage1, strict=True)]


def test_stage_two_drops_a_hit_on_a_value_that_could_not_be_read() -> None:
    stage1 = make_rule("S1", DECOM_NOT_A_DATE, stage=1, fields=["DECOM"])
    # a stage 2 rule that treats a missing DECOM as a problem: on row 1 DECOM is given but is not a date,
    # so it would fire because of our reading, not the data
    stage2 = make_rule("S2", "SELECT _id FROM Episodes WHERE DECOM IS NULL OR DEC < DECOM", fields=["DECOM", "DEC"])
    result = run(dataset({"Episodes": EPISODES}), rules=[stage1, stage2])
    assert _by_rule(result, "S1") == [(1, None)]
    assert _by_rule(result, "S2") == [(0, None)]


BLANK_LS = [
    {"CHILD": "1", "DECOM": "01/05/2024", "DEC": "01/04/2024", "LS": "C2"},  # ends before it starts
    {"CHILD": "2", "DECOM": "01/05/2024", "DEC": "01/04/2024", "LS": ""},  # the same, and LS left blank
    {"CHILD": "3", "DECOM": "01/05/2024", "DEC": "01/04/2024", "LS": "ZZ"},  # the same, and LS not a code
    {"CHILD": "4", "DECOM": "01/05/2024", "DEC": "01/06/2024", "LS": ""},  # fine but for the blank LS
]
ENDS_BEFORE_START_OR_NO_LS = make_rule(
    "S2", "SELECT _id FROM Episodes WHERE DEC < DECOM OR LS IS NULL", fields=["DEC", "DECOM", "LS"]
)


def test_stage_two_reports_a_child_whose_input_failed_stage_one_and_marks_it() -> None:
    result = run(dataset({"Episodes": BLANK_LS}), rules=[ENDS_BEFORE_START_OR_NO_LS])
    # a blank required value (LOAD18) and a code not in the list (LOAD09) hide nothing: marked, not dropped
    assert _by_rule(result, "S2") == [(0, None), (1, "LOAD18"), (2, "LOAD09"), (3, "LOAD18")]
    o = result.outcome("S2")
    assert (o.count, o.after_stage1) == (4, 3)


def test_dfe_halting_drops_what_the_portal_would_not_show_yet() -> None:
    result = run(dataset({"Episodes": BLANK_LS}), rules=[ENDS_BEFORE_START_OR_NO_LS], halt_stage2=True)
    assert _by_rule(result, "S2") == [(0, None)]
    assert result.halt_stage2 and result.outcome("S2").after_stage1 == 0


def test_a_dfe_stage_one_rule_on_a_field_marks_the_stage_two_finding_with_its_code() -> None:
    stage1 = make_rule("101", "SELECT _id FROM Episodes WHERE LS = 'C2'", stage=1, fields=["LS"])
    result = run(dataset({"Episodes": BLANK_LS}), rules=[stage1, ENDS_BEFORE_START_OR_NO_LS])
    assert _by_rule(result, "S2")[0] == (0, "101")


def test_a_mark_follows_the_child_across_tables() -> None:
    # a stage 2 rule on Episodes reading the child's DOB from the Header: DOB left blank there
    header = [{"CHILD": "1", "SEX": "1", "DOB": "", "ETHNIC": "WBRI", "UPN": "UN1"}]
    rule = make_rule(
        "S3",
        "SELECT e._id FROM Episodes e JOIN Header h USING (CHILD) WHERE h.DOB IS NULL OR e.DEC < e.DECOM",
        fields=["DOB", "DECOM", "DEC"],
        tables=["Episodes", "Header"],
    )
    result = run(dataset({"Header": header, "Episodes": BLANK_LS[:1]}), rules=[rule])
    assert _by_rule(result, "S3") == [(0, "LOAD18")]


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


HEADER_ROW = {"CHILD": "1", "SEX": "M", "DOB": "01/01/2010", "ETHNIC": "WBRI", "UPN": "UN1", "MOTHER": "", "MC_DOB": ""}
EPISODE_ROW = {
    "CHILD": "1",
    "DECOM": "01/05/2024",
    "RNE": "S",
    "LS": "C2",
    "CIN": "N1",
    "PLACE": "U1",
    "PLACE_PROVIDER": "PR1",
    **dict.fromkeys(["DEC", "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"], ""),
}
NOTHING = "SELECT _id FROM Episodes WHERE false"


def test_exit_code_is_0_for_a_clean_return() -> None:
    result = run(
        dataset({"Header": [HEADER_ROW], "Episodes": [EPISODE_ROW]}), rules=[make_rule("X1", NOTHING, fields=["DECOM"])]
    )
    assert result.findings().empty, result.findings()
    assert result.exit_code == 0


def test_exit_code_is_1_for_a_load_error_alone() -> None:
    bad = {**EPISODE_ROW, "DECOM": "32/05/2024"}
    result = run(
        dataset({"Header": [HEADER_ROW], "Episodes": [bad]}), rules=[make_rule("X1", NOTHING, fields=["DECOM"])]
    )
    assert result.outcome("X1").status == "passed"
    assert result.exit_code == 1


def test_exit_code_is_3_when_a_rule_crashed_whatever_else_was_found() -> None:
    rules = [
        make_rule("X3", "SELECT _id FROM Episodes WHERE no_such_column = 1", fields=["DECOM"]),
        make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"]),
    ]
    result = run(dataset({"Header": [HEADER_ROW], "Episodes": EPISODES}), rules=rules)
    assert result.has_errors and result.exit_code == 3
    clean = run(dataset({"Header": [HEADER_ROW], "Episodes": [EPISODE_ROW]}), rules=rules[:1])
    assert clean.exit_code == 3


def test_a_return_without_a_required_table_is_not_clean() -> None:
    # a lone Header: every Episodes rule is not run, and that is an error, not a clean return
    result = run(dataset({"Header": [HEADER_ROW]}), rules=[make_rule("X1", NOTHING, fields=["DECOM"])])
    assert result.outcome("X1").status == "not run"
    f = result.findings()
    missing = f[f.rule == "LOAD20"]
    assert missing[["table", "period"]].values.tolist() == [["Episodes", "current"]]
    assert missing.row.isna().all() and "Episodes" in missing.message.iloc[0]
    assert result.outcome("LOAD20").status == "failed" and result.exit_code == 1


def test_an_absent_optional_table_gives_no_load20_and_running_twice_adds_none() -> None:
    ds = dataset({"Header": [HEADER_ROW], "Episodes": [EPISODE_ROW]})
    rule = make_rule("X4", "SELECT _id FROM OC3", fields=["IN_TOUCH"], tables=["OC3"])
    result = run(ds, rules=[rule])
    assert result.outcome("X4").status == "not run" and result.outcome("LOAD20").status == "passed"
    assert result.exit_code == 0
    only_header = dataset({"Header": [HEADER_ROW]})
    run(only_header, rules=[])
    assert run(only_header, rules=[]).outcome("LOAD20").count == 1


def test_every_finding_about_a_cell_has_its_row_column_and_value() -> None:
    rule = make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"])
    f = run(dataset({"Header": [HEADER_ROW], "Episodes": EPISODES}), rules=[rule]).findings()
    located = f[f.rule.isin(["X1", "LOAD07"])]
    assert located[["rule", "row", "column", "value"]].values.tolist() == [
        ["LOAD07", 1, "DECOM", "32/05/2024"],
        ["X1", 0, "DEC", "01/04/2024"],
    ]
    assert located.message.tolist() == [
        "'32/05/2024' in DECOM is not a date; write it DD/MM/YYYY, e.g. 05/11/2024.",
        "Test rule X1.",
    ]


def test_a_load_problem_on_a_row_is_located_on_it() -> None:
    from ssda903.problems import LoadProblem

    ds = dataset({"Header": [HEADER_ROW], "Episodes": [EPISODE_ROW]})
    file = ds.sources[-1].file
    ds.add_problem(
        LoadProblem("LOAD14", "Line 2 has more values than the header.", file=file, line=2, row=0, table="Episodes")
    )
    f = run(ds, rules=[]).findings()
    (hit,) = f[f.rule == "LOAD14"].to_dict("records")
    assert (hit["row"], hit["child"], hit["line"]) == (0, "1", 2)
    assert hit["_id"] == ds.sql("SELECT _id FROM raw.Episodes").fetchall()[0][0]  # on the row itself


def test_a_rule_needing_a_table_last_years_return_cannot_have_says_so(tmp_path: Path) -> None:
    import pandas as pd

    import ssda903

    current = {
        "Header": pd.DataFrame({"CHILD": ["1"], "SEX": ["M"], "DOB": ["01/01/2012"]}),
        "Episodes": pd.DataFrame({"CHILD": ["1"], "DECOM": ["01/05/2026"], "RNE": ["S"]}),
        "DoLo": pd.DataFrame({"CHILD": ["1"], "DOB": ["01/01/2012"], "DOLO_START": ["01/06/2026"]}),
    }
    (tmp_path / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC\n1,01/05/2025,S,C2,N1,U1,PR1,\n"
    )
    result = ssda903.validate(current, "2026/27", tmp_path, la="E09000027", rules=["706"])
    (outcome,) = [o for o in result.outcomes if o.rule == "706"]
    assert (outcome.status, outcome.detail) == (
        "not run",
        "needs: DoLo of the previous year, which 2025/26 returns do not have",
    )


def test_a_whole_table_expression_is_worked_out_once_and_read_by_the_rules_that_call_it() -> None:
    from ssda903.engine import rule_sql, shared_expressions

    episodes = [
        {"CHILD": "1", "DECOM": "01/05/2024", "DEC": "01/06/2024", "REC": "E11"},
        {"CHILD": "1", "DECOM": "01/08/2024", "DEC": "", "REC": ""},  # a second period of care
        {"CHILD": "2", "DECOM": "01/05/2024", "DEC": "", "REC": ""},
    ]
    later = make_rule("X6", "SELECT first_id AS _id FROM periods_of_care() WHERE period_no > 1", fields=["DECOM"])
    plain = make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"])
    assert shared_expressions([later, plain]) == ("periods_of_care",)
    assert "FROM shared_periods_of_care WHERE" in rule_sql(later, ("periods_of_care",))
    ds = dataset({"Episodes": episodes})
    result = run(ds, rules=[later, plain])
    assert result.outcome("X6").count == 1
    # the rule read the table worked out once, which holds what the expression gives
    direct = ds.con.execute("SELECT * FROM periods_of_care() ORDER BY CHILD, period_no").fetchall()
    assert ds.con.execute("SELECT * FROM shared_periods_of_care ORDER BY CHILD, period_no").fetchall() == direct
    f = result.findings()
    assert f[f.rule == "X6"].row.tolist() == [1]


def test_a_whole_table_expression_that_cannot_be_worked_out_stops_only_the_rules_that_call_it() -> None:
    episodes = [
        {"CHILD": "1", "DECOM": "01/05/2024", "DEC": "01/04/2024", "REC": "E11"},  # ends before it starts
        {"CHILD": "2", "DECOM": "01/05/2024", "DEC": "", "REC": ""},
    ]
    later = make_rule("X6", "SELECT first_id AS _id FROM periods_of_care() WHERE period_no > 1", fields=["DECOM"])
    plain = make_rule("X1", ENDS_BEFORE_START, fields=["DEC", "DECOM"])
    ds = dataset({"Episodes": episodes})
    finish(ds)
    ds.con.execute("DROP MACRO TABLE periods_of_care")  # as if the expression's SQL were broken
    result = run(ds, rules=[later, plain])
    assert result.outcome("X1").status == "failed"
    crashed = result.outcome("X6")
    assert crashed.status == "crashed"
    assert crashed.detail.startswith("periods_of_care() could not be worked out: ")
    assert result.exit_code == 3


@pytest.mark.parametrize("compress_from", [0, 10**12])
def test_files_and_statements_at_once_or_in_turn_and_compressed_or_not_give_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress_from: int
) -> None:
    import ssda903.typed as typed
    from ssda903.ingest import load
    from ssda903.synth import generate

    generate(300, "2024/25", 5, tmp_path, previous=True, error_rate=0.3)
    monkeypatch.setattr(typed, "COMPRESS_FROM_ROWS", compress_from)
    found = []
    for workers in ("1", "3"):
        monkeypatch.setenv("SSDA903_WORKERS", workers)
        ds = load(tmp_path, "2024/25", tmp_path / "previous", la="E09000027")
        assert ds.workers == int(workers)
        result = run(ds)
        assert not result.crashed
        assert set(ds.timings) == {"read", "type and check", "rules", "findings"}
        # every column but _id, the internal row key (reading files at once leaves gaps between files)
        found.append(result.findings().drop(columns="_id").to_csv(index=False))
        if compress_from == 0:  # the raw text was compressed before typing
            kinds = ds.con.execute("SELECT DISTINCT compression FROM pragma_storage_info('raw.Episodes')").fetchall()
            assert ("DICT_FSST",) in kinds
    assert found[0] == found[1]
    assert len(found[0].splitlines()) > 10


@pytest.mark.parametrize(("cores", "workers", "threads"), [(2, 2, 1), (8, 4, 2), (8, 1, 8), (1, 4, 1), (6, 4, 1)])
def test_statements_run_side_by_side_share_the_cores_and_one_alone_has_them_all(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int, threads: int
) -> None:
    import duckdb

    import ssda903.steps as steps

    monkeypatch.setattr(steps.os, "cpu_count", lambda: cores)
    con = duckdb.connect()
    con.execute(f"SET threads = {cores}; CREATE TABLE seen (threads BIGINT)")
    statements = ["INSERT INTO seen SELECT current_setting('threads')::BIGINT"] * 5
    assert steps.run_concurrently(con, statements, workers) == [None] * 5
    assert con.execute("SELECT list(threads) FROM seen").fetchone() == ([threads if workers > 1 else cores] * 5,)
    assert con.execute("SELECT current_setting('threads')").fetchone() == (cores,)  # all of them again
