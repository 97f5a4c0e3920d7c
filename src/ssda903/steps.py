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

from collections.abc import Iterable
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
