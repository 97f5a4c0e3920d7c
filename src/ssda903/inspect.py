"""What was recognised in an authority's files: tables, rows, children, date ranges, problems."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ssda903.dataset import RAW_SCHEMA, TYPED_SCHEMA, Dataset
from ssda903.ingest.year import guess_year
from ssda903.model import load_model
from ssda903.reference.postcodes import authorities
from ssda903.sqltext import quote
from ssda903.typed import finish

__all__ = ["describe", "guess_year"]


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
        "la": ds.la,
        "la_name": authorities().get(ds.la or "", {}).get("name"),
        "la_source": ds.la_source or None,
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
