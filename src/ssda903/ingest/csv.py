"""CSV files: encoding and delimiter detection, then a streaming read by DuckDB.

Files that are not plain UTF-8 (a BOM, UTF-16, Windows-1252) are transcoded to
UTF-8 in a temporary file chunk by chunk, so memory stays flat for any size;
DuckDB then reads the bytes itself. Nothing is read into Python objects row by
row.
"""

from __future__ import annotations

import codecs
import csv as pycsv
import os
import tempfile
from pathlib import Path

import duckdb

from ssda903.dataset import Dataset, quote
from ssda903.ingest.columns import match_columns
from ssda903.problems import LoadProblem

SAMPLE = 64 * 1024
CHUNK = 4 * 1024 * 1024
DELIMITERS = [",", ";", "\t", "|"]


class NotText(Exception):
    """The bytes are not a text file."""


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
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
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
    """Write ``path`` as UTF-8 (no BOM) in ``workdir``, chunk by chunk; return the new path."""
    out_path = os.path.join(workdir, f"{os.getpid()}-{abs(hash(str(path)))}.csv")
    errors = "strict" if encoding != "cp1252" else "replace"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    with open(path, "rb") as src, open(out_path, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return out_path


def _header(path: str) -> tuple[list[str], str]:
    with open(path, encoding="utf-8", newline="") as f:
        first = f.readline().rstrip("\r\n")
    delimiter = max(DELIMITERS, key=first.count) if first else ","
    cells = next(pycsv.reader([first], delimiter=delimiter), [])
    return cells, delimiter


def _read(con: duckdb.DuckDBPyConnection, path: str, n: int, delimiter: str, target: str) -> None:
    names = [f"c{i}" for i in range(n)]
    opts = (
        f"header=true, names={names!r}, all_varchar=true, delim={delimiter!r}, quote='\"', escape='\"', "
        "null_padding=true, strict_mode=false"
    )
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT * FROM read_csv($p, {opts})", {"p": path})
    except duckdb.Error as e:
        if "parallel" not in str(e):
            raise
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT * FROM read_csv($p, {opts}, parallel=false)", {"p": path}
        )


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
    if size == 0 or not sample.strip(b"\r\n\t \xef\xbb\xbf"):
        problem("LOAD10", "The file has no content at all, not even a header row.")
        return
    try:
        encoding = detect_encoding(sample)
    except NotText as e:
        problem("LOAD01", f"This is not a CSV text file: {e}. Was a spreadsheet or other file renamed to .csv?")
        return

    tmp = workdir or tempfile.mkdtemp(prefix="ssda903-")
    readable = str(path)
    try:
        if encoding != "utf-8":
            readable = _transcode(path, encoding, tmp)
            if encoding == "cp1252":
                problem("LOAD13", "The file is not UTF-8; it was read as Windows-1252 (the Excel default for CSV).")
        headers, delimiter = _header(readable)
        match = match_columns(headers, file=name, period=period)
        for p in match.problems:
            ds.add_problem(p)
        if match.table is None:
            return
        target = "_csv_src"
        try:
            _read(ds.con, readable, len(headers), delimiter, target)
        except duckdb.Error as e:
            if encoding == "utf-8" and "unicode" in str(e).lower():
                readable = _transcode(path, "cp1252", tmp)
                problem("LOAD13", "The file is not valid UTF-8 throughout; it was read as Windows-1252.")
                _read(ds.con, readable, len(headers), delimiter, target)
            else:
                first = str(e).splitlines()[0]
                problem("LOAD01", f"The file could not be read as CSV: {first}")
                return
        cols = [r[0] for r in ds.con.execute(f"DESCRIBE {target}").fetchall()]
        overflow = cols[len(headers):]
        if overflow:
            cond = " OR ".join(f"{quote(c)} IS NOT NULL" for c in overflow)
            for (row,) in ds.con.execute(f"SELECT rowid FROM {target} WHERE {cond} ORDER BY rowid LIMIT 1000").fetchall():
                problem("LOAD14", f"Row {row + 2} has {len(headers) + len(overflow)} or more values.",
                        line=row + 2, table=match.table, row=row)
        # Excel leaves trailing unnamed, empty columns: drop them quietly only when they hold nothing.
        extras = {}
        for header, idx in match.extras.items():
            col = f"c{idx}"
            if header.startswith("(unnamed"):
                if ds.con.execute(f"SELECT count({col}) FROM {target}").fetchall()[0][0] == 0:
                    continue
            extras[header] = col
        ds.append(
            period,
            match.table,
            f"(SELECT rowid AS _row, rowid + 2 AS _line, * FROM {target})",
            file=name,
            columns={k: (f"c{v}" if v is not None else None) for k, v in match.columns.items()},
            extras=extras,
        )
        ds.con.execute(f"DROP TABLE IF EXISTS {target}")
    finally:
        if readable != str(path):
            try:
                os.remove(readable)
            except OSError:
                pass
        if workdir is None:
            try:
                os.rmdir(tmp)
            except OSError:
                pass
