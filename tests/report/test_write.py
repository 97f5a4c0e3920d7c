"""write() picks the form from the suffix, and every form copes with an unusual return."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from ssda903.engine import Result, run
from ssda903.ingest import load
from ssda903.report import build, summary, write
from ssda903.rules import rules_for_year

DATA = Path(__file__).parent / "data"
YEAR = "2024/25"


@pytest.fixture(scope="module")
def episodes_only(tmp_path_factory: pytest.TempPathFactory) -> Result:
    folder = tmp_path_factory.mktemp("episodes")
    (folder / "Episodes.csv").write_bytes((DATA / "current" / "Episodes.csv").read_bytes())
    return run(load([folder], YEAR), rules=rules_for_year(YEAR, ["101"]))


def test_without_a_header_there_is_no_errors_per_child(episodes_only: Result, tmp_path: Path) -> None:
    s = summary(episodes_only)
    assert s["children"] is None and s["errors_per_child"] is None
    assert s["not_run"] == [{"rule": "101", "message": s["rules"][0]["message"], "reason": "needs: Header"}]
    for suffix in (".csv", ".json", ".xlsx", ".html"):
        assert write(episodes_only, tmp_path / f"r{suffix}").stat().st_size > 0
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    labels = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    assert labels["Children in the Header"] == "no Header supplied"
    assert labels["Errors per child"] == "n/a"
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["errors_per_child"] is None
    assert "none</b><span>children in the Header" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_write_accepts_prepared_report_data(result: Result, tmp_path: Path) -> None:
    data = build(result)
    for suffix in (".csv", ".json", ".xlsx", ".html"):
        assert write(data, tmp_path / f"r{suffix}").exists()
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("rule,period,table,row,child,severity,")
    assert "\n101,current,Header,1,C2," in (tmp_path / "r.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["r.htm", "r.HTML", "r.Htm", "r.XLSX", "r.Csv", "r.JSON"])
def test_every_accepted_spelling_writes(result: Result, tmp_path: Path, name: str) -> None:
    from ssda903.report import FORMATS, report_format

    assert name[1:].lower() in FORMATS
    path = write(result, tmp_path / name)
    assert path.stat().st_size > 0
    if report_format(path) == "html":
        assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_suffix_is_case_insensitive(result: Result, tmp_path: Path) -> None:
    assert json.loads(write(result, tmp_path / "R.JSON").read_text(encoding="utf-8"))["format"] == "ssda903-report"


def test_the_summary_module_does_not_import_the_details_module() -> None:
    # the shared helpers live in report.common: imports run one way (details -> overview -> common)
    import subprocess
    import sys

    code = "import sys, ssda903.report.overview; print('ssda903.report.details' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
