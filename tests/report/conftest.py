"""A small validation Result with every kind of outcome, for the report tests.

The fixture files under ``data/`` hold: a SEX code that fails DfE rule 101 three
ways (``X``, a formula ``=1+1`` and an HTML ``<script>``), an extra column
(LOAD04), dates that are not dates (LOAD07, two on one Episodes row), and last
year's Header. Besides rule 101 the rule set has test rules that crash, that
cannot run (no AD1 supplied), that report last year's rows, that raise a DfE
query, and that read only a worked-out column (PL_DISTANCE).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ssda903.engine import Result, run
from ssda903.ingest import load
from ssda903.rules import Rule, parse_rule_file, rules_for_year

DATA = Path(__file__).parent / "data"
YEAR = "2024/25"


def make_rule(
    code: str,
    sql: str,
    fields: list[str],
    *,
    tables: list[str],
    severity: str = "error",
    stage: int = 1,
    message: str | None = None,
) -> Rule:
    (r,) = parse_rule_file(
        {
            "code": code,
            "message": message or f"Test rule {code}.",
            "why": f"Test rule {code}, used by the report tests.",
            "stage": stage,
            "severity": severity,
            "tables": tables,
            "fields": fields,
            "query": {"sql": sql},
        },
        f"{code}.yaml",
    )
    return r


def report_rules() -> list[Rule]:
    return [
        *rules_for_year(YEAR, ["101"]),
        make_rule("9001", "SELECT _id FROM Header WHERE no_such_column = 1", ["SEX"], tables=["Header"]),
        make_rule("9002", "SELECT _id FROM AD1", ["DATE_INT"], tables=["AD1"]),
        make_rule(
            "9003",
            "SELECT _id FROM previous.Header WHERE SEX = '2'",
            ["SEX"],
            tables=["Header"],
            message="Sex recorded last year as 2.",
        ),
        make_rule(
            "9004",
            "SELECT _id FROM Header WHERE CHILD = 'C1'",
            ["UPN", "DOB"],
            tables=["Header"],
            severity="query",
            message="Please check: test query on C1.",
        ),
        make_rule(
            "9005",
            "SELECT _id FROM Episodes WHERE PL_POST IS NULL AND CHILD = 'C5'",
            ["PL_DISTANCE"],
            tables=["Episodes"],
            stage=2,
            message="Distance could not be worked out.",
        ),
    ]


@pytest.fixture(scope="session")
def result() -> Result:
    ds = load([DATA / "current"], YEAR, previous=[DATA / "previous"], la="E09000027")
    return run(ds, rules=report_rules())


@pytest.fixture(scope="session")
def clean_result(tmp_path_factory: pytest.TempPathFactory) -> Result:
    folder = tmp_path_factory.mktemp("clean")
    (folder / "Header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,M,01/02/2010,WBRI,A123456789012,,\n", encoding="utf-8"
    )
    # a return needs its Episodes too (LOAD20 otherwise), even with rule 101 alone
    (folder / "Episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "C1,01/05/2024,S,C2,N1,U1,PR1,,,,,,\n",
        encoding="utf-8",
    )
    return run(load([folder], YEAR), rules=rules_for_year(YEAR, ["101"]))
