"""SQL steps: the statements that type, check and validate a return, in the order they run.

Everything after reading a return is SQL generated once per collection year (:mod:`ssda903.plan`
gathers it for the web page). A :class:`Step` is one statement; some apply only when a table was
supplied (typing and checking it) or only when it was not (an empty table of the same shape),
which saves planning work for tables nobody gave without changing any result. The command line
and the web page run the same steps with the same rule for skipping, so both reach the same
findings from the same raw tables.

The steps read four small tables the reader fills (created by :data:`BOOKKEEPING`):
``sources`` (one row per file read into a table), ``file_problems`` (problems with a file, a
column or a row found while reading), ``run_settings`` (the responsible LA) and, after the
rules, ``rule_hits``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ssda903.sqltext import literal
from ssda903.sqltext import value as sql_value

if TYPE_CHECKING:
    from ssda903.problems import LoadProblem

Key = tuple[str, str]  # (period, table)

#: the tables a reader fills beside the raw tables, and the one the rules fill
BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS sources (period VARCHAR, tbl VARCHAR, file VARCHAR, rows BIGINT, "
    "columns VARCHAR[], copied VARCHAR[])",
    "CREATE TABLE IF NOT EXISTS file_problems (rule VARCHAR, period VARCHAR, tbl VARCHAR, row BIGINT, "
    'child VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, value VARCHAR, message VARCHAR)',
    "CREATE TABLE IF NOT EXISTS run_settings (la VARCHAR)",
)


@dataclass(frozen=True)
class Step:
    """One SQL statement: run when everything in ``when`` is at hand and ``unless`` is not.

    What is at hand (:func:`at_hand`) is each (period, table) supplied, and ("problem", code) for
    each kind of file problem the reader found (LOAD13: a file converted from Windows-1252).
    """

    sql: str
    when: tuple[Key, ...] = ()
    unless: Key | None = None
    #: steps of one chain run in order; consecutive steps of different chains (one table's typing
    #: and another's) depend on nothing of each other and may run at the same time
    chain: str | None = None

    def applies(self, given: set[Key]) -> bool:
        return all(k in given for k in self.when) and (self.unless is None or self.unless not in given)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sql": self.sql}
        if self.when:
            out["when"] = [list(k) for k in self.when]
        if self.unless:
            out["unless"] = list(self.unless)
        return out


def at_hand(supplied: Iterable[Key], problem_codes: Iterable[str]) -> set[Key]:
    """What a step's ``when`` and ``unless`` are checked against."""
    return set(supplied) | {("problem", code) for code in problem_codes}


def script(steps: Iterable[Step], given: set[Key]) -> str:
    """The steps that apply, as one script (one round trip to DuckDB)."""
    return ";\n".join(s.sql for s in steps if s.applies(given))


def run_steps(
    con: Any, steps: Iterable[Step], given: set[Key], workers: int, sizes: Mapping[str, int] | None = None
) -> None:
    """Run the steps that apply, in order, but the chains of each stretch of chained steps at the
    same time (each chain in its own order, on its own connection); the first error is raised.
    ``sizes`` (a chain's rows) starts the largest chains first, so that none is left to the end."""
    todo = [s for s in steps if s.applies(given)]
    i = 0
    while i < len(todo):
        j = i
        chained = todo[i].chain is not None
        while j < len(todo) and (todo[j].chain is not None) == chained:
            j += 1
        if not chained:
            con.execute(";\n".join(s.sql for s in todo[i:j]))
        else:
            chains: dict[str, list[str]] = {}
            for s in todo[i:j]:
                chains.setdefault(str(s.chain), []).append(s.sql)
            largest_first = sorted(chains, key=lambda c: -(sizes or {}).get(c, 0))  # a stable sort
            for error in run_concurrently(con, [";\n".join(chains[c]) for c in largest_first], workers):
                if error is not None:
                    raise error
        i = j


def _value(v: object) -> str:
    """A literal of a row: a list is an array of text (``columns VARCHAR[]``), the rest as :func:`sql_value`."""
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(literal(x) for x in v) + "]::VARCHAR[]"
    return sql_value(v)


def insert_sql(table: str, rows: list[tuple[Any, ...]]) -> str:
    """One ``INSERT`` of literal values ('' when there are no rows)."""
    if not rows:
        return ""
    values = ",\n".join("(" + ", ".join(_value(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} VALUES {values}"


#: what separates the rows and the values of a packed insert (characters no value holds)
ROW_SEP, VALUE_SEP = "\x1e", "\x1f"


def packed_insert_sql(table: str, rows: Sequence[tuple[str | int, ...]]) -> str:
    """One ``INSERT`` of many rows of text and whole numbers, as a single literal that DuckDB splits
    (parsing a literal per value costs it twenty times as much: 0.1 s for the rules' columns).
    The table's column types convert the values; '' when there are no rows."""
    if not rows:
        return ""
    texts = [[str(v) for v in row] for row in rows]
    if any(v is None for row in rows for v in row) or any(ROW_SEP in v or VALUE_SEP in v for r in texts for v in r):
        raise ValueError(f"{table}: a packed insert takes text and numbers without separators")
    packed = literal(ROW_SEP.join(VALUE_SEP.join(r) for r in texts))
    values = ", ".join(f"v[{i + 1}]" for i in range(len(rows[0])))
    return (
        f"INSERT INTO {table} SELECT {values} FROM "
        f"(SELECT string_split(unnest(string_split({packed}, chr(30))), chr(31)) AS v)"
    )


def insert_rows(con: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows in one statement of literal values (executemany costs a round trip per row)."""
    if rows:
        con.execute(insert_sql(table, rows))


def problem_row(p: LoadProblem) -> tuple[Any, ...]:
    """A load problem as a row of ``file_problems``."""
    return (
        p.code,
        p.period,
        p.table or None,
        p.row,
        p.child,
        p.file or None,
        p.line,
        p.column or None,
        p.value,
        p.message,
    )


def session_sql(con: Any) -> str:
    """SET VARIABLE statements that give another connection this one's variables (the collection
    dates, the LA): variables belong to a connection, tables and macros to the database."""
    rows = con.execute("SELECT name, value, type FROM duckdb_variables()").fetchall()
    return ";\n".join(
        f"SET VARIABLE {name} = " + ("NULL" if value is None else f"CAST({literal(str(value))} AS {kind})")
        for name, value, kind in rows
    )


def threads_per_statement(workers: int) -> int:
    """DuckDB's threads for each of ``workers`` statements run at once: its share of the cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


@contextmanager
def sharing_cores(con: Any, workers: int) -> Iterator[None]:
    """While ``workers`` statements run at once, each gets its share of the cores as DuckDB threads
    (one each on two cores); afterwards a statement that runs alone has every core again.

    DuckDB gives each statement every core. With two statements at once on two cores, each then
    spends time handing its small pipelines between threads: sharing the cores makes a return of
    2,500 or 25,000 children 7-8% faster. The setting belongs to the database, so it is made here,
    before the statements start and after they end, not by each connection.
    """
    if workers <= 1:
        yield
        return
    (before,) = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute(f"SET threads = {threads_per_statement(workers)}")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(before)}")


def run_concurrently(con: Any, statements: list[str], workers: int) -> list[Exception | None]:
    """Run independent statements on ``workers`` connections to ``con``'s database at once; each
    statement's error, or None, in their order.

    A small return's statements cost DuckDB more to plan and start than to run, and that work
    uses one core a statement: a few at a time use every core. Each connection is given ``con``'s
    variables.
    """
    errors: list[Exception | None] = [None] * len(statements)
    if workers <= 1 or len(statements) <= 1:
        for i, sql in enumerate(statements):
            try:
                con.execute(sql)
            except Exception as e:  # reported to the caller, which decides what a failure means
                errors[i] = e
        return errors
    variables = session_sql(con)
    cursors = [con.cursor() for _ in range(min(workers, len(statements)))]
    for cursor in cursors:  # made here, so that a connection that cannot be made fails the caller
        # no progress bar on stdout from a long statement (it would end up in piped output)
        cursor.execute("SET enable_progress_bar = false")
        if variables:
            cursor.execute(variables)
    pending = iter(range(len(statements)))
    lock = threading.Lock()

    def work(cursor: Any) -> None:
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                return
            try:
                cursor.execute(statements[i])
            except Exception as e:  # as above
                errors[i] = e

    threads = [threading.Thread(target=work, args=(c,)) for c in cursors]
    with sharing_cores(con, len(cursors)):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for cursor in cursors:
        cursor.close()
    return errors
