"""Rows that repeat one already given (LOAD19): located on the repeating row, naming the first.

A child repeated in this year's Header, AD1, OC2, OC3, PrevPerm or UASC is the DfE's INT31-36
instead (one finding per repeat, not two); last year's return and the reviews keep LOAD19.
"""

from __future__ import annotations

from pathlib import Path

from ssda903.dataset import Dataset
from ssda903.ingest import load_into
from ssda903.typed import finish

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def _load(tmp_path: Path, files: dict[str, str], previous: dict[str, str] | None = None) -> Dataset:
    ds = Dataset("2024/25")
    for period, given in (("current", files), ("previous", previous or {})):
        folder = tmp_path / period
        folder.mkdir()
        for name, text in given.items():
            (folder / name).write_text(text)
        if given:
            load_into(ds, [folder / name for name in given], period=period)
    finish(ds)
    return ds


def _repeats(ds: Dataset) -> list[tuple[str, str, str, int | None, int | None, str | None, str, str | None]]:
    return [
        (p.period, p.table, Path(p.file).name, p.row, p.line, p.child, p.column, p.value)
        for p in ds.problems
        if p.code == "LOAD19"
    ]


def test_a_child_twice_in_last_years_header_is_reported_on_the_second_row(tmp_path: Path) -> None:
    ds = _load(
        tmp_path,
        {"header.csv": HEADER + "C9,F,01/01/2015,WBRI,UN1,,\n"},
        previous={
            "header.csv": HEADER
            + "C1,F,01/01/2015,WBRI,UN1,,\nC2,M,01/01/2016,WBRI,UN1,,\n C1 ,F,01/01/2015,WBRI,UN1,,\n"
            + "C1,F,01/01/2015,WBRI,UN1,,\n,M,01/01/2016,WBRI,UN1,,\n,M,01/01/2016,WBRI,UN1,,\n"
        },
    )
    # " C1 " is C1 to every rule; rows with no CHILD are LOAD18, not repeats of each other
    assert _repeats(ds) == [
        ("previous", "Header", "header.csv", 2, 4, "C1", "CHILD", " C1 "),
        ("previous", "Header", "header.csv", 3, 5, "C1", "CHILD", "C1"),
    ]
    messages = [p.message for p in ds.problems if p.code == "LOAD19"]
    assert messages[0] == (
        "CHILD C1 is already on line 2 of header.csv; the DfE return holds each child once in Header. "
        "Keep one of the rows."
    )
    assert ds.row_count("Header", "previous") == 6  # both rows are kept


def test_a_child_twice_in_this_years_tables_is_left_to_the_dfe_internal_checks(tmp_path: Path) -> None:
    from ssda903.engine import run

    oc2 = "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
    oc2 += "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
    files = {"header.csv": HEADER + "C1,F,01/01/2015,WBRI,UN1,,\nC1,F,01/01/2015,WBRI,UN1,,\n"}
    files["oc2.csv"] = oc2 + "C1,01/01/2015,,,,,,,,,,\n" * 2
    ds = _load(tmp_path, files)
    assert _repeats(ds) == []
    result = run(ds, ["INT32", "INT33"])
    found = result.findings().query("rule != 'LOAD20'")[["rule", "table", "row"]].to_records(index=False).tolist()
    assert found == [("INT32", "Header", 0), ("INT32", "Header", 1), ("INT33", "OC2", 0), ("INT33", "OC2", 1)]


def test_repeats_across_files_of_last_years_return(tmp_path: Path) -> None:
    oc2 = "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
    oc2 += "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
    ds = _load(
        tmp_path,
        {"header.csv": HEADER + "C1,F,01/01/2015,WBRI,UN1,,\n"},
        previous={
            "oc2_a.csv": oc2 + "C1,01/01/2015,,,,,,,,,,\n",
            "oc2_b.csv": oc2 + "C2,01/01/2015,,,,,,,,,,\nC1,,,,,,,,,,,\n",
        },
    )
    assert _repeats(ds) == [("previous", "OC2", "oc2_b.csv", 1, 3, "C1", "CHILD", "C1")]
    assert "CHILD C1 is already on line 2 of oc2_a.csv" in next(p.message for p in ds.problems if p.code == "LOAD19")


def test_a_review_given_twice_for_one_child_and_date(tmp_path: Path) -> None:
    reviews = "CHILD,DOB,REVIEW,REVIEW_CODE\n"
    reviews += "C1,01/01/2015,01/05/2024,PN1\nC1,01/01/2015,01/06/2024,PN1\nC2,01/01/2015,01/05/2024,PN1\n"
    reviews += "C1,01/01/2015,2024-05-01,PN2\nC1,01/01/2015,,PN1\nC1,01/01/2015,,PN1\n"
    ds = _load(tmp_path, {"reviews.csv": reviews})
    assert _repeats(ds) == [("current", "Reviews", "reviews.csv", 3, 5, "C1", "CHILD,REVIEW", "C1,2024-05-01")]
    assert [p.message for p in ds.problems if p.code == "LOAD19"] == [
        "A review of CHILD C1 on 2024-05-01 is already on line 2 of reviews.csv; "
        "the DfE return holds each review once. Keep one of the rows."
    ]


def test_episodes_on_one_start_date_are_left_to_dfe_rule_501(tmp_path: Path) -> None:
    episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    episodes += "C1,01/05/2024,S,C2,N1,U1,PR1,,,,,,\n" * 2
    ds = _load(tmp_path, {"episodes.csv": episodes})
    assert _repeats(ds) == []


def test_a_child_twice_in_xml_is_one_finding_not_one_per_table(tmp_path: Path) -> None:
    child = (
        "<CHILD><HEADER><CHILDID>C1</CHILDID><DOB>01/01/2015</DOB>\n"
        "<AREVIEW><REVIEW>01/05/2024</REVIEW></AREVIEW>\n<OC2><CONVICTED>0</CONVICTED></OC2>\n"
        "<PERMANENCE><PREV_PERM>Z1</PREV_PERM></PERMANENCE></HEADER></CHILD>\n"
    )
    twice = "<OC2><CONVICTED>0</CONVICTED></OC2>\n<AREVIEW><REVIEW>01/05/2024</REVIEW></AREVIEW>\n"
    again = child.replace("</HEADER>", twice + "</HEADER>")
    ds = _load(
        tmp_path,
        {"h.csv": HEADER + "C9,F,01/01/2015,WBRI,UN1,,\n"},
        {"r.xml": f"<EXPSSDA903>\n{child}{again}</EXPSSDA903>\n"},
    )
    # the second CHILD element repeats the child: one finding on its Header row; within it,
    # OC2 and the review are given twice, and each of those is a repeat of its own
    assert _repeats(ds) == [
        ("previous", "Header", "r.xml", 1, 6, "C1", "CHILD", "C1"),
        ("previous", "OC2", "r.xml", 2, 9, "C1", "CHILD", "C1"),
        ("previous", "Reviews", "r.xml", 2, 10, "C1", "CHILD,REVIEW", "C1,01/05/2024"),
    ]


def test_typing_again_does_not_report_twice(tmp_path: Path) -> None:
    from ssda903.typed import finish

    ds = _load(tmp_path, {"h.csv": HEADER}, {"header.csv": HEADER + "C1,F,01/01/2015,WBRI,UN1,,\n" * 2})
    ds.finished = False
    finish(ds)
    assert len(_repeats(ds)) == 1
