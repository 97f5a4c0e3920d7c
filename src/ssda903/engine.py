"""The engine: runs a collection year's rules over a Dataset and collects Findings.

Every rule gets one outcome: ``passed``, ``failed`` (n rows), ``not run`` (and
which table it needs) or ``crashed`` (and the message). Load problems are
outcomes too, under their LOAD codes, so "no errors" and "never ran" never look
alike. A return without a table the DfE requires (:data:`REQUIRED_TABLES`) gets
a LOAD20 finding for it; a table that may legitimately be absent (last year's
files, OC3 …) gives none, but the rules that need it stay "not run".

**Stage 1 and stage 2.** The DfE portal runs stage 2 only on records that pass
stage 1, so an analyst there sees the next batch of errors only after the next
upload. By default we report every rule's failures at once, and mark a stage 2
finding whose inputs failed stage 1: its ``after_stage1`` column holds the codes
that failed on the values it read (``102;LOAD18``), blank otherwise. An input
"failed stage 1" when one of the child's values, in a field the rule reads
(itself or through an expression it calls), in the same period, was reported by a
DfE stage 1 rule or by a load value check of error severity (LOAD09 a code not
in the year's list, LOAD18 a required value left blank …). Such a finding may go
once the stage 1 problem is fixed, or it may not: it is shown, marked, so the
analyst fixes stage 1 first and sees the whole picture now.

One case is still dropped, not marked: a value that was given but could not be
read (LOAD07 not a date, LOAD08 not a whole number). Its typed value is NULL, so a
stage 2 rule testing ``DEC IS NULL`` or doing date arithmetic would fire on a date
that is present but unreadable, as if it were blank: a finding *caused* by our
reading, not by the data, which would send the analyst to fix the wrong thing.
A blank value (LOAD18) really is blank, and an invalid code (LOAD09) is still
read as the text given, so a stage 2 rule firing on them states a real second
problem; those findings are only marked. ``halt_stage2=True`` (``--dfe-halting``)
reproduces the portal: every marked finding is dropped too.

A LOAD value problem is not reported where a DfE stage 1 rule already reports the
same cell under its own code (one wrong value, one finding).

**Exit status** (:attr:`Result.exit_code`, used by ``ssda903 validate``):
0 no error-severity finding and no rule crashed; 1 errors found (any finding of
severity ``error``, DfE rule or LOAD code, including LOAD20 for a missing
required table); 2 is the command line's "could not run" (usage, unreadable
input, wrong year) and never comes from here; 3 the run is incomplete: at least
one rule crashed, so its results cannot be trusted whatever else was found.
Rules that did not run for want of a table the DfE does not require do not
change the status; the summary lists them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from ssda903.dataset import PERIODS, RAW_SCHEMA, TYPED_SCHEMA, Dataset
from ssda903.model import CollectionYear, load_model
from ssda903.problems import KINDS, first_line, load_codes_sql
from ssda903.reference import has_providers
from ssda903.rules import NEEDS_LA, NEEDS_PROVIDERS, Rule, rules_for_year
from ssda903.sql import macros
from ssda903.sqltext import literal, quote
from ssda903.steps import Step, insert_rows, packed_insert_sql, problem_row, run_concurrently, script
from ssda903.typed import finish, read_back_problems

if TYPE_CHECKING:
    import pandas as pd

PASSED, FAILED, NOT_RUN, CRASHED = "passed", "failed", "not run", "crashed"

#: How many rules go to DuckDB in one statement. A statement holds every one of its rules' working
#: memory at once: with 12 a run of 2,500 children peaked at 190-200 MB, with 4 at 155-165 MB (and
#: 250,000 children at 950 MB against 850 MB); with 2, 9-10 MB less at 2,500 and 25,000 children
#: and 45 MB less at 250,000, in the same time; with 1, no less memory and more time (bench/README.md).
BATCH = 2

#: The tables a return cannot do without: every child in the return has one Header row, and every
#: child looked after has at least one episode (903-data-model.md §1.2, §1.3). The other tables hold
#: rows only for some children (UASC, OC2, OC3, AD1 …) and may be absent; their rules are "not run".
REQUIRED_TABLES = ("Header", "Episodes")

#: Load codes for a value that was given but could not be read: a stage 2 finding on it is dropped.
UNREADABLE = ("LOAD07", "LOAD08")

#: The columns of :meth:`Result.findings`; the findings CSV is the first thirteen.
FINDING_COLUMNS = [
    "rule",
    "period",
    "table",
    "row",
    "child",
    "severity",
    "stage",
    "file",
    "line",
    "column",
    "value",
    "message",
    "after_stage1",
    "fields",
    "_id",
]

#: exit statuses (see the module docstring)
EXIT_CLEAN, EXIT_ERRORS, EXIT_COULD_NOT_RUN, EXIT_INCOMPLETE = 0, 1, 2, 3


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
    #: of ``count``, the rows marked as reading values that failed stage 1
    after_stage1: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "variant": self.variant,
            "message": self.message,
            "stage": self.stage,
            "severity": self.severity,
            "status": self.status,
            "count": self.count,
            "after_stage1": self.after_stage1,
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
    #: True when stage 2 findings on inputs that failed stage 1 were dropped (the DfE's halting)
    halt_stage2: bool = False

    @property
    def year(self) -> str:
        return self.dataset.year.label

    def findings(self) -> pd.DataFrame:
        """One row per finding, sorted by rule, period, table, row (columns: :data:`FINDING_COLUMNS`)."""
        return self.dataset.con.sql(
            f"SELECT {', '.join(quote(c) for c in FINDING_COLUMNS)} FROM findings ORDER BY sort_key"
        ).df()

    def outcomes_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([o.as_dict() for o in self.outcomes])

    @property
    def error_count(self) -> int:
        """Findings of severity ``error``, DfE rules and load problems alike."""
        return sum(o.count for o in self.outcomes if o.status == FAILED and o.severity == "error")

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def crashed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == CRASHED]

    @property
    def not_run(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == NOT_RUN]

    @property
    def exit_code(self) -> int:
        """0 clean, 1 errors found, 3 incomplete (a rule crashed); see the module docstring."""
        if self.crashed:
            return EXIT_INCOMPLETE
        return EXIT_ERRORS if self.has_errors else EXIT_CLEAN

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
    halt_stage2: bool = False,
) -> Result:
    """Run the year's rules (or the given ``codes``, or the given ``rules``) over ``ds``.

    The rules that can run go to DuckDB a batch at a time (one statement per batch); should a
    batch fail, each of its rules runs on its own, so that one rule's crash is contained and
    reported. ``timed=True`` runs them one by one and records each rule's time
    (for benchmarks). ``halt_stage2=True`` drops the stage 2 findings whose inputs failed
    stage 1, as the DfE portal does, instead of marking them.
    """
    t0 = time.perf_counter()
    finish(ds)
    rules_started = time.perf_counter()
    con = ds.con
    chosen = rules if rules is not None else rules_for_year(ds.year, codes)
    # the load problems as they stand now (a caller may have added some since the return was typed)
    con.execute("DELETE FROM file_problems")
    insert_rows(con, "file_problems", [problem_row(p) for p in ds.problems])
    shared = shared_expressions(chosen)
    con.execute(missing_tables_sql(ds.year) + ";\n" + rule_tables_sql(chosen))
    read_back_problems(ds, ("LOAD20",))
    present = present_in(ds)
    outcomes: list[Outcome] = []
    runnable: list[tuple[Rule, Outcome]] = []
    for r in chosen:
        o = Outcome(r.code, r.message, r.stage, r.severity, PASSED, variant=r.variant)
        missing = [(p, t) for p, t in r.needs if (p, t) not in present]
        if missing:
            o.status = NOT_RUN
            o.detail = "needs: " + ", ".join(_describe_need(ds, p, t) for p, t in missing)
        else:
            runnable.append((r, o))
        outcomes.append(o)
    # The shared expressions are worked out at the same time as the rules that do not call them;
    # the rules that do run after. A rule runs alone (and its time is taken) when ``timed``, or when
    # its batch failed, to find and contain the rule that fails.
    worked_out_once = set(shared)
    calling = [x for x in runnable if worked_out_once & set(x[0].calls)]
    others = [x for x in runnable if not worked_out_once & set(x[0].calls)]
    if timed:
        shared_errors = run_concurrently(con, shared_tables_sql(shared), 1)
        alone: list[tuple[Rule, Outcome]] = list(runnable)
    else:
        alone = []
        done = run_concurrently(con, shared_tables_sql(shared) + _batches_sql(others, shared), ds.workers)
        shared_errors = done[: len(shared)]
        ran = list(zip(_batches(others), done[len(shared) :], strict=True))
        ran += zip(_batches(calling), run_concurrently(con, _batches_sql(calling, shared), ds.workers), strict=True)
        for batch, error in ran:
            if error is not None:
                alone += batch
    not_worked_out = {name: e for name, e in zip(shared, shared_errors, strict=True) if e is not None}
    for r, o in calling:
        for name in set(r.calls) & set(not_worked_out):  # the rule cannot run: it is said why
            o.status = CRASHED
            o.detail = f"{name}() could not be worked out: {first_line(not_worked_out[name])[:300]}"
    alone = [x for x in alone if x[1].status != CRASHED]
    for r, o in runnable:
        if any(r is x for x, _ in alone):
            start = time.perf_counter()
            try:
                con.execute("INSERT INTO rule_hits " + _hits_sql(r, shared))
            except Exception as e:  # any failure of one rule must not stop the others
                o.status = CRASHED
                o.detail = first_line(e)[:300]
            o.seconds = time.perf_counter() - start
        if progress:
            progress(r)
    if progress:
        for r in chosen:
            if all(r is not x for x, _ in runnable):
                progress(r)

    ds.timings["rules"] = time.perf_counter() - rules_started
    found = time.perf_counter()
    con.execute(script(findings_steps(halt_stage2=halt_stage2), {(s.period, s.table) for s in ds.sources}))
    counts = {
        rule: (int(n), int(marked))
        for rule, n, marked in con.execute("SELECT rule, count, after_stage1 FROM rule_counts").fetchall()
    }
    for o in outcomes:
        if o.status == PASSED and o.rule in counts:
            o.status = FAILED
            o.count, o.after_stage1 = counts[o.rule]
    outcomes.extend(_load_outcomes(ds))
    ds.timings["findings"] = time.perf_counter() - found
    return Result(ds, outcomes, list(chosen), time.perf_counter() - t0, halt_stage2)


def _batches(rules: list[tuple[Rule, Outcome]]) -> list[list[tuple[Rule, Outcome]]]:
    """A few rules per statement (:data:`BATCH`): fewer round trips, without holding every rule's
    working memory at once."""
    return [rules[i : i + BATCH] for i in range(0, len(rules), BATCH)]


def _batches_sql(rules: list[tuple[Rule, Outcome]], shared: tuple[str, ...]) -> list[str]:
    return ["INSERT INTO rule_hits " + " UNION ALL ".join(_hits_sql(r, shared) for r, _ in b) for b in _batches(rules)]


def _hits_sql(r: Rule, shared: tuple[str, ...] = ()) -> str:
    """The rows a rule reports (a row reported twice is made one by the findings' first step)."""
    return f"SELECT '{r.code}', q._id FROM ({rule_sql(r, shared)}\n) AS q"


def shared_expressions(rules: list[Rule]) -> tuple[str, ...]:
    """The DfE expressions that are whole tables (``periods_of_care()`` …) and that some of
    ``rules`` call: each is worked out once per run, into ``shared_<name>``, not once per rule."""
    called = {name for r in rules for name in r.calls}
    return tuple(m.name for m in macros() if m.table and m.args == "()" and m.name in called)


def shared_tables_sql(shared: tuple[str, ...]) -> list[str]:
    return [f"CREATE OR REPLACE TABLE shared_{name} AS SELECT * FROM {name}()" for name in shared]


def rule_sql(r: Rule, shared: tuple[str, ...]) -> str:
    """The rule's query as run: each call of a shared expression reads the table worked out for it."""
    if not shared:
        return r.sql
    return re.sub(rf"\b({'|'.join(shared)})\s*\(\s*\)", r"shared_\1", r.sql)


def _describe_need(ds: Dataset, period: str, what: str) -> str:
    if period != "previous":
        return what
    last_year = ds.year.previous()
    if what in {t.name for t in load_model().all_tables} - {t.name for t in load_model().tables(last_year)}:
        return f"{what} of the previous year, which {last_year} returns do not have"
    return f"{what} of the previous year"


def missing_tables_sql(year: CollectionYear) -> str:
    """LOAD20 for each required table with no file for the current year (once, however often we run)."""
    out = []
    for table in REQUIRED_TABLES:
        message = literal(
            f"No {table} file was given for {year}: the DfE return needs one (a header row is enough "
            f"when it has no rows). The rules that read {table} were not run."
        )
        out.append(
            "INSERT INTO file_problems (rule, period, tbl, message) "
            f"SELECT 'LOAD20', 'current', '{table}', {message} "
            f"WHERE NOT EXISTS (SELECT 1 FROM sources WHERE period = 'current' AND tbl = '{table}') "
            f"AND NOT EXISTS (SELECT 1 FROM file_problems WHERE rule = 'LOAD20' AND tbl = '{table}')"
        )
    return ";\n".join(out)


def rule_tables_sql(rules: list[Rule]) -> str:
    """The tables that say what each rule is (its stage, severity, fields …), and ``rule_hits``, empty."""
    statements = [
        "CREATE OR REPLACE TABLE rule_hits (rule VARCHAR, _id BIGINT)",
        "CREATE OR REPLACE TABLE rule_meta (rule VARCHAR, stage INTEGER, severity VARCHAR, fields VARCHAR, "
        "message VARCHAR)",
        "CREATE OR REPLACE TABLE rule_fields (rule VARCHAR, field VARCHAR, pos INTEGER)",
        "CREATE OR REPLACE TABLE rule_gate_fields (rule VARCHAR, field VARCHAR)",
        'CREATE OR REPLACE TABLE rule_column (rule VARCHAR, tbl VARCHAR, "column" VARCHAR)',
        'CREATE OR REPLACE TABLE rule_exact_codes (rule VARCHAR, "column" VARCHAR)',
        packed_insert_sql("rule_meta", [(r.code, r.stage, r.severity, ",".join(r.fields), r.message) for r in rules]),
        packed_insert_sql("rule_fields", [(r.code, f, i) for r in rules for i, f in enumerate(r.fields)]),
        packed_insert_sql("rule_gate_fields", [(r.code, f) for r in rules if r.stage == 2 for f in r.gate_fields]),
        packed_insert_sql("rule_column", _rule_columns(rules)),
        packed_insert_sql("rule_exact_codes", [(r.code, c) for r in rules for c in r.exact_codes]),
    ]
    return ";\n".join(s for s in statements if s)


def _rule_columns(rules: list[Rule]) -> list[tuple[str, str, str]]:
    """For each rule and table, the column a finding on that table's row is about.

    The rule's first declared field that the user types in that table; failing that, its first
    field the DfE works out there (PL_DISTANCE …); failing that, its first field.
    """
    tables = load_model().all_tables
    out = []
    for r in rules:
        if not r.fields:
            continue
        for t in tables:
            typed = [f for f in r.fields if f in t.columns and not t.columns[f].derived]
            worked_out = [f for f in r.fields if f in t.columns]
            out.append((r.code, t.name, (typed or worked_out or list(r.fields))[0]))
    return out


def present_in(ds: Dataset) -> set[tuple[str, str]]:
    """(period, table) pairs the user supplied, and the reference data at hand (``NEEDS_LA`` …)."""
    found = {(s.period, s.table) for s in ds.sources}
    if has_providers(ds):
        found.add(NEEDS_PROVIDERS)
    if ds.la:
        found.add(NEEDS_LA)
    return found


@cache
def findings_steps(*, halt_stage2: bool = False) -> tuple[Step, ...]:
    """The steps from the rules' hits to ``findings`` and ``rule_counts`` (rule, count, after_stage1)."""
    return (
        # each row a rule reports, once (one statement for every rule, not a DISTINCT in each)
        Step("CREATE OR REPLACE TABLE rule_hits AS SELECT DISTINCT rule, _id FROM rule_hits"),
        # a row blank in every column (LOAD23) is not validated, even by a rule reading the raw text
        Step("DELETE FROM rule_hits WHERE _id IN (SELECT _id FROM cell_problems WHERE code = 'LOAD23')"),
        Step(_mark_stage_two_sql(halt=halt_stage2)),
        Step(
            "CREATE OR REPLACE TABLE rule_counts AS SELECT h.rule, count(*) AS count, "
            "count(m.after_stage1) AS after_stage1 FROM rule_hits h "
            "LEFT JOIN stage2_marks m USING (rule, _id) GROUP BY h.rule"
        ),
        Step(_findings_sql()),
        *_fill_values_steps(),
        Step(_write_codes_sql()),
    )


def _mark_stage_two_sql(*, halt: bool) -> str:
    """Mark (or, when ``halt``, drop) stage 2 hits whose inputs failed stage 1; drop those on unreadable values.

    ``stage1_cells`` holds every cell that failed stage 1: the fields of each DfE stage 1 hit,
    and every load value problem of error severity. A stage 2 hit is touched by such a cell
    when the cell is in one of the fields the rule reads (``rule_gate_fields``) and is on the
    same row, or on another row of the same child in the same period (a rule on Episodes
    reads the child's DOB from the Header). ``stage2_marks`` keeps, per touched hit, the codes
    the user will find in the report (a LOAD code the DfE rule already reports for the same
    cell is left out) and whether a value was unreadable.
    """
    unreadable = ", ".join(literal(c) for c in UNREADABLE)
    return f"""
        CREATE OR REPLACE TEMP TABLE stage1_cells AS
        WITH dfe AS (
            SELECT DISTINCT h._id, f.field, h.rule AS code
            FROM rule_hits h JOIN rule_meta m USING (rule) JOIN rule_fields f USING (rule)
            WHERE m.stage = 1
        ),
        loaded AS (
            SELECT c._id, c.field, c.code, c.code IN ({unreadable}) AS unreadable,
                   NOT EXISTS (SELECT 1 FROM dfe d WHERE d._id = c._id AND d.field = c.field) AS shown
            FROM cell_problems c WHERE c.code IN ({load_codes_sql("error")})
        ),
        cells AS (
            SELECT _id, field, code, false AS unreadable, true AS shown FROM dfe
            UNION ALL SELECT _id, field, code, unreadable, shown FROM loaded
        )
        SELECT c.*, r.period, r.child FROM cells c JOIN all_rows r USING (_id);

        CREATE OR REPLACE TEMP TABLE stage2_marks AS
        WITH hits AS (
            SELECT h.rule, h._id, r.period, r.child
            FROM rule_hits h JOIN rule_meta m USING (rule) JOIN all_rows r USING (_id)
            WHERE m.stage = 2
        ),
        touching AS (
            SELECT DISTINCT rule, _id, code, unreadable, shown FROM (
                SELECT h.rule, h._id, s.code, s.unreadable, s.shown
                FROM hits h JOIN rule_gate_fields g USING (rule)
                JOIN stage1_cells s ON s.field = g.field AND s._id = h._id
                UNION ALL
                SELECT h.rule, h._id, s.code, s.unreadable, s.shown
                FROM hits h JOIN rule_gate_fields g USING (rule)
                JOIN stage1_cells s ON s.field = g.field AND s.child = h.child AND s.period = h.period
            )
        )
        SELECT rule, _id, bool_or(unreadable) AS unreadable,
               string_agg(code, ';' ORDER BY code LIKE 'LOAD%', lpad(regexp_extract(code, '^[0-9]*'), 8, '0'), code)
                   FILTER (WHERE shown) AS after_stage1
        FROM touching GROUP BY rule, _id;

        DELETE FROM rule_hits h USING stage2_marks m
        WHERE h.rule = m.rule AND h._id = m._id AND ({"true" if halt else "m.unreadable"});
        DELETE FROM stage2_marks WHERE {"true" if halt else "unreadable"}
        """


def _findings_sql() -> str:
    """``findings``: every rule hit, cell problem and file problem, located, in one table."""
    severity = " ".join(f"WHEN {literal(k.code)} THEN {literal(k.severity)}" for k in KINDS.values())
    return f"""
        CREATE OR REPLACE TABLE findings AS
        WITH hits AS (
            SELECT h.rule, r.period, r.tbl AS "table", r._row AS row, r.child, m.severity, m.stage,
                   r._file AS file, r._line AS line, coalesce(c."column", m.fields) AS "column",
                   NULL::VARCHAR AS value, m.message, s.after_stage1, m.fields, h._id
            FROM rule_hits h JOIN all_rows r USING (_id) JOIN rule_meta m USING (rule)
            LEFT JOIN rule_column c ON c.rule = h.rule AND c.tbl = r.tbl
            LEFT JOIN stage2_marks s ON s.rule = h.rule AND s._id = h._id
        ),
        cells AS (
            SELECT c.code AS rule, r.period, r.tbl AS "table", r._row AS row, r.child,
                   CASE c.code {severity} END AS severity, 1 AS stage, r._file AS file, r._line AS line,
                   c.field AS "column", c.value,
                   cell_message(c.code, c.field, c.value, c.expected) AS message,
                   NULL::VARCHAR AS after_stage1, c.field AS fields, c._id
            FROM cell_problems c JOIN all_rows r USING (_id)
            WHERE NOT EXISTS (
                SELECT 1 FROM rule_hits h JOIN rule_meta m USING (rule) JOIN rule_fields f USING (rule)
                WHERE m.stage = 1 AND h._id = c._id AND f.field = c.field
            )
        ),
        files AS (
            -- a problem with a whole file or column has no row; one with a row (LOAD14) is located on it
            SELECT p.rule, p.period, p.tbl AS "table", p.row, coalesce(p.child, r.child) AS child,
                   CASE p.rule {severity} END AS severity, 1 AS stage, p.file, p.line, p."column", p.value,
                   p.message, NULL::VARCHAR AS after_stage1, p."column" AS fields, r._id
            FROM file_problems p
            LEFT JOIN all_rows r ON p.row IS NOT NULL AND r.period = p.period AND r.tbl = p.tbl
                 AND r._file = p.file AND r._row = p.row
        ),
        everything AS (SELECT * FROM hits UNION ALL SELECT * FROM cells UNION ALL SELECT * FROM files)
        SELECT *, row_number() OVER (
            ORDER BY rule, period, "table" NULLS FIRST, row NULLS FIRST, file, line, "column"
        ) AS sort_key
        FROM everything
        """


def _write_codes_sql() -> str:
    """A code rule's finding on a code that is only written wrongly (' c1') says what to write."""
    hint = (
        "' (' || quote_text(f.value) || ' in ' || f.\"column\" || ': write ' || quote_text(as_code(f.value)) "
        "|| ', exactly as the code list has it.)'"
    )
    return f"""
        UPDATE findings AS f SET message = f.message || {hint}
        FROM rule_exact_codes AS e
        WHERE f.rule = e.rule AND f."column" = e."column" AND f.value IS NOT NULL
          AND as_code(f.value) IS NOT NULL AND f.value <> as_code(f.value)
          AND as_code(f.value) IN (SELECT code FROM codelist c WHERE c.tbl = f."table" AND c.col = f."column")
        """


def _fill_values_steps() -> list[Step]:
    """Each rule finding's ``value``: the text the user typed in its column on its row.

    One UPDATE for every table (a statement costs a small return more than its work): each table's
    findings get the value of their column from its row. A column the DfE works out rather than
    the user types (PL_DISTANCE …) is not in the raw table; its worked-out value is shown, dates
    DD/MM/YYYY (PL_LOCATION is also kept as a file gave it: that text is shown).
    """
    values = []
    for period in PERIODS:
        for table in load_model().all_tables:
            cases = []
            for c in table.columns.values():
                if not c.derived or (table.name, c.name) == ("Episodes", "PL_LOCATION"):
                    cases.append(f"WHEN {literal(c.name)} THEN r.{quote(c.name)}")
                else:
                    v = f"t.{quote(c.name)}"
                    text = f"strftime({v}, '%d/%m/%Y')" if c.kind == "date" else f"CAST({v} AS VARCHAR)"
                    cases.append(f"WHEN {literal(c.name)} THEN {text}")
            values.append(
                f'SELECT DISTINCT f._id, f."column", CASE f."column" {" ".join(cases)} END AS value '
                f"FROM findings f JOIN {RAW_SCHEMA[period]}.{quote(table.name)} r USING (_id) "
                f"JOIN {TYPED_SCHEMA[period]}.{quote(table.name)} t USING (_id) "
                f'WHERE f.period = {literal(period)} AND f."table" = {literal(table.name)} '
                f"AND f.value IS NULL AND f.rule NOT IN ({load_codes_sql()})"
            )
    return [
        Step(
            "UPDATE findings AS f SET value = v.value FROM (\n" + "\nUNION ALL ".join(values) + "\n) AS v "
            f'WHERE f._id = v._id AND f."column" = v."column" AND f.value IS NULL AND f.rule NOT IN ({load_codes_sql()})'
        )
    ]


def _load_outcomes(ds: Dataset) -> list[Outcome]:
    counts = dict(
        ds.con.execute("SELECT rule, count(*) FROM findings WHERE rule LIKE 'LOAD%' GROUP BY rule").fetchall()
    )
    out = []
    for k in KINDS.values():
        n = int(counts.get(k.code, 0))
        out.append(Outcome(k.code, k.title, 1, k.severity, FAILED if n else PASSED, n))
    return out
