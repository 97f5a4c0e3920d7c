"""CSV files in every awkward shape an authority's systems produce, each with its exact outcome."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from ingest_helpers import load_fixtures, problems, raw, sources

from ssda903.dataset import Dataset
from ssda903.ingest import load_into
from ssda903.ingest.csv import detect_encoding

NOTE = "Siân’s £5 café €"
HEADER_ROWS = [
    ("C001", "F", "15/06/2012", "WBRI", "A123456789012", "0", None),
    ("C002", "M", "02/02/2006", "OOTH", "UN2", None, None),
]
HEADER_COLUMNS = "CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("utf16le_bom.csv", "utf-16"),
        ("utf16le_nobom.csv", "utf-16-le"),
        ("utf16be_bom.csv", "utf-16"),
        ("utf8_bom.csv", "utf-8-sig"),
        ("cp1252.csv", "cp1252"),
    ],
)
def test_every_encoding_keeps_the_text_exactly(name: str, encoding: str) -> None:
    assert detect_encoding((Path(__file__).parents[1] / "fixtures" / "ingest" / name).read_bytes()) == encoding
    ds = load_fixtures(name)
    assert sources(ds) == [("Header", name, 2)]
    assert raw(ds, "Header", f'{HEADER_COLUMNS}, "Notes"') == [HEADER_ROWS[0] + (NOTE,), HEADER_ROWS[1] + (None,)]
    assert raw(ds, "Header", "_row, _line") == [(0, 2), (1, 3)]
    expected = [("LOAD04", name, 1, "Notes")]
    if encoding == "cp1252":
        expected.insert(0, ("LOAD13", name, None, ""))
    assert problems(ds) == expected


def test_utf8_file_with_a_stray_windows_byte_past_the_sample_is_read_mixed(tmp_path: Path) -> None:
    # valid UTF-8 (é) for more than the 64 KiB sample, then one Windows-1252 £ (0xA3)
    rows = "".join(f"C{i:05d},F,15/06/2012,WBRI,UN1,,,café\n" for i in range(3000))
    data = f"{HEADER_COLUMNS.replace(' ', '')},Notes\n{rows}".encode() + b"C99999,F,15/06/2012,WBRI,UN1,,,\xa35\n"
    path = tmp_path / "header.csv"
    path.write_bytes(data)
    ds = Dataset("2024/25")
    load_into(ds, [path], period="current")
    assert [p.code for p in ds.problems] == ["LOAD04", "LOAD13"]
    assert ds.sources[0].rows == 3001
    assert raw(ds, "Header", '"Notes"')[0] == ("café",)
    assert raw(ds, "Header", '"Notes", _line')[-1] == ("£5", 3002)


@pytest.mark.parametrize("name", ["semicolon.csv", "tab.tsv"])
def test_other_delimiters(name: str) -> None:
    ds = load_fixtures(name)
    assert sources(ds) == [("Header", name, 2)]
    assert problems(ds) == []
    assert raw(ds, "Header", HEADER_COLUMNS) == HEADER_ROWS


def test_header_only_file_supplies_the_table_with_no_rows() -> None:
    ds = load_fixtures("header_only.csv")
    assert sources(ds) == [("Episodes", "header_only.csv", 0)]
    assert ds.has("Episodes")
    assert problems(ds) == []


def test_empty_file() -> None:
    ds = load_fixtures("empty.csv")
    assert sources(ds) == []
    assert problems(ds) == [("LOAD10", "empty.csv", None, "")]


def test_binary_file_named_csv() -> None:
    ds = load_fixtures("binary.csv")
    assert sources(ds) == []
    assert problems(ds) == [("LOAD01", "binary.csv", None, "")]
    assert "not a CSV text file" in ds.problems[0].message


def test_crlf_line_endings_leave_no_carriage_return_in_values() -> None:
    ds = load_fixtures("crlf.csv")
    assert sources(ds) == [("Episodes", "crlf.csv", 2)]
    assert raw(ds, "Episodes", "URN, _line") == [("SC000001", 2), ("SC000001", 3)]


def test_quoted_fields_with_delimiters_quotes_and_line_breaks() -> None:
    ds = load_fixtures("quoted.csv")
    assert sources(ds) == [("Episodes", "quoted.csv", 3)]
    assert problems(ds) == []
    assert raw(ds, "Episodes", "CHILD, HOME_POST, PL_POST, _row, _line") == [
        ("C001", "XX2 2BB", "XX1, 1AA", 0, 2),
        ("C001", "XX2\n2BB", 'say "hi"', 1, 3),
        ("C002", "XX2 2BB", "XX3 3CC", 2, 5),  # the row before spans lines 3 and 4
    ]


def test_renamed_extra_duplicated_and_missing_columns() -> None:
    ds = load_fixtures("columns.csv")
    assert sources(ds) == [("Episodes", "columns.csv", 1)]
    assert problems(ds) == [
        ("LOAD04", "columns.csv", 1, "Worker"),
        ("LOAD05", "columns.csv", 1, "RNE"),
        ("LOAD03", "columns.csv", 1, "REASON_PLACE_CHANGE"),
    ]
    # "child" and " DECOM " are CHILD and DECOM; the first RNE wins, the second is kept beside it
    assert raw(ds, "Episodes", 'CHILD, DECOM, RNE, LS, REASON_PLACE_CHANGE, "Worker", "RNE (column 14)"') == [
        ("C001", "10/01/2023", "S", "C2", None, "Ann", "T")
    ]
    assert "the second is kept as 'RNE (column 14)'" in ds.problems[1].message


def test_two_files_for_one_table_are_both_loaded_and_reported() -> None:
    ds = load_fixtures("episodes_a.csv", "episodes_b.csv")
    assert sources(ds) == [("Episodes", "episodes_a.csv", 1), ("Episodes", "episodes_b.csv", 1)]
    assert problems(ds) == [("LOAD06", "episodes_b.csv", None, "")]
    assert raw(ds, "Episodes", "_file LIKE '%_a.csv', _row, DECOM") == [
        (True, 0, "10/01/2023"),
        (False, 0, "01/08/2024"),
    ]


def test_trailing_empty_columns_from_excel_are_dropped_quietly() -> None:
    ds = load_fixtures("trailing_columns.csv")
    assert sources(ds) == [("Header", "trailing_columns.csv", 2)]
    assert problems(ds) == []
    columns = [r[0] for r in ds.con.execute("DESCRIBE raw.Header").fetchall()]
    assert not [c for c in columns if c.startswith("(unnamed")]


def test_ragged_rows_short_ones_padded_long_ones_reported() -> None:
    ds = load_fixtures("ragged.csv")
    assert sources(ds) == [("Header", "ragged.csv", 3)]
    assert problems(ds) == [("LOAD14", "ragged.csv", 3, "")]
    assert ds.problems[0].row == 1
    assert raw(ds, "Header", 'CHILD, ETHNIC, "(unnamed column 8)"') == [
        ("C001", None, None),
        ("C002", "OOTH", "surplus,more"),  # every value beyond the header is kept
        ("C003", "OOTH", None),
    ]


def test_blank_lines_before_and_between_rows_keep_line_numbers_exact() -> None:
    ds = load_fixtures("blank_lines.csv")
    assert sources(ds) == [("Header", "blank_lines.csv", 2)]
    assert problems(ds) == []
    assert raw(ds, "Header", "CHILD, _row, _line") == [("C001", 0, 4), ("C002", 1, 7)]


def test_not_a_903_table() -> None:
    ds = load_fixtures("folder/notes.md")
    assert sources(ds) == []
    assert problems(ds) == [("LOAD02", "folder/notes.md", 1, "")]


def test_many_long_rows_are_reported_with_a_cap(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("CHILD,DOB,REVIEW,REVIEW_CODE\n" + "C1,01/01/2010,01/05/2024,PN1,x\n" * 60)
    ds = Dataset("2024/25")
    load_into(ds, [path], period="current")
    codes = [p.code for p in ds.problems]
    assert codes == ["LOAD14"] * 51
    assert ds.problems[-1].message.startswith("10 more line(s)")


def test_utf16_surrogates_and_bom_only(tmp_path: Path) -> None:
    bom_only = tmp_path / "bom.csv"
    bom_only.write_bytes(codecs.BOM_UTF16_LE)
    emoji = tmp_path / "emoji.csv"
    emoji.write_bytes(codecs.BOM_UTF16_LE + "CHILD,DOB,DUC,SEX\r\nC1😀,01/01/2010,,F\r\n".encode("utf-16-le"))
    ds = Dataset("2024/25")
    load_into(ds, [bom_only, emoji], period="current")
    assert [p.code for p in ds.problems] == ["LOAD10"]
    assert raw(ds, "UASC", "CHILD") == [("C1😀",)]


@pytest.mark.parametrize("ending", ["", "\n", "\r\n\r\n\r\n", "\n\n"])
def test_line_numbers_whatever_the_file_ends_with(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("CHILD,DOB,REVIEW,REVIEW_CODE\nC1,01/01/2010,01/05/2024,PN1\nC2,01/01/2011,02/05/2024,PN2" + ending)
    ds = Dataset("2024/25")
    load_into(ds, [path], period="current")
    assert ds.problems == []
    assert raw(ds, "Reviews", "CHILD, _line") == [("C1", 2), ("C2", 3)]


def test_every_value_beyond_the_header_is_kept_on_long_lines(tmp_path: Path) -> None:
    (tmp_path / "long.csv").write_text(
        "\nCHILD;SEX;DOB;ETHNIC;UPN;MOTHER;MC_DOB\n"
        'C001;F;15/06/2012;WBRI;"A1\n23";0;;x;"y;\nz";w\n'
        "\n"
        "C002;M;02/02/2006;OOTH;UN2;;;only\n"
    )
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "long.csv"], period="current")
    assert raw(ds, "Header", 'CHILD, UPN, "(unnamed column 8)", _line') == [
        ("C001", "A1\n23", "x;y;\nz;w", 3),
        ("C002", "UN2", "only", 7),
    ]
    assert [(p.code, p.line, p.value) for p in ds.problems] == [("LOAD14", 3, "x;y;\nz;w"), ("LOAD14", 7, "only")]
