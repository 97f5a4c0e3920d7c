"""Typing and value checks: every value the loader reads otherwise than as written is a located finding."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import duckdb
import pytest

import ssda903
from ssda903 import report
from ssda903.dataset import Dataset
from ssda903.engine import run
from ssda903.ingest.frames import load_frames
from ssda903.model import load_model
from ssda903.rules import all_rules
from ssda903.sql import TYPED_EXPR, TYPED_HALVES, vocabulary_sql
from ssda903.typed import finish

HEADER = {"CHILD": "1", "SEX": "M", "DOB": "01/01/2021", "ETHNIC": "WBRI", "UPN": "UN1", "MOTHER": "", "MC_DOB": ""}
EPISODE = {
    "CHILD": "1",
    "DECOM": "01/05/2024",
    "RNE": "S",
    "LS": "C2",
    "CIN": "N1",
    "PLACE": "U1",
    "PLACE_PROVIDER": "PR1",
    "DEC": "",
    "REC": "",
    "REASON_PLACE_CHANGE": "",
    "HOME_POST": "SW1A 1AA",
    "PL_POST": "SW1A 2AA",
    "URN": "SC123456",
}


def findings(header: dict, episode: dict) -> list[tuple[str, str, str, str]]:
    """(rule, column, value, message) of every finding on the one Header and one Episodes row."""
    ds = Dataset("2024/25", la="E09000033")
    load_frames(ds, {"Header": [header], "Episodes": [episode]}, period="current")
    f = run(ds).findings()
    return sorted(zip(f["rule"], f["column"], f["value"], f["message"], strict=True))


def test_a_clean_row_gives_no_finding() -> None:
    assert findings(HEADER, EPISODE) == []


def test_a_lower_case_or_padded_code_fails_the_dfe_rule_for_the_item_and_says_what_to_write() -> None:
    got = findings(HEADER | {"SEX": "m"}, EPISODE | {"LS": " c2"})
    assert [(r, c, v) for r, c, v, _ in got] == [("101", "SEX", "m"), ("144", "LS", " c2")]
    messages = {r: m for r, _, _, m in got}
    assert messages["144"].startswith("The legal status code is not a valid code.")
    assert "write 'C2'" in messages["144"] and "write 'M'" in messages["101"]


def test_every_date_in_another_form_is_its_own_located_finding() -> None:
    got = findings(HEADER | {"DOB": "2021-01-01"}, EPISODE | {"DECOM": "01/05/2024 00:00:00"})
    assert [(r, c, v) for r, c, v, _ in got] == [
        ("LOAD15", "DECOM", "01/05/2024 00:00:00"),
        ("LOAD15", "DOB", "2021-01-01"),
    ]
    assert "was read as 01/01/2021" in got[1][3]


#: date texts that read as dates, some written as the DfE writes them and most not
DATE_FORMS = [
    "05/11/2024", "31/12/1999", "29/02/2024", "5/11/2024", "05/1/2024", "5/1/2024", " 05/11/2024",
    "05/11/2024 ", "\t05/11/2024", "05/11/2024\r", "\u00a005/11/2024", " 5/11/2024", "05/11/024x",
    "2024-11-05", "2024-11-05 00:00:00", "2024-11-05T00:00:00", "05/11/2024 00:00:00", "01/01/1900",
    "31/02/2024", "05/11/1899", "", "not a date", "05/11/20245", "005/11/2024",
]  # fmt: skip


def test_load15_is_said_of_exactly_the_dates_not_written_dd_mm_yyyy() -> None:
    # the oracle: the date as read, printed back the DfE's way, differs from the text given
    con = duckdb.connect()
    con.execute(vocabulary_sql("base"))
    read_as = {x: con.execute("SELECT strftime(as_date($x), '%d/%m/%Y')", {"x": x}).fetchone()[0] for x in DATE_FORMS}
    expected = sorted(x for x, dfe in read_as.items() if dfe is not None and dfe != x)
    assert "5/11/2024" in expected and " 05/11/2024" in expected and "05/11/2024" not in expected
    ds = Dataset("2024/25", la="E09000033")
    rows = [HEADER | {"CHILD": str(i), "DOB": x} for i, x in enumerate(DATE_FORMS)]
    load_frames(ds, {"Header": rows}, period="current")
    finish(ds)
    got = ds.con.execute(
        "SELECT value, expected FROM cell_problems WHERE code = 'LOAD15' AND field = 'DOB' ORDER BY value"
    ).fetchall()
    assert [v for v, _ in got] == expected
    assert all(said == read_as[v] for v, said in got)  # each says what it was read as


def test_a_tidied_value_without_a_dfe_code_rule_is_load21_saying_what_it_was_read_as() -> None:
    got = findings(HEADER | {"CHILD": " 1"}, EPISODE | {"PL_POST": "sw1a 2aa"})
    assert [(r, c, v) for r, c, v, _ in got] == [("LOAD21", "CHILD", " 1"), ("LOAD21", "PL_POST", "sw1a 2aa")]
    assert "was read as 'SW1A 2AA'" in got[1][3]


def test_text_converted_from_windows_1252_is_a_finding_per_cell(tmp_path: Path) -> None:
    folder = tmp_path / "return"
    folder.mkdir()
    head = ",".join(HEADER) + "\n" + ",".join(HEADER.values()).replace("UN1", "UN1") + "\n"
    (folder / "header.csv").write_bytes(head.encode("cp1252"))
    episodes = ",".join(EPISODE) + "\n" + ",".join(EPISODE.values()).replace("SC123456", "SC12345é") + "\n"
    (folder / "episodes.csv").write_bytes(episodes.encode("cp1252"))
    result = ssda903.validate(folder, "2024/25", la="E09000033")
    f = result.findings()
    cells = f[f.rule == "LOAD22"]
    assert cells[["table", "row", "column", "value"]].values.tolist() == [["Episodes", 0, "URN", "SC12345é"]]


def test_the_excel_workbook_marks_a_tidied_cell(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ds = Dataset("2024/25", la="E09000033")
    load_frames(ds, {"Header": [HEADER], "Episodes": [EPISODE | {"PL_POST": "sw1a 2aa"}]}, period="current")
    result = run(ds)
    report.write(result, tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")["Episodes"]
    head = {c.value: c.column for c in ws[1]}
    assert ws.cell(2, head["PL_POST"]).comment is not None
    assert "LOAD21" in ws.cell(2, head["PL_POST"]).comment.text


# ---------------------------------------------------------------------- one SQL vocabulary, browser-safe
#: functions a DuckDB-WASM page cannot count on (extensions, the clock, time zones, Python)
NOT_IN_THE_BROWSER = re.compile(
    r"\b(current_date|current_timestamp|now|today|get_current_time|json\w*|to_json|from_json|"
    r"timezone|icu_\w+|read_csv\w*|read_parquet|py_\w+)\s*\(",
    re.I,
)


def test_the_vocabulary_and_every_rule_use_only_functions_a_browser_page_has() -> None:
    texts = {"the vocabulary": vocabulary_sql()} | {f"rule {r.code} {r.variant}": r.sql for r in all_rules()}
    offending = {name: NOT_IN_THE_BROWSER.findall(text) for name, text in texts.items()}
    assert {k: v for k, v in offending.items() if v} == {}


@pytest.mark.parametrize("year", ["2023/24", "2024/25", "2025/26"])
def test_year_meanings_follow_the_model(year: str) -> None:
    ds = finish(Dataset(year))
    male = "1" if year == "2023/24" else "M"
    other = "Z1" if year != "2025/26" else "Z12"
    row = ds.con.execute(f"SELECT is_male('{male}'), is_male('F'), is_other_placement('{other}')").fetchone()
    assert row == (True, False, True)
    assert {c for (c,) in ds.con.execute("SELECT code FROM meaning WHERE name = 'is_male'").fetchall()} == {male}
    assert load_model().meaning_rows(year)


def test_a_row_blank_in_every_column_is_one_warning_and_no_rule_fires_on_it(tmp_path: Path) -> None:
    folder = tmp_path / "return"
    folder.mkdir()
    (folder / "header.csv").write_text(
        ",".join(HEADER) + "\n" + ",".join(HEADER.values()) + "\n" + "," * (len(HEADER) - 1) + "\n"
    )
    (folder / "episodes.csv").write_text(",".join(EPISODE) + "\n" + ",".join(EPISODE.values()) + "\n")
    result = ssda903.validate(folder, "2024/25", la="E09000033")
    f = result.findings()
    assert f[["rule", "table", "row", "severity"]].values.tolist() == [["LOAD23", "Header", 1, "warning"]]
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("dob", "years", "day"),
    [("2008-06-15", 17, "2025-06-15"), ("2008-02-29", 16, "2024-02-29"), ("2008-02-29", 17, "2025-02-28")],
)
def test_birthday_is_the_first_day_age_on_reaches_the_age(dob: str, years: int, day: str) -> None:
    con = duckdb.connect()
    con.execute(vocabulary_sql("base"))
    got, age_then, age_before = con.execute(
        f"SELECT birthday(DATE '{dob}', {years}), age_on(DATE '{dob}', DATE '{day}'), "
        f"age_on(DATE '{dob}', DATE '{day}' - 1)"
    ).fetchone()
    assert (str(got), age_then, age_before) == (day, years, years - 1)


def test_a_required_value_is_left_blank_only_in_a_file_that_has_its_column(tmp_path: Path) -> None:
    from ssda903.ingest import load_into

    def write(name: str, rows: list[dict[str, str]]) -> Path:
        path = tmp_path / name
        path.write_text("\n".join([",".join(rows[0]), *(",".join(r.values()) for r in rows)]) + "\n")
        return path

    blank = {**EPISODE, "LS": " ", "DECOM": "", "RNE": "s"}  # a code and a date left blank; a code tidied
    unreadable = {**EPISODE, "CHILD": "2", "DECOM": "1st May"}  # a date given but unreadable: not blank
    without_cin = {k: v for k, v in EPISODE.items() if k != "CIN"} | {"CHILD": "3"}  # LOAD03 once, not LOAD18
    files = [write("episodes.csv", [blank, unreadable]), write("episodes_later.csv", [without_cin])]
    ds = Dataset("2024/25", la="E09000033")
    load_into(ds, files, period="current")
    finish(ds)
    found = ds.con.execute(
        "SELECT code, r._file, field, value FROM cell_problems JOIN all_rows r USING (_id) ORDER BY _id, code, field"
    ).fetchall()
    assert [(code, Path(file).name, field, value) for code, file, field, value in found] == [
        ("LOAD18", "episodes.csv", "DECOM", None),
        ("LOAD18", "episodes.csv", "LS", " "),
        ("LOAD21", "episodes.csv", "RNE", "s"),
        ("LOAD07", "episodes.csv", "DECOM", "1st May"),
    ]
    assert [(p.code, p.column) for p in ds.problems if p.code == "LOAD03"] == [("LOAD03", "CIN")]


# ---------------------------------------------------------------------- typing in two halves
#: text as users' files give it: padded, tabbed, line ends, non-breaking spaces, lower case, blanks
ODD_TEXT = [
    "", " ", "\t", "\u00a0", "\u00a0\t \r\n", " c1 ", "\tc1\r\n", "c1\u00a0", "a b", "\f", "é ",
    "12", " +3 ", "-0", "1.5", "1e3", "01/02/2024", " 01/02/2024\u00a0", "2024-02-01", "2024-02-01 00:00:00",
    "2024-02-01T10:11:12", "31/02/2024", "01/01/1899", "1/2/2024", "not a date",
]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(TYPED_HALVES))
def test_a_typed_table_reads_each_value_as_its_typing_macro_does(kind: str) -> None:
    """The typed tables type in two halves (tidied inside, read outside); the rules and the
    repeats call the one macro (TYPED_EXPR). Both must give the same value for any text."""
    con = duckdb.connect()
    con.execute(vocabulary_sql("base"))
    inner, outer = TYPED_HALVES[kind]
    rows = con.execute(
        f"SELECT x, {TYPED_EXPR[kind].format(c='x')}, (SELECT {outer.format(c='t')} FROM "
        f"(SELECT {inner.format(c='x')} AS t)) FROM (SELECT unnest(?::VARCHAR[]) AS x UNION ALL SELECT NULL)",
        [ODD_TEXT],
    ).fetchall()
    assert [r for r in rows if r[1] != r[2] and not (r[1] is None and r[2] is None)] == []


def test_typing_reads_what_an_analyst_meant() -> None:
    con = duckdb.connect()
    con.execute(vocabulary_sql("base"))
    got = con.execute(
        "SELECT as_code(' c1' || chr(9)), blank_to_null(chr(160) || chr(9)), as_date(' 2024-02-01 '), "
        "as_date('01/01/1899'), as_int(' +3 '), as_int('1.5'), as_decimal(' 2.5 ')"
    ).fetchone()
    assert got == ("C1", None, datetime.date(2024, 2, 1), None, 3, None, 2.5)


def test_has_text_is_whether_a_value_is_not_blank() -> None:
    con = duckdb.connect()
    con.execute(vocabulary_sql("base"))
    rows = con.execute(
        "SELECT x, has_text(x), blank_to_null(x) IS NOT NULL FROM (SELECT unnest(?::VARCHAR[]) AS x)", [ODD_TEXT]
    ).fetchall()
    assert [r for r in rows if r[1] != r[2]] == []
    assert con.execute("SELECT has_text(NULL)").fetchone() == (None,)
