"""In-memory tables (pandas DataFrames or Arrow tables) for use from Python.

Each table is given under its 903 name (``{"Header": df, "Episodes": df}``);
missing columns are filled with blanks and reported (LOAD03), extra columns are
kept and reported (LOAD04). Every value is held as text, exactly as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from ssda903.dataset import Dataset
from ssda903.ingest.columns import match_columns
from ssda903.problems import LoadProblem


def _to_arrow(frame: Any) -> pa.Table:
    if isinstance(frame, pa.Table):
        table = frame
    elif hasattr(frame, "to_arrow") and not hasattr(frame, "iloc"):
        table = frame.to_arrow()
    elif isinstance(frame, list):
        table = pa.Table.from_pylist(frame) if frame else pa.table({})
    else:
        table = pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None), preserve_index=False)
    return table


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "strftime") and not isinstance(value, str):
        # a date or datetime object: write it the DfE way
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


def load_frames(ds: Dataset, tables: Mapping[str, Any], *, period: str, columns_hint: Mapping[str, list[str]] | None = None) -> None:
    """Load named in-memory tables into ``ds``.

    ``tables`` maps a 903 table name to a pandas DataFrame, an Arrow table or a
    list of row dicts.
    """
    for name, frame in tables.items():
        label = f"<{name}>"
        arrow = _to_arrow(frame)
        headers = list(columns_hint[name]) if columns_hint and name in columns_hint else list(arrow.column_names)
        match = match_columns(headers, file=label, period=period, line=0, table_hint=name)
        for p in match.problems:
            ds.add_problem(p)
        if match.table is None:
            ds.add_problem(LoadProblem("LOAD02", f"{name!r} is not a 903 table name.", file=label, period=period))
            continue
        n = arrow.num_rows
        text_cols = {}
        for i, h in enumerate(headers):
            values = arrow.column(h).to_pylist() if h in arrow.column_names else [None] * n
            text_cols[f"c{i}"] = pa.array([_as_text(v) for v in values], type=pa.string())
        text_cols["_row"] = pa.array(range(n), type=pa.int64())
        src = pa.table(text_cols) if text_cols else pa.table({"_row": pa.array([], type=pa.int64())})
        ds.con.register("_frame_src", src)
        try:
            ds.append(
                period,
                match.table,
                "(SELECT *, _row + 1 AS _line FROM _frame_src)",
                file=label,
                columns={k: (f"c{v}" if v is not None else None) for k, v in match.columns.items()},
                extras={h: f"c{i}" for h, i in match.extras.items()},
            )
        finally:
            ds.con.unregister("_frame_src")
