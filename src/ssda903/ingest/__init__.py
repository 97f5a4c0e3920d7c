"""Reading an authority's files (or in-memory tables) into a Dataset.

``load()`` accepts files, folders, zip files and in-memory tables for the
current and (optionally) the previous year. It never raises on bad content:
every problem becomes a LoadProblem on the Dataset. It raises InputError only
when there is nothing it could read at all.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ssda903.dataset import Dataset
from ssda903.ingest.csv import load_csv
from ssda903.ingest.frames import load_frames
from ssda903.problems import InputError, LoadProblem
from ssda903.model import CollectionYear

__all__ = ["InputError", "LoadProblem", "load", "load_into"]

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
XML_SUFFIXES = {".xml"}
DATA_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | XML_SUFFIXES | {".zip"}

Inputs = str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | Mapping[str, Any] | None


def _expand(paths: Iterable[str | os.PathLike[str]], ds: Dataset, period: str) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and not f.name.startswith((".", "~$")))
            data = [f for f in found if f.suffix.lower() in DATA_SUFFIXES]
            out.extend(data)
        elif path.exists():
            out.append(path)
        else:
            ds.add_problem(LoadProblem("LOAD01", "There is no such file or folder.", file=str(path), period=period))
    return out


def load_into(ds: Dataset, inputs: Inputs, *, period: str) -> None:
    """Add one period's inputs (paths or named in-memory tables) to ``ds``."""
    if inputs is None:
        return
    if isinstance(inputs, Mapping):
        load_frames(ds, inputs, period=period)
        return
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    with tempfile.TemporaryDirectory(prefix="ssda903-") as work:
        for path in _expand(inputs, ds, period):
            _load_file(ds, path, period=period, work=work, display=str(path))


def _load_file(ds: Dataset, path: Path, *, period: str, work: str, display: str) -> None:
    suffix = path.suffix.lower()
    if suffix == ".zip" or (suffix not in DATA_SUFFIXES and zipfile.is_zipfile(path) and suffix != ".xlsx"):
        _load_zip(ds, path, period=period, work=work, display=display)
    elif suffix in EXCEL_SUFFIXES:
        from ssda903.ingest.xlsx import load_xlsx

        load_xlsx(ds, path, period=period, display=display)
    elif suffix in XML_SUFFIXES:
        from ssda903.ingest.xml import load_xml

        load_xml(ds, path, period=period, display=display)
    else:
        load_csv(ds, path, period=period, display=display, workdir=work)


def _load_zip(ds: Dataset, path: Path, *, period: str, work: str, display: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            members = [m for m in z.infolist() if not m.is_dir() and not Path(m.filename).name.startswith((".", "~$"))]
            target = Path(tempfile.mkdtemp(dir=work))
            for m in members:
                if Path(m.filename).suffix.lower() not in DATA_SUFFIXES - {".zip"}:
                    continue
                extracted = Path(z.extract(m, target))
                _load_file(ds, extracted, period=period, work=work, display=f"{display}!{m.filename}")
    except (zipfile.BadZipFile, OSError) as e:
        ds.add_problem(LoadProblem("LOAD01", f"The zip file could not be opened ({e}).", file=display, period=period))


def load(
    current: Inputs,
    year: str | int | CollectionYear,
    previous: Inputs = None,
    *,
    la: str | None = None,
) -> Dataset:
    """Load this year's inputs (and last year's, if given) into a new Dataset.

    Raises InputError only when nothing at all could be read for the current year.
    """
    ds = Dataset(CollectionYear.parse(year), la=la)
    load_into(ds, current, period="current")
    load_into(ds, previous, period="previous")
    ds.finish()
    if not any(s.period == "current" for s in ds.sources):
        reasons = "; ".join(str(p) for p in ds.problems[:5]) or "no CSV, XLSX, XML or zip files were found"
        raise InputError(f"Nothing could be read for the current year: {reasons}")
    return ds
