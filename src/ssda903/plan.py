"""The compiled plan of a collection year: everything after reading a return, as data and SQL.

The command line runs these steps itself (:func:`ssda903.typed.finish` and
:func:`ssda903.engine.run`); :func:`compile_plan` gathers the same text into one JSON-able
document per collection year, which the zero-install web page runs on DuckDB-WASM. Only
reading bytes into the raw text tables is written twice (Python here, JavaScript there).

A driver runs, in order:

1. ``prepare``: on a new connection (schemas, the reading macros, every raw table, the
   bookkeeping tables ``sources``, ``file_problems`` and ``run_settings``);
2. reads each file into ``raw.<Table>`` / ``raw_previous.<Table>`` (``_id`` unique across the
   return, ``_file``, ``_row``, ``_line``, the model columns as text), one ``sources`` row per
   file, its problems in ``file_problems``, and the LA in ``run_settings``; points the view
   named by each ``reference`` key at that reference file;
3. ``load``: the steps that apply (a step's ``when`` lists what must be at hand: (period,
   table) pairs supplied, or ("problem", code) for a file problem found; ``unless`` what must
   not be);
4. ``rule_tables`` (which also works out, once, each DfE expression that is a whole table and
   that the rules call: a rule's ``sql`` reads ``shared_periods_of_care``, not
   ``periods_of_care()``), then each rule whose ``needs`` are at hand: ``INSERT INTO rule_hits SELECT
   DISTINCT '<code>', q._id FROM (<sql>) q`` (a few rules per statement; one at a time to
   contain a crash). A need ("reference", what) is the LA (``la``) or the Ofsted provider list
   (``providers``), as named in ``reference_needs``;
5. ``findings``: leaves ``findings`` (ordered by ``sort_key``) and ``rule_counts``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ssda903 import __version__
from ssda903.dataset import prepare_sql
from ssda903.engine import (
    findings_steps,
    missing_tables_sql,
    rule_sql,
    rule_tables_sql,
    shared_expressions,
    shared_tables_sql,
)
from ssda903.ingest.columns import ALIASES, SHARED
from ssda903.model import CollectionYear, load_model
from ssda903.reference.postcodes import REFERENCE_VIEW
from ssda903.rules import NEEDS_LA, NEEDS_PROVIDERS, rules_for_year
from ssda903.typed import load_steps

__all__ = ["FORMAT", "compile_plan", "plan_json"]

#: the version of the plan's shape; a page refuses a plan of another format
FORMAT = 1

#: How many rules the page sends to DuckDB-WASM in one statement. More than the command line's
#: ``engine.BATCH``: the page runs one statement at a time on one thread, where each statement costs
#: more to start (2,500 children: the rules took 0.77-0.80 s in batches of 12, 1.04-1.19 s in 4).
PAGE_BATCH = 12


@cache
def compile_plan(year: str | CollectionYear) -> dict[str, Any]:
    """The plan of one collection year (see the module docstring for how it is run)."""
    year = CollectionYear.parse(year)
    model = load_model()
    rules = rules_for_year(year)
    shared = shared_expressions(rules)
    return {
        "format": FORMAT,
        "year": year.label,
        "previous_year": year.previous().label,
        "version": __version__,
        "tables": [
            {
                "name": t.name,
                "columns": [c.name for c in t.columns.values() if not c.derived],
                "csv_columns": list(t.csv_columns),
                "years": [y.label for y in (year, year.previous()) if t.validity.covers(y)],
            }
            for t in model.all_tables
        ],
        "aliases": dict(ALIASES),
        "shared": sorted(SHARED),
        "prepare": [prepare_sql()],
        "reference": {REFERENCE_VIEW: "postcodes.parquet"},
        "reference_needs": {"la": list(NEEDS_LA), "providers": list(NEEDS_PROVIDERS)},
        "load": [s.as_dict() for s in load_steps(year)],
        "rule_tables": ";\n".join([missing_tables_sql(year), rule_tables_sql(rules), *shared_tables_sql(shared)]),
        "batch": PAGE_BATCH,
        "rules": [
            {
                "code": r.code,
                "variant": r.variant,
                "stage": r.stage,
                "severity": r.severity,
                "message": r.message,
                "why": " ".join(r.why.split()),
                "fields": list(r.fields),
                "tables": list(r.tables),
                "needs": [list(n) for n in r.needs],
                "sql": rule_sql(r, shared),
            }
            for r in rules
        ],
        "findings": [s.as_dict() for s in findings_steps()],
    }


def plan_json(year: str | CollectionYear) -> str:
    """The plan of one collection year as JSON text."""
    return json.dumps(compile_plan(year), ensure_ascii=False, separators=(",", ":"))
