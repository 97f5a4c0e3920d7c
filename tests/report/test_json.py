"""The JSON report: summary, outcomes, and each finding with its message and the values as typed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ssda903.engine import Result
from ssda903.report import write


def _report(result: Result, tmp_path: Path) -> dict[str, Any]:
    return json.loads(write(result, tmp_path / "report.json").read_text(encoding="utf-8"))


def _one(findings: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    (hit,) = [f for f in findings if all(f[k] == v for k, v in where.items())]
    return hit


def test_shape(result: Result, tmp_path: Path) -> None:
    doc = _report(result, tmp_path)
    assert (doc["format"], doc["version"]) == ("ssda903-report", 1)
    assert list(doc) == ["format", "version", "summary", "outcomes", "findings"]
    assert len(doc["findings"]) == len(result.findings())
    assert doc["summary"]["errors"] == 5


def test_finding_has_dfe_message_location_and_the_value_as_typed(result: Result, tmp_path: Path) -> None:
    f = _one(_report(result, tmp_path)["findings"], rule="101", child="C3")
    assert f["message"] == "The child or young person’s reported sex is not valid."
    assert (f["period"], f["table"], f["row"], f["line"]) == ("current", "Header", 2, 4)
    assert f["file"].endswith("current/Header.csv")
    assert f["fields"] == ["SEX"]
    assert f["values"] == {"SEX": "=1+1"}
    assert (f["severity"], f["stage"]) == ("error", 1)
    assert (f["column"], f["value"], f["after_stage1"]) == ("SEX", "=1+1", [])


def test_a_finding_carries_the_findings_csv_columns(result: Result, tmp_path: Path) -> None:
    from ssda903.report.findings_csv import HEADER

    for f in _report(result, tmp_path)["findings"]:
        assert set(HEADER) <= set(f)


def test_values_of_every_field_of_the_rule_and_last_years_rows(result: Result, tmp_path: Path) -> None:
    findings = _report(result, tmp_path)["findings"]
    assert _one(findings, rule="9004")["values"] == {"UPN": "A123456789012", "DOB": "01/02/2010"}
    prev = _one(findings, rule="9003")
    assert (prev["period"], prev["child"], prev["values"]) == ("previous", "C9", {"SEX": "2"})


def test_a_worked_out_field_shows_its_worked_out_value(result: Result, tmp_path: Path) -> None:
    # PL_DISTANCE is not typed by the user; with no postcodes it could not be worked out
    assert _one(_report(result, tmp_path)["findings"], rule="9005")["values"] == {"PL_DISTANCE": None}


def test_load_problems_say_what_was_expected(result: Result, tmp_path: Path) -> None:
    findings = _report(result, tmp_path)["findings"]
    decom = _one(findings, rule="LOAD07", fields=["DECOM"])
    assert decom["message"] == "'not a date' in DECOM is not a date; write it DD/MM/YYYY, e.g. 05/11/2024."
    assert decom["values"] == {"DECOM": "not a date"}
    extra = _one(findings, rule="LOAD04")
    assert extra["row"] is None and extra["values"] == {}
    assert "NOTES" in extra["message"]


def test_outcomes_include_not_run_and_crashed(result: Result, tmp_path: Path) -> None:
    outcomes = {o["rule"]: o for o in _report(result, tmp_path)["outcomes"]}
    assert (outcomes["9002"]["status"], outcomes["9002"]["detail"]) == ("not run", "needs: AD1")
    assert outcomes["9001"]["status"] == "crashed" and "no_such_column" in outcomes["9001"]["detail"]
    assert outcomes["101"]["status"] == "failed" and outcomes["101"]["count"] == 3


def test_no_findings_is_still_valid_json(clean_result: Result, tmp_path: Path) -> None:
    doc = _report(clean_result, tmp_path)
    assert doc["findings"] == [] and doc["summary"]["outcomes"]["passed"] == 1
