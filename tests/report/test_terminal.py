"""The terminal summary printed by the CLI."""

from __future__ import annotations

from rich.console import Console

from ssda903.engine import Result
from ssda903.report import print_summary


def _text(result: Result) -> str:
    console = Console(record=True, width=160, color_system=None)
    print_summary(result, console)
    return console.export_text()


def test_headline_top_rules_and_what_did_not_run(result: Result) -> None:
    text = _text(result)
    assert "collection year 2024/25 (01/04/2024 to 31/03/2025), E09000027" in text
    assert "5 children in the Header. 5 errors (1.00 per child, 5 children), 1 query, 5 load problems." in text
    assert "Rules: 6 checked, 4 failed, 0 passed, 1 not run, 1 crashed." in text
    assert "The child or young person’s reported sex is not valid." in text
    assert "not run (needs: AD1): 9002 (1 rule)" in text
    assert "crashed 9001 Test rule 9001." in text and "no_such_column" in text
    assert "LOAD07 Value is not a date: 3" in text
    assert "Every rule ran and passed." not in text
    lines = text.splitlines()
    top = [ln for ln in lines if ln.startswith("│ ")]
    assert top[0].startswith("│ 101 ")  # most rows first


def test_clean_return_says_no_errors(clean_result: Result) -> None:
    text = _text(clean_result)
    assert "1 child in the Header. 0 errors (0.00 per child, 0 children), 0 queries, 0 load problems." in text
    assert "Rules: 1 checked, 0 failed, 1 passed, 0 not run, 0 crashed." in text
    assert "Every rule ran and passed." in text
    assert "not run (" not in text
