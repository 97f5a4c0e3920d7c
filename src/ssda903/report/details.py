"""What every report shows beside a finding: its message and the values the user typed.

The engine's findings say *where* (rule, period, table, row, child, file, line,
fields). Reports also need *what*: the DfE message, and the raw text of the
rule's fields on the failing row. :func:`build` fetches those values with one
SQL query per (period, table), never one per finding, so it stays quick for
100,000 findings.

File-level load problems (a missing column, an unreadable file) have no row;
their message comes from the Dataset's problem list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ssda903.dataset import RAW_SCHEMA, TYPED_SCHEMA
from ssda903.model import load_model
from ssda903.problems import KINDS, LoadProblem
from ssda903.sqltext import quote

if TYPE_CHECKING:
    from ssda903.engine import Result
    from ssda903.rules import Rule

PERIOD_LABEL = {"current": "this year", "previous": "previous year"}


def code_key(code: str) -> tuple[int, int, str]:
    """Sort DfE codes numerically (101 < 1000 < 503D is wrong; 101 < 503D < 1000 is right), LOAD codes last."""
    m = re.match(r"(\d+)", code)
    if code.upper().startswith("LOAD"):
        return (2, int(re.sub(r"\D", "", code) or 0), code)
    return (0, int(m.group(1)), code) if m else (1, 0, code)


def is_load_code(code: str) -> bool:
    return code in KINDS


def plural(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1 child``, ``3 children``."""
    many = {"child": "children", "query": "queries"}.get(noun, noun + "s")
    return f"{n:,} {noun if n == 1 else many}"


def pylist(series: pd.Series) -> list[Any]:
    """A column as plain Python values, missing as None (fast: no per-value pandas calls).

    Numeric columns come back as int, so a line number never shows as ``3.0``.
    """
    values = series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]  # the stubs omit na_value=None
    if pd.api.types.is_numeric_dtype(series.dtype):
        return [None if v is None else int(v) for v in values]
    return values


def columns(df: pd.DataFrame, *names: str) -> list[list[Any]]:
    return [pylist(df[n]) for n in names]


def ddmmyyyy(d: Any) -> str:
    return d.strftime("%d/%m/%Y") if d is not None else ""


@dataclass
class ReportData:
    """A Result made ready for writing: findings with messages and values, and the summary."""

    result: Result
    #: the engine's findings plus ``message`` (str), ``values`` (dict field → text as typed, or None)
    findings: pd.DataFrame
    messages: dict[str, str]
    rules: dict[str, Rule]
    file_problems: list[LoadProblem]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def dataset(self) -> Any:
        return self.result.dataset

    def rule_fields(self, code: str) -> list[str]:
        r = self.rules.get(code)
        if r is not None:
            return list(r.fields)
        rows = self.findings.loc[self.findings["rule"] == code, "fields"].dropna()
        seen: list[str] = []
        for v in rows.unique():
            for f in str(v).split(","):
                if f and f not in seen:
                    seen.append(f)
        return seen


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


def _file_problem_message(problems: list[LoadProblem]) -> dict[tuple[Any, ...], str]:
    out: dict[tuple[Any, ...], str] = {}
    for p in problems:
        key = (p.code, p.period, p.table or None, p.file, p.line, p.column or None)
        out.setdefault(key, p.message)
    return out


def build(result: Result, *, values: bool = True) -> ReportData:
    """Findings with their messages and raw values, and the rule lookup, for every writer.

    ``values=False`` skips fetching the values as typed (the summary does not need them).
    """
    ds = result.dataset
    con = ds.con
    f = result.findings().reset_index(drop=True)
    rules = {r.code: r for r in result.rules}
    messages = {k.code: k.title for k in KINDS.values()}
    messages.update({o.rule: o.message for o in result.outcomes})

    # A LOAD value problem says what was expected ("a date (DD/MM/YYYY)"); one small query.
    expected: dict[tuple[str, str, str, str], str] = {}
    try:
        for code, period, tbl, fld, exp in con.execute(
            "SELECT DISTINCT code, period, tbl, field, expected FROM cell_problems"
        ).fetchall():
            expected[(code, period, tbl, fld)] = exp
    except Exception:  # a Dataset built without cell checks has no such table
        pass
    file_msgs = _file_problem_message(ds.problems)

    message = f["rule"].map(messages).fillna("")
    is_load = f["rule"].isin(list(KINDS))
    # a LOAD value problem: "Value is not a date: DOB should be a date (DD/MM/YYYY)."
    cell = is_load & f["row"].notna()
    if cell.any():
        part = f[cell]
        exp = pd.Series(
            [expected.get(k) for k in zip(*columns(part, "rule", "period", "table", "fields"), strict=True)],
            index=part.index,
            dtype=object,
        )
        has = exp.notna()
        message[has[has].index] = message[has[has].index] + ": " + part["fields"][has] + " should be " + exp[has] + "."
    # a file-level problem: the Dataset's own message ("'NOTES' is not a column of Header.")
    whole = f[is_load & f["row"].isna()]
    for i, *key in zip(whole.index, *columns(whole, "rule", "period", "table", "file", "line", "fields"), strict=True):
        message[i] = file_msgs.get(tuple(key), message[i])
    f["message"] = message
    f["values"] = pd.Series(_values(con, f) if values else [None] * len(f), index=f.index, dtype=object)
    data = ReportData(result, f, messages, rules, list(ds.problems))
    from ssda903.report.overview import compute

    data.summary = compute(data)
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
