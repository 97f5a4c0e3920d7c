"""The terminal summary printed by the CLI."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from ssda903.engine import Result
from ssda903.report import print_summary


def _text(result: Result, width: int = 160, reports: list[Path] | None = None) -> str:
    console = Console(record=True, width=width, color_system=None)
    print_summary(result, console, reports=reports)
    return console.export_text()


def test_headline_what_to_fix_first_and_what_did_not_run(result: Result) -> None:
    text = _text(result)
    assert "collection year 2024/25 (01/04/2024 to 31/03/2025), E09000027" in text
    assert "5 children in the Header. 5 errors (1.00 per child, 5 children), 1 query, 5 load problems." in text
    assert "Rules: 6 for the year: 4 failed, 0 passed, 1 not run, 1 crashed." in text
    assert "The child or young person’s reported sex is not valid." in text
    assert "not run (needs: AD1): 9002 (1 rule)" in text
    assert "crashed 9001 Test rule 9001." in text and "no_such_column" in text
    assert "Every rule ran and passed." not in text
    lines = text.splitlines()
    first = lines.index(next(ln for ln in lines if ln.startswith("Fix first")))
    then = lines.index(next(ln for ln in lines if ln.startswith("Then")))
    codes = [ln.split("│")[1].strip() for ln in lines[first:then] if ln.startswith("│ ") and ln.split("│")[1].strip()]
    # stage 1 and load errors, most rows first; the stage 2 rule 9005 and the query 9004 come after
    assert codes == ["101", "LOAD07", "9003", "LOAD02"]
    later = [ln.split("│")[1].strip() for ln in lines[then:] if ln.startswith("│ ")]
    assert later == ["9004", "9005"]
    assert "LOAD04 Column not part of the 903 table: 1" in text  # a warning, listed apart


def test_an_incomplete_run_says_so_plainly(result: Result) -> None:
    text = _text(result)
    assert "INCOMPLETE: 1 rule crashed" in text and "exit status 3" in text
    assert "Not every rule ran: 1 rule did not run" in text


def test_says_which_report_to_open(result: Result, tmp_path: Path) -> None:
    text = _text(result, reports=[tmp_path / "findings.csv", tmp_path / "report.xlsx"])
    detail = text[text.index("Detail: open ") :]
    assert detail.index("report.xlsx") < detail.index("findings.csv")  # the workbook first
    assert "run again with" not in text


def test_without_a_report_says_how_to_get_one(result: Result) -> None:
    assert "--report report.xlsx" in _text(result)


def test_nothing_is_cut_when_narrow(result: Result) -> None:
    text = _text(result, width=60)  # narrower than a pipe's default 80
    assert "…" not in text
    words = set(text.replace("│", " ").split())
    for message in ("The child or young person’s reported sex is not valid.", "Distance could not be worked out."):
        assert set(message.split(" ")) <= words


def test_clean_return_says_no_errors(clean_result: Result) -> None:
    text = _text(clean_result)
    assert "1 child in the Header. 0 errors (0.00 per child, 0 children), 0 queries, 0 load problems." in text
    assert "Rules: 1 for the year: 0 failed, 1 passed, 0 not run, 0 crashed." in text
    assert "Every rule ran and passed." in text
    assert "not run (" not in text and "INCOMPLETE" not in text
