"""The findings CSV keeps the contract in DESIGN ("Output contract")."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ssda903.engine import Result
from ssda903.report import write
from ssda903.report.findings_csv import HEADER

DATA = Path(__file__).parent / "data"

#: the contract's first five columns, one line per finding (two bad dates on one row: two lines)
FIRST_FIVE = """\
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
LOAD07,current,Episodes,1,C2
LOAD07,current,Header,2,C3
"""


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8", newline="")))


def test_header_keeps_the_contract_first_then_the_columns_to_work_from() -> None:
    assert HEADER[:5] == ["rule", "period", "table", "row", "child"]
    assert HEADER[5:] == ["severity", "stage", "file", "line", "column", "value", "message", "after_stage1"]


def test_first_five_columns_keep_their_meaning(result: Result, tmp_path: Path) -> None:
    rows = list(csv.reader(write(result, tmp_path / "findings.csv").open(encoding="utf-8", newline="")))
    assert "\n".join(",".join(r[:5]) for r in rows) + "\n" == FIRST_FIVE


def test_a_rule_finding_can_be_worked_from_alone(result: Result, tmp_path: Path) -> None:
    rows = _rows(write(result, tmp_path / "f.csv"))
    (c3,) = [r for r in rows if r["rule"] == "101" and r["child"] == "C3"]
    assert c3 == {
        "rule": "101",
        "period": "current",
        "table": "Header",
        "row": "2",
        "child": "C3",
        "severity": "error",
        "stage": "1",
        "file": str(DATA / "current" / "Header.csv"),
        "line": "4",
        "column": "SEX",
        "value": "=1+1",  # exactly as typed
        "message": "The child or young person’s reported sex is not valid.",
        "after_stage1": "",
    }
    (query,) = [r for r in rows if r["rule"] == "9004"]
    assert (query["severity"], query["column"], query["value"]) == ("query", "UPN", "A123456789012")


def test_each_bad_cell_is_its_own_line_with_its_column_and_value(result: Result, tmp_path: Path) -> None:
    rows = _rows(write(result, tmp_path / "f.csv"))
    cells = [(r["line"], r["column"], r["value"], r["message"]) for r in rows if r["rule"] == "LOAD07"]
    assert cells == [
        ("3", "DEC", "never", "'never' in DEC is not a date; write it DD/MM/YYYY, e.g. 05/11/2024."),
        ("3", "DECOM", "not a date", "'not a date' in DECOM is not a date; write it DD/MM/YYYY, e.g. 05/11/2024."),
        ("4", "DOB", "31/02/2012", "'31/02/2012' in DOB is not a date; write it DD/MM/YYYY, e.g. 05/11/2024."),
    ]


def test_file_level_problems_have_empty_row_and_child(result: Result, tmp_path: Path) -> None:
    rows = _rows(write(result, tmp_path / "f.csv"))
    whole = [r for r in rows if r["row"] == ""]
    assert {(r["rule"], r["table"], r["child"], r["column"]) for r in whole} == {
        ("LOAD02", "", "", ""),
        ("LOAD04", "Header", "", "NOTES"),
    }
    assert all(r["message"] and r["file"] for r in whole)


def test_rows_are_sorted_by_rule_period_table_row(result: Result, tmp_path: Path) -> None:
    rows = _rows(write(result, tmp_path / "f.csv"))
    keys = [(r["rule"], r["period"], r["table"], int(r["row"]) if r["row"] else -1) for r in rows]
    assert keys == sorted(keys)


def test_no_findings_gives_header_only(clean_result: Result, tmp_path: Path) -> None:
    assert write(clean_result, tmp_path / "f.csv").read_text(encoding="utf-8") == ",".join(HEADER) + "\n"


def test_unknown_suffix_is_refused(result: Result, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.xlsx, \.html, \.json or \.csv \(also \.htm\)"):
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
    assert text.splitlines()[1].startswith('101,current,Header,0,"A,1",error,')


def test_an_unwritable_path_is_an_oserror(result: Result, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write(result, tmp_path / "no such folder" / "findings.csv")


def test_a_path_with_a_quote_is_written(result: Result, tmp_path: Path) -> None:
    assert write(result, tmp_path / "o'brien.csv").read_bytes() == write(result, tmp_path / "f.csv").read_bytes()


def test_findings_table_is_the_csv_as_a_dataframe(result: Result, tmp_path: Path) -> None:
    from ssda903.report.findings_csv import findings_table

    t = findings_table(result)
    assert list(t.columns) == HEADER
    assert len(t) == len(FIRST_FIVE.splitlines()) - 1
    assert t.iloc[0].tolist()[:5] == ["101", "current", "Header", 1, "C2"]
