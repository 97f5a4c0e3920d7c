"""Folders, zips, files named for something else, in-memory tables, and random bytes that must never crash."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from ingest_helpers import FIXTURES, load_fixtures, problems, raw, sources

from ssda903.dataset import Dataset
from ssda903.ingest import InputError, load, load_into
from ssda903.ingest.frames import load_frames
from ssda903.problems import KINDS
from ssda903.typed import finish


def test_zip_of_csvs_skips_other_members() -> None:
    ds = load_fixtures("returns.zip")
    assert sources(ds) == [
        ("Header", "returns.zip!2024-25/header.csv", 2),
        ("Episodes", "returns.zip!2024-25/episodes.csv", 2),
    ]
    assert problems(ds) == []


def test_folder_reads_its_own_files_skipping_hidden_lock_other_files_and_sub_folders() -> None:
    ds = load_fixtures("folder")
    assert sources(ds) == [("Header", "folder/Header.csv", 2)]
    assert problems(ds) == []


def test_a_sub_folder_is_read_when_named() -> None:
    ds = load(FIXTURES / "folder" / "sub", "2024/25")
    assert [(s.table, s.rows) for s in ds.sources] == [("Episodes", 2)]


def test_folder_without_data(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("hello")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path], period="current")
    assert [(p.code, p.message) for p in ds.problems] == [
        ("LOAD01", "The folder holds no CSV, Excel, XML or zip files.")
    ]


def test_missing_path() -> None:
    ds = load_fixtures("no_such_file.csv")
    assert problems(ds) == [("LOAD01", "no_such_file.csv", None, "")]


def test_workbook_renamed_to_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "episodes_only.xlsx", tmp_path / "episodes.csv")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "episodes.csv"], period="current")
    assert [(s.table, Path(s.file).name, s.rows) for s in ds.sources] == [("Episodes", "episodes.csv!Sheet", 2)]
    assert [p.code for p in ds.problems] == ["LOAD17"]
    assert "holds an Excel workbook" in ds.problems[0].message


def test_csv_renamed_to_xlsx_is_read_as_csv(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "crlf.csv", tmp_path / "episodes.xlsx")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "episodes.xlsx"], period="current")
    assert [(s.table, s.rows) for s in ds.sources] == [("Episodes", 2)]
    assert [p.code for p in ds.problems] == ["LOAD17"]


def test_encrypted_zip_member(tmp_path: Path) -> None:
    # a zip whose member claims to be encrypted (flag bit 0): zipfile cannot extract it
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("header.csv", (FIXTURES / "semicolon.csv").read_bytes())
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        data[at + offset] |= 1
    path.write_bytes(bytes(data))
    ds = Dataset("2024/25")
    load_into(ds, [path], period="current")
    assert [p.code for p in ds.problems] == ["LOAD01"]
    assert "password" in ds.problems[0].message


def test_a_zip_inside_a_zip_is_reported_not_skipped(tmp_path: Path) -> None:
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("header.csv", (FIXTURES / "semicolon.csv").read_bytes())
    with zipfile.ZipFile(tmp_path / "outer.zip", "w") as z:
        z.write(inner, "last-year/inner.zip")
        z.writestr("notes.pdf", b"%PDF")
    ds = Dataset("2024/25")
    load_into(ds, [tmp_path / "outer.zip"], period="current")
    assert [(p.code, p.file) for p in ds.problems] == [("LOAD01", f"{tmp_path / 'outer.zip'}!last-year/inner.zip")]
    assert "A zip file inside a zip file is not read" in ds.problems[0].message


def test_load_raises_only_when_nothing_could_be_read() -> None:
    with pytest.raises(InputError, match="LOAD10"):
        load(FIXTURES / "empty.csv", "2024/25")


def test_frames_pandas_arrow_and_row_dicts() -> None:
    ds = Dataset("2024/25")
    header = pd.DataFrame(
        {
            "CHILD": ["C1", "C2"],
            "SEX": ["F", None],
            "DOB": pd.to_datetime(["2012-06-15", None]),
            "MOTHER": [1.0, float("nan")],
        }
    )
    episodes = pa.table({"CHILD": ["C1"], "DECOM": [dt.date(2024, 4, 1)], "RNE": ["S"]})
    reviews = [
        {"CHILD": "C1", "REVIEW": "01/05/2024"},
        {"CHILD": 2, "REVIEW_CODE": "PN1", "Extra": dt.datetime(2024, 5, 1, 9)},
    ]
    load_frames(ds, {"Header": header, "Episodes": episodes, "Reviews": reviews, "Nonsense": []}, period="current")
    assert raw(ds, "Header", "CHILD, SEX, DOB, MOTHER, _row") == [
        ("C1", "F", "15/06/2012", "1", 0),
        ("C2", None, None, None, 1),
    ]
    assert raw(ds, "Episodes", "CHILD, DECOM, RNE") == [("C1", "01/04/2024", "S")]
    assert raw(ds, "Reviews", 'CHILD, REVIEW, REVIEW_CODE, "Extra"') == [
        ("C1", "01/05/2024", None, None),
        ("2", None, "PN1", "01/05/2024 09:00:00"),
    ]
    codes = [(p.code, p.file, p.column) for p in ds.problems]
    assert ("LOAD02", "<Nonsense>", "") in codes
    assert ("LOAD04", "<Reviews>", "Extra") in codes
    assert ("LOAD03", "<Header>", "ETHNIC") in codes


def test_frames_with_duplicate_column_names() -> None:
    ds = Dataset("2024/25")
    frame = pd.DataFrame([["C1", "F", "X"]], columns=["CHILD", "SEX", "SEX"])
    load_frames(ds, {"Header": frame}, period="current")
    assert raw(ds, "Header", 'CHILD, SEX, "SEX (column 3)"') == [("C1", "F", "X")]  # the repeat is kept
    assert "LOAD05" in [p.code for p in ds.problems]


def test_frames_keep_a_named_index_and_refuse_rows_that_are_not_dicts() -> None:
    ds = Dataset("2024/25")
    header = pd.DataFrame({"CHILD": ["C1", "C2"], "SEX": ["F", "M"]}).set_index("CHILD")
    load_frames(ds, {"Header": header, "Reviews": [{"CHILD": "C1"}, ("C2", "01/05/2024")]}, period="current")
    assert raw(ds, "Header", "CHILD, SEX") == [("C1", "F"), ("C2", "M")]
    assert [(p.code, p.file) for p in ds.problems if p.code != "LOAD03"] == [("LOAD01", "<Reviews>")]
    assert "row 1 is a tuple" in next(p.message for p in ds.problems if p.code == "LOAD01")


def _random_files(folder: Path, seed: int) -> list[Path]:
    """Random bytes, random text that looks like a 903 file, and cut or scribbled-on copies of real fixtures."""
    rng = random.Random(seed)
    header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
    alphabet = 'abcXYZ019,;\t"\r\n £é\x00/'
    originals = [FIXTURES / n for n in ("book.xlsx", "return.xml", "returns.zip", "quoted.csv", "utf16le_bom.csv")]
    out = []
    for i in range(40):
        kind = i % 5
        if kind == 0:
            data = rng.randbytes(rng.randrange(0, 3000))
        elif kind in (1, 2):
            body = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 2000)))
            data = (header + "\n" + body if kind == 1 else body).encode("utf-8", errors="replace")
        else:
            data = bytearray(rng.choice(originals).read_bytes())
            if kind == 3:
                data = data[: rng.randrange(0, len(data))]
            else:
                for _ in range(rng.randrange(1, 20)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
        suffix = rng.choice([".csv", ".xml", ".xlsx", ".zip", ".txt", ".xls"])
        path = folder / f"f{i:02d}{suffix}"
        path.write_bytes(bytes(data))
        out.append(path)
    return out


@pytest.mark.parametrize("seed", range(1, 5))
def test_random_bytes_never_raise(tmp_path: Path, seed: int) -> None:
    files = _random_files(tmp_path, seed)
    ds = Dataset("2024/25")
    load_into(ds, files, period="current")  # must not raise
    assert all(p.code in KINDS for p in ds.problems)
    faults = [str(p) for p in ds.problems if "fault in ssda903" in p.message]
    assert faults == []
    finish(ds)  # and what was loaded can be typed


def test_previous_year_goes_to_its_own_tables() -> None:
    ds = load(FIXTURES / "folder", "2024/25", previous=FIXTURES / "return.xml")
    assert {(s.period, s.table) for s in ds.sources} >= {("current", "Header"), ("previous", "Episodes")}
    assert raw(ds, "Episodes", "CHILD, PLACE", period="previous") == [("C001", "U6"), ("C001", "U4")]
    assert raw(ds, "Header", "CHILD", period="current") == [("C001",), ("C002",)]


def test_previous_year_folder_inside_this_years_is_not_loaded_twice(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "folder", tmp_path / "return")
    shutil.copytree(FIXTURES / "folder", tmp_path / "return" / "previous")
    ds = load(tmp_path / "return", "2024/25", previous=tmp_path / "return" / "previous")
    assert sorted((s.period, s.table) for s in ds.sources) == [("current", "Header"), ("previous", "Header")]
    assert [p.code for p in ds.problems if p.code == "LOAD06"] == []
