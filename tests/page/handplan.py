"""A tiny plan written by hand, in the shape ``ssda903.plan`` compiles, to test the page's runner alone.

The model's tables (so every reader has its raw tables), three rules (one that fails, one that crashes, one that needs last year's
Episodes) and a findings step in the CLI's findings shape: enough to exercise reading,
batching, crash containment and outcomes without the real rule set.
"""

from __future__ import annotations

from typing import Any

from ssda903.model import load_model

FINDINGS = """
CREATE TABLE findings AS
WITH all_rows AS (
    SELECT 'current' AS period, 'Header' AS tbl, _id, _file, _row, _line, CHILD AS child FROM raw."Header"
    UNION ALL SELECT 'current', 'Episodes', _id, _file, _row, _line, CHILD FROM raw."Episodes"
),
everything AS (
    SELECT h.rule, r.period, r.tbl AS "table", r._row AS row, r.child, 'error' AS severity, 1 AS stage,
           r._file AS file, r._line AS line, 'SEX' AS "column", NULL::VARCHAR AS value, 'Sex is not 1 or 2' AS message,
           NULL::VARCHAR AS after_stage1, 'SEX' AS fields, h._id
    FROM rule_hits h JOIN all_rows r USING (_id)
    UNION ALL
    SELECT rule, period, tbl, row, child, 'error', 1, file, line, "column", value, message, NULL, "column", NULL::BIGINT
    FROM file_problems
)
SELECT *, row_number() OVER (ORDER BY rule, period, "table" NULLS FIRST, row NULLS FIRST, file, line, "column") AS sort_key
FROM everything
"""


def _raw(schema: str, table: str, columns: list[str]) -> str:
    cols = ", ".join(f'"{c}" VARCHAR' for c in columns)
    return f'CREATE TABLE {schema}."{table}" (_id BIGINT, _file VARCHAR, _row BIGINT, _line BIGINT, {cols})'


def _tables(year: str) -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "columns": [c.name for c in t.columns.values() if not c.derived],
            "csv_columns": list(t.csv_columns),
            "derived": [c.name for c in t.columns.values() if c.derived],
        }
        for t in load_model().tables(year)
    ]


def hand_plan(year: str = "2024/25") -> dict[str, Any]:
    tables = _tables(year)
    prepare = ["CREATE SCHEMA raw", "CREATE SCHEMA raw_previous", "CREATE SCHEMA previous"]
    for schema in ("raw", "raw_previous"):
        prepare += [_raw(schema, t["name"], t["columns"]) for t in tables]
    prepare += [
        "CREATE TABLE sources (period VARCHAR, tbl VARCHAR, file VARCHAR, rows BIGINT, columns VARCHAR[], "
        "copied VARCHAR[])",
        'CREATE TABLE file_problems (rule VARCHAR, period VARCHAR, tbl VARCHAR, row BIGINT, child VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR, message VARCHAR)',
        "CREATE TABLE run_settings (la VARCHAR)",
        "CREATE TABLE rule_hits (rule VARCHAR, _id BIGINT)",
        "CREATE MACRO as_date(x) AS try_strptime(x, '%d/%m/%Y')::DATE",
        "CREATE MACRO blank_to_null(x) AS nullif(trim(x), '')",
    ]
    return {
        "format": 1,
        "year": year,
        "previous_year": "2023/24",
        "version": "test",
        "tables": tables,
        "aliases": {"CHILDID": "CHILD", "PL": "PLACE"},
        "shared": ["CHILD", "DOB", "SEX"],
        "prepare": prepare,
        "load": ['CREATE TABLE "Header" AS SELECT * FROM raw."Header"'],
        "rules": [
            {
                "code": "T1",
                "variant": "",
                "stage": 1,
                "severity": "error",
                "message": "Sex is not 1 or 2",
                "fields": ["SEX"],
                "tables": ["Header"],
                "needs": [["current", "Header"]],
                "sql": "SELECT _id FROM \"Header\" WHERE SEX NOT IN ('1', '2')",
            },
            {
                "code": "T2",
                "variant": "",
                "stage": 1,
                "severity": "error",
                "message": "Crashes on purpose",
                "fields": ["DOB"],
                "tables": ["Header"],
                "needs": [["current", "Header"]],
                "sql": "SELECT _id FROM no_such_table",
            },
            {
                "code": "T3",
                "variant": "",
                "stage": 2,
                "severity": "error",
                "message": "Needs last year",
                "fields": ["DECOM"],
                "tables": ["Episodes"],
                "needs": [["previous", "Episodes"]],
                "sql": 'SELECT _id FROM raw_previous."Episodes"',
            },
        ],
        "findings": [
            FINDINGS,
            "CREATE TABLE rule_counts AS SELECT rule, count(*) AS count FROM rule_hits GROUP BY rule",
        ],
        "reference": {},
    }
