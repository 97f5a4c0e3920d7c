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
table was supplied is recorded in :attr:`Dataset.sources`.

The Dataset is a store: it holds the connection, the raw tables, where each came from and
the load problems. Typing and the value checks are SQL generated from the model
(:mod:`ssda903.typed`, which builds the typed tables); the macros every query may call are
the SQL vocabulary (:mod:`ssda903.sql`), loaded when the Dataset is made.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import duckdb

from ssda903.model import CollectionYear, load_model
from ssda903.problems import InputError, LoadProblem
from ssda903.sql import vocabulary_sql
from ssda903.sqltext import literal as _literal
from ssda903.sqltext import quote
from ssda903.steps import BOOKKEEPING

PERIODS = ("current", "previous")
RAW_SCHEMA = {"current": "raw", "previous": "raw_previous"}
TYPED_SCHEMA = {"current": "main", "previous": "previous"}


def raw_ddl(period: str, table: str) -> str:
    """``CREATE TABLE`` of one raw text table: every model column the user types, as text."""
    cols = ", ".join(f"{quote(c.name)} VARCHAR" for c in load_model().table(table).columns.values() if not c.derived)
    return (
        f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA[period]}.{quote(table)} "
        f"(_id BIGINT, _file VARCHAR, _row BIGINT, _line BIGINT, {cols})"
    )


@cache
def prepare_sql() -> str:
    """What a new connection needs before a return is read into it: the schemas, the macros
    reading uses, every raw table of both periods and the reader's bookkeeping tables."""
    parts = [f"CREATE SCHEMA IF NOT EXISTS {schema}" for schema in ("raw", "raw_previous", "previous")]
    parts.append(vocabulary_sql("base"))
    parts += [raw_ddl(period, t.name) for period in PERIODS for t in load_model().all_tables]
    parts += BOOKKEEPING
    return ";\n".join(parts)


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


def default_workers() -> int:
    """One statement per core, at most four (``SSDA903_WORKERS`` overrides it; 1 runs one at a time)."""
    given = os.environ.get("SSDA903_WORKERS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class Dataset:
    """A 903 return (and optionally last year's) loaded into one DuckDB connection."""

    year: CollectionYear
    la: str | None = None
    con: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)
    problems: list[LoadProblem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    #: reference data loaded beside the return: its name ("providers") and the table holding it
    references: dict[str, str] = field(default_factory=dict)
    #: whether the typed tables are up to date with the raw ones (see ssda903.typed.finish)
    finished: bool = False
    #: seconds spent in each stage of the last load and run ("read", "type and check", "rules",
    #: "findings"), for whoever wants to say where the time went (benchmarks, ``watch``)
    timings: dict[str, float] = field(default_factory=dict)
    #: how ``la`` was settled: "given", "guessed" (from the home postcodes) or "" (not known)
    la_source: str = ""
    #: DuckDB's memory limit ("4GB"; None: DuckDB's default, 80% of the machine); beyond it DuckDB
    #: spills to the system's temporary folder rather than fail
    memory_limit: str | None = None
    #: how many statements (each table's typing and checks, the rule batches) go to DuckDB at once:
    #: a small return's statements cost more to plan and start than to run, on one core each
    workers: int = field(default_factory=default_workers)
    _next_id: int = 0
    #: set in a Dataset made by :meth:`apart`: the whole it reads a file for, and the first _id past its rows
    _whole: Dataset | None = field(default=None, repr=False)
    _id_end: int = 0
    #: in a part, each source as it came: (how many problems had come before it, the source)
    _arrivals: list[tuple[int, Source]] = field(default_factory=list, repr=False)
    #: one lock per raw table, shared by the parts (see :meth:`writing`)
    _locks: dict[tuple[str, str], threading.Lock] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.year = CollectionYear.parse(self.year)
        if self._whole is not None:  # a part: the database is prepared already
            self.con.execute("SET enable_progress_bar = false")
            return
        # spill to the system's temporary folder, never into the user's working folder
        spill = os.path.join(tempfile.gettempdir(), "ssda903-duckdb")
        self.con.execute(f"SET temp_directory = {_literal(spill)}")
        self.con.execute("SET enable_progress_bar = false")
        if self.memory_limit:
            self.con.execute(f"SET memory_limit = {_literal(self.memory_limit)}")
        self.con.execute(prepare_sql())

    # -- the year -----------------------------------------------------------
    def set_year(self, year: str | int | CollectionYear) -> None:
        """Settle the collection year after reading but before typing (e.g. a guessed year)."""
        if self.finished:
            raise RuntimeError("the year is settled once the Dataset is typed")
        self.year = CollectionYear.parse(year)

    def set_la(self, code: str | None, source: str) -> None:
        """Settle the responsible LA after reading but before typing (e.g. guessed from the postcodes)."""
        if self.finished:
            raise RuntimeError("the LA is settled once the Dataset is typed")
        self.la, self.la_source = code, source if code else ""

    def year_of(self, period: str) -> CollectionYear:
        return self.year if period == "current" else self.year.previous()

    # -- what is here -------------------------------------------------------
    def has(self, table: str, period: str = "current") -> bool:
        """Whether the user supplied ``table`` for ``period``."""
        return any(s.period == period and s.table == table for s in self.sources)

    def tables(self, period: str = "current") -> list[str]:
        """The tables of the period's year, in model order."""
        return [t.name for t in load_model().tables(self.year_of(period))]

    def clear(self) -> None:
        """Empty the raw tables and forget every source and problem (the connection, its macros
        and typed tables stay): to validate another return of the same shape cheaply."""
        for period in PERIODS:
            for s in {x.table for x in self.sources if x.period == period}:
                self.con.execute(f"DELETE FROM {RAW_SCHEMA[period]}.{quote(s)}")
        for table in self.references.values():
            self.con.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        self.sources.clear()
        self.problems.clear()
        self.references.clear()
        self.finished = False

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
        raw = f"{RAW_SCHEMA[period]}.{quote(table)}"  # made for every table by prepare_sql()
        extras = extras or {}
        for name in extras:
            self.con.execute(f"ALTER TABLE {raw} ADD COLUMN IF NOT EXISTS {quote(name)} VARCHAR")
        targets = ["_id", "_file", "_row", "_line"]
        exprs = [f"{self._next_id} + {row_expr}", "$file", row_expr, line_expr]
        for col, src in list(columns.items()) + list(extras.items()):
            if src is not None:
                targets.append(quote(col))
                exprs.append(f"CAST({quote(src)} AS VARCHAR)")
        inserted = self.con.execute(
            f"INSERT INTO {raw} ({', '.join(targets)}) SELECT {', '.join(exprs)} FROM {relation}",
            {"file": file},
        ).fetchall()
        added = int(inserted[0][0]) if inserted else 0  # an INSERT answers with how many rows it added
        self._next_id += max(added, 0) + 1
        source = Source(period, table, file, added, tuple(c for c, src in columns.items() if src), tuple(copied))
        if self._whole is not None:
            self._arrivals.append((len(self.problems), source))
        else:
            self._add_source(source)
        self.finished = False
        return added

    def _add_source(self, source: Source) -> None:
        """Record where rows came from; a second file for the same table of a period is LOAD06."""
        same = [s.file for s in self.sources if s.period == source.period and s.table == source.table]
        if same:
            self.add_problem(
                LoadProblem(
                    "LOAD06",
                    f"{source.table} ({source.period} year) also comes from {', '.join(same)}; "
                    "rows from both files are loaded.",
                    file=source.file,
                    table=source.table,
                    period=source.period,
                )
            )
        self.sources.append(source)

    # -- reading files at the same time ---------------------------------------
    def apart(self, most_rows: int) -> Dataset:
        """A Dataset to read one file into, on a connection of its own to this one's database, while
        other files are read into other parts; :meth:`take` adds what it read back, in order.

        Its rows' ``_id`` are reserved now, ``most_rows`` of them after the last part's, so the parts
        made in the files' order number the rows as reading them one after another would (with
        gaps between files: nothing reads meaning into an ``_id`` but its order).
        """
        part = Dataset(self.year, la=self.la, con=self.con.cursor(), workers=1, _whole=self, _locks=self._locks)
        part._next_id = self._next_id
        part._id_end = self._next_id + most_rows + 1
        self._next_id = part._id_end
        return part

    def take(self, part: Dataset) -> None:
        """Add a part's sources and problems (see :meth:`apart`) as if its file had been read here."""
        if part._whole is not self:
            raise ValueError("not a part of this Dataset")
        if part._next_id > part._id_end:  # only a file that grew while it was read: its rows would share _id
            files = ", ".join(s.file for _, s in part._arrivals)
            raise InputError(f"{files} changed while it was read (it grew); run again once it is saved.")
        arrivals = list(part._arrivals)
        for i in range(len(part.problems) + 1):
            while arrivals and arrivals[0][0] == i:
                self._add_source(arrivals.pop(0)[1])
            if i < len(part.problems):
                self.add_problem(part.problems[i])
        self.finished = False
        part.con.close()

    @contextlib.contextmanager
    def writing(self, period: str, table: str) -> Iterator[None]:
        """Held while a reader changes one raw table (adds columns, rows, line numbers): parts reading
        files of the same table take turns, since DuckDB lets one connection at a time alter a table."""
        lock = self._locks.setdefault((period, table), threading.Lock())  # setdefault: one lock, whoever asks first
        with lock:
            yield

    def _count(self, relation: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0])

    # -- reading back -------------------------------------------------------
    def _typed(self) -> None:
        if not self.finished:
            raise RuntimeError("the Dataset is not typed yet: call ssda903.typed.finish(ds) first")

    def sql(self, query: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        self._typed()
        return self.con.sql(query, params=params)

    def row_count(self, table: str, period: str = "current") -> int:
        self._typed()
        return self._count(f"{TYPED_SCHEMA[period]}.{quote(table)}")

    def cell_problem_rows(self) -> list[tuple[Any, ...]]:
        """Cell-level problems joined to their location, for reports."""
        self._typed()
        return self.con.execute(
            """
            SELECT p.code, p.period, p.tbl, r._file, r._row, r._line, r.child, p.field, p.value,
                   cell_message(p.code, p.field, p.value, p.expected)
            FROM cell_problems p JOIN all_rows r USING (_id)
            ORDER BY p.code, p.period, p.tbl, r._file, r._row
            """
        ).fetchall()

    def all_problems(self) -> list[LoadProblem]:
        """File-level problems and cell-level problems, as LoadProblem objects."""
        out = list(self.problems)
        for code, period, tbl, file, row, line, child, fld, value, message in self.cell_problem_rows():
            out.append(
                LoadProblem(
                    code,
                    message,
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
