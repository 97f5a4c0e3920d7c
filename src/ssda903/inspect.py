"""What was recognised in an authority's files: tables, rows, children, date ranges, problems."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ssda903.dataset import RAW_SCHEMA, TYPED_SCHEMA, Dataset
from ssda903.model import CollectionYear, load_model, supported_years
from ssda903.sqltext import quote
from ssda903.typed import finish


def describe(ds: Dataset) -> dict[str, Any]:
    """A plain dict (JSON-ready) describing the Dataset and every load problem."""
    finish(ds)
    model = load_model()
    tables = []
    for s in ds.sources:
        table = model.table(s.table)
        dates = [c.name for c in table.columns.values() if c.kind == "date" and not c.derived]
        typed = f"{TYPED_SCHEMA[s.period]}.{quote(s.table)}"
        raw = f"{RAW_SCHEMA[s.period]}.{quote(s.table)}"
        lo = ", ".join(f"min(t.{quote(d)})" for d in dates) or "NULL"
        hi = ", ".join(f"max(t.{quote(d)})" for d in dates) or "NULL"
        row = ds.con.execute(
            f"SELECT count(*), count(DISTINCT t.CHILD), least({lo}), greatest({hi}) "
            f"FROM {typed} t JOIN {raw} r USING (_id) WHERE r._file = $f",
            {"f": s.file},
        ).fetchall()[0]
        tables.append(
            {
                "period": s.period,
                "table": s.table,
                "file": s.file,
                "rows": int(row[0]),
                "children": int(row[1]),
                "first_date": row[2].strftime("%d/%m/%Y") if row[2] else None,
                "last_date": row[3].strftime("%d/%m/%Y") if row[3] else None,
            }
        )
    problems = [p.as_dict() for p in ds.all_problems()]
    return {
        "year": ds.year.label,
        "tables": tables,
        "missing_tables": [t for t in ds.tables("current") if not ds.has(t)],
        "problems": problems,
        "problem_counts": _count(p["code"] for p in problems),
    }


def _count(codes: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in codes:
        out[c] = out.get(c, 0) + 1
    return dict(sorted(out.items()))


def guess_year(ds: Dataset) -> CollectionYear:
    """The collection year this year's files most likely belong to: the one holding (nearly) the
    latest episode start or end date, read from the raw text (nothing needs typing first).

    Falls back to the latest supported year.
    """
    years = supported_years()
    if not ds.has("Episodes"):
        return years[-1]
    latest = ds.con.execute(
        # nearly the latest date: one mistyped year (2052 for 2025) must not move the guess
        "SELECT quantile_disc(d, 0.99) FROM (SELECT as_date(DECOM) AS d FROM raw.Episodes UNION ALL "
        "SELECT as_date(DEC) FROM raw.Episodes) WHERE d IS NOT NULL"
    ).fetchall()[0][0]
    if latest is None:
        return years[-1]
    guess = CollectionYear(latest.year if latest.month >= 4 else latest.year - 1)
    return guess if guess in years else (years[0] if guess < years[0] else years[-1])
