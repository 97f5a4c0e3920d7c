"""The findings CSV keeps the contract in DESIGN ("Output contract")."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ssda903.engine import Result
from ssda903.report import write

EXPECTED = """\
rule,period,table,row,child
101,current,Header,1,C2
101,current,Header,2,C3
101,current,Header,3,C4
9003,previous,Header,1,C9
9004,current,Header,0,C1
9005,current,Episodes,2,C5
LOAD02,current,,,
LOAD04,current,Header,,
LOAD07,current,Episodes,1,C2
LOAD07,current,Header,2,C3
"""


def test_findings_csv_is_exactly_the_contract(result: Result, tmp_path: Path) -> None:
    out = write(result, tmp_path / "findings.csv")
    assert out.read_bytes().decode("utf-8") == EXPECTED


def test_two_problems_on_one_row_give_one_line(result: Result, tmp_path: Path) -> None:
    f = result.findings()
    both = f[(f["rule"] == "LOAD07") & (f["table"] == "Episodes")]
    assert sorted(both["fields"]) == ["DEC", "DECOM"]  # the engine reports two cells on row 1 ...
    rows = list(csv.DictReader(write(result, tmp_path / "f.csv").open(encoding="utf-8")))
    assert [r for r in rows if r["rule"] == "LOAD07" and r["table"] == "Episodes"] == [
        {"rule": "LOAD07", "period": "current", "table": "Episodes", "row": "1", "child": "C2"}
    ]  # ... the CSV one line per (rule, row)


def test_file_level_problems_have_empty_row_and_child(result: Result, tmp_path: Path) -> None:
    rows = list(csv.DictReader(write(result, tmp_path / "f.csv").open(encoding="utf-8")))
    whole = [r for r in rows if r["row"] == ""]
    assert {(r["rule"], r["table"], r["child"]) for r in whole} == {("LOAD02", "", ""), ("LOAD04", "Header", "")}


def test_rows_are_sorted_by_rule_period_table_row(result: Result, tmp_path: Path) -> None:
    rows = list(csv.DictReader(write(result, tmp_path / "f.csv").open(encoding="utf-8")))
    keys = [(r["rule"], r["period"], r["table"], int(r["row"]) if r["row"] else -1) for r in rows]
    assert keys == sorted(keys)


def test_no_findings_gives_header_only(clean_result: Result, tmp_path: Path) -> None:
    assert write(clean_result, tmp_path / "f.csv").read_text(encoding="utf-8") == "rule,period,table,row,child\n"


def test_unknown_suffix_is_refused(result: Result, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.csv, \.json, \.xlsx, \.html"):
        write(result, tmp_path / "report.pdf")


def test_child_with_a_comma_is_quoted(tmp_path: Path) -> None:
    from ssda903.engine import run
    from ssda903.ingest import load
    from ssda903.rules import rules_for_year

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "Header.csv").write_text(
        'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"A,1",Q,01/02/2010,WBRI,A123456789012,,\n', encoding="utf-8"
    )
    r = run(load([tmp_path / "in"], "2024/25"), rules=rules_for_year("2024/25", ["101"]))
    text = write(r, tmp_path / "f.csv").read_text(encoding="utf-8")
    assert text.splitlines()[1] == '101,current,Header,0,"A,1"'


def test_an_unwritable_path_is_an_oserror(result: Result, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write(result, tmp_path / "no such folder" / "findings.csv")


def test_a_path_with_a_quote_is_written(result: Result, tmp_path: Path) -> None:
    assert write(result, tmp_path / "o'brien.csv").read_text(encoding="utf-8") == EXPECTED


def test_findings_table_is_the_csv_as_a_dataframe(result: Result, tmp_path: Path) -> None:
    from ssda903.report.findings_csv import findings_table

    t = findings_table(result)
    assert list(t.columns) == ["rule", "period", "table", "row", "child"]
    assert len(t) == len(EXPECTED.splitlines()) - 1
    assert t.iloc[0].tolist() == ["101", "current", "Header", 1, "C2"]
