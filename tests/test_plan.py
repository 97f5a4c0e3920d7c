"""The compiled plan gives the same findings as the command line.

The web page runs :func:`ssda903.plan.compile_plan` on DuckDB-WASM with nothing else of
Python's. ``run_plan`` below is that driver in a few lines of Python, using only the plan's
JSON and the raw tables a reader filled, on a connection of its own: if the plan left out a
step the command line takes, the findings here would differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ssda903.dataset import RAW_SCHEMA, Dataset
from ssda903.engine import run
from ssda903.ingest import load
from ssda903.plan import FORMAT, compile_plan, plan_json
from ssda903.reference.postcodes import data_file
from ssda903.sqltext import quote
from ssda903.steps import insert_rows, problem_row
from ssda903.synth import generate

#: problems the plan's own steps find (a reader never writes them)
MADE_BY_STEPS = ("LOAD12", "LOAD19", "LOAD20")
COLUMNS = ["rule", "period", "table", "row", "child", "file", "line", "column", "value", "message", "after_stage1"]


def _applies(step: dict[str, Any], at_hand: set[tuple[str, str]]) -> bool:
    when = all(tuple(k) in at_hand for k in step.get("when", []))
    return when and not (step.get("unless") and tuple(step["unless"]) in at_hand)


def run_plan(plan: dict[str, Any], ds: Dataset) -> tuple[list[tuple[Any, ...]], dict[str, str]]:
    """Validate what a reader put in ``ds`` by the plan alone; the findings and each rule's outcome."""
    con = duckdb.connect()
    for script in plan["prepare"]:
        con.execute(script)
    # what the page's reader does: raw text tables, one sources row per file, the file problems, the LA
    for period, schema in RAW_SCHEMA.items():
        for table in {s.table for s in ds.sources if s.period == period}:
            frame = ds.con.sql(f"SELECT * FROM {schema}.{table}").arrow()  # noqa: F841 (read by DuckDB)
            con.execute(f"DROP TABLE {schema}.{table}; CREATE TABLE {schema}.{table} AS SELECT * FROM frame")
    insert_rows(
        con, "sources", [(s.period, s.table, s.file, s.rows, list(s.columns), list(s.copied)) for s in ds.sources]
    )
    insert_rows(con, "file_problems", [problem_row(p) for p in ds.problems])
    insert_rows(con, "run_settings", [(ds.la or "",)])
    for view, file in plan["reference"].items():
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{data_file(file)}')")
    at_hand = {(s.period, s.table) for s in ds.sources} | {("problem", p.code) for p in ds.problems}
    con.execute(";\n".join(s["sql"] for s in plan["load"] if _applies(s, at_hand)))
    con.execute(plan["rule_tables"])
    if ds.la:
        at_hand.add(tuple(plan["reference_needs"]["la"]))  # type: ignore[arg-type]
    outcomes = {}
    for rule in plan["rules"]:
        missing = [n for n in rule["needs"] if tuple(n) not in at_hand]
        if missing:
            outcomes[rule["code"]] = "not run"
            continue
        con.execute(f"INSERT INTO rule_hits SELECT DISTINCT '{rule['code']}', q._id FROM ({rule['sql']}\n) AS q")
        outcomes[rule["code"]] = "passed"
    con.execute(";\n".join(s["sql"] for s in plan["findings"] if _applies(s, at_hand)))
    for code, _ in con.execute("SELECT rule, count FROM rule_counts").fetchall():
        outcomes[code] = "failed"
    columns = ", ".join(quote(c) for c in COLUMNS)
    findings = con.execute(f"SELECT {columns} FROM findings ORDER BY sort_key").fetchall()
    return findings, outcomes


@pytest.mark.parametrize("year", ["2022/23", "2024/25", "2026/27"])
def test_the_plan_alone_finds_what_the_command_line_finds(year: str, tmp_path: Path) -> None:
    generate(300, year, 11, tmp_path, previous=True, error_rate=0.3)
    result = run(load(tmp_path, year, tmp_path / "previous", la="E09000027"))
    expected = [tuple(r) for r in result.findings()[COLUMNS].astype(object).itertuples(index=False)]
    expected = [tuple(None if v != v else v for v in r) for r in expected]  # NaN (pandas' blank) as None

    # the raw tables and the reader's problems (not those the steps made), validated by the plan alone
    ds = result.dataset
    ds.problems[:] = [p for p in ds.problems if p.code not in MADE_BY_STEPS]
    got, outcomes = run_plan(json.loads(plan_json(year)), ds)

    assert len(expected) > 100
    assert got == expected
    assert outcomes == {
        o.rule: ("failed" if o.status == "failed" else o.status)
        for o in result.outcomes
        if not o.rule.startswith("LOAD") and o.rule in outcomes
    }


def test_the_plan_says_its_format_year_and_every_rule_of_the_year() -> None:
    plan = compile_plan("2024/25")
    assert plan["format"] == FORMAT and plan["year"] == "2024/25" and plan["previous_year"] == "2023/24"
    assert len(plan["rules"]) == 305
    # no step of it reads a file by a path of this machine: the page points the views at its own copies
    text = plan_json("2024/25")
    assert str(data_file("postcodes.parquet")) not in text and "read_parquet" not in text
