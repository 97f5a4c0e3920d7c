"""The page's readers fill the same raw tables as the Python readers, for CSV, Excel, DfE XML and zip.

Each synthetic return (with injected errors) is read by ``ssda903.ingest`` and by the page;
every raw table that was supplied must hold the same rows in the same order of ``_id`` (``_file``,
``_row``, ``_line`` and every column's text; the ``_id`` themselves may differ, as the command line
reads files at the same time and leaves gaps between them), and the same files must be recognised
as the same tables.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import PageSession
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.dataset import RAW_SCHEMA, Dataset
from ssda903.ingest import load_into

pytestmark = pytest.mark.browser

RUN = """async (files) => {
  const made = files.map((f) => ({file: new File([new Uint8Array(f.bytes)], f.name), name: f.name}));
  const result = await window.ssda903.run(made, {year: "2024/25"});
  const tables = {};
  for (const s of result.sources) {
    tables[s.table] = await window.ssda903.query(`SELECT * FROM raw."${s.table}" ORDER BY _id`);
  }
  return {sources: result.sources, tables};
}"""


def python_raw(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[str, str, int]], dict[str, Any]]:
    monkeypatch.chdir(folder)
    ds = Dataset("2024/25")
    load_into(ds, ".", period="current")
    sources = sorted((s.table, s.file, s.rows) for s in ds.sources)
    tables = {}
    for table in {s.table for s in ds.sources}:
        rel = ds.con.sql(f'SELECT * FROM {RAW_SCHEMA["current"]}."{table}" ORDER BY _id')
        tables[table] = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    return sources, tables


def page_raw(session: PageSession, folder: Path) -> tuple[list[tuple[str, str, int]], dict[str, Any]]:
    files = [
        {"name": p.name, "bytes": list(p.read_bytes())}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix in (".csv", ".xlsx", ".xml", ".zip")
    ]
    found = session.page.evaluate(RUN, files)
    sources = sorted((s["table"], s["file"], s["rows"]) for s in found["sources"])
    return sources, found["tables"]


def same_rows(python: list[dict[str, Any]], page: list[dict[str, Any]]) -> None:
    assert len(python) == len(page)
    for a, b in zip(python, page, strict=True):
        # the page's prepare makes every model column; Python's raw table has the same ones
        b = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in b.items() if k != "_id"}
        assert {k: (int(v) if isinstance(v, float) else v) for k, v in b.items()} == {
            k: v for k, v in a.items() if k != "_id"
        }


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "xml", "zip"])
def test_readers_fill_the_same_raw_tables(
    fmt: str, hand_session: PageSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / fmt
    made = "csv" if fmt == "zip" else fmt
    result = CliRunner().invoke(
        app, ["synth", "--out", str(folder), "--children", "40", "--format", made, "--error-rate", "0.3", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    if fmt == "zip":  # the CSV files in a zip, with a folder inside and a hidden file the readers skip
        with zipfile.ZipFile(folder / "return.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(folder.glob("*.csv")):
                z.write(p, f"2024-25/{p.name}")
                p.unlink()
            z.writestr("2024-25/.DS_Store", b"junk")
    py_sources, py_tables = python_raw(folder, monkeypatch)
    page_sources, page_tables = page_raw(hand_session, folder)
    assert page_sources == py_sources
    for table, rows in py_tables.items():
        same_rows(rows, page_tables[table])
