"""Excel workbooks: one table per sheet or per workbook, typed cells written as the analyst typed them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from ingest_helpers import FIXTURES, load_fixtures, problems, raw, sources

from ssda903.dataset import Dataset
from ssda903.ingest import load, load_into
from ssda903.ingest.values import cell_text
from ssda903.typed import finish


def test_workbook_with_a_sheet_per_table() -> None:
    ds = load_fixtures("book.xlsx")
    assert sources(ds) == [("Header", "book.xlsx!Header", 3), ("Episodes", "book.xlsx!Episodes", 1)]
    assert problems(ds) == [
        ("LOAD24", "book.xlsx!Header", 2, ""),  # the title row above the header, said and located
        ("LOAD04", "book.xlsx!Episodes", None, "(unnamed column 15)"),
        ("LOAD02", "book.xlsx!Notes", 1, ""),
    ]
    assert "sheet 'Notes'" in ds.problems[2].message


def test_header_below_title_and_blank_rows_dates_numbers_and_text_codes() -> None:
    ds = load_fixtures("book.xlsx")
    assert raw(ds, "Header", "CHILD, DOB, MOTHER, MC_DOB, _row, _line") == [
        ("C001", "15/06/2012", "0", None, 0, 5),  # header on sheet row 4; 0.0 → "0"
        ("1002", "02/02/2006", None, None, 1, 6),  # a number typed in CHILD: 1002.0 → "1002"
        ("01", "03/03/2010", "1", "05/01/2024 14:30:00", 2, 8),  # text "01" kept; row 7 was empty
    ]
    columns = [r[0] for r in ds.con.execute("DESCRIBE raw.Header").fetchall()]
    assert not [c for c in columns if c.startswith("(unnamed")]  # formatting and "" past the header


def test_excel_dates_become_dates_in_the_typed_view() -> None:
    ds = load(FIXTURES / "book.xlsx", "2024/25")
    typed = ds.con.execute("SELECT DOB, MC_DOB FROM main.Header ORDER BY _id").fetchall()
    assert typed == [
        (dt.date(2012, 6, 15), None),
        (dt.date(2006, 2, 2), None),
        (dt.date(2010, 3, 3), dt.date(2024, 1, 5)),
    ]
    episodes = ds.con.execute("SELECT DECOM, DEC FROM main.Episodes").fetchall()
    assert episodes == [(dt.date(2023, 1, 10), dt.date(2024, 8, 1))]


def test_values_past_the_header_are_kept_and_reported() -> None:
    ds = load_fixtures("book.xlsx")
    assert raw(ds, "Episodes", 'CHILD, "(unnamed column 15)"') == [("C001", "stray")]


def test_one_table_per_workbook() -> None:
    ds = load_fixtures("episodes_only.xlsx")
    assert sources(ds) == [("Episodes", "episodes_only.xlsx!Sheet", 2)]
    assert problems(ds) == []
    assert raw(ds, "Episodes", "DECOM, DEC, _line") == [("10/01/2023", "01/08/2024", 2), ("01/08/2024", None, 3)]


def test_sheet_name_settles_a_table_with_only_shared_columns(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "UASC"
    ws.append(["CHILD", "SEX", "DOB"])  # no DUC: the columns alone match no table
    ws.append(["C1", "F", dt.date(2010, 1, 1)])
    other = wb.create_sheet("Header")
    other.append(["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"])  # named Header, holds episodes
    other.append(["C1", dt.date(2024, 4, 1), "S", "C2", "N1", "U1"])
    third = wb.create_sheet("Reviews")
    third.append(["CHILD", "DECOM", "RNE"])  # named Reviews, but two of its columns are Episodes columns
    third.append(["C1", dt.date(2024, 4, 1), "S"])
    wb.save(tmp_path / "named.xlsx")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "named.xlsx"], period="current")
    assert [(s.table, s.rows) for s in ds.sources] == [("UASC", 1), ("Episodes", 1)]
    assert ("LOAD03", "DUC") in [(p.code, p.column) for p in ds.problems]
    assert ("LOAD02", "named.xlsx!Reviews") in [(p.code, Path(p.file).name) for p in ds.problems]


def test_damaged_workbook(tmp_path: Path) -> None:
    data = (FIXTURES / "book.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "cut.xlsx"], period="current")
    assert [p.code for p in ds.problems] == ["LOAD01"]
    assert ds.sources == []


def test_workbook_without_data(tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "blank.xlsx")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "blank.xlsx"], period="current")
    assert [(p.code, p.message) for p in ds.problems] == [("LOAD10", "The workbook has no data in any sheet.")]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (-3.0, "-3"),
        (12, "12"),
        ("01", "01"),
        ("", None),
        (None, None),
        (float("nan"), None),
        (True, "TRUE"),
        (dt.date(2024, 3, 31), "31/03/2024"),
        (dt.datetime(2024, 3, 31), "31/03/2024"),
        (dt.datetime(2024, 3, 31, 9, 5, 7), "31/03/2024 09:05:07"),
        (dt.time(9, 5), "09:05:00"),
    ],
)
def test_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text


def test_a_sheet_copied_within_the_workbook_repeats_every_child(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Header"
    for row in (["CHILD", "SEX", "DOB"], ["C1", "F", "01/01/2015"], ["C2", "M", "01/01/2016"]):
        first.append(row)
    wb.copy_worksheet(first).title = "Header (2)"
    wb.save(tmp_path / "book.xlsx")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "book.xlsx"], period="previous")  # this year's repeats are INT32's
    finish(ds)
    assert [(p.code, Path(p.file).name, p.line, p.child) for p in ds.problems if p.code in ("LOAD06", "LOAD19")] == [
        ("LOAD06", "book.xlsx!Header (2)", None, None),
        ("LOAD19", "book.xlsx!Header (2)", 2, "C1"),
        ("LOAD19", "book.xlsx!Header (2)", 3, "C2"),
    ]
    assert "CHILD C1 is already on line 2 of book.xlsx!Header;" in ds.problems[-2].message


def test_a_title_row_above_the_header_is_a_located_warning_not_dropped_silently() -> None:
    ds = load_fixtures("book.xlsx")
    titles = [(p.line, p.value) for p in ds.problems if p.code == "LOAD24"]
    assert titles and all(line < 4 for line, _ in titles)  # the header is on sheet row 4
    assert all(value for _, value in titles)
