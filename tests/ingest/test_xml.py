"""DfE 903 XML: every table the format carries, CHILD/DOB/SEX from HEADER, lines of the elements."""

from __future__ import annotations

from pathlib import Path

from ingest_helpers import FIXTURES, load_fixtures, problems, raw, sources

from ssda903.dataset import Dataset
from ssda903.ingest import load_into
from ssda903.typed import finish

CARRIED = ["Header", "Episodes", "Reviews", "UASC", "OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm", "Missing"]


def test_every_table_of_the_format() -> None:
    ds = load_fixtures("return.xml")
    rows = {
        "Header": 3,
        "Episodes": 2,
        "Reviews": 2,
        "UASC": 2,
        "OC2": 1,
        "OC3": 1,
        "AD1": 1,
        "PlacedAdoption": 1,
        "PrevPerm": 1,
        "Missing": 1,
    }
    assert sources(ds) == [(t, "return.xml", rows[t]) for t in CARRIED] + [
        ("SWEpisodes", "return.xml", 1),
        ("DoLo", "return.xml", 1),
    ]
    assert problems(ds) == [
        ("LOAD04", "return.xml", 39, "FAVOURITE_COLOUR"),
        ("LOAD04", "return.xml", 64, "WORKER"),
        ("LOAD16", "return.xml", 102, ""),
    ]


def test_header_with_the_xml_only_uasc_flag() -> None:
    ds = load_fixtures("return.xml")
    assert raw(ds, "Header", 'CHILD, SEX, DOB, UPN, MOTHER, UASC, "FAVOURITE_COLOUR", _row, _line') == [
        ("C001", "F", "15/06/2012", "A123456789012", "0", "0", "green", 0, 5),
        ("C002", "M", "02/02/2006", "UN2", None, None, None, 1, 68),
        ("C003", "F", "01/01/2020", None, None, "1", None, 2, 82),
    ]


def test_child_level_tables_take_child_dob_and_sex_from_header() -> None:
    ds = load_fixtures("return.xml")
    # a UASC row when flagged (C003) or when DUC is given (C002); not for UASC 0 (C001)
    assert raw(ds, "UASC", "CHILD, SEX, DOB, DUC, _line") == [
        ("C002", "M", "02/02/2006", "02/02/2024", 75),
        ("C003", "F", "01/01/2020", None, 87),
    ]
    assert raw(ds, "Reviews", "CHILD, DOB, REVIEW, REVIEW_CODE, _row, _line") == [
        ("C001", "15/06/2012", "20/05/2024", "PN1", 0, 17),
        ("C001", "15/06/2012", "20/11/2024", " PN2 ", 1, 21),  # text kept exactly
    ]
    assert raw(ds, "OC3", "CHILD, DOB, IN_TOUCH, ACTIV, ACCOM, _line") == [
        ("C002", "02/02/2006", "YES", "F2", "U1", 76)
    ]
    assert raw(ds, "AD1", "CHILD, DATE_INT, LS_ADOPTR, _line") == [("C003", "01/05/2024", "L0", 88)]
    assert raw(ds, "PlacedAdoption", "CHILD, DOB, DATE_PLACED, _line") == [("C003", "01/01/2020", "01/06/2024", 94)]
    assert raw(ds, "PrevPerm", "CHILD, PREV_PERM, LA_PERM, _line") == [("C001", "Z1", None, 26)]
    assert raw(ds, "OC2", "CHILD, SDQ_SCORE, CONVICTED, HEALTH_CHECK, _line") == [("C001", "12", "0", None, 29)]
    assert raw(ds, "Missing", "CHILD, MISSING, MIS_START, MIS_END, _line") == [
        ("C001", "A", "03/09/2024", "04/09/2024", 12)
    ]
    assert raw(ds, "SWEpisodes", "CHILD, DOB, SW_ID, SW_DECOM, SW_DEC, _line") == [
        ("C001", "15/06/2012", "SW123", "01/04/2024", None, 33)
    ]
    assert raw(ds, "DoLo", "CHILD, DOLO_START, DOLO_END, _line") == [("C003", "01/02/2025", None, 97)]


def test_episodes_pl_is_place_and_blank_elements_stay_blank() -> None:
    ds = load_fixtures("return.xml")
    assert raw(ds, "Episodes", 'CHILD, DECOM, PLACE, DEC, REC, URN, "WORKER", _row, _line') == [
        ("C001", "10/01/2023", "U6", "01/08/2024", "X1", "SC000001", None, 0, 41),
        ("C001", "01/08/2024", "U4", None, None, None, "Ann", 1, 55),  # <DEC/>, whitespace-only <REC>, no <URN>
    ]


def test_empty_tables_are_supplied_not_missing(tmp_path: Path) -> None:
    ds = load_fixtures("namespaced.xml")  # UTF-16, with a default namespace
    assert sources(ds) == [(t, "namespaced.xml", 1 if t == "Header" else 0) for t in CARRIED]
    assert raw(ds, "Header", "CHILD, SEX, DOB") == [("C009", "F", "01/01/2015")]
    assert not ds.has("SWEpisodes")


def test_another_kind_of_xml() -> None:
    ds = load_fixtures("cin_census.xml")
    assert sources(ds) == []
    assert problems(ds) == [("LOAD11", "cin_census.xml", 2, "")]
    assert "children in need" in ds.problems[0].message


def test_not_xml_at_all() -> None:
    ds = load_fixtures("not_xml.xml")
    assert sources(ds) == []
    assert problems(ds) == [("LOAD01", "not_xml.xml", 1, "")]


def test_broken_xml_keeps_the_children_before_the_break() -> None:
    ds = load_fixtures("broken.xml")
    assert problems(ds)[-1] == ("LOAD01", "broken.xml", 70, "")
    assert "The 1 child before that point" in ds.problems[-1].message
    assert raw(ds, "Header", "CHILD") == [("C001",)]
    assert dict((t, n) for t, _, n in sources(ds))["Episodes"] == 2


def test_empty_and_declaration_only_files(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_bytes(b"")
    (tmp_path / "decl.xml").write_bytes(b'<?xml version="1.0"?>\n')
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "empty.xml", tmp_path / "decl.xml"], period="current")
    assert [(p.code, Path(p.file).name) for p in ds.problems] == [("LOAD10", "empty.xml"), ("LOAD01", "decl.xml")]


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    (tmp_path / "ent.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE EXPSSDA903 [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n'
        "<EXPSSDA903><CHILD><HEADER><CHILDID>&x;</CHILDID></HEADER></CHILD></EXPSSDA903>\n"
    )
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "ent.xml"], period="current")
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "?"
    assert raw(ds, "Header", "CHILD") == [(None,)]
    assert hostname not in str(raw(ds, "Header"))
    assert ds.problems == []


def test_large_line_numbers_are_exact(tmp_path: Path) -> None:
    # libxml2 once capped line numbers at 65535
    blank = "\n" * 70_000
    (tmp_path / "tall.xml").write_text(
        f"<EXPSSDA903>{blank}<CHILD><HEADER><CHILDID>C1</CHILDID></HEADER>\n<EPISODE><PL>U1</PL></EPISODE>"
        "</CHILD></EXPSSDA903>\n"
    )
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "tall.xml"], period="current")
    assert raw(ds, "Episodes", "CHILD, PLACE, _line") == [("C1", "U1", 70_002)]


def test_fixture_matches_the_spec_example() -> None:
    text = (FIXTURES / "return.xml").read_text()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<EXPSSDA903>')


def _findings(path: Path) -> set[tuple[str, str, int, str]]:
    from ssda903 import validate

    found = validate([path], "2024/25").findings()
    return {(f.rule, f.table, -1 if f.row != f.row else int(f.row), f.fields or "") for f in found.itertuples()}


def test_one_bad_date_of_birth_is_one_finding_wherever_the_reader_copies_it(tmp_path: Path) -> None:
    # the reader copies the child's DOB from HEADER into UASC, AD1, Missing, Reviews, OC2, PrevPerm and
    # PlacedAdoption; the user wrote it once, on line 8, so it is reported once, there (rule 102)
    bad = _findings(FIXTURES / "one_bad_dob.xml")
    good_file = tmp_path / "good_dob.xml"
    good_file.write_text((FIXTURES / "one_bad_dob.xml").read_text().replace("31/02/2012", "29/02/2012"))
    good = _findings(good_file)
    assert bad - good == {("102", "Header", 0, "DOB")}
    assert [f for f in bad if "DOB" in f[3].split(",")] == [("102", "Header", 0, "DOB")]


def test_copied_columns_are_recorded_on_each_source() -> None:
    ds = load_fixtures("one_bad_dob.xml")
    copied = {s.table: s.copied for s in ds.sources}
    assert copied["Header"] == ()
    assert copied["UASC"] == ("CHILD", "DOB", "SEX")
    assert copied["Reviews"] == copied["OC2"] == ("CHILD", "DOB")
    assert copied["Episodes"] == ("CHILD",)
    finish(ds)
    assert ds.con.execute("SELECT DISTINCT code, tbl, field FROM cell_problems").fetchall() == [
        ("LOAD07", "Header", "DOB")
    ]


def test_a_blank_childid_is_one_finding_not_one_per_table(tmp_path: Path) -> None:
    (tmp_path / "r.xml").write_text(
        "<EXPSSDA903><CHILD><HEADER><CHILDID/><SEX>F</SEX><DOB>01/01/2015</DOB>\n"
        "<AREVIEW><REVIEW>01/05/2024</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW></HEADER>\n"
        "<EPISODE><DECOM>01/05/2024</DECOM></EPISODE></CHILD></EXPSSDA903>\n"
    )
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "r.xml"], period="current")
    finish(ds)
    rows = "SELECT DISTINCT tbl FROM cell_problems WHERE code = 'LOAD18' AND field = 'CHILD'"
    assert ds.con.execute(rows).fetchall() == [("Header",)]


def _where(ds: Dataset) -> list[tuple[str, int | None, str]]:
    return [(p.code, p.line, p.column) for p in ds.problems]


def _xml(tmp_path: Path, body: str) -> Dataset:
    (tmp_path / "r.xml").write_text(f"<EXPSSDA903>\n{body}</EXPSSDA903>\n")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "r.xml"], period="current")
    return ds


def test_an_element_given_twice_keeps_the_first_and_reports_the_second(tmp_path: Path) -> None:
    ds = _xml(
        tmp_path,
        "<CHILD><HEADER><CHILDID>C1</CHILDID>\n<DOB>01/01/2015</DOB>\n<DOB>02/02/2016</DOB>\n<CHILD>C9</CHILD>\n"
        "</HEADER>\n<EPISODE><DECOM>01/05/2024</DECOM>\n<LS>C2</LS>\n<LS>V2</LS></EPISODE></CHILD>\n",
    )
    assert raw(ds, "Header", "CHILD, DOB") == [("C1", "01/01/2015")]
    assert raw(ds, "Episodes", "CHILD, LS") == [("C1", "C2")]
    assert [(p.code, p.line, p.table, p.column, p.value, p.row, p.child) for p in ds.problems] == [
        ("LOAD05", 5, "Header", "CHILD", "C9", 0, "C1"),  # CHILD is the CSV name of CHILDID
        ("LOAD05", 4, "Header", "DOB", "02/02/2016", 0, "C1"),
        ("LOAD05", 9, "Episodes", "LS", "V2", 0, "C1"),
    ]


def test_a_second_header_is_read_as_a_child_of_its_own(tmp_path: Path) -> None:
    ds = _xml(
        tmp_path,
        "<CHILD><HEADER><CHILDID>C1</CHILDID><DOB>01/01/2015</DOB></HEADER>\n"
        "<HEADER><CHILDID>C2</CHILDID><DOB>02/02/2016</DOB>\n"
        "<AREVIEW><REVIEW>01/05/2024</REVIEW></AREVIEW></HEADER>\n"
        "<EPISODE><DECOM>01/05/2024</DECOM></EPISODE></CHILD>\n",
    )
    assert raw(ds, "Header", "CHILD, DOB, _line") == [("C1", "01/01/2015", 2), ("C2", "02/02/2016", 3)]
    assert raw(ds, "Reviews", "CHILD, DOB") == [("C2", "02/02/2016")]
    assert raw(ds, "Episodes", "CHILD") == [("C1",)]
    assert _where(ds) == [("LOAD16", 3, "")]
    assert "second <HEADER>, for child 'C2'" in ds.problems[0].message


def test_elements_outside_child_are_reported_not_dropped(tmp_path: Path) -> None:
    ds = _xml(
        tmp_path,
        "<CHLD><HEADER><CHILDID>C0</CHILDID></HEADER></CHLD>\n"
        "<CHILD><HEADER><CHILDID>C1</CHILDID></HEADER></CHILD>\n"
        "<CHILDREN>\n<CHILD><HEADER><CHILDID>C2</CHILDID></HEADER></CHILD>\n"
        "<CHILD><HEADER><CHILDID>C3</CHILDID></HEADER></CHILD></CHILDREN>\n"
        "<!-- a comment -->\n",
    )
    assert raw(ds, "Header", "CHILD") == [("C1",)]
    assert _where(ds) == [("LOAD16", 2, ""), ("LOAD16", 4, "")]
    assert "<CHLD> directly under <EXPSSDA903>" in ds.problems[0].message
    assert "the 2 <CHILD> element(s) inside it were not read" in ds.problems[1].message


def test_child_dob_or_sex_inside_a_group_is_reported(tmp_path: Path) -> None:
    ds = _xml(
        tmp_path,
        "<CHILD><HEADER><CHILDID>C1</CHILDID><DOB>01/01/2015</DOB>\n"
        "<AREVIEW><REVIEW>01/05/2024</REVIEW>\n<DOB>02/02/2016</DOB></AREVIEW></HEADER></CHILD>\n",
    )
    assert raw(ds, "Reviews", "CHILD, DOB") == [("C1", "01/01/2015")]
    assert _where(ds) == [("LOAD16", 4, "DOB")]
    assert "the DOB given in the child's HEADER is used" in ds.problems[0].message
