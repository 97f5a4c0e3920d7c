"""The engine: runs a collection year's rules over a Dataset and collects Findings.

Every rule gets one outcome: ``passed``, ``failed`` (n rows), ``not run`` (and
which table it needs) or ``crashed`` (and the message). Load problems are
outcomes too, under their LOAD codes, so "no errors" and "never ran" never look
alike.

Stage gating: a stage 2 rule does not report a child one of whose values in the
fields the rule reads already failed a stage 1 check (a DfE stage 1 rule or a
load value problem: LOAD07–09, LOAD18), so date arithmetic on a non-date produces no noise. A LOAD
value problem is not reported where a DfE stage 1 rule already reports the
same cell under its own code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ssda903.dataset import Dataset
from ssda903.problems import KINDS
from ssda903.reference import has_providers
from ssda903.rules import NEEDS_LA, NEEDS_PROVIDERS, Rule, rules_for_year
from ssda903.sqltext import quote
from ssda903.typed import CELL_ERRORS, finish

if TYPE_CHECKING:
    import pandas as pd

PASSED, FAILED, NOT_RUN, CRASHED = "passed", "failed", "not run", "crashed"

#: how many rules go to DuckDB in one statement
BATCH = 12

FINDING_COLUMNS = ["rule", "period", "table", "row", "child", "file", "line", "fields", "severity", "stage", "_id"]


@dataclass
class Outcome:
    """What happened to one rule."""

    rule: str
    message: str
    stage: int
    severity: str
    status: str
    count: int = 0
    detail: str = ""
    seconds: float = 0.0
    variant: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "variant": self.variant,
            "message": self.message,
            "stage": self.stage,
            "severity": self.severity,
            "status": self.status,
            "count": self.count,
            "detail": self.detail,
            "seconds": round(self.seconds, 4),
        }

    def __str__(self) -> str:
        if self.status == FAILED:
            return f"failed ({self.count} rows)"
        if self.status in (NOT_RUN, CRASHED):
            return f"{self.status} ({self.detail})"
        return self.status


@dataclass
class Result:
    """The outcome of validating a Dataset: findings and one outcome per rule."""

    dataset: Dataset
    outcomes: list[Outcome]
    rules: list[Rule] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def year(self) -> str:
        return self.dataset.year.label

    def findings(self) -> pd.DataFrame:
        """One row per (rule, failing row), sorted by rule, period, table, row."""
        return self.dataset.con.sql(
            f"SELECT {', '.join(quote(c) for c in FINDING_COLUMNS)} FROM findings ORDER BY sort_key"
        ).df()

    def outcomes_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([o.as_dict() for o in self.outcomes])

    @property
    def error_count(self) -> int:
        return sum(o.count for o in self.outcomes if o.status == FAILED and o.severity == "error")

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def outcome(self, code: str) -> Outcome:
        for o in self.outcomes:
            if o.rule == code:
                return o
        raise KeyError(code)


def run(
    ds: Dataset,
    codes: list[str] | None = None,
    *,
    rules: list[Rule] | None = None,
    progress: Callable[[Rule], Any] | None = None,
    timed: bool = False,
) -> Result:
    """Run the year's rules (or the given ``codes``, or the given ``rules``) over ``ds``.

    The rules that can run go to DuckDB a batch at a time (one statement per batch); should a
    batch fail, each of its rules runs on its own, so that one rule's crash is contained and
    reported. ``timed=True`` runs them one by one and records each rule's time
    (for benchmarks).
    """
    t0 = time.perf_counter()
    finish(ds)
    con = ds.con
    chosen = rules if rules is not None else rules_for_year(ds.year, codes)
    con.execute("CREATE OR REPLACE TABLE rule_hits (rule VARCHAR, _id BIGINT)")
    con.execute("CREATE OR REPLACE TABLE rule_meta (rule VARCHAR, stage INTEGER, severity VARCHAR, fields VARCHAR)")
    con.execute("CREATE OR REPLACE TABLE rule_fields (rule VARCHAR, field VARCHAR)")
    con.execute("CREATE OR REPLACE TABLE rule_gate_fields (rule VARCHAR, field VARCHAR)")
    present = present_in(ds)
    _insert(con, "rule_meta", [(r.code, r.stage, r.severity, ",".join(r.fields)) for r in chosen])
    _insert(con, "rule_fields", [(r.code, f) for r in chosen for f in r.fields])
    _insert(con, "rule_gate_fields", [(r.code, f) for r in chosen if r.stage == 2 for f in r.gate_fields])
    outcomes: list[Outcome] = []
    runnable: list[tuple[Rule, Outcome]] = []
    for r in chosen:
        o = Outcome(r.code, r.message, r.stage, r.severity, PASSED, variant=r.variant)
        missing = [(p, t) for p, t in r.needs if (p, t) not in present]
        if missing:
            o.status = NOT_RUN
            o.detail = "needs: " + ", ".join(_describe_need(p, t) for p, t in missing)
        else:
            runnable.append((r, o))
        outcomes.append(o)
    alone: list[tuple[Rule, Outcome]] = list(runnable) if timed else []
    if not timed:
        # a few rules per statement: fewer round trips, without holding every rule's rows at once
        for i in range(0, len(runnable), BATCH):
            batch = runnable[i : i + BATCH]
            try:
                con.execute("INSERT INTO rule_hits " + " UNION ALL ".join(_hits_sql(r) for r, _ in batch))
            except Exception:  # some rule in the batch fails: run each alone to find and contain it
                alone += batch
    for r, o in runnable:
        if any(r is x for x, _ in alone):
            start = time.perf_counter()
            try:
                con.execute("INSERT INTO rule_hits " + _hits_sql(r))
            except Exception as e:  # any failure of one rule must not stop the others
                o.status = CRASHED
                o.detail = str(e).splitlines()[0][:300]
            o.seconds = time.perf_counter() - start
        if progress:
            progress(r)
    if progress:
        for r in chosen:
            if all(r is not x for x, _ in runnable):
                progress(r)

    _gate_stage_two(con)
    counts = dict(con.execute("SELECT rule, count(*) FROM rule_hits GROUP BY rule").fetchall())
    for o in outcomes:
        if o.status == PASSED and counts.get(o.rule):
            o.status, o.count = FAILED, int(counts[o.rule])
    _build_findings(ds)
    outcomes.extend(_load_outcomes(ds))
    return Result(ds, outcomes, list(chosen), time.perf_counter() - t0)


def present_in(ds: Dataset) -> set[tuple[str, str]]:
    """(period, table) pairs the user supplied, and the reference data at hand (``NEEDS_LA`` …)."""
    found = {(s.period, s.table) for s in ds.sources}
    if has_providers(ds):
        found.add(NEEDS_PROVIDERS)
    if ds.la:
        found.add(NEEDS_LA)
    return found


def _hits_sql(r: Rule) -> str:
    return f"SELECT DISTINCT '{r.code}', q._id FROM ({r.sql}\n) AS q"


def _describe_need(period: str, what: str) -> str:
    if period == "previous":
        return f"{what} of the previous year"
    return what


def _insert(con: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows in one statement (one round trip, not one per row)."""
    if rows:
        con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


def _gate_stage_two(con: Any) -> None:
    """Drop stage 2 hits for a child whose values in the rule's fields already failed stage 1.

    The DfE passes a record to stage 2 only when it is clean at stage 1. We apply that per
    child and per field: a stage 2 rule stays silent on a child when one of that child's
    values in a field the rule reads (itself or through an expression it calls) failed a
    DfE stage 1 rule or a load value check (LOAD07–09, LOAD18), in the same period.
    """
    errors = ", ".join(f"'{c}'" for c in CELL_ERRORS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stage1_cells AS
        WITH cells AS (
            SELECT h._id, f.field FROM rule_hits h
            JOIN rule_meta m USING (rule) JOIN rule_fields f USING (rule)
            WHERE m.stage = 1
            UNION
            SELECT _id, field FROM cell_problems WHERE code IN ({errors})
        )
        SELECT c._id, c.field, r.period, r.child FROM cells c JOIN all_rows r USING (_id);

        DELETE FROM rule_hits h
        USING rule_meta m, all_rows r
        WHERE m.rule = h.rule AND m.stage = 2 AND r._id = h._id AND EXISTS (
            SELECT 1 FROM stage1_cells s JOIN rule_gate_fields g ON g.field = s.field
            WHERE g.rule = h.rule
              AND (s._id = h._id OR (s.child = r.child AND s.period = r.period))
        );
        """
    )


def _build_findings(ds: Dataset) -> None:
    con = ds.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE file_problems (rule VARCHAR, period VARCHAR, tbl VARCHAR, child VARCHAR, "
        "file VARCHAR, line BIGINT, fields VARCHAR, severity VARCHAR, message VARCHAR)"
    )
    _insert(
        con,
        "file_problems",
        [
            (p.code, p.period, p.table or None, p.child, p.file, p.line, p.column or None, p.severity, p.message)
            for p in ds.problems
        ],
    )
    load_severity = " ".join(f"WHEN '{k.code}' THEN '{k.severity}'" for k in KINDS.values())
    con.execute(
        f"""
        CREATE OR REPLACE TABLE findings AS
        WITH hits AS (
            SELECT h.rule, r.period, r.tbl AS "table", r._row AS row, r.child, r._file AS file, r._line AS line,
                   m.fields, m.severity, m.stage, h._id
            FROM rule_hits h JOIN all_rows r USING (_id) JOIN rule_meta m USING (rule)
        ),
        cells AS (
            SELECT c.code AS rule, r.period, r.tbl AS "table", r._row AS row, r.child, r._file AS file,
                   r._line AS line, c.field AS fields, CASE c.code {load_severity} END AS severity, 1 AS stage, c._id
            FROM cell_problems c JOIN all_rows r USING (_id)
            WHERE NOT EXISTS (
                SELECT 1 FROM rule_hits h JOIN rule_meta m USING (rule) JOIN rule_fields f USING (rule)
                WHERE m.stage = 1 AND h._id = c._id AND f.field = c.field
            )
        ),
        files AS (
            SELECT rule, period, tbl AS "table", NULL::BIGINT AS row, child, file, line, fields, severity,
                   1 AS stage, NULL::BIGINT AS _id
            FROM file_problems
        ),
        everything AS (SELECT * FROM hits UNION ALL SELECT * FROM cells UNION ALL SELECT * FROM files)
        SELECT *, row_number() OVER (ORDER BY rule, period, "table", row NULLS FIRST, file, line) AS sort_key
        FROM everything
        """
    )


def _load_outcomes(ds: Dataset) -> list[Outcome]:
    counts = dict(
        ds.con.execute("SELECT rule, count(*) FROM findings WHERE rule LIKE 'LOAD%' GROUP BY rule").fetchall()
    )
    out = []
    for k in KINDS.values():
        n = int(counts.get(k.code, 0))
        out.append(Outcome(k.code, k.title, 1, k.severity, FAILED if n else PASSED, n))
    return out
