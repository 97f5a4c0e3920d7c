"""The Dataset: one DuckDB connection holding the current and previous period.

For every table of the year there are two forms:

* ``raw.<Table>`` / ``raw_previous.<Table>``: exactly the text the user gave,
  one row per input row, with ``_id`` (unique across the Dataset), ``_file``,
  ``_row`` (0-based data row within that file) and ``_line`` (line or sheet row
  in the file). Columns the user added beyond the model are kept here too.
* ``main.<Table>`` / ``previous.<Table>``: the typed form the rules read, with
  ``_id``, dates as DATE, codes trimmed and upper-cased, numbers typed. A value
  that cannot be typed is NULL here and a load problem (LOAD07–LOAD09); a required
  value left blank is LOAD18.

Tables nobody supplied exist too, empty, so every rule's SQL compiles; whether a
table was supplied is recorded in :attr:`Dataset.present`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import duckdb

from ssda903 import reference
from ssda903.model import CollectionYear, Column, load_model
from ssda903.problems import LoadProblem
from ssda903.sqltext import literal as _literal
from ssda903.sqltext import quote

PERIODS = ("current", "previous")
RAW_SCHEMA = {"current": "raw", "previous": "raw_previous"}
TYPED_SCHEMA = {"current": "main", "previous": "previous"}

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S"]

#: SQL macros every rule may use. They need nothing but DuckDB's core functions.
MACROS = f"""
CREATE OR REPLACE MACRO tidy(x) AS CASE
    WHEN contains(x, chr(9)) OR contains(x, chr(10)) OR contains(x, chr(13)) OR contains(x, chr(160))
    THEN trim(x, ' \t\r\n\u00a0') ELSE trim(x) END;
CREATE OR REPLACE MACRO blank_to_null(x) AS nullif(tidy(x), '');
CREATE OR REPLACE MACRO as_code(x) AS nullif(upper(tidy(x)), '');
CREATE OR REPLACE MACRO as_date(x) AS (
    SELECT CASE WHEN year(d) >= 1900 THEN d END
    FROM (SELECT CAST(try_strptime(tidy(x), {DATE_FORMATS!r}) AS DATE) AS d)
);
CREATE OR REPLACE MACRO as_int(x) AS CASE WHEN regexp_full_match(tidy(x), '[+-]?[0-9]+') THEN TRY_CAST(tidy(x) AS INTEGER) END;
CREATE OR REPLACE MACRO as_decimal(x) AS TRY_CAST(tidy(x) AS DOUBLE);
-- cheap test for the DfE form, used only on values that parsed as dates: the other forms use '-'
CREATE OR REPLACE MACRO is_dfe_date(x) AS contains(x, '/');
CREATE OR REPLACE MACRO age_on(dob, d) AS date_sub('year', dob, d);
"""

TYPED_EXPR = {
    "id": "blank_to_null({c})",
    "code": "as_code({c})",
    "date": "as_date({c})",
    "int": "as_int({c})",
    "decimal": "as_decimal({c})",
}


DERIVED_TYPE = {"decimal": "DOUBLE", "code": "VARCHAR", "id": "VARCHAR", "int": "INTEGER", "date": "DATE"}


@dataclass
class Source:
    """Where one table's rows came from."""

    period: str
    table: str
    file: str
    rows: int
    columns: tuple[str, ...] = ()  # the model columns the file carried
    #: model columns whose values the reader copied from another element (the XML copies CHILD, DOB
    #: and SEX from the child's HEADER into every table); their values are checked where the user wrote them
    copied: tuple[str, ...] = ()


@dataclass
class Dataset:
    """A 903 return (and optionally last year's) loaded into one DuckDB connection."""

    year: CollectionYear
    la: str | None = None
    con: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)
    problems: list[LoadProblem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    _next_id: int = 0
    _finished: bool = False

    def __post_init__(self) -> None:
        self.year = CollectionYear.parse(self.year)
        # spill to the system's temporary folder, never into the user's working folder
        spill = os.path.join(tempfile.gettempdir(), "ssda903-duckdb")
        self.con.execute(f"SET temp_directory = {_literal(spill)}")
        self.con.execute("SET enable_progress_bar = false")
        for schema in ("raw", "raw_previous", "previous"):
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        self.con.execute(MACROS)
        self._set_reference_dates()

    # -- the year -----------------------------------------------------------
    def set_year(self, year: str | int | CollectionYear) -> None:
        """Settle the collection year after reading but before typing (e.g. a guessed year)."""
        if self._finished:
            raise RuntimeError("the year is settled once the Dataset is typed")
        self.year = CollectionYear.parse(year)
        self._set_reference_dates()

    def year_of(self, period: str) -> CollectionYear:
        return self.year if period == "current" else self.year.previous()

    def _set_reference_dates(self) -> None:
        y = self.year
        self.con.execute(
            f"""
            CREATE OR REPLACE MACRO collection_start() AS DATE '{y.start.isoformat()}';
            CREATE OR REPLACE MACRO collection_end() AS DATE '{y.end.isoformat()}';
            CREATE OR REPLACE MACRO la_code() AS {_literal(self.la or "")};
            """
        )

    # -- what is here -------------------------------------------------------
    @property
    def present(self) -> set[tuple[str, str]]:
        """(period, table) pairs for which the user supplied a file or frame, plus the reference
        data at hand (``ssda903.rules.NEEDS_PROVIDERS``, ``NEEDS_LA``)."""
        from ssda903.rules import NEEDS_LA, NEEDS_PROVIDERS

        found = {(s.period, s.table) for s in self.sources}
        if reference.has_providers(self):
            found.add(NEEDS_PROVIDERS)
        if self.la:
            found.add(NEEDS_LA)
        return found

    def has(self, table: str, period: str = "current") -> bool:
        """Whether the user supplied ``table`` for ``period``."""
        return any(s.period == period and s.table == table for s in self.sources)

    def tables(self, period: str = "current") -> list[str]:
        """The tables of the period's year, in model order."""
        return [t.name for t in load_model().tables(self.year_of(period))]

    # -- loading ------------------------------------------------------------
    def add_problem(self, problem: LoadProblem) -> None:
        self.problems.append(problem)

    def append(
        self,
        period: str,
        table: str,
        relation: str,
        *,
        file: str,
        columns: dict[str, str | None],
        extras: dict[str, str] | None = None,
        row_expr: str = "_row",
        line_expr: str = "_line",
        copied: tuple[str, ...] = (),
    ) -> int:
        """Append rows to ``raw.<table>`` from a SQL relation (a table name or a subquery).

        ``columns`` maps each model column to the relation's column holding it
        (None when the file lacks it); ``extras`` maps extra header names to the
        relation's columns; ``copied`` names the columns the reader copied from another
        element (see :attr:`Source.copied`). Returns the number of rows appended.
        """
        if period not in PERIODS:
            raise ValueError(f"period must be one of {PERIODS}")
        raw = f"{RAW_SCHEMA[period]}.{quote(table)}"
        self._ensure_raw(period, table)
        extras = extras or {}
        for name in extras:
            self.con.execute(f"ALTER TABLE {raw} ADD COLUMN IF NOT EXISTS {quote(name)} VARCHAR")
        targets = ["_id", "_file", "_row", "_line"]
        exprs = [f"{self._next_id} + {row_expr}", "$file", row_expr, line_expr]
        for col, src in list(columns.items()) + list(extras.items()):
            if src is not None:
                targets.append(quote(col))
                exprs.append(f"CAST({quote(src)} AS VARCHAR)")
        before = self._count(raw)
        self.con.execute(
            f"INSERT INTO {raw} ({', '.join(targets)}) SELECT {', '.join(exprs)} FROM {relation}",
            {"file": file},
        )
        added = self._count(raw) - before
        self._next_id += max(added, 0) + 1
        if any(s.period == period and s.table == table for s in self.sources):
            others = ", ".join(s.file for s in self.sources if s.period == period and s.table == table)
            self.add_problem(
                LoadProblem(
                    "LOAD06",
                    f"{table} ({period} year) also comes from {others}; rows from both files are loaded.",
                    file=file,
                    table=table,
                    period=period,
                )
            )
        self.sources.append(
            Source(period, table, file, added, tuple(c for c, src in columns.items() if src), tuple(copied))
        )
        self._finished = False
        return added

    def _count(self, relation: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0])

    def _model_columns(self, table: str) -> list[Column]:
        t = load_model().table(table)
        return [c for c in t.columns.values() if not c.derived]

    def _raw_ddl(self, period: str, table: str) -> str:
        cols = ", ".join(f"{quote(c.name)} VARCHAR" for c in self._model_columns(table))
        return (
            f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA[period]}.{quote(table)} "
            f"(_id BIGINT, _file VARCHAR, _row BIGINT, _line BIGINT, {cols})"
        )

    def _ensure_raw(self, period: str, table: str) -> None:
        self.con.execute(self._raw_ddl(period, table))

    # -- typing -------------------------------------------------------------
    def finish(self) -> Dataset:
        """Build the typed tables and check every value once. Idempotent."""
        if self._finished:
            return self
        model = load_model()
        statements = [
            "CREATE OR REPLACE TABLE cell_problems (code VARCHAR, period VARCHAR, tbl VARCHAR, _id BIGINT, "
            "field VARCHAR, value VARCHAR, expected VARCHAR)"
        ]
        unions = []
        for period in PERIODS:
            year = self.year_of(period)
            schema = TYPED_SCHEMA[period]
            values = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in model.codelist_rows(year))
            statements.append(
                f"CREATE OR REPLACE TABLE {schema}.codelist AS SELECT * FROM (VALUES {values}) v(tbl, col, code, label)"
            )
            for table in model.all_tables:
                name = table.name
                statements.append(self._raw_ddl(period, name))
                raw = f"{RAW_SCHEMA[period]}.{quote(name)}"
                cols = self._model_columns(name)
                typed = ", ".join(
                    [f"{TYPED_EXPR[c.kind].format(c=quote(c.name))} AS {quote(c.name)}" for c in cols]
                    + [f"NULL::{DERIVED_TYPE[c.kind]} AS {quote(c.name)}" for c in table.columns.values() if c.derived]
                )
                if self.has(name, period):
                    statements.append(
                        f"CREATE OR REPLACE TABLE {schema}.{quote(name)} AS SELECT _id, {typed} FROM {raw}"
                    )
                else:  # nobody supplied it: an empty table of the same shape, without planning any expression
                    shape = ", ".join(
                        f"{quote(c.name)} {DERIVED_TYPE[c.kind]}"
                        for c in table.columns.values()
                        if c.kind in DERIVED_TYPE
                    )
                    statements.append(f"CREATE OR REPLACE TABLE {schema}.{quote(name)} (_id BIGINT, {shape})")
                unions.append(
                    f"SELECT _id, '{period}' AS period, '{name}' AS tbl, _file, _row, _line, "
                    f"blank_to_null(CHILD) AS child FROM {raw}"
                )
                if not self.has(name, period):
                    continue
                if table.validity.covers(year):
                    statements.extend(self._cell_checks(period, name, cols))
                else:
                    self.add_problem(
                        LoadProblem(
                            "LOAD12",
                            f"{name} is not collected in {year}; its rows are not validated.",
                            file=", ".join(s.file for s in self.sources if (s.period, s.table) == (period, name)),
                            table=name,
                            period=period,
                        )
                    )
        statements.append("CREATE OR REPLACE VIEW all_rows AS " + " UNION ALL ".join(unions))
        self.con.execute(";\n".join(statements))
        from ssda903.ingest.repeats import check_repeats  # rows repeating one already given (LOAD19)

        check_repeats(self)
        reference.derive(self)
        self._load_expressions()
        self._note_other_date_forms()
        self._finished = True
        return self

    def _load_expressions(self) -> None:
        """The DfE's commonly used expressions, as SQL macros in rules/expressions/*.sql."""
        folder = resources.files("ssda903.rules").joinpath("expressions")
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.name.endswith(".sql"):
                self.con.execute(entry.read_text(encoding="utf-8"))

    def _cell_checks(self, period: str, table: str, cols: list[Column]) -> list[str]:
        """The value problems of one table (LOAD07-09, 18, and 15 for later summary), as one INSERT.

        The typed table already holds each value parsed, so a check compares the text given with
        the typed value instead of parsing again.
        """
        raw = f"{RAW_SCHEMA[period]}.{quote(table)}"
        typed = f"{TYPED_SCHEMA[period]}.{quote(table)}"
        year = self.year_of(period)
        model = load_model()
        checks: list[tuple[str, str, str, str]] = []  # (condition, code, field, expected)
        for c in cols:
            r, t = f"r.{quote(c.name)}", f"t.{quote(c.name)}"
            given = f"blank_to_null({r}) IS NOT NULL"
            first = len(checks)
            if c.kind == "date":
                checks.append((f"{given} AND {t} IS NULL", "LOAD07", c.name, "a date (DD/MM/YYYY)"))
                checks.append((f"{t} IS NOT NULL AND NOT is_dfe_date({r})", "LOAD15", c.name, "DD/MM/YYYY"))
            elif c.kind == "int":
                checks.append((f"{given} AND {t} IS NULL", "LOAD08", c.name, "a whole number"))
            elif c.kind == "code" and c.codes:
                codes = ", ".join(_literal(x.upper()) for x in model.codes(table, c.name, year))
                # a column with a pattern (UPN) takes a value of that form or one of its codes
                form = f" AND NOT regexp_full_match({t}, {_literal(c.pattern.strip('^$'))})" if c.pattern else ""
                checks.append(
                    (
                        f"{t} IS NOT NULL AND {t} NOT IN ({codes}){form}",
                        "LOAD09",
                        c.name,
                        f"a valid {c.name} code for {year}",
                    )
                )
            # a required column the file carried, left blank on a row (a column the file lacks is LOAD03, once)
            files = [x.file for x in self.sources if (x.period, x.table) == (period, table) and c.name in x.columns]
            if c.blank == "no" and files:
                in_files = ", ".join(_literal(f) for f in files)
                checks.append((f"NOT ({given}) AND r._file IN ({in_files})", "LOAD18", c.name, "a value"))
            # a value the reader copied (XML: CHILD, DOB, SEX from HEADER) is checked once, where it was written
            copies = [x.file for x in self.sources if (x.period, x.table) == (period, table) and c.name in x.copied]
            if copies:
                outside = f" AND r._file NOT IN ({', '.join(_literal(f) for f in copies)})"
                checks[first:] = [(cond + outside, code, fld, exp) for cond, code, fld, exp in checks[first:]]
        if not checks:
            return []
        # one cheap filtered scan per check: the typed table already holds each parsed value
        selects = " UNION ALL ".join(
            f"SELECT '{code}', '{period}', '{table}', r._id, '{field}', r.{quote(field)}, {_literal(expected)} "
            f"FROM {raw} r JOIN {typed} t USING (_id) WHERE {cond}"
            for cond, code, field, expected in checks
        )
        return [f"INSERT INTO cell_problems {selects}"]

    def _note_other_date_forms(self) -> None:
        """Dates in a form other than DD/MM/YYYY are understood; say so once per file and column."""
        rows = self.con.execute(
            """
            SELECT c.period, c.tbl, c.field, r._file, count(*), min(r._line), arg_min(c.value, r._line)
            FROM cell_problems c JOIN all_rows r USING (_id)
            WHERE c.code = 'LOAD15'
            GROUP BY ALL ORDER BY 1, 2, 4, 3
            """
        ).fetchall()
        self.con.execute("DELETE FROM cell_problems WHERE code = 'LOAD15'")
        for period, table, col, file, n, line, example in rows:
            self.add_problem(
                LoadProblem(
                    "LOAD15",
                    f"{n:,} value(s) in {col} are not written DD/MM/YYYY (first: {example!r} on line {line}); "
                    "they were read as dates.",
                    file=file,
                    line=line,
                    column=col,
                    value=example,
                    table=table,
                    period=period,
                )
            )

    # -- reading back -------------------------------------------------------
    def sql(self, query: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        self.finish()
        return self.con.sql(query, params=params)

    def row_count(self, table: str, period: str = "current") -> int:
        self.finish()
        return self._count(f"{TYPED_SCHEMA[period]}.{quote(table)}")

    def cell_problem_rows(self) -> list[tuple[Any, ...]]:
        """Cell-level problems joined to their location, for reports."""
        self.finish()
        return self.con.execute(
            """
            SELECT p.code, p.period, p.tbl, r._file, r._row, r._line, r.child, p.field, p.value, p.expected
            FROM cell_problems p JOIN all_rows r USING (_id)
            ORDER BY p.code, p.period, p.tbl, r._file, r._row
            """
        ).fetchall()

    def all_problems(self) -> list[LoadProblem]:
        """File-level problems and cell-level problems, as LoadProblem objects."""
        out = list(self.problems)
        for code, period, tbl, file, row, line, child, fld, value, expected in self.cell_problem_rows():
            out.append(
                LoadProblem(
                    code,
                    f"{value!r} in {fld} is not {expected}.",
                    file=file,
                    line=line,
                    column=fld,
                    value=value,
                    table=tbl,
                    period=period,
                    row=row,
                    child=child,
                )
            )
        return out


def new_dataset(
    year: str | int | CollectionYear, la: str | None = None, problems: Iterable[LoadProblem] = ()
) -> Dataset:
    ds = Dataset(CollectionYear.parse(year), la=la)
    ds.problems.extend(problems)
    return ds
