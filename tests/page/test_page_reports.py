"""The page's summary and reports say what the command line's say, for the same return.

One synthetic return (with last year's, and injected errors) is validated by ``ssda903
validate --report r.json`` and by the page, through its own form in headless Chromium; the
page's summary figures and its "Fix first" list must be the command line's.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PageSession
from test_page_acceptance import LA, YEAR, make_return
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.page.build import write_page
from ssda903.page.serve import serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def one_year_page(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("ssda903.plan") is None:
        pytest.skip("ssda903.plan (the rules compiled for the page) is not on this branch yet")
    return write_page(tmp_path_factory.mktemp("page"), years=[YEAR])


@pytest.fixture(scope="module")
def cli_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The synthetic return, and the folder holding the command line's r.json and r.xlsx for it."""
    folder = make_return(tmp_path_factory.mktemp("return"))
    out = tmp_path_factory.mktemp("cli")
    command = ["validate", str(folder), "--previous", str(folder / "previous"), "--year", YEAR, "--la", LA]
    command += ["--report", str(out / "r.json"), "--report", str(out / "r.xlsx"), "-q"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code in (0, 1), result.output
    return folder, out


@pytest.fixture(scope="module")
def validated(browser: Any, one_year_page: Path, cli_reports: tuple[Path, Path]) -> Iterator[PageSession]:
    """The page, with the same return validated through its form (files, last year's files, year, LA)."""
    folder, _ = cli_reports

    def given(where: Path) -> list[dict[str, Any]]:
        return [
            {"name": p.name, "mimeType": "text/csv", "buffer": p.read_bytes()}
            for p in sorted(where.iterdir())
            if p.is_file()
        ]

    with serving(one_year_page) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        try:
            session = PageSession(context.new_page(), url)
            session.open()
            page = session.page
            page.set_input_files("#files", files=given(folder))
            page.set_input_files("#previous-files", files=given(folder / "previous"))
            page.select_option("#year", YEAR)
            page.fill("#la", LA)
            page.click("#validate")
            page.wait_for_selector("#status[data-kind=done], #status[data-kind=error]", timeout=120_000)
            assert page.get_attribute("#status", "data-kind") == "done", page.inner_text("#status")
            yield session
            assert session.foreign_requests() == []
            assert session.errors == []
            assert session.console_errors == []  # nothing refused by the Content-Security-Policy
        finally:
            context.close()


def column(page: Any, holder: str, n: int) -> list[str]:
    return page.locator(f"{holder} tbody tr td:nth-child({n})").all_inner_texts()


def test_the_summary_and_fix_first_are_the_command_lines(
    validated: PageSession, cli_reports: tuple[Path, Path]
) -> None:
    _, out = cli_reports
    cli = json.loads((out / "r.json").read_text(encoding="utf-8"))["summary"]
    page = validated.page
    page.click("#tab-summary")
    assert cli["fix_first"], "the synthetic return should have stage 1 errors"
    assert column(page, "#fix-first", 1) == [x["code"] for x in cli["fix_first"]]  # the same order
    assert [int(x.replace(",", "")) for x in column(page, "#fix-first", 3)] == [x["rows"] for x in cli["fix_first"]]
    assert [int(x.replace(",", "")) for x in column(page, "#fix-first", 4)] == [x["children"] for x in cli["fix_first"]]
    assert int(page.inner_text("#count-children")) == cli["children"]
    assert int(page.inner_text("#count-error")) == cli["errors"]
    assert page.inner_text("#errors-per-child") == f"{cli['errors_per_child']:.2f}"
    assert int(page.inner_text("#children-with-errors")) == cli["children_with_errors"]
    # then the other failing rules, most rows first, as the terminal summary's "Then" table
    first = {x["code"] for x in cli["fix_first"]}
    later = sorted(
        (r for r in cli["rules"] if r["status"] == "failed" and r["rule"] not in first),
        key=lambda r: -r["rows"],
    )
    assert [int(x.replace(",", "")) for x in column(page, "#fix-later", 4)] == [r["rows"] for r in later]
    assert set(column(page, "#fix-later", 1)) == {r["rule"] for r in later}
