"""The Excel workbook, opened with openpyxl: failing cells are filled and commented where the findings say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ssda903.engine import Result
from ssda903.report import write
from ssda903.report import xlsx as xlsx_module

ERROR_FILL = "FFFFC7CE"
QUERY_FILL = "FFFFEB9C"


@pytest.fixture(scope="module")
def book(result: Result, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = write(result, tmp_path_factory.mktemp("xlsx") / "report.xlsx")
    return openpyxl.load_workbook(path)


def _fill(cell: Any) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


def _header(ws: Any) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(values_only=True))


def test_sheets_in_order(book: Any) -> None:
    assert book.sheetnames == [
        "Summary",
        "Outcomes",
        "Findings",
        "Load problems",
        "101",
        "9003",
        "9004",
        "9005",
        "LOAD07",
        "Header",
        "Episodes",
        "Header (previous year)",
    ]


def test_input_table_keeps_text_as_typed_and_every_column(book: Any) -> None:
    ws = book["Header"]
    head = _header(ws)
    assert list(head) == ["Line", "CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", "NOTES", "File"]
    c3 = ws.cell(4, head["SEX"])
    assert (c3.value, c3.data_type) == ("=1+1", "s")  # text, never a formula
    notes = ws.cell(4, head["NOTES"])
    assert (notes.value, notes.data_type) == ('=HYPERLINK("http://example.invalid")', "s")
    assert ws.cell(4, head["Line"]).value == 4
    assert ws.cell(4, head["File"]).value.endswith("current/Header.csv")


def test_every_finding_is_a_filled_commented_cell(result: Result, book: Any) -> None:
    f = result.findings()
    located = f[f["_id"].notna() & (f["fields"] != "PL_DISTANCE")]
    assert len(located) == 8
    for rule, period, table, row, fields, severity in zip(
        located["rule"],
        located["period"],
        located["table"],
        located["row"],
        located["fields"],
        located["severity"],
        strict=True,
    ):
        ws = book[table + (" (previous year)" if period == "previous" else "")]
        head = _header(ws)
        for field in fields.split(","):
            cell = ws.cell(int(row) + 2, head[field])
            assert _fill(cell) == (ERROR_FILL if severity == "error" else QUERY_FILL), (rule, table, row, field)
            assert cell.comment is not None and f"{rule}: " in cell.comment.text


def test_cells_without_findings_are_plain(book: Any) -> None:
    ws = book["Header"]
    head = _header(ws)
    plain = [ws.cell(r, c) for r in range(2, 7) for c in (head["ETHNIC"], head["CHILD"], head["NOTES"])]
    assert all(_fill(c) is None and c.comment is None for c in plain)
    assert _fill(ws.cell(6, head["SEX"])) is None  # C5, sex F


def test_comment_names_every_rule_on_the_cell(book: Any) -> None:
    ws = book["Header"]
    head = _header(ws)
    assert ws.cell(4, head["SEX"]).comment.text == "101: The child or young person’s reported sex is not valid."
    assert (
        ws.cell(4, head["DOB"]).comment.text
        == "LOAD07: '31/02/2012' in DOB is not a date; write it DD/MM/YYYY, e.g. 05/11/2024."
    )


def test_a_rule_on_a_worked_out_field_marks_the_child_cell(book: Any) -> None:
    ws = book["Episodes"]
    head = _header(ws)
    child = ws.cell(4, head["CHILD"])  # C5's episode, row 2
    assert child.value == "C5"
    assert _fill(child) == ERROR_FILL and child.comment.text == "9005: Distance could not be worked out."


def test_rule_sheet_has_code_message_and_values(book: Any) -> None:
    rows = _rows(book["101"])
    assert rows[0][:2] == ("101", "The child or young person’s reported sex is not valid.")
    assert rows[1][1] == "3 rows, 3 children. Severity: error."
    assert rows[4] == ("Child", "Table", "File", "Line", "SEX")
    body = [(r[0], r[1], r[3], r[4]) for r in rows[5:]]
    assert body == [
        ("C2", "Header", 3, "X"),
        ("C3", "Header", 4, "=1+1"),
        ("C4", "Header", 5, "<script>alert(1)</script>"),
    ]
    prev = _rows(book["9003"])
    assert prev[5][:2] == ("C9", "Header (previous year)")


def test_load_rule_sheet_says_what_was_expected(book: Any) -> None:
    rows = _rows(book["LOAD07"])
    assert rows[4] == ("Child", "Table", "File", "Line", "Problem", "DEC", "DECOM", "DOB")
    decom = [r for r in rows[5:] if r[6] == "not a date"]
    assert decom and decom[0][4] == "'not a date' in DECOM is not a date; write it DD/MM/YYYY, e.g. 05/11/2024."


def test_findings_sheet_has_the_csv_columns_and_every_finding(result: Result, book: Any) -> None:
    rows = _rows(book["Findings"])
    assert rows[0] == (
        "Rule",
        "Period",
        "Table",
        "Row",
        "Child",
        "Severity",
        "Stage",
        "File",
        "Line",
        "Column",
        "Value",
        "Message",
        "After stage 1",
    )
    assert len(rows) - 1 == len(result.findings())
    (c3,) = [r for r in rows[1:] if r[0] == "101" and r[4] == "C3"]
    assert c3[:7] == ("101", "current", "Header", 2, "C3", "error", 1)
    assert c3[8:12] == (4, "SEX", "=1+1", "The child or young person’s reported sex is not valid.")


def test_outcomes_sheet_lists_every_rule_with_status(book: Any) -> None:
    rows = {r[0]: r for r in _rows(book["Outcomes"])[1:]}
    assert rows["9002"][2] == "not run" and rows["9002"][6] == "needs: AD1"
    assert rows["9001"][2] == "crashed" and "no_such_column" in rows["9001"][6]
    assert rows["101"][2:4] == ("failed", 3)
    assert rows["LOAD01"][2] == "passed"


def test_summary_sheet_headline_and_not_run(book: Any) -> None:
    labels = {r[0]: r[1] for r in _rows(book["Summary"]) if r[0]}
    assert labels["Children in the Header"] == 5
    assert labels["Errors per child"] == 1
    assert labels["Load problems"] == "4 errors, 1 warning"
    assert "NOT checked" in labels["Not every rule ran"]
    assert "Comments capped" not in labels


def test_comments_are_capped_and_the_summary_says_so(result: Result, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(result, tmp_path / "r.xlsx", max_comments=2))
    comments = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment]
    filled = [
        c
        for name in ("Header", "Episodes", "Header (previous year)")
        for row in book[name].iter_rows(min_row=2)
        for c in row
        if _fill(c)
    ]
    assert len(comments) == 2 and len(filled) == 10
    labels = {r[0]: r[1] for r in _rows(book["Summary"]) if r[0]}
    assert labels["Comments capped"].startswith("Comments were added to the first 2 flagged cells only; 8 more")


def test_a_table_longer_than_a_sheet_continues_on_the_next(
    result: Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_module, "MAX_ROWS", 3)  # a header and two rows per sheet
    monkeypatch.setattr(xlsx_module, "BATCH", 2)
    book = openpyxl.load_workbook(write(result, tmp_path / "r.xlsx"))
    assert [n for n in book.sheetnames if n.startswith("Header (")] == [
        "Header (2)",
        "Header (3)",
        "Header (previous year)",
    ]
    children = [r[1] for n in ("Header", "Header (2)", "Header (3)") for r in _rows(book[n])[1:]]
    assert children == ["C1", "C2", "C3", "C4", "C5"]
    ws = book["Header (2)"]
    sex = ws.cell(3, _header(ws)["SEX"])  # C4 is the second row of the second sheet
    assert sex.value == "<script>alert(1)</script>" and _fill(sex) == ERROR_FILL


def test_sheet_names_fit_excel() -> None:
    used: set[str] = set()
    names = [
        xlsx_module._sheet_name(n, used) for n in ["PlacedAdoption (previous year)", "a/b:c*d?[e]", "A" * 40, "a" * 40]
    ]
    assert all(len(n) <= 31 for n in names)
    assert names[1] == "a-b-c-d--e-"
    assert names[3] == "a" * 27 + " (2)"  # unique without regard to case, as Excel requires


def test_workbook_without_the_input_tables(result: Result, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(result, tmp_path / "r.xlsx", tables=False))
    assert "Header" not in book.sheetnames and "101" in book.sheetnames
    labels = {r[0]: r[1] for r in _rows(book["Summary"]) if r[0]}
    assert "rule sheets list every finding" in labels["Input tables left out"]
