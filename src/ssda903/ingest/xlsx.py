"""Excel workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) read with python-calamine.

Each worksheet that holds data is one table, recognised by its header row
(the sheet's name settles close calls): one sheet per table, or one workbook
per table. The header is the first row that names a 903 table's columns among
the sheet's first non-empty rows, so title rows and blank rows above it do not
matter. Cells Excel stores typed are written as text the way a UK analyst
types them (see ``values.py``): dates as DD/MM/YYYY, whole numbers without
``.0``; text cells (``"01"``) stay exactly as they are. Rows that are entirely
empty are skipped; ``_line`` is the sheet's row number.

Rows go to DuckDB as Arrow batches in one INSERT per sheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

from ssda903.dataset import Dataset
from ssda903.ingest.columns import ColumnMatch, choose_table, match_columns, table_named
from ssda903.ingest.sink import append_matched
from ssda903.ingest.values import cell_text, texts
from ssda903.problems import LoadProblem

BATCH = 20_000
#: how many non-empty rows at the top of a sheet may come before its header row
HEADER_SEARCH = 10


def load_xlsx(ds: Dataset, path: Path, *, period: str, display: str | None = None) -> None:
    """Load every worksheet of one workbook into ``ds``; every problem becomes a LoadProblem."""
    name = display or str(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        ds.add_problem(
            LoadProblem(
                "LOAD01", "The workbook is protected by a password; save a copy without one.", file=name, period=period
            )
        )
        return
    except Exception as e:  # calamine raises its own errors and plain ones for damaged files
        ds.add_problem(
            LoadProblem(
                "LOAD01", f"The file could not be opened as an Excel workbook ({_short(e)}).", file=name, period=period
            )
        )
        return
    try:
        sheets = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        used = 0
        for sheet in sheets:
            used += _load_sheet(ds, book, sheet, period=period, file=f"{name}!{sheet}", stem=path.stem)
        if used == 0:
            ds.add_problem(LoadProblem("LOAD10", "The workbook has no data in any sheet.", file=name, period=period))
    finally:
        book.close()


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def _load_sheet(ds: Dataset, book: CalamineWorkbook, sheet: str, *, period: str, file: str, stem: str) -> int:
    """Load one sheet; returns 1 when the sheet had any content, else 0."""
    try:
        rows: Iterator[list[Any]] = iter(book.get_sheet_by_name(sheet).iter_rows())
    except Exception as e:
        ds.add_problem(LoadProblem("LOAD01", f"The sheet could not be read ({_short(e)}).", file=file, period=period))
        return 1
    hint = sheet if table_named(sheet) else stem
    seen: list[tuple[int, list[Any]]] = []  # (sheet row, cells) of the first non-empty rows
    header_at: int | None = None
    number = 0
    try:
        for number, cells in enumerate(rows, start=1):
            if cells.count("") == len(cells):
                continue
            seen.append((number, cells))
            if choose_table(_header_names(cells), hint) is not None:
                header_at = len(seen) - 1
                break
            if len(seen) >= HEADER_SEARCH:
                break
    except Exception as e:
        ds.add_problem(LoadProblem("LOAD01", f"The sheet could not be read ({_short(e)}).", file=file, period=period))
        return 1
    if not seen:
        return 0
    if header_at is None:
        # Not a 903 table. The first non-empty row is taken as its header for the message.
        line, cells = seen[0]
        match = match_columns(
            _header_names(cells), file=file, period=period, line=line, hint=hint, what=f"first row of sheet {sheet!r}"
        )
        for p in match.problems:
            ds.add_problem(p)
        return 1
    for above, title in seen[:header_at]:  # a title row is not data, but it is not dropped silently either
        text = " ".join(str(c).strip() for c in title if str(c).strip())
        ds.add_problem(
            LoadProblem(
                "LOAD24",
                f"Row {above} of sheet {sheet!r} is above the header row (row {seen[header_at][0]}) and was not read.",
                file=file,
                line=above,
                value=text[:200],
                period=period,
            )
        )
    line, cells = seen[header_at]
    headers = _header_names(cells)
    match = match_columns(
        headers, file=file, period=period, line=line, hint=hint, what=f"header row of sheet {sheet!r}"
    )
    for p in match.problems:
        ds.add_problem(p)
    assert match.table is not None
    try:
        table = _keep_columns(match, _to_arrow(rows, width=len(cells), start=number + 1), len(headers))
    except Exception as e:  # a damaged sheet can fail part-way through its rows
        ds.add_problem(
            LoadProblem("LOAD01", f"The sheet could not be read to the end ({_short(e)}).", file=file, period=period)
        )
        return 1
    ds.con.register("_xlsx_rows", table)
    try:
        append_matched(ds, period, match, "_xlsx_rows", file=file)
    finally:
        ds.con.unregister("_xlsx_rows")
    return 1


def _header_names(cells: list[Any]) -> list[str]:
    names = [cell_text(c) or "" for c in cells]
    # a header row ends at its last named column; Excel pads the range with empty cells
    while names and not names[-1].strip():
        names.pop()
    return names


def _to_arrow(rows: Iterator[list[Any]], *, width: int, start: int) -> pa.Table:
    """The data rows after the header as text columns ``c0…c{width-1}`` plus ``_row`` and ``_line``."""
    batches: list[pa.RecordBatch] = []
    buffer: list[list[Any]] = []
    lines: list[int] = []
    count = 0
    for number, cells in enumerate(rows, start=start):
        if cells.count("") == len(cells):
            continue
        buffer.append(cells)
        lines.append(number)
        if len(buffer) >= BATCH:
            batches.append(_batch(buffer, lines, count, width))
            count += len(buffer)
            buffer, lines = [], []
    if buffer:
        batches.append(_batch(buffer, lines, count, width))
    if not batches:
        return pa.table(
            {"_row": pa.array([], pa.int64()), "_line": pa.array([], pa.int64())}
            | {f"c{i}": pa.array([], pa.string()) for i in range(width)}
        )
    return pa.Table.from_batches(batches)


def _batch(buffer: list[list[Any]], lines: list[int], first: int, width: int) -> pa.RecordBatch:
    # calamine gives every row the sheet's full width; pad or cut anyway so batches always agree
    rows = (r if len(r) == width else (r + [""] * (width - len(r)))[:width] for r in buffer)
    columns = list(zip(*rows, strict=True)) if width else []
    n = len(buffer)
    arrays = [pa.array(range(first, first + n), pa.int64()), pa.array(lines, pa.int64())]
    arrays += [pa.nulls(n, pa.string()) if col.count("") == n else pa.array(texts(col), pa.string()) for col in columns]
    return pa.RecordBatch.from_arrays(arrays, names=["_row", "_line"] + [f"c{i}" for i in range(width)])


def _keep_columns(match: ColumnMatch, table: pa.Table, header_width: int) -> pa.Table:
    """Drop the columns Excel pads a sheet with (no header name, no values); keep and name those with values."""
    for name, i in list(match.extras.items()):
        if name.startswith("(unnamed") and table.column(f"c{i}").null_count == table.num_rows:
            del match.extras[name]
    width = table.num_columns - 2
    for i in range(header_width, width):
        if table.column(f"c{i}").null_count < table.num_rows:
            match.extras[f"(unnamed column {i + 1})"] = i
    used = {i for i in match.columns.values() if i is not None} | set(match.extras.values())
    return table.select(["_row", "_line"] + [f"c{i}" for i in range(width) if i in used])
