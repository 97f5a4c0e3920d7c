"""Streaming writers: one chunk of rows at a time, constant memory.

* CSV: one file per table (``header.csv`` …), written through pyarrow.
* XLSX: one workbook per table (``header.xlsx`` …) through XlsxWriter in
  constant-memory mode. A sheet holds at most 1,048,575 data rows (Excel's
  limit of 1,048,576 rows, less the header); beyond that the table continues
  on further sheets of the same workbook ("Episodes (2)", …), each with its
  own header row, and the summary says so.
* XML: one ``ssda903.xml`` in the DfE layout (EXPSSDA903 / CHILD / HEADER,
  EPISODE; element order as the DfE schema). Social worker episodes and DoLOs
  have no known XML form (see the model's ``decisions``), so they are written
  as CSV files beside the XML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ssda903.synth._tables import Rows

FILE_NAMES = {
    "Header": "header",
    "Episodes": "episodes",
    "Reviews": "reviews",
    "UASC": "uasc",
    "OC2": "oc2",
    "OC3": "oc3",
    "AD1": "ad1",
    "PlacedAdoption": "placed_for_adoption",
    "PrevPerm": "prev_perm",
    "Missing": "missing",
    "SWEpisodes": "social_worker_episodes",
    "DoLo": "dolo",
}
#: Tables that the XML layout cannot carry.
CSV_ONLY = ("SWEpisodes", "DoLo")
EXCEL_MAX_DATA_ROWS = 1_048_575


class Sink(Protocol):
    def write(self, tables: dict[str, Rows], extras: dict[str, np.ndarray]) -> None: ...

    def close(self) -> list[Path]: ...


class CsvTable:
    """One CSV file, appended to a batch at a time."""

    def __init__(self, path: Path, columns: list[str]):
        self.path = path
        self.columns = columns
        self.schema = pa.schema([(c, pa.string()) for c in columns])
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._fh.write((",".join(columns) + "\n").encode())
        self._opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
        self._writer = pacsv.CSVWriter(self._fh, self.schema, write_options=self._opts)

    def write(self, rows: Rows) -> None:
        if len(rows) == 0:
            return
        arrays = [pa.array(rows.cols[c], type=pa.string()) for c in self.columns]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self) -> Path:
        self._writer.close()
        self._fh.close()
        return self.path


class CsvSink:
    def __init__(self, folder: Path, columns: dict[str, list[str]]):
        self.files = {t: CsvTable(folder / f"{FILE_NAMES[t]}.csv", cols) for t, cols in columns.items()}

    def write(self, tables: dict[str, Rows], extras: dict[str, np.ndarray]) -> None:
        for name, f in self.files.items():
            f.write(tables[name])

    def close(self) -> list[Path]:
        return [f.close() for f in self.files.values()]


class XlsxSink:
    """One workbook per table; sheets continue past Excel's row limit."""

    def __init__(
        self, folder: Path, columns: dict[str, list[str]], warnings: list[str], max_rows: int = EXCEL_MAX_DATA_ROWS
    ):
        import xlsxwriter

        self.columns = columns
        self.max_rows = max_rows
        self.warnings = warnings
        self.books: dict[str, Any] = {}
        self.sheets: dict[str, Any] = {}
        self.row: dict[str, int] = {}
        self.count: dict[str, int] = {}
        self.paths: dict[str, Path] = {}
        for name in columns:
            path = folder / f"{FILE_NAMES[name]}.xlsx"
            self.paths[name] = path
            self.books[name] = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
            self.count[name] = 0
            self._new_sheet(name)

    def _new_sheet(self, name: str) -> None:
        n = len(self.books[name].worksheets()) + 1
        sheet = self.books[name].add_worksheet(name if n == 1 else f"{name} ({n})")
        sheet.write_row(0, 0, self.columns[name])
        self.sheets[name] = sheet
        self.row[name] = 1
        if n == 2:
            self.warnings.append(
                f"{FILE_NAMES[name]}.xlsx: more than {self.max_rows:,} rows, Excel's limit for one sheet; "
                f"the table continues on further sheets, each with its own header row"
            )

    def write(self, tables: dict[str, Rows], extras: dict[str, np.ndarray]) -> None:
        for name, cols in self.columns.items():
            rows = tables[name]
            if len(rows) == 0:
                continue
            matrix = np.stack([rows.cols[c] for c in cols], axis=1).tolist()
            i = 0
            while i < len(matrix):
                room = self.max_rows + 1 - self.row[name]
                if room <= 0:
                    self._new_sheet(name)
                    continue
                sheet, r0 = self.sheets[name], self.row[name]
                part = matrix[i : i + room]
                for k, values in enumerate(part):  # XlsxWriter's API is a row at a time
                    sheet.write_row(r0 + k, 0, values)
                self.row[name] += len(part)
                i += len(part)
            self.count[name] += len(matrix)

    def close(self) -> list[Path]:
        for book in self.books.values():
            book.close()
        return list(self.paths.values())


# ---------------------------------------------------------------------- XML
def _elem(name: str, values: np.ndarray, *, required: bool) -> np.ndarray:
    empty = f"<{name}/>" if required else ""
    return np.where(values == "", empty, f"<{name}>" + values + f"</{name}>").astype(object)


def _escape(values: np.ndarray) -> np.ndarray:
    s = values.astype(str)
    if (
        not (np.char.find(s, "&") >= 0).any()
        and not (np.char.find(s, "<") >= 0).any()
        and not (np.char.find(s, ">") >= 0).any()
    ):
        return values
    s = np.char.replace(s, "&", "&amp;")
    s = np.char.replace(s, "<", "&lt;")
    s = np.char.replace(s, ">", "&gt;")
    return s.astype(object)


def _concat(parts: list[np.ndarray], n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for p in parts:
        out = out + p
    return out


# element order inside HEADER and EPISODE (DfE XSD "Expanded SSDA903 Return", as 903-xml-format.md)
_HEADER_ITEMS = (
    ("CHILDID", "CHILD", True),
    ("UPN", "UPN", True),
    ("SEX", "SEX", True),
    ("DOB", "DOB", True),
    ("ETHNIC", "ETHNIC", True),
)
_AD1_ITEMS = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")
_OC3_ITEMS = ("IN_TOUCH", "ACTIV", "ACCOM")
_OC2_ITEMS = (
    "SDQ_SCORE",
    "SDQ_REASON",
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)
_EPISODE_ITEMS = (
    ("DECOM", "DECOM", True),
    ("RNE", "RNE", True),
    ("LS", "LS", True),
    ("CIN", "CIN", True),
    ("PL", "PLACE", True),
    ("PL_POST", "PL_POST", False),
    ("HOME_POST", "HOME_POST", False),
    ("URN", "URN", False),
    ("PLACE_PROVIDER", "PLACE_PROVIDER", False),
    ("DEC", "DEC", True),
    ("REC", "REC", True),
    ("REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE", False),
)


def xml_fragments(tables: dict[str, Rows], extras: dict[str, np.ndarray]) -> str:
    """The CHILD elements of one chunk, in document order, as one string."""
    header = tables["Header"]
    nh = len(header)
    hcols = {k: _escape(v) for k, v in header.cols.items()}
    # every other row belongs to the first Header row of its child
    order = np.argsort(header.child, kind="stable")
    first_of = order[np.searchsorted(header.child[order], header.child[order])]
    hrow_sorted_child = header.child[order]

    def owner(rows: Rows) -> np.ndarray:
        return first_of[np.searchsorted(hrow_sorted_child, rows.child)]

    keys: list[np.ndarray] = []
    sections: list[np.ndarray] = []
    seqs: list[np.ndarray] = []
    frags: list[np.ndarray] = []

    def add(key: np.ndarray, section: int, frag: np.ndarray) -> None:
        keys.append(key)
        sections.append(np.full(len(key), section, np.int64))
        seqs.append(np.arange(len(key), dtype=np.int64))
        frags.append(frag)

    hkey = np.arange(nh, dtype=np.int64)
    prefix = [np.full(nh, "<CHILD><HEADER>", dtype=object)]
    prefix += [_elem(x, hcols[c], required=r) for x, c, r in _HEADER_ITEMS]
    prefix.append(_elem("UASC", extras["UASC"], required=True))
    prefix.append(_elem("DUC", extras["DUC"], required=False))
    add(hkey, 0, _concat(prefix, nh))
    for section, table, items, group in (
        (1, "AD1", _AD1_ITEMS, None),
        (2, "OC3", _OC3_ITEMS, None),
        (3, "Missing", ("MISSING", "MIS_START", "MIS_END"), "AMISSING"),
        (4, "Reviews", ("REVIEW", "REVIEW_CODE"), "AREVIEW"),
        (6, "PrevPerm", ("PREV_PERM", "LA_PERM", "DATE_PERM"), "PERMANENCE"),
        (7, "OC2", _OC2_ITEMS, "OC2"),
        (8, "PlacedAdoption", ("DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"), "AD_PLACED"),
    ):
        rows = tables.get(table)
        if rows is None or len(rows) == 0:
            continue
        # inside a table's own element every item is written, empty when blank: some readers
        # (the community validator's) otherwise fill an omitted item from elsewhere in the CHILD
        parts = [_elem(x, _escape(rows.cols[x]), required=True) for x in items]
        frag = _concat(parts, len(rows))
        if group:
            frag = f"<{group}>" + frag + f"</{group}>"
        add(owner(rows), section, frag)
    add(
        hkey,
        5,
        _concat(
            [_elem("MOTHER", hcols["MOTHER"], required=False), _elem("MC_DOB", hcols["MC_DOB"], required=False)], nh
        ),
    )
    add(hkey, 9, np.full(nh, "</HEADER>", dtype=object))
    ep = tables["Episodes"]
    if len(ep):
        parts = [_elem(x, _escape(ep.cols[c]), required=True) for x, c, _ in _EPISODE_ITEMS]
        add(owner(ep), 10, "<EPISODE>" + _concat(parts, len(ep)) + "</EPISODE>")
    add(hkey, 11, np.full(nh, "</CHILD>\n", dtype=object))
    key = np.concatenate(keys)
    sec = np.concatenate(sections)
    seq = np.concatenate(seqs)
    frag_all = np.concatenate(frags)
    return "".join(frag_all[np.lexsort((seq, sec, key))].tolist())


class XmlSink:
    def __init__(self, folder: Path, columns: dict[str, list[str]]):
        self.path = folder / "ssda903.xml"
        self._fh = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed in close()
        self._fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<EXPSSDA903>\n')
        self.side = {t: CsvTable(folder / f"{FILE_NAMES[t]}.csv", columns[t]) for t in CSV_ONLY if t in columns}

    def write(self, tables: dict[str, Rows], extras: dict[str, np.ndarray]) -> None:
        if len(tables["Header"]):
            self._fh.write(xml_fragments(tables, extras))
        for name, f in self.side.items():
            f.write(tables[name])

    def close(self) -> list[Path]:
        self._fh.write("</EXPSSDA903>\n")
        self._fh.close()
        return [self.path] + [f.close() for f in self.side.values()]


def open_sink(fmt: str, folder: Path, columns: dict[str, list[str]], warnings: list[str]) -> Sink:
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return CsvSink(folder, columns)
    if fmt == "xlsx":
        return XlsxSink(folder, columns, warnings)
    if fmt == "xml":
        return XmlSink(folder, columns)
    raise ValueError(f"format must be csv, xlsx or xml, not {fmt!r}")
