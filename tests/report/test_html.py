"""The HTML page: self-contained, escaped, and showing what did not run."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ssda903.engine import Result
from ssda903.report import build, write
from ssda903.report.html_page import render_html


@pytest.fixture(scope="module")
def page(result: Result, tmp_path_factory: pytest.TempPathFactory) -> str:
    return write(result, tmp_path_factory.mktemp("html") / "report.html").read_text(encoding="utf-8")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(page)
    return p.tags


def test_user_data_is_escaped(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    scripts = [t for t, _ in _tags(page) if t == "script"]
    assert len(scripts) == 1  # ours, inline


def test_nothing_is_loaded_from_anywhere(page: str) -> None:
    tags = _tags(page)
    assert not [a for t, a in tags if t in ("script", "img", "iframe") and a.get("src")]
    assert not [a for t, a in tags if t == "link"]
    assert not re.search(r"(?i)(src|href)\s*=\s*[\"']?(https?:)?//", page)
    csp = [a for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_headline_and_not_run_and_crashed_are_visible(page: str) -> None:
    assert "SSDA903 validation report 2024/25" in page
    assert "01/04/2024 to 31/03/2025" in page
    assert "1 rule(s) did not run and 1 crashed" in page
    assert "needs: AD1: <b>9002</b>" in page
    assert "no_such_column" in page


def test_outcome_table_rows_carry_their_status_for_the_filter(page: str) -> None:
    rows = {a.get("data-status") for t, a in _tags(page) if t == "tr" and "data-status" in a}
    assert rows == {"failed", "not run", "crashed"}
    buttons = [a.get("data-status") for t, a in _tags(page) if t == "button"]
    assert buttons == ["not-passed", "failed", "not run", "crashed", "passed", "all"]


def test_rule_section_shows_rows_and_values(page: str) -> None:
    section = page[page.index('<details id="rule-101">') :]
    section = section[: section.index("</details>")]
    assert "The child or young person’s reported sex is not valid." in section
    assert "3 rows, 3 children" in section
    assert '<td class="v error">=1+1</td>' in section
    assert "<td>C3</td><td>Header</td>" in section


def test_worked_out_blank_value_is_shown_as_blank(page: str) -> None:
    section = page[page.index('<details id="rule-9005">') :]
    assert '<span class="blank">(blank)</span>' in section[: section.index("</details>")]


def test_per_child_view(page: str) -> None:
    kids = [a.get("data-child") for t, a in _tags(page) if t == "tr" and "data-child" in a]
    assert kids[0] == "C2"  # most errors first
    assert set(kids) == {"C1", "C2", "C3", "C4", "C5", "C9"}


def test_rows_per_rule_and_children_are_capped_with_a_note(result: Result) -> None:
    page = render_html(build(result), max_rows_per_rule=1, max_children=2)
    section = page[page.index('<details id="rule-101">') :]
    section = section[: section.index("</details>")]
    assert section.count("<tr>") == 2  # the header and one row
    assert "Showing the first 1 of 3 rows." in section
    assert "The 2 children with the most errors are shown, of 6 children with findings" in page


def test_a_clean_return(clean_result: Result, tmp_path: Path) -> None:
    page = write(clean_result, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No findings." in page and "did not run" not in page
