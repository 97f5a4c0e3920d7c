"""Reading the CSV files of a folder at the same time gives what reading them in turn gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import EPISODES_HEADER

from ssda903.dataset import Dataset
from ssda903.ingest import InputError, load_into
from ssda903.typed import finish

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n"


def _messy_folder(folder: Path) -> None:
    folder.mkdir()
    (folder / "a_header.csv").write_text(
        HEADER + "1,1,01/02/2015,WBRI,A123456789012,,\r\n\r\n2,2,03/04/2016,WBRI,,,\r\n"
    )
    # a second file of the same table (LOAD06), with a column the model does not have
    (folder / "b_header_more.csv").write_text(HEADER.replace("\r\n", ",NOTE\r\n") + "3,1,05/06/2014,WBRI,,,,kept\r\n")
    # values beyond the header (LOAD14), spaces to tidy (LOAD21)
    (folder / "c_episodes.csv").write_text(
        EPISODES_HEADER + "1,01/05/2024,S,C2,N1,U1,PR1,,, ,,,\r\n2,01/06/2024,S,C2,N1,U1,PR1,,,,,,,extra,more\r\n"
    )
    # Windows-1252 (LOAD13)
    (folder / "d_missing.csv").write_bytes(
        "CHILD,MISSING,MIS_START,MIS_END\r\n1,M,01/07/2024,02/07/2024\r\n".encode("cp1252")
    )
    (folder / "e_reviews.csv").write_bytes(
        b"CHILD,DOB,REVIEW,REVIEW_CODE\r\n1,01/02/2015,01/08/2024,PN1\r\n\xe9,,,\r\n"
    )


def _read(folder: Path, workers: int) -> Dataset:
    ds = Dataset("2024/25", workers=workers)
    load_into(ds, [folder], period="current")
    return ds


def _rows(ds: Dataset, table: str) -> list[tuple]:
    cur = ds.con.execute(f'SELECT * EXCLUDE (_id) FROM raw."{table}" ORDER BY _id')
    return [tuple(zip([d[0] for d in cur.description], row, strict=True)) for row in cur.fetchall()]


def test_files_read_at_once_give_the_same_rows_sources_and_problems_in_the_same_order(tmp_path: Path) -> None:
    _messy_folder(tmp_path / "return")
    in_turn, at_once = _read(tmp_path / "return", 1), _read(tmp_path / "return", 3)
    assert at_once.sources == in_turn.sources
    assert at_once.problems == in_turn.problems
    assert {p.code for p in at_once.problems} >= {"LOAD06", "LOAD13", "LOAD14"}
    for table in ("Header", "Episodes", "Missing", "Reviews"):
        assert _rows(at_once, table) == _rows(in_turn, table)
    # the rows are numbered in the files' order, one file after another
    files = [f for (f,) in at_once.con.execute('SELECT _file FROM raw."Header" ORDER BY _id').fetchall()]
    assert [Path(f).name for f in files] == ["a_header.csv", "a_header.csv", "b_header_more.csv"]
    finish(in_turn), finish(at_once)
    cells = "SELECT code, tbl, field, value FROM cell_problems ORDER BY ALL"
    assert at_once.con.execute(cells).fetchall() == in_turn.con.execute(cells).fetchall()


def test_a_file_that_grew_while_it_was_read_is_refused_not_numbered_twice(tmp_path: Path) -> None:
    ds = Dataset("2024/25")
    first, second = ds.apart(most_rows=1), ds.apart(most_rows=1)
    rows = "(SELECT * FROM (VALUES (0, 2, '1'), (1, 3, '2'), (2, 4, '3')) v(_row, _line, c0))"
    first.append("current", "Header", rows, file="grew.csv", columns={"CHILD": "c0"})
    with pytest.raises(InputError, match=r"grew\.csv changed while it was read"):
        ds.take(first)
    with pytest.raises(ValueError, match="not a part"):
        Dataset("2024/25").take(second)


def test_a_file_given_twice_puts_each_of_its_rows_in_its_place_once(tmp_path: Path) -> None:
    from ssda903.engine import run

    path = tmp_path / "header.csv"
    path.write_text(HEADER + "1,X,01/02/2015,WBRI,A123456789012,,\r\n")
    ds = Dataset("2024/25", la="E09000027")
    load_into(ds, [path, path], period="current")
    f = run(ds).findings()
    # the SEX that is not a code (rule 101) is on line 2 of the file, once for each time it was given
    wrong = f[f["rule"] == "101"]
    assert wrong[["file", "line", "row", "column"]].values.tolist() == [[str(path), 2, 0, "SEX"]] * 2
    assert wrong["_id"].nunique() == 2
    assert ds.con.execute("SELECT count(*), count(DISTINCT _id) FROM all_rows").fetchall() == [(2, 2)]
