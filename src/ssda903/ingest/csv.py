"""CSV files: encoding and layout detection, then one streaming read by DuckDB.

DuckDB reads the bytes itself and the rows go straight into the raw table in
one INSERT, so memory stays flat for any size and nothing is read into Python
row by row. Files that DuckDB cannot read as UTF-8 (UTF-16, Windows-1252, a
UTF-8 file with a stray Windows-1252 byte) are first transcoded to UTF-8 in a
temporary file, chunk by chunk.

Line numbers are exact: the usual case (one line per row) is checked by
counting the file's line breaks while DuckDB reads; a file with blank lines or
values spanning lines gets its line numbers from a second, Python pass.
"""

from __future__ import annotations

import codecs
import contextlib
import csv as pycsv
import os
import re
import tempfile
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ssda903.dataset import RAW_SCHEMA, Dataset
from ssda903.ingest.columns import ColumnMatch, match_columns
from ssda903.ingest.sink import UNNAMED, append_matched, raw_columns
from ssda903.problems import LoadProblem, first_line
from ssda903.sqltext import literal as _sql_literal
from ssda903.sqltext import quote

SAMPLE = 64 * 1024
CHUNK = 4 * 1024 * 1024
DELIMITERS = [",", ";", "\t", "|"]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: control characters that do not occur in text files (tab, line breaks and form feed excepted)
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])


class NotText(Exception):
    """The bytes are not a text file."""


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    # The five bytes Windows-1252 leaves undefined map to the same code points, as Windows does.
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    # Inside a UTF-8 file, a byte that is not UTF-8 is read as Windows-1252 (Excel's default).
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("cp1252", errors="ssda903-latin1"), err.end


codecs.register_error("ssda903-latin1", _latin1_fallback)
codecs.register_error("ssda903-cp1252", _cp1252_fallback)


def detect_encoding(sample: bytes) -> str:
    """Name the encoding of a file from its first bytes.

    Returns ``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-16-le``, ``utf-16-be`` or
    ``cp1252``; raises :class:`NotText` for binary content.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if len(sample) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if len(sample) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
        raise NotText("it contains NUL bytes")
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > max(2, len(sample) // 100):
        raise NotText("it contains binary data")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if e.start >= len(sample) - 3 and len(sample) == SAMPLE:
            return "utf-8"
        return "cp1252"


def _transcode(path: Path, encoding: str, workdir: str) -> str:
    """Write ``path`` as UTF-8 (no BOM) in ``workdir``, chunk by chunk; return the new path.

    ``utf-8`` here means "UTF-8 with stray Windows-1252 bytes": valid UTF-8 stays as it
    is and only the bytes that are not UTF-8 are read as Windows-1252.
    """
    fd, out_path = tempfile.mkstemp(suffix=".csv", dir=workdir)
    errors = {"utf-8": "ssda903-cp1252", "cp1252": "ssda903-latin1"}.get(encoding, "replace")
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        first = True
        while chunk := src.read(CHUNK):
            text = decoder.decode(chunk)
            if first:
                text = text.removeprefix("\ufeff")
                first = False
            dst.write(text)
        dst.write(decoder.decode(b"", final=True))
    return out_path


@dataclass(frozen=True)
class Layout:
    """Where the header is and how the file is delimited."""

    skip: int  #: blank lines before the header
    header: list[str]
    delimiter: str


def _blankish(line: str) -> bool:
    return not line.strip(" \t,;|")


def read_layout(path: str) -> Layout | None:
    """The header row (the first line that is not blank) of a UTF-8 file; None when there is none."""
    with open(path, "rb") as f:
        sample = f.read(SAMPLE)
    text = sample.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = _LINE_BREAK.split(text)
    if len(sample) == SAMPLE and len(lines) > 1:
        lines.pop()  # possibly cut short
    for skip, line in enumerate(lines):
        if _blankish(line):
            continue
        delimiter = max(DELIMITERS, key=line.count)
        cells = next(pycsv.reader([line], delimiter=delimiter), [])
        # a header that ends with a delimiter has an empty last name
        return Layout(skip, [c for c in cells], delimiter)
    return None


def _options(names: list[str], layout: Layout, *, parallel: bool) -> str:
    # Everything is stated, nothing sniffed: DuckDB's sniffer gives up on ragged files.
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    return (
        f"auto_detect=false, header=true, skip={layout.skip}, columns={columns}, delim={_sql_literal(layout.delimiter)}, "
        "quote='\"', escape='\"', comment='', null_padding=true, strict_mode=false, "
        f"parallel={'true' if parallel else 'false'}"
    )


class _LineCounter(threading.Thread):
    """Counts line feeds in a file while DuckDB reads it (file reads release the GIL).

    ``trailing`` is how many of them come after the last character that is not a
    line break: 1 for a file ending in a line break, more when blank lines follow.
    """

    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path = path
        self.breaks = -1
        self.trailing = 0

    def run(self) -> None:
        n, tail = 0, b""
        try:
            with open(self.path, "rb") as f:
                while chunk := f.read(CHUNK):
                    n += chunk.count(b"\n")
                    tail = chunk if len(chunk) >= 4096 else tail[-4096:] + chunk
        except OSError:
            return
        self.breaks, self.trailing = n, tail[len(tail.rstrip(b"\r\n")) :].count(b"\n")


def _exact_lines(path: str, layout: Layout) -> array:
    """The first line of every data row, the way DuckDB reads rows (blank lines skipped)."""
    starts = array("q")
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        reader = pycsv.reader(f, delimiter=layout.delimiter, quotechar='"', doublequote=True)
        previous = 0
        header_seen = False
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if start <= layout.skip:
                continue
            if not header_seen:
                header_seen = True
                continue
            if record:
                starts.append(start)
    return starts


def _settle_lines(
    ds: Dataset, period: str, table: str, file: str, path: str, layout: Layout, counter: _LineCounter, rows: int
) -> None:
    """Replace the provisional line numbers (header line + row) when the file has blank or long lines."""
    counter.join()
    # one line break between each pair of the skipped lines, the header and the rows, then those at the end
    if counter.breaks == layout.skip + rows + counter.trailing or rows == 0:
        return
    starts = _exact_lines(path, layout)
    if len(starts) != rows:
        return  # the two readers disagree on what a row is; keep the provisional numbers
    import pyarrow as pa  # only for a file with blank or long lines

    lookup = pa.table({"_row": pa.array(range(rows), pa.int64()), "_line": pa.array(starts, pa.int64())})
    ds.con.register("_csv_lines", lookup)
    try:
        raw = f"{RAW_SCHEMA[period]}.{quote(table)}"
        ds.con.execute(
            f"UPDATE {raw} SET _line = l._line FROM _csv_lines l WHERE {raw}._file = $f AND {raw}._row = l._row",
            {"f": file},
        )
    finally:
        ds.con.unregister("_csv_lines")


def _settled(
    ds: Dataset, period: str, table: str, file: str, path: str, layout: Layout, counter: _LineCounter, rows: int
) -> None:
    _settle_lines(ds, period, table, file, path, layout, counter, rows)
    _keep_every_extra_value(ds, period, table, file, path, layout)


def _keep_every_extra_value(ds: Dataset, period: str, table: str, file: str, path: str, layout: Layout) -> None:
    """DuckDB keeps one value beyond the header (the spare column); a row with more keeps them all there.

    Rows that long are rare, so their lines are read again here, with the values past the
    header joined by the file's delimiter, e.g. ``surplus,more``.
    """
    raw = f"{RAW_SCHEMA[period]}.{quote(table)}"
    spare = quote(f"{UNNAMED} {len(layout.header) + 1})")
    if spare.strip('"') not in raw_columns(ds, period, table):
        return
    lines = dict(
        ds.con.execute(
            f"SELECT _line, _row FROM {raw} WHERE _file = $f AND {spare} IS NOT NULL", {"f": file}
        ).fetchall()
    )
    if not lines:
        return
    found: dict[int, str] = {}
    last = max(lines)
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        numbered = enumerate(f, start=1)
        for number, text in numbered:
            if number > last:
                break
            if number not in lines:
                continue
            while text.count('"') % 2:  # a quoted value goes on over the next line
                more = next(numbered, None)
                if more is None:
                    break
                text += more[1]
            cells = next(pycsv.reader([text], delimiter=layout.delimiter, quotechar='"', doublequote=True), [])
            beyond = cells[len(layout.header) :]
            if len(beyond) > 1:
                found[lines[number]] = layout.delimiter.join(beyond)
    if not found:
        return
    import pyarrow as pa  # only for a file with values beyond its header

    ds.con.register("_csv_extra", pa.table({"_row": list(found), "value": list(found.values())}))
    try:
        ds.con.execute(
            f"UPDATE {raw} SET {spare} = x.value FROM _csv_extra x WHERE {raw}._file = $f AND {raw}._row = x._row",
            {"f": file},
        )
    finally:
        ds.con.unregister("_csv_extra")


def _read_into(ds: Dataset, period: str, match: ColumnMatch, file: str, path: str, layout: Layout) -> None:
    """One streaming INSERT of the file's rows into the raw table; raises duckdb.Error when DuckDB cannot read it."""
    assert match.table is not None
    table = match.table
    n = len(layout.header)
    names = [f"c{i}" for i in range(n + 1)]  # one spare column catches values beyond the header
    counter = _LineCounter(path)
    counter.start()
    try:
        with ds.writing(period, table):  # another file read at the same time may go to this table too
            before = raw_columns(ds, period, table)
            for parallel in (True, False):
                relation = (
                    "(SELECT row_number() OVER () - 1 AS _row, * "
                    f"FROM read_csv({_sql_literal(path)}, {_options(names, layout, parallel=parallel)}))"
                )
                try:
                    append_matched(
                        ds,
                        period,
                        match,
                        relation,
                        file=file,
                        line_expr=f"_row + {layout.skip + 2}",
                        overflow=n,
                        before=before,
                        after=lambda rows: _settled(ds, period, table, file, path, layout, counter, rows),
                    )
                    return
                except duckdb.Error as e:
                    # values spanning lines together with short rows need DuckDB's one-thread reader
                    if not parallel or "parallel" not in str(e):
                        raise
    finally:
        counter.join()


def _is_encoding_error(e: Exception) -> bool:
    return "invalid unicode" in str(e).lower()


def load_csv(ds: Dataset, path: Path, *, period: str, display: str | None = None, workdir: str | None = None) -> None:
    """Load one CSV file into ``ds``; every problem becomes a LoadProblem."""
    name = display or str(path)

    def problem(code: str, message: str, **kw: object) -> None:
        ds.add_problem(LoadProblem(code, message, file=name, period=period, **kw))  # type: ignore[arg-type]

    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            sample = f.read(SAMPLE)
    except OSError as e:
        problem("LOAD01", f"The file could not be opened ({e.strerror or e}).")
        return
    if size == 0 or not sample.strip(b"\r\n\t \xef\xbb\xbf\xff\xfe\x00"):
        problem("LOAD10", "The file has no content at all, not even a header row.")
        return
    try:
        encoding = detect_encoding(sample)
    except NotText as e:
        problem("LOAD01", f"This is not a CSV text file: {e}. Was a spreadsheet or other file renamed to .csv?")
        return

    tmp = workdir or tempfile.mkdtemp(prefix="ssda903-")
    made: list[str] = []
    try:
        readable = str(path)
        if encoding not in ("utf-8", "utf-8-sig"):
            readable = _transcode(path, encoding, tmp)
            made.append(readable)
            if encoding == "cp1252":
                problem("LOAD13", "The file is not UTF-8; it was read as Windows-1252 (the Excel default for CSV).")
        layout = read_layout(readable)
        if layout is None:
            problem("LOAD10", "The file has only blank lines; there is no header row.")
            return
        match = match_columns(layout.header, file=name, period=period, line=layout.skip + 1, hint=path.stem)
        for p in match.problems:
            ds.add_problem(p)
        if match.table is None:
            return
        try:
            _read_into(ds, period, match, name, readable, layout)
        except duckdb.Error as e:
            if encoding not in ("utf-8", "utf-8-sig") or not _is_encoding_error(e):
                problem("LOAD01", f"The file could not be read as CSV: {first_line(e)}")
                return
            readable = _transcode(path, "utf-8", tmp)
            made.append(readable)
            problem(
                "LOAD13",
                "The file is not valid UTF-8 throughout; the bytes that are not were read as "
                "Windows-1252 (the Excel default for CSV).",
            )
            try:
                _read_into(ds, period, match, name, readable, layout)
            except duckdb.Error as e2:
                problem("LOAD01", f"The file could not be read as CSV: {first_line(e2)}")
    finally:
        for made_path in made:
            with contextlib.suppress(OSError):
                os.remove(made_path)
        if workdir is None:
            with contextlib.suppress(OSError):
                os.rmdir(tmp)
