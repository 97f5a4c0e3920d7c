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
from ssda903.model import load_model
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


def marks(book: Any, sheet: str) -> dict[str, tuple[str, str]]:
    """The marked cells of a sheet: coordinate → (fill colour, comment)."""
    out = {}
    for row in book[sheet].iter_rows():
        for cell in row:
            if cell.comment is not None:
                out[cell.coordinate] = (str(cell.fill.fgColor.rgb), cell.comment.text.strip())
    return out


def values(book: Any, sheet: str) -> list[list[Any]]:
    """A rule sheet's rows below its heading, without the File column (the command line names files by path)."""
    return [[v for i, v in enumerate(r) if i != 2] for r in book[sheet].iter_rows(min_row=5, values_only=True)]


def test_the_excel_report_is_the_command_lines_shape(
    validated: PageSession, cli_reports: tuple[Path, Path], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    _, out = cli_reports
    page = validated.page
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename == "ssda903-report.xlsx"
    saved = tmp_path / "page.xlsx"
    download.value.save_as(saved)
    mine = load_workbook(saved)
    cli = load_workbook(out / "r.xlsx")
    # the same sheets in the same order: Summary, Outcomes, Findings, a sheet per rule, each input table
    assert mine.sheetnames == cli.sheetnames
    assert mine.sheetnames[:3] == ["Summary", "Outcomes", "Findings"]
    assert "Header" in mine.sheetnames and "Episodes (previous year)" in mine.sheetnames
    # every failing cell of every input table is marked as on the command line: the same fill, the same comment
    model = {t.name for t in load_model().all_tables}
    tables = [name for name in cli.sheetnames if name.split(" (")[0] in model]
    assert tables
    assert len(marks(cli, "Header")) > 5 and len(marks(cli, "Episodes")) > 5
    for name in tables:
        assert marks(mine, name) == marks(cli, name), name
    # one known finding, checked by hand: its cell is red and names the rule
    findings = json.loads((out / "r.json").read_text(encoding="utf-8"))["findings"]
    known = next(
        f
        for f in findings
        if (f["table"], f["period"], f["severity"]) == ("Header", "current", "error") and f["column"] in ("SEX", "DOB")
    )
    heads = [c.value for c in mine["Header"][1]]
    cell = mine["Header"].cell(row=known["row"] + 2, column=heads.index(known["column"]) + 1)
    assert cell.fill.fgColor.rgb == "FFFFC7CE"
    assert cell.comment is not None and f"{known['rule']}: " in cell.comment.text
    # each rule's sheet: the same rows, the values of its fields as typed (the file named as given)
    for code in [name for name in cli.sheetnames[3:] if name not in tables and name != "Load problems"]:
        assert values(mine, code) == values(cli, code), code
        # its heading: the message, the count, and why the rule exists (or a load check's advice)
        heading = [[c.value for c in r] for r in mine[code].iter_rows(max_row=3, max_col=2)]
        assert heading == [[c.value for c in r] for r in cli[code].iter_rows(max_row=3, max_col=2)], code
    # the rule's own sheet lists the finding's child; the Findings sheet has every finding
    rows = [[c.value for c in r] for r in mine[known["rule"]].iter_rows(min_row=6)]
    assert any(r[0] == known["child"] for r in rows)
    assert mine["Findings"].max_row == cli["Findings"].max_row
    summary = {r[0].value: r[1].value for r in mine["Summary"].iter_rows(max_col=2) if r[0].value}
    cli_summary = {r[0].value: r[1].value for r in cli["Summary"].iter_rows(max_col=2) if r[0].value}
    for label in (
        "Children in the Header",
        "Errors (DfE rules)",
        "Errors per child",
        "Children with at least one error",
    ):
        assert summary[label] == cli_summary[label], label
