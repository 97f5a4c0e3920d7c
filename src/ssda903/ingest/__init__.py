"""Reading an authority's files (or in-memory tables) into a Dataset.

``load()`` accepts files, folders, zip files and in-memory tables for the
current and (optionally) the previous year. It never raises on bad content:
every problem becomes a LoadProblem on the Dataset. It raises InputError only
when the inputs cannot be used at all: nothing could be read, last year's inputs
are not last year's, the year is wrong or cannot be told (``ingest.year``), or the
LA is not an English children's services authority (``reference.authority``).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ssda903.dataset import Dataset
from ssda903.ingest.csv import SAMPLE, NotText, detect_encoding, load_csv
from ssda903.ingest.year import (
    UnknownYearError,
    WrongYearError,
    check_previous_year,
    check_year,
    episode_dates,
    guess_year,
)
from ssda903.model import CollectionYear
from ssda903.problems import InputError, LoadProblem
from ssda903.steps import sharing_cores
from ssda903.typed import finish

__all__ = [
    "InputError",
    "LoadProblem",
    "PreviousError",
    "UnknownYearError",
    "WrongYearError",
    "load",
    "load_into",
]

#: where a guessed year or LA is said (the CLI prints it; Python shows warnings on stderr by default)
log = logging.getLogger("ssda903")

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
XML_SUFFIXES = {".xml"}
DATA_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | XML_SUFFIXES | {".zip"}

Inputs = str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | Mapping[str, Any] | None

#: what zipfile raises for damaged, encrypted or unsupported archives
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zlib.error)

#: what a file's first bytes say it is
KIND_NAMES = {
    "zip": "a zip file",
    "xlsx": "an Excel workbook",
    "xls": "an Excel 97-2003 workbook",
    "xml": "an XML file",
    "text": "a text (CSV) file",
}


def _paths(inputs: Inputs) -> list[Path]:
    if inputs is None or isinstance(inputs, Mapping):
        return []
    if isinstance(inputs, (str, os.PathLike)):
        return [Path(inputs)]
    return [Path(p) for p in inputs]


def _within(path: Path, folders: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == f or f in resolved.parents for f in folders)


def _expand(
    paths: Iterable[str | os.PathLike[str]], ds: Dataset, period: str, exclude: Iterable[Path] = ()
) -> list[Path]:
    excluded = [Path(s).resolve() for s in exclude]
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            # only what lies inside this folder is left out (last year's folder inside this year's),
            # never the folder itself because it lies inside an excluded one
            here = path.resolve()
            skip = [x for x in excluded if here in x.parents]
            # the files in the folder itself: sub-folders (last year's return, a manifest) are not read
            found = sorted(
                f
                for f in path.iterdir()
                if f.is_file() and not _hidden(f.relative_to(path)) and not (skip and _within(f, skip))
            )
            data = [f for f in found if f.suffix.lower() in DATA_SUFFIXES]
            if not data:
                message = "The folder holds no CSV, Excel, XML or zip files."
                subs = [str(f) for f in _data_folders(path) if not (skip and _within(f, skip))]
                if subs:
                    message += (
                        f" Its sub-folder{'s' if len(subs) > 1 else ''} {', '.join(subs)} "
                        f"{'do' if len(subs) > 1 else 'does'}: give {'one of them' if len(subs) > 1 else 'it'} instead."
                    )
                ds.add_problem(LoadProblem("LOAD01", message, file=str(path), period=period))
            out.extend(data)
        elif path.exists():
            out.append(path)
        else:
            ds.add_problem(LoadProblem("LOAD01", "There is no such file or folder.", file=str(path), period=period))
    return out


def _data_folders(path: Path) -> list[Path]:
    """The folders directly inside ``path`` that hold data files (e.g. returns/2024-25, returns/2023-24)."""

    def holds_data(sub: Path) -> bool:
        try:
            return any(
                f.is_file() and f.suffix.lower() in DATA_SUFFIXES and not _hidden(Path(f.name)) for f in sub.iterdir()
            )
        except OSError:
            return False

    return sorted(sub for sub in path.iterdir() if sub.is_dir() and not _hidden(Path(sub.name)) and holds_data(sub))


def _hidden(relative: Path) -> bool:
    """Hidden files and folders, Excel's lock files (~$book.xlsx) and macOS zip debris (__MACOSX)."""
    return any(part.startswith((".", "~$")) or part == "__MACOSX" for part in relative.parts)


def load_into(ds: Dataset, inputs: Inputs, *, period: str, exclude: Iterable[Path] = ()) -> None:
    """Add one period's inputs (paths or named in-memory tables) to ``ds``. Never raises on content.

    Files under ``exclude`` are left out of folders (last year's folder inside this year's).
    """
    if inputs is None:
        return
    # DuckDB draws a progress bar on stdout during long reads; it would end up in piped output
    ds.con.execute("SET enable_progress_bar = false")
    if isinstance(inputs, Mapping):
        from ssda903.ingest.frames import load_frames  # pyarrow, only for data frames

        load_frames(ds, inputs, period=period)
        return
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    with tempfile.TemporaryDirectory(prefix="ssda903-") as work:
        paths = _expand(inputs, ds, period, exclude)
        if ds.workers > 1 and len(paths) > 1 and all(_plain_text(p) for p in paths):
            _load_at_once(ds, paths, period=period, work=work)
            return
        for path in paths:
            _load_file(ds, path, period=period, work=work, display=str(path))


def _plain_text(path: Path) -> bool:
    """A file named and holding text (CSV): one whose rows cannot outnumber its bytes."""
    return _kind_of_name(path.suffix.lower()) == "text" and sniff(path) == "text"


def _load_at_once(ds: Dataset, paths: list[Path], *, period: str, work: str) -> None:
    """Read CSV files ``ds.workers`` at a time, each into a part of ``ds`` (:meth:`Dataset.apart`),
    then take the parts back in the files' order: the same rows, sources and problems, in the same
    order, as reading them one after another.

    A small file costs DuckDB more to start reading than to read, and the one-thread numbering of a
    large file's rows leaves the other core idle: two files at a time read a return in about 60%
    of the time. A file of n bytes holds at most n + 1 rows, which is what each part reserves.
    """
    from concurrent.futures import ThreadPoolExecutor

    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)  # the reader says what is wrong; it adds no rows
    parts = [ds.apart(most_rows=size + 1) for size in sizes]

    def read(i: int) -> None:
        _load_file(parts[i], paths[i], period=period, work=work, display=str(paths[i]))

    with sharing_cores(ds.con, min(ds.workers, len(paths))), ThreadPoolExecutor(max_workers=ds.workers) as pool:
        # the largest first, so none is left to the end
        for done in [pool.submit(read, i) for i in sorted(range(len(paths)), key=lambda i: -sizes[i])]:
            done.result()
    try:
        for part in parts:
            ds.take(part)
    finally:
        for part in parts:  # those not taken (a file that grew) are closed too
            part.con.close()


def sniff(path: Path) -> str | None:
    """What the file's first bytes say it is: zip, xlsx, xls, xml, text; None when unreadable or empty."""
    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError:
        return None
    if not head:
        return None
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except ZIP_ERRORS:
            return None  # damaged: the reader its name points to says what is wrong
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        if "mimetype" in names and any(n == "content.xml" for n in names):
            return "xlsx"  # OpenDocument spreadsheet: calamine reads it too
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "xml"
    if head.startswith((b"\xff\xfe<\x00", b"\xfe\xff\x00<")):
        return "xml"
    return "text"


def _kind_of_name(suffix: str) -> str:
    if suffix == ".zip":
        return "zip"
    if suffix in EXCEL_SUFFIXES:
        return "xls" if suffix == ".xls" else "xlsx"
    if suffix in XML_SUFFIXES:
        return "xml"
    return "text"


def _decide(ds: Dataset, path: Path, *, period: str, display: str) -> str:
    """Which reader to use: the one for what the file holds, saying so when its name suggests otherwise."""
    named = _kind_of_name(path.suffix.lower())
    held = sniff(path)
    if held is None or held == named or {held, named} == {"xlsx", "xls"}:
        return named
    if held == "text":
        try:
            with open(path, "rb") as f:
                detect_encoding(f.read(SAMPLE))
        except (NotText, OSError):
            return named  # not text either: the named reader says what is wrong
        if named == "xml":
            return named
    suffix = path.suffix or "(no extension)"
    ds.add_problem(
        LoadProblem(
            "LOAD17",
            f"The file is named {suffix} but holds {KIND_NAMES[held]}; it was read as such.",
            file=display,
            period=period,
        )
    )
    return held


def _load_file(ds: Dataset, path: Path, *, period: str, work: str, display: str) -> None:
    """Load one file by what it holds; a mismatch with its name is a warning. Never raises."""
    try:
        kind = _decide(ds, path, period=period, display=display)
        if kind == "zip":
            _load_zip(ds, path, period=period, work=work, display=display)
        elif kind in ("xlsx", "xls"):
            from ssda903.ingest.xlsx import load_xlsx

            load_xlsx(ds, path, period=period, display=display)
        elif kind == "xml":
            from ssda903.ingest.xml import load_xml

            load_xml(ds, path, period=period, display=display)
        else:
            load_csv(ds, path, period=period, display=display, workdir=work)
    except Exception as e:  # the last line of defence: a reader bug must not stop the other files
        ds.add_problem(
            LoadProblem(
                "LOAD01",
                f"The file could not be read ({type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}). "
                "This is a fault in ssda903; please report it with the file's shape (not its data).",
                file=display,
                period=period,
            )
        )


def _load_zip(ds: Dataset, path: Path, *, period: str, work: str, display: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            members = [m for m in z.infolist() if not m.is_dir() and not _hidden(Path(m.filename))]
            data = [m for m in members if Path(m.filename).suffix.lower() in DATA_SUFFIXES - {".zip"}]
            for m in members:
                if Path(m.filename).suffix.lower() == ".zip":
                    ds.add_problem(
                        LoadProblem(
                            "LOAD01",
                            "A zip file inside a zip file is not read; take it out and give it (or its files) directly.",
                            file=f"{display}!{m.filename}",
                            period=period,
                        )
                    )
            if not data and not any(Path(m.filename).suffix.lower() == ".zip" for m in members):
                ds.add_problem(
                    LoadProblem("LOAD01", "The zip file holds no CSV, Excel or XML files.", file=display, period=period)
                )
            for m in data:
                target = Path(tempfile.mkdtemp(dir=work))
                try:
                    extracted = Path(z.extract(m, target))
                except ZIP_ERRORS as e:
                    reason = "it is protected by a password" if "encrypted" in str(e) else str(e)
                    ds.add_problem(
                        LoadProblem(
                            "LOAD01",
                            f"The file could not be taken out of the zip ({reason}).",
                            file=f"{display}!{m.filename}",
                            period=period,
                        )
                    )
                    continue
                try:
                    _load_file(ds, extracted, period=period, work=work, display=f"{display}!{m.filename}")
                finally:
                    shutil.rmtree(target, ignore_errors=True)
    except ZIP_ERRORS as e:
        ds.add_problem(LoadProblem("LOAD01", f"The zip file could not be opened ({e}).", file=display, period=period))


class PreviousError(InputError):
    """What was given as last year's return cannot be last year's return."""


def load(
    current: Inputs,
    year: str | int | CollectionYear | None = None,
    previous: Inputs = None,
    *,
    la: str | None = None,
    force_year: bool = False,
    memory_limit: str | None = None,
) -> Dataset:
    """Load this year's inputs (and last year's, if given) into a new Dataset.

    ``year``: with None the collection year is guessed from this year's episode dates (see
    :mod:`ssda903.ingest.year`) before anything is typed, so files are read once. A year given
    that the episode dates plainly contradict (and last year's files holding another year's
    dates) raise WrongYearError, unless ``force_year``.
    ``la``: the responsible LA's ONS code or name; when None it is guessed from the children's
    home postcodes (``Dataset.la_source`` says which). Anything settled for the user (a guessed
    year or LA) is said in one line on the ``ssda903`` logger. ``memory_limit``: DuckDB's (e.g.
    ``"4GB"``), beyond which it spills to disk.

    Raises InputError (or a subclass) when the inputs cannot be used: nothing could be read for
    the current year, last year's inputs are this year's again or unreadable, the LA is not an
    English children's services authority, or the year cannot be told or is plainly wrong.
    """
    from ssda903.model import supported_years
    from ssda903.reference.authority import authority, settle_la

    if isinstance(previous, (list, tuple)) and not previous:
        previous = None  # an empty list gives nothing, as None does
    given_la = authority(la) if la is not None else None  # a mistyped LA fails before any file is read
    _check_not_the_same(current, previous)
    started = time.perf_counter()
    ds = Dataset(CollectionYear.parse(year) if year is not None else supported_years()[-1], memory_limit=memory_limit)
    # `validate out/ --previous out/previous`: last year's files are not this year's too
    load_into(ds, current, period="current", exclude=_paths(previous))
    if not any(s.period == "current" for s in ds.sources):
        reasons = "; ".join(str(p) for p in ds.problems[:5]) or "no CSV, XLSX, XML or zip files were found"
        raise InputError(f"Nothing could be read for the current year: {reasons}")
    notes = []
    if year is None:
        ds.set_year(guess_year(ds))
        notes.append(f"Collection year not given: using {ds.year}, the year of the episode dates; set it with --year.")
    elif force_year:
        said = episode_dates(ds).other_year(ds.year)
        if said:
            notes.append(f"--force-year: validating as {ds.year}, although the episode dates say {said}.")
    else:
        check_year(ds)
    if previous is not None:
        # exclude: this year's folder is not suggested when last year's is its parent
        load_into(ds, previous, period="previous", exclude=_paths(current))
        _check_previous(ds)
        if not force_year:
            check_previous_year(ds)
    notes += settle_la(ds, given_la)
    ds.timings["read"] = time.perf_counter() - started
    finish(ds)
    for note in notes:
        log.warning(note)
    return ds


def _check_not_the_same(current: Inputs, previous: Inputs) -> None:
    """Last year's inputs must not be this year's again (the same file or folder named twice)."""
    same = sorted({str(p) for p in _paths(previous) if p.exists() and p.resolve() in _resolved(current)})
    if same:
        raise PreviousError(
            f"--previous names this year's return again ({', '.join(same)}): give last year's files or folder"
        )


def _resolved(inputs: Inputs) -> set[Path]:
    return {p.resolve() for p in _paths(inputs) if p.exists()}


def _check_previous(ds: Dataset) -> None:
    """Last year's inputs were read, and are not files of this year's return."""
    if not any(s.period == "previous" for s in ds.sources):
        reasons = "; ".join(str(p) for p in ds.problems if p.period == "previous") or "no data files were found"
        raise PreviousError(f"Nothing could be read for the previous year (--previous): {reasons}")

    def file_of(source: str) -> Path:
        return Path(source.partition("!")[0]).resolve()

    this_year = {file_of(s.file) for s in ds.sources if s.period == "current"}
    again = sorted({s.file for s in ds.sources if s.period == "previous" and file_of(s.file) in this_year})
    if again:
        raise PreviousError(
            f"--previous reads files of this year's return again ({', '.join(again)}): give last year's files or folder"
        )
