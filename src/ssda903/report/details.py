"""What every report shows beside a finding: the values the user typed in the rule's fields.

The engine's findings already say *where* and *what* (rule, period, table, row,
child, file, line, column, value, message, after_stage1). The Excel workbook and
the HTML page also show the raw text of every field the rule reads on the failing
row: :func:`build` fetches those with one SQL query per (period, table), never one
per finding, so it stays quick for 100,000 findings.

File-level load problems (a missing column, an unreadable file) have no row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ssda903.dataset import RAW_SCHEMA, TYPED_SCHEMA
from ssda903.model import load_model
from ssda903.problems import KINDS
from ssda903.report.common import ReportData
from ssda903.report.overview import compute, not_on_a_row
from ssda903.sqltext import quote

if TYPE_CHECKING:
    from ssda903.engine import Result

__all__ = ["ReportData", "build", "data_columns", "derived_columns", "raw_columns"]


def raw_columns(con: Any, period: str, table: str) -> list[str]:
    """The columns of ``raw.<table>`` (model columns and the user's extras), in table order."""
    return _columns(con, RAW_SCHEMA[period], table)


def _columns(con: Any, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def derived_columns(table: str) -> set[str]:
    """Columns the DfE works out (PL_DISTANCE from the postcodes …): not typed by the user."""
    try:
        return {c.name for c in load_model().table(table).columns.values() if c.derived}
    except KeyError:
        return set()


def data_columns(con: Any, period: str, table: str, year: Any) -> list[str]:
    """The columns to show for an input table: the DfE columns, then any other column that holds a value.

    The raw table also carries model columns of other years or of the XML form; they are
    shown only when the user actually supplied something in them.
    """
    cols = [c for c in raw_columns(con, period, table) if not c.startswith("_")]
    try:
        dfe = [c for c in load_model().columns(table, year) if c in cols] or [
            c for c in load_model().table(table).csv_columns if c in cols
        ]
    except KeyError:
        dfe = []
    others = [c for c in cols if c not in dfe]
    if others:
        counts = con.execute(
            "SELECT " + ", ".join(f"count({quote(c)})" for c in others) + f" FROM {RAW_SCHEMA[period]}.{quote(table)}"
        ).fetchall()[0]
        others = [c for c, n in zip(others, counts, strict=True) if n]
    return dfe + others


def build(result: Result) -> ReportData:
    """Findings with the values of their fields as typed, and the rule lookup, for every writer."""
    ds = result.dataset
    f = result.findings().reset_index(drop=True)
    f["message"] = f["message"].fillna("")
    rules = {r.code: r for r in result.rules}
    messages = {k.code: k.title for k in KINDS.values()}
    messages.update({o.rule: o.message for o in result.outcomes})
    f["values"] = pd.Series(_values(ds.con, f), index=f.index, dtype=object)
    data = ReportData(result, f, messages, rules, not_on_a_row(result))
    data.summary = compute(result, data.file_problems)
    return data


def _values(con: Any, f: pd.DataFrame) -> list[dict[str, str | None] | None]:
    """For each finding, {field: text as typed} for its fields on its row (None for file-level findings).

    A field the DfE works out rather than the user types (PL_DISTANCE, PL_LA …) is not in the
    raw table; its worked-out value is taken from the typed table, dates written DD/MM/YYYY.
    """
    out: list[dict[str, str | None] | None] = [None] * len(f)
    located = f[f["_id"].notna()]
    if located.empty:
        return out
    for (period, table), part in located.groupby(["period", "table"], sort=False):
        period, table = str(period), str(table)
        raw_cols = set(raw_columns(con, period, table))
        worked_out = derived_columns(table) & set(_columns(con, TYPED_SCHEMA[period], table)) - raw_cols
        cols = raw_cols | worked_out
        split = {v: [x for x in v.split(",") if x in cols] for v in part["fields"].dropna().unique()}
        per_finding = [split.get(v, []) for v in part["fields"].tolist()]
        wanted = sorted({x for fl in split.values() for x in fl})
        if not wanted:
            for i in part.index:
                out[i] = {}
            continue
        select = []
        for c in wanted:
            if c in raw_cols:
                select.append("r." + quote(c))
            else:
                v = "t." + quote(c)
                is_date = load_model().table(table).columns[c].kind == "date"
                select.append(f"strftime({v}, '%d/%m/%Y')" if is_date else f"CAST({v} AS VARCHAR)")
        join = f" JOIN {TYPED_SCHEMA[period]}.{quote(table)} t USING (_id)" if worked_out & set(wanted) else ""
        ids = pd.DataFrame({"_id": part["_id"].astype("int64").unique()})
        name = "_report_ids"
        con.register(name, ids)
        try:
            rows = con.execute(
                f"SELECT _id, {', '.join(select)} "
                f"FROM {name} i JOIN {RAW_SCHEMA[period]}.{quote(table)} r USING (_id){join}"
            ).fetchall()
        finally:
            con.unregister(name)
        pos = {c: k + 1 for k, c in enumerate(wanted)}
        by_id = {r[0]: r for r in rows}
        for i, _id, fl in zip(part.index, part["_id"].tolist(), per_finding, strict=True):
            r = by_id.get(int(_id))
            out[i] = {x: (r[pos[x]] if r is not None else None) for x in fl}
    return out
