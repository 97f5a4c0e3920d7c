"""In-memory tables (pandas or polars DataFrames, Arrow tables, lists of row dicts) for use from Python.

Each table is given under its 903 name (``{"Header": df, "Episodes": df}``);
missing columns are filled with blanks and reported (LOAD03), extra columns are
kept and reported (LOAD04). Every value is held as text, written as in
``values.py`` (dates DD/MM/YYYY, whole floats without ``.0``); a text column
is passed through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ssda903.dataset import Dataset
from ssda903.ingest.columns import match_columns, table_named
from ssda903.ingest.sink import append_matched
from ssda903.ingest.values import texts
from ssda903.problems import LoadProblem


def _columns(frame: Any) -> tuple[list[str], list[Any]]:
    """The header names and a column accessor for any supported frame kind, keeping duplicate names."""
    if isinstance(frame, pa.RecordBatch):
        frame = pa.Table.from_batches([frame])
    if isinstance(frame, pa.Table):
        return list(frame.column_names), [frame.column(i) for i in range(frame.num_columns)]
    if isinstance(frame, Mapping):  # {column: values}
        return [str(k) for k in frame], list(frame.values())
    if isinstance(frame, list):  # [{column: value}, …]; keys in order of first appearance
        names: dict[Any, None] = {}
        for i, row in enumerate(frame):
            if not isinstance(row, Mapping):
                raise TypeError(f"row {i} is a {type(row).__name__}, not a dict of column names to values")
            names.update(dict.fromkeys(row))
        keys = list(names)
        return [str(k) for k in keys], [[row.get(k) for row in frame] for k in keys]
    if hasattr(frame, "iloc"):  # pandas
        if any(name is not None for name in frame.index.names):
            frame = frame.reset_index()  # a named index (CHILD set as the index) is a column like the others
        return [str(c) for c in frame.columns], [frame.iloc[:, i] for i in range(frame.shape[1])]
    if hasattr(frame, "to_arrow"):  # polars and friends
        return _columns(frame.to_arrow())
    raise TypeError(
        f"a {type(frame).__name__} is not a table; give a pandas DataFrame, an Arrow table or a list of dicts"
    )


def _text_array(column: Any) -> pa.Array:
    """One column as an Arrow string array."""
    if isinstance(column, pa.ChunkedArray | pa.Array):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
            arr = arr.cast(pa.string())
            return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        return pa.array(texts(column.to_pylist()), pa.string())
    values = column.tolist() if hasattr(column, "tolist") else list(column)
    return pa.array(texts(values), pa.string())


def _length(columns: list[Any]) -> int:
    return max((len(c) for c in columns), default=0)


def load_frames(ds: Dataset, tables: Mapping[str, Any], *, period: str) -> None:
    """Load named in-memory tables into ``ds``.

    ``tables`` maps a 903 table name to a pandas DataFrame, an Arrow table, a
    polars DataFrame, a ``{column: values}`` mapping or a list of row dicts.
    """
    for name, frame in tables.items():
        label = f"<{name}>"
        table = table_named(name) if name and name.replace("_", "").isalnum() else None
        if table is None or table.upper() != str(name).replace("_", "").upper():
            ds.add_problem(LoadProblem("LOAD02", f"{name!r} is not a 903 table name.", file=label, period=period))
            continue
        try:
            headers, columns = _columns(frame)
        except TypeError as e:
            ds.add_problem(LoadProblem("LOAD01", str(e), file=label, period=period))
            continue
        match = match_columns(headers, file=label, period=period, line=0, table=table)
        for p in match.problems:
            ds.add_problem(p)
        n = _length(columns)
        data = {"_row": pa.array(range(n), pa.int64()), "_line": pa.array(range(1, n + 1), pa.int64())}
        for i, column in enumerate(columns):
            arr = _text_array(column)
            if len(arr) < n:  # a ragged {column: values} mapping
                arr = pa.concat_arrays([arr, pa.nulls(n - len(arr), pa.string())])
            data[f"c{i}"] = arr
        ds.con.register("_frame_src", pa.table(data))
        try:
            append_matched(ds, period, match, "_frame_src", file=label)
        finally:
            ds.con.unregister("_frame_src")
