"""The page in headless Chromium, on the hand-made plan: reading, outcomes, bad input, the views.

The runner is the same whatever the plan; the real rule set is exercised by
test_page_acceptance.py (the page and the command line give the same findings).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import SCREENSHOTS, PageSession

pytestmark = pytest.mark.browser

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,,,\n2,3,01/01/2011,WBRI,,,\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n1,01/05/2024,P,C2,N1,U1,PR1,,,\n"

RUN = """async (files) => {
  const made = files.map((f) => new File([new Uint8Array(f.bytes)], f.name));
  const r = await window.ssda903.run(made, {year: "2024/25"});
  return {findings: r.findings, outcomes: r.outcomes, sources: r.sources};
}"""


def run(session: PageSession, files: dict[str, bytes]) -> dict[str, Any]:
    given = [{"name": name, "bytes": list(data)} for name, data in files.items()]
    return session.page.evaluate(RUN, given)


def outcome(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(o for o in result["outcomes"] if o["rule"] == code)


def _choose_the_hand_return(page: Any) -> None:
    """The hand-made Header and Episodes files, for 2024/25, in the page's form."""
    page.set_input_files(
        "#files",
        files=[
            {"name": "header.csv", "mimeType": "text/csv", "buffer": HEADER.encode()},
            {"name": "episodes.csv", "mimeType": "text/csv", "buffer": EPISODES.encode()},
        ],
    )
    page.select_option("#year", "2024/25")


def _validate_the_hand_return(page: Any) -> None:
    _choose_the_hand_return(page)
    page.click("#validate")
    page.wait_for_selector("#status[data-kind=done]")


def test_every_rule_gets_an_outcome(hand_session: PageSession) -> None:
    result = run(hand_session, {"header.csv": HEADER.encode(), "episodes.csv": EPISODES.encode()})
    assert outcome(result, "T1")["status"] == "failed"
    assert outcome(result, "T1")["count"] == 1
    crashed = outcome(result, "T2")
    assert crashed["status"] == "crashed"
    assert "no_such_table" in crashed["detail"]
    assert outcome(result, "T3")["status"] == "not run"
    assert outcome(result, "T3")["detail"] == "needs: Episodes of the previous year"
    [hit] = [f for f in result["findings"] if f["rule"] == "T1"]
    # the located row: 0-based data row, 1-based line (header is line 1), the file as the user named it
    assert (hit["table"], hit["row"], hit["line"], hit["child"], hit["file"]) == ("Header", 1, 3, "2", "header.csv")
    assert hand_session.foreign_requests() == []
    assert hand_session.errors == []


def test_rows_and_lines_are_exact_with_blank_lines_and_values_over_two_lines(hand_session: PageSession) -> None:
    text = 'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n\n1,1,01/01/2010,"W\nBRI",,,\n2,3,01/01/2011,WBRI,,,\n'
    result = run(hand_session, {"header.csv": text.encode(), "episodes.csv": EPISODES.encode()})
    [hit] = [f for f in result["findings"] if f["rule"] == "T1"]
    assert (hit["row"], hit["line"]) == (1, 5)


def test_a_file_that_is_not_a_903_table_is_located(hand_session: PageSession) -> None:
    result = run(hand_session, {"header.csv": HEADER.encode(), "notes.csv": b"name,score\nx,1\n"})
    [p] = [f for f in result["findings"] if f["rule"] == "LOAD02"]
    assert p["file"] == "notes.csv"
    assert p["line"] == 1
    assert p["message"] == "The header row (name, score) does not match the columns of any 903 table."


def test_a_broken_workbook_is_located(hand_session: PageSession) -> None:
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<not a workbook")
    result = run(hand_session, {"header.csv": HEADER.encode(), "episodes.xlsx": broken.getvalue()[:-30]})
    [p] = [f for f in result["findings"] if f["rule"] == "LOAD01"]
    assert p["file"] == "episodes.xlsx"
    assert p["message"].startswith("The file could not be opened as an Excel workbook (")


def test_binary_data_named_csv_is_located(hand_session: PageSession) -> None:
    result = run(hand_session, {"header.csv": HEADER.encode(), "episodes.csv": bytes(range(256)) * 4})
    [p] = [f for f in result["findings"] if f["rule"] == "LOAD01"]
    assert p["file"] == "episodes.csv"
    assert "not a CSV text file" in p["message"]


def test_windows_1252_and_extra_columns_are_reported(hand_session: PageSession) -> None:
    text = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB,NOTE\n1,1,01/01/2010,WBRI,,,caf\xe9\n"
    result = run(hand_session, {"header.csv": text.encode("cp1252"), "episodes.csv": EPISODES.encode()})
    rules = {f["rule"]: f for f in result["findings"]}
    assert rules["LOAD13"]["message"].startswith("The file is not UTF-8; it was read as Windows-1252")
    assert rules["LOAD04"]["message"] == "'NOTE' is not a column of Header; it is kept but not validated."


def test_the_page_shows_a_message_not_a_blank_page_when_nothing_can_be_read(fresh_session: PageSession) -> None:
    page = fresh_session.page
    page.set_input_files("#files", files=[{"name": "notes.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}])
    page.click("#validate")
    page.wait_for_selector("#status[data-kind=error]")
    assert "Nothing could be read for the current year" in page.inner_text("#status")
    assert "notes.csv" in page.inner_text("#status")


def test_views_by_keyboard_and_screenshots(fresh_session: PageSession, tmp_path: Path) -> None:
    page = fresh_session.page
    _choose_the_hand_return(page)
    page.focus("#validate")
    page.keyboard.press("Enter")
    page.wait_for_selector("#status[data-kind=done]")
    summary = page.inner_text("#panel")
    assert "T1" in summary and "Sex is not 1 or 2" in summary
    assert int(page.inner_text("#count-error")) >= 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "summary.png"), full_page=True)
    page.focus("#tab-summary")
    for view in ("rules", "child", "rule"):
        page.keyboard.press("ArrowRight")  # the tab pattern: arrows move between the views
        page.wait_for_selector(f"#panel[data-view={view}]")
        assert page.evaluate("() => document.activeElement.id") == f"tab-{view}"
        page.screenshot(path=str(SCREENSHOTS / f"{view}.png"), full_page=True)
    page.keyboard.press("Home")
    page.wait_for_selector("#panel[data-view=summary]")
    page.click("#tab-rules")
    assert "crashed (Catalog Error" in page.inner_text("#panel")
    assert "not run (needs: Episodes of the previous year)" in page.inner_text("#panel")
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "findings.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0] == "rule,period,table,row,child,severity,stage,file,line,column,value,message,after_stage1"
    assert any(line.startswith("T1,current,Header,1,2,error,1,header.csv,3,SEX,") for line in lines)
    assert fresh_session.foreign_requests() == []


def test_readable_at_200_percent_zoom(browser: Any, hand_url: str) -> None:
    # 200% zoom of a 1366×768 screen is a 683×384 viewport at twice the pixel density
    context = browser.new_context(viewport={"width": 683, "height": 384}, device_scale_factor=2)
    try:
        session = PageSession(context.new_page(), hand_url)
        session.open()
        page = session.page
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 683, "the page scrolls sideways at 200% zoom"
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "zoom-200.png"), full_page=True)
    finally:
        context.close()


def test_a_folder_reads_its_own_files_and_last_years_sub_folder(fresh_session: PageSession, tmp_path: Path) -> None:
    folder = tmp_path / "return"
    (folder / "previous").mkdir(parents=True)
    (folder / "injected").mkdir()
    (folder / "header.csv").write_text(HEADER)
    (folder / "episodes.csv").write_text(EPISODES)
    (folder / "previous" / "header.csv").write_text(HEADER)
    (folder / "injected" / "manifest.csv").write_text("rule,child\n101,1\n")
    page = fresh_session.page
    page.set_input_files("#folder", folder)
    chosen = page.inner_text("#chosen")
    assert chosen.startswith("2 files: ")
    assert "return/episodes.csv" in chosen and "return/header.csv" in chosen
    said = page.inner_text("#chosen-previous")
    assert "Last year's return: 1 file: return/previous/header.csv" in said
    assert "Not read (in other sub-folders): 1 file." in said
    page.select_option("#year", "2024/25")
    page.click("#validate")
    page.wait_for_selector("#status[data-kind=done]")
    sources = page.evaluate("""() => window.ssda903.query("SELECT period, tbl, file FROM sources ORDER BY ALL")""")
    assert [(s["period"], s["tbl"], s["file"]) for s in sources] == [
        ("current", "Episodes", "return/episodes.csv"),
        ("current", "Header", "return/header.csv"),
        ("previous", "Header", "return/previous/header.csv"),
    ]


def test_the_la_is_taken_by_name_or_code_and_anything_else_is_refused(hand_session: PageSession) -> None:
    page = hand_session.page
    resolve = """async (la) => {
      try {
        const r = await window.ssda903.run([new File(["CHILD,SEX,DOB\\n1,1,01/01/2010\\n"], "header.csv")], {year: "2024/25", la});
        return r.la;
      } catch (e) { return "refused: " + e.message; }
    }"""
    assert page.evaluate(resolve, "croydon") == "E09000008"
    assert page.evaluate(resolve, "Croydon (E09000008)") == "E09000008"
    assert page.evaluate(resolve, "e09000008") == "E09000008"
    assert page.evaluate(resolve, "Narnia").startswith(
        "refused: Narnia is not an English children's services authority"
    )
    assert "three-digit LA number" in page.evaluate(resolve, "306")


def test_a_year_the_episode_dates_plainly_contradict_is_refused_unless_forced(hand_session: PageSession) -> None:
    episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n" + "".join(
        f"{i},01/05/2023,P,C2,N1,U1,PR1,01/01/2024,E11,\n" for i in range(1, 6)
    )
    attempt = """async ([episodes, forceYear]) => {
      const files = [new File([episodes], "episodes.csv")];
      try {
        const r = await window.ssda903.run(files, {year: "2024/25", forceYear});
        return "validated as " + r.year;
      } catch (e) { return e.name + ": " + e.message; }
    }"""
    refused = hand_session.page.evaluate(attempt, [episodes, False])
    assert refused.startswith(
        "WrongYearError: The episode dates say this return is for 2023/24, not 2024/25: 5 episodes ended before "
        "01/04/2024 and 0 within 2024/25"
    )
    assert hand_session.page.evaluate(attempt, [episodes, True]) == "validated as 2024/25"
    # left out, the year is the dates' one; this page has the rules of 2024/25 only, and says so
    guessed = hand_session.page.evaluate(attempt.replace('year: "2024/25", forceYear', "forceYear"), [episodes, False])
    assert guessed == (
        "Error: The episode dates say the collection year is 2023/24 (the latest 01/01/2024), which is not one "
        "this page checks (2024/25 to 2024/25): choose the year."
    )


def test_last_years_files_must_hold_last_years_dates(hand_session: PageSession) -> None:
    this_year = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n" + "".join(
        f"{i},01/05/2024,P,C2,N1,U1,PR1,01/01/2025,E11,\n" for i in range(1, 6)
    )
    attempt = """async ([episodes, forceYear]) => {
      const files = [new File([episodes], "episodes.csv")];
      const previous = [{file: new File([episodes], "episodes.csv"), name: "previous/episodes.csv"}];
      try {
        const r = await window.ssda903.run(files, {year: "2024/25", previous, forceYear});
        return "validated with " + r.sources.filter((s) => s.period === "previous").map((s) => s.file).join();
      } catch (e) { return e.name + ": " + e.message; }
    }"""
    refused = hand_session.page.evaluate(attempt, [this_year, False])
    assert refused.startswith(
        "WrongYearError: The files given as last year's hold episode dates of this year's (2024/25): "
        "the same year as the return itself;"
    )
    assert hand_session.page.evaluate(attempt, [this_year, True]) == "validated with previous/episodes.csv"


def test_the_rule_list_filters_by_table_severity_and_failed(fresh_session: PageSession) -> None:
    page = fresh_session.page
    _validate_the_hand_return(page)
    page.click("#tab-rules")

    def codes(*, load: bool = False) -> set[str]:
        shown = set(page.locator("#panel tbody tr td:first-child").all_inner_texts())
        return shown if load else {c for c in shown if not c.startswith("LOAD")}

    assert {"T1", "T2", "T3"} <= codes()
    # by keyboard: the table box, then down to its first table (the model's order: Header), then Episodes
    page.focus("#rules-table")
    page.keyboard.press("ArrowDown")
    assert page.input_value("#rules-table") == "Header"
    assert codes() == {"T1", "T2"}
    page.keyboard.press("ArrowDown")
    assert page.input_value("#rules-table") == "Episodes"
    assert codes() == {"T3"}
    # a file check is listed under the table its findings are in (these episodes lack some columns)
    assert "LOAD03" in codes(load=True)
    assert page.inner_text("#rules-shown").startswith(f"Showing {len(codes(load=True))} of ")
    assert page.locator("label[for=rules-table]").inner_text() == "Table"
    page.select_option("#rules-table", "Header")
    assert codes() == {"T1", "T2"}
    page.focus("#rules-failed")
    page.keyboard.press("Space")  # a real checkbox: Space ticks it
    assert page.is_checked("#rules-failed")
    assert codes() == {"T1"}
    page.select_option("#rules-severity", "query")
    assert codes(load=True) == set()
    # the filter stays while the user looks at another view and comes back
    page.click("#tab-summary")
    page.click("#tab-rules")
    assert page.input_value("#rules-table") == "Header"
    assert page.input_value("#rules-severity") == "query"
    page.select_option("#rules-severity", "")
    page.select_option("#rules-table", "")
    page.click("#rules-failed")
    assert {"T1", "T2", "T3"} <= codes()


def test_the_excel_report_marks_the_failing_cell_and_says_what_did_not_run(
    fresh_session: PageSession, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    page = fresh_session.page
    _validate_the_hand_return(page)
    with page.expect_download() as download:
        page.click("#download-xlsx")
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert book.sheetnames[:3] == ["Summary", "Outcomes", "Findings"]
    assert book.sheetnames[-2:] == ["Header", "Episodes"]
    assert "T1" in book.sheetnames
    # child 2's SEX (3) on line 3 of header.csv: the cell is red and its comment names the rule
    header = book["Header"]
    heads = [c.value for c in header[1]]
    assert heads[0] == "Line" and heads[-1] == "File"
    cell = header.cell(row=3, column=heads.index("SEX") + 1)
    assert cell.value == "3"
    assert cell.fill.fgColor.rgb == "FFFFC7CE"
    assert cell.comment is not None and cell.comment.text.strip() == "T1: Sex is not 1 or 2"
    assert header.cell(row=2, column=heads.index("SEX") + 1).comment is None  # child 1 passes
    # a crashed rule and one that did not run are said to be so, never passes
    said = {r[0]: r[1] for r in book["Summary"].iter_rows(max_col=2, values_only=True) if r[0]}
    assert "they are not passes" in said["Not every rule ran"]
    assert said["Errors per child"] == 0.5  # 1 error, 2 children in the Header
    statuses = {r[0]: r[2] for r in book["Outcomes"].iter_rows(min_row=2, values_only=True)}
    assert (statuses["T1"], statuses["T2"], statuses["T3"]) == ("failed", "crashed", "not run")
    assert fresh_session.foreign_requests() == []
    assert fresh_session.console_errors == []
