"""DfE 903 XML: every table the format carries, CHILD/DOB/SEX from HEADER, lines of the elements."""

from __future__ import annotations

from pathlib import Path

from ingest_helpers import FIXTURES, load_fixtures, problems, raw, sources

from ssda903.dataset import Dataset
from ssda903.ingest import load_into

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
