"""summary(): the headline, and every rule's outcome, including those that did not run or crashed."""

from __future__ import annotations

from ssda903.engine import Result
from ssda903.report import summary


def test_headline_counts_children_and_errors_per_child(result: Result) -> None:
    s = summary(result)
    assert s["year"] == "2024/25"
    assert (s["collection_start"], s["collection_end"]) == ("01/04/2024", "31/03/2025")
    assert s["la"] == "E09000027"
    assert s["children"] == 5
    # DfE-rule errors only: 101 x3, 9003 x1, 9005 x1; the 9004 query and LOAD problems are counted apart
    assert s["errors"] == 5
    assert s["queries"] == 1
    assert s["errors_per_child"] == 1.0
    assert s["children_with_errors"] == 5  # C2, C3, C4, C5 and last year's C9
    # LOAD02 (a file matching no table) and three LOAD07 are errors; LOAD04 (an extra column) a warning
    assert (s["load_problems"], s["load_errors"], s["load_warnings"]) == (5, 4, 1)


def test_outcome_counts_and_not_run_and_crashed_are_listed(result: Result) -> None:
    s = summary(result)
    assert s["outcomes"] == {"failed": 4, "crashed": 1, "not run": 1, "passed": 0}
    assert s["not_run"] == [{"rule": "9002", "message": "Test rule 9002.", "reason": "needs: AD1"}]
    (crash,) = s["crashed"]
    assert crash["rule"] == "9001" and "no_such_column" in crash["error"]


def test_per_rule_numbers_carry_the_dfe_message_and_status(result: Result) -> None:
    rules = {r["rule"]: r for r in summary(result)["rules"]}
    assert list(rules) == ["101", "9001", "9002", "9003", "9004", "9005"]
    r101 = rules["101"]
    assert r101["message"] == "The child or young person’s reported sex is not valid."
    assert (r101["status"], r101["rows"], r101["children"], r101["severity"]) == ("failed", 3, 3, "error")
    assert rules["9002"]["status"] == "not run" and rules["9002"]["rows"] == 0


def test_per_table_and_top_children(result: Result) -> None:
    s = summary(result)
    tables = {(t["period"], t["table"]): t for t in s["tables"]}
    assert tables[("current", "Header")]["rows"] == 5
    assert tables[("current", "Header")]["rows_with_findings"] == 4  # C1 (query), C2, C3, C4
    assert tables[("current", "Header")]["errors"] == 3
    assert tables[("current", "Episodes")]["findings"] == 3  # two LOAD07 cells on one row, and 9005
    assert tables[("previous", "Header")]["findings"] == 1
    top = s["top_children"]
    # the most errors first: C2 has 101 and two LOAD07 cells
    assert (top[0]["child"], top[0]["errors"], top[0]["rules"]) == ("C2", 3, ["101", "LOAD07"])
    assert {c["child"] for c in top} == {"C1", "C2", "C3", "C4", "C5", "C9"}
    keys = [(-c["errors"], -c["findings"], c["child"]) for c in top]
    assert keys == sorted(keys)  # the most errors, then the most findings; ties in order of the child's id


def test_load_problems_by_code_and_file_level(result: Result) -> None:
    load = summary(result)["load"]
    assert [(x["code"], x["count"]) for x in load["by_code"]] == [("LOAD02", 1), ("LOAD04", 1), ("LOAD07", 3)]
    assert {p["code"] for p in load["file_level"]} == {"LOAD02", "LOAD04"}
    assert all(p["advice"] for p in load["file_level"])


def test_a_clean_return_has_no_errors_and_every_rule_passed(clean_result: Result) -> None:
    s = summary(clean_result)
    assert (s["children"], s["errors"], s["errors_per_child"]) == (1, 0, 0.0)
    assert s["outcomes"] == {"failed": 0, "crashed": 0, "not run": 0, "passed": 1}
