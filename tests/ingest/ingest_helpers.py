"""Helpers shared by the ingest tests: the fixture folder and short views of a loaded Dataset."""

from __future__ import annotations

from pathlib import Path

from ssda903.dataset import Dataset
from ssda903.ingest import load_into

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


def load_fixtures(*names: str, year: str = "2024/25", period: str = "current") -> Dataset:
    ds = Dataset(year)
    load_into(ds, [FIXTURES / n for n in names], period=period)
    return ds


def short(file: str) -> str:
    """A problem's file without the fixture folder in front."""
    return file.replace(str(FIXTURES) + "/", "")


def problems(ds: Dataset) -> list[tuple[str, str, int | None, str]]:
    """(code, file, line, column) of every file-level problem, in the order they were found."""
    return [(p.code, short(p.file), p.line, p.column) for p in ds.problems]


def sources(ds: Dataset) -> list[tuple[str, str, int]]:
    return [(s.table, short(s.file), s.rows) for s in ds.sources]


def raw(ds: Dataset, table: str, columns: str = "*", period: str = "current") -> list[tuple]:
    schema = "raw" if period == "current" else "raw_previous"
    return ds.con.execute(f'SELECT {columns} FROM {schema}."{table}" ORDER BY _id').fetchall()


EPISODES_HEADER = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"


def write_episodes_csv(path: Path, size: int, *, encoding: str = "utf-8", block: int = 20_000) -> int:
    """Write an Episodes CSV of about ``size`` bytes in chunks (memory stays small); returns the row count.

    Row ``n`` has CHILD ``f"{n // block:05d}{n % block:06d}"`` so a test can check any row.
    """
    import random

    rng = random.Random(903)
    note = "Café £" if encoding == "cp1252" else "XY1 1ZZ"
    rows = [
        f"{i:06d},{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.choice([2022, 2023, 2024])},"
        f"{rng.choice('SPLTBU')},{rng.choice(['C2', 'V2', 'E1'])},N{rng.randrange(1, 9)},"
        f"{rng.choice(['U1', 'U4', 'R1', 'K2'])},PR{rng.randrange(0, 5)},,,,AB{rng.randrange(1, 99)} 1CD,{note},"
        f"SC{rng.randrange(100000, 999999)}\r\n"
        for i in range(block)
    ]
    written, chunk = 0, 0
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(EPISODES_HEADER)
        while written < size:
            text = "".join(f"{chunk:05d}" + r for r in rows)
            f.write(text)
            written += len(text)
            chunk += 1
    return chunk * block
