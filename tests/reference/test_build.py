"""Rebuilding the shipped reference files from the ONS sources (on tiny made-up inputs)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from ssda903.reference import build

AUTHORITIES = [
    {"code": "E07000110", "name": "Maidstone", "upper_tier": "E10000016", "replaced_by": ""},
    {"code": "E10000016", "name": "Kent", "upper_tier": "E10000016", "replaced_by": ""},
]

NSPD = """pcd7,east1m,north1m,lad25cd,other
ME141XX,575830,155814,E07000110,x
B1  1AA,406649,286530,E08000025,x
CF101EP,318284,176230,W06000015,x
EH1 1YZ,325597,673676,S12000036,x
BT1 1AA,334316,374675,N09000003,x
JE2 3AB,,,L99999999,x
ZZ991ZZ,,,,x
NPT 0AD,331400,188200,W06000022,x
"""


def test_builds_from_an_nspd_zip(tmp_path: Path) -> None:
    z = tmp_path / "NSPD_TEST.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("Data/NSPD_TEST_UK.csv", NSPD)
        f.writestr("Documents/readme.csv", "a,b\n1,2\n")
    out = tmp_path / "postcodes.parquet"
    counts = build.build_postcodes(build.nspd_batches(z), AUTHORITIES, out, "test")
    assert counts == {
        "kept": 5,
        "Northern Ireland": 1,
        "Channel Islands and Isle of Man": 1,
        "no LA and no grid reference": 1,
    }
    got = duckdb.connect().execute(f"SELECT la, e, n FROM read_parquet('{out}') ORDER BY la").fetchall()
    assert got == [
        ("E08000025", 406649, 286530),
        ("E10000016", 575830, 155814),
        ("S12000036", 325597, 673676),
        ("W06000015", 318284, 176230),
        ("W06000022", 331400, 188200),
    ]


def test_an_english_district_without_its_county_stops_the_build(tmp_path: Path) -> None:
    csv = tmp_path / "nspd.csv"
    csv.write_text("pcd,oseast1m,osnrth1m,oslaua\nAB1 2CD,1,2,E07000999\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="E07000999"):
        build.build_postcodes(build.nspd_batches(csv), AUTHORITIES, tmp_path / "out.parquet")


def test_authorities_join_the_2021_lookup_and_later_changes() -> None:
    records = [
        {"LTLA21CD": "E07000026", "LTLA21NM": "Allerdale", "UTLA21CD": "E10000006", "UTLA21NM": "Cumbria"},
        {"LTLA21CD": "E08000019", "LTLA21NM": "Sheffield", "UTLA21CD": "E08000019", "UTLA21NM": "Sheffield"},
    ]
    rows = {r["code"]: r for r in build.authorities_from_records(records)}
    assert rows["E07000026"]["upper_tier"] == "E10000006"
    assert rows["E10000006"]["replaced_by"] == "E06000063 E06000064"
    assert rows["E08000019"]["replaced_by"] == "E08000039"
    assert rows["E06000065"] == {
        "code": "E06000065",
        "name": "North Yorkshire",
        "upper_tier": "E06000065",
        "replaced_by": "",
    }


def test_shipped_authorities_cover_every_english_code_in_the_postcode_table() -> None:
    from ssda903.reference.postcodes import authorities, data_file

    known = set(authorities())
    las = {
        r[0]
        for r in duckdb.connect()
        .execute(f"SELECT DISTINCT la FROM read_parquet('{data_file('postcodes.parquet')}') WHERE la LIKE 'E%'")
        .fetchall()
    }
    assert las and las <= known
