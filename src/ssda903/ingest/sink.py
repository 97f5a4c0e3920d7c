"""Appending a reader's rows to the Dataset, and tidying the columns that had no name.

Every tabular reader (CSV, Excel) hands over its rows in one SQL relation
whose columns are ``c0, c1, …`` in file order. Columns with no header name go
in as ``(unnamed column N)``; afterwards the ones that turned out empty (what
Excel leaves behind when a sheet had formatting beyond the data) are dropped
again, and the ones that hold values are reported.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from ssda903.dataset import RAW_SCHEMA, Dataset
from ssda903.ingest.columns import ColumnMatch
from ssda903.problems import LoadProblem
from ssda903.sqltext import quote

#: at most this many located problems of one kind per file; the rest are counted in one more
MAX_LOCATED = 50

UNNAMED = "(unnamed column"


def raw_columns(ds: Dataset, period: str, table: str) -> set[str]:
    """The columns ``raw.<table>`` has now (empty when it does not exist yet)."""
    # the table's own shape: duckdb_columns() would list every column of every table first
    try:
        described = ds.con.execute(f"SELECT * FROM {RAW_SCHEMA[period]}.{quote(table)} LIMIT 0").description
    except duckdb.CatalogException:
        return set()
    return {d[0] for d in described or []}


def append_matched(
    ds: Dataset,
    period: str,
    match: ColumnMatch,
    relation: str,
    *,
    file: str,
    line_expr: str = "_line",
    overflow: int | None = None,
    before: set[str] | None = None,
    after: Callable[[int], None] | None = None,
) -> int:
    """Append ``relation`` (columns ``_row``, ``_line`` or ``line_expr``, ``c0…``) as ``match.table``.

    ``overflow`` is the index of a spare column past the header that catches values
    beyond it (CSV rows longer than the header). ``before`` is the raw table's columns
    before this file (taken now when not given). ``after`` gets the number of rows
    appended, before unnamed columns are checked (CSV uses it to settle line numbers).
    """
    assert match.table is not None
    table = match.table
    if before is None:
        before = raw_columns(ds, period, table)
    extras = {name: f"c{i}" for name, i in match.extras.items()}
    if overflow is not None:
        extras[f"{UNNAMED} {overflow + 1})"] = f"c{overflow}"
    added = ds.append(
        period,
        table,
        relation,
        file=file,
        columns={k: (f"c{v}" if v is not None else None) for k, v in match.columns.items()},
        extras=extras,
        line_expr=line_expr,
    )
    if after is not None:
        after(added)
    unnamed = [name for name in extras if name.startswith(UNNAMED)]
    if unnamed:
        _tidy_unnamed(
            ds,
            period,
            table,
            file,
            unnamed,
            before,
            overflow_name=f"{UNNAMED} {overflow + 1})" if overflow is not None else None,
        )
    return added


def _tidy_unnamed(
    ds: Dataset, period: str, table: str, file: str, names: list[str], before: set[str], overflow_name: str | None
) -> None:
    raw = f"{RAW_SCHEMA[period]}.{quote(table)}"
    counts = ds.con.execute(
        f"SELECT {', '.join(f'count({quote(n)})' for n in names)} FROM {raw} WHERE _file = $f", {"f": file}
    ).fetchall()[0]
    for name, n in zip(names, counts, strict=True):
        if n == 0:
            if name not in before:
                ds.con.execute(f"ALTER TABLE {raw} DROP COLUMN {quote(name)}")
            continue
        if name == overflow_name:
            _report_overflow(ds, period, table, file, raw, name, n)
        else:
            ds.add_problem(
                LoadProblem(
                    "LOAD04",
                    f"{name[1:-1].capitalize()} has no name in the header row but holds {n:,} value(s); "
                    "they are kept but not validated.",
                    file=file,
                    column=name,
                    table=table,
                    period=period,
                )
            )


def _report_overflow(ds: Dataset, period: str, table: str, file: str, raw: str, name: str, n: int) -> None:
    rows = ds.con.execute(
        f"SELECT _row, _line, {quote(name)} FROM {raw} WHERE _file = $f AND {quote(name)} IS NOT NULL "
        f"ORDER BY _row LIMIT {MAX_LOCATED}",
        {"f": file},
    ).fetchall()
    for row, line, value in rows:
        ds.add_problem(
            LoadProblem(
                "LOAD14",
                f"Line {line} has more values than the header has columns; the value(s) beyond it ({value!r}) "
                f"are kept as {name}, not validated.",
                file=file,
                line=line,
                row=row,
                value=value,
                table=table,
                period=period,
            )
        )
    if n > len(rows):
        ds.add_problem(
            LoadProblem(
                "LOAD14",
                f"{n - len(rows):,} more line(s) have more values than the header has columns.",
                file=file,
                table=table,
                period=period,
            )
        )
