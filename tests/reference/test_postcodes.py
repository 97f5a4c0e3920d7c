"""PL_DISTANCE, PL_LA and PL_LOCATION as derived from the shipped postcode table."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from ssda903.dataset import Dataset
from ssda903.ingest.frames import load_frames
from ssda903.reference import same_authority
from ssda903.reference.postcodes import data_file
from ssda903.typed import finish

HOME = "TW9 4DU"  # Kew, London Borough of Richmond upon Thames (E09000027)


def derived(
    placements: list[str], *, la: str | None = "E09000027", home: str = HOME, previous: list[str] | None = None
) -> list[tuple[Any, ...]]:
    ds = Dataset("2024/25", la=la)
    rows = [{"CHILD": str(i), "DECOM": "01/05/2024", "HOME_POST": home, "PL_POST": p} for i, p in enumerate(placements)]
    load_frames(ds, {"Episodes": rows}, period="current")
    if previous is not None:
        prev = [
            {"CHILD": str(i), "DECOM": "01/05/2023", "HOME_POST": home, "PL_POST": p} for i, p in enumerate(previous)
        ]
        load_frames(ds, {"Episodes": prev}, period="previous")
    finish(ds)
    out = ds.con.execute("SELECT PL_DISTANCE, PL_LA, PL_LOCATION FROM main.Episodes ORDER BY _id").fetchall()
    if previous is not None:
        out += ds.con.execute("SELECT PL_DISTANCE, PL_LA, PL_LOCATION FROM previous.Episodes ORDER BY _id").fetchall()
    return out


def test_placement_in_own_la_is_in_and_near() -> None:
    assert derived(["TW1 3AA"]) == [(3.0, "E09000027", "IN")]


def test_same_postcode_is_zero_miles_whatever_the_spacing_and_case() -> None:
    assert derived(["tw94du", " TW9  4DU "]) == [(0.0, "E09000027", "IN"), (0.0, "E09000027", "IN")]


def test_distance_is_straight_line_miles_from_the_grid_references() -> None:
    con = duckdb.connect()
    path = str(data_file("postcodes.parquet"))
    (kew_e, kew_n), (bham_e, bham_n) = (
        con.execute(f"SELECT e, n FROM read_parquet('{path}') WHERE pcd = ?", [k]).fetchone() or (0, 0)
        for k in (_number("TW94DU"), _number("B11AA"))
    )
    miles = round((((kew_e - bham_e) ** 2 + (kew_n - bham_n) ** 2) ** 0.5) / 1000 / 1.6093, 1)
    assert derived(["B1 1AA"]) == [(miles, "E08000025", "OUT")]
    assert 95 < miles < 100


def _number(key: str) -> int:
    ds = Dataset("2024/25")
    finish(ds)
    row = ds.con.execute("SELECT postcode_number(?)", [key]).fetchone()
    assert row is not None
    return int(row[0])


def test_two_tier_areas_report_the_county() -> None:
    # Maidstone is a district of Kent: children's services are Kent's (E10000016)
    assert derived(["ME14 1XX"])[0][1:] == ("E10000016", "OUT")


def test_wales_scotland_northern_ireland_and_crown_dependencies() -> None:
    wales, scotland, ni, jersey = derived(["CF10 1EP", "EH1 1YZ", "BT1 1AA", "JE2 3AB"])
    assert wales[1:] == ("WAL", "OUT") and 100 < wales[0] < 150
    assert scotland[1:] == ("SCO", "OUT") and 300 < scotland[0] < 350
    # Northern Ireland postcodes are not shipped (licence, Irish grid): known by their prefix
    assert ni == (999.9, "NIR", "OUT")
    assert jersey == (999.9, "NUK", "OUT")


def test_unknown_placement_postcode_gives_no_la_and_999_9() -> None:
    assert derived(["ZZ1 1ZZ", "not a postcode"]) == [(999.9, None, None), (999.9, None, None)]


def test_blank_postcodes_give_no_distance() -> None:
    assert derived([""]) == [(None, None, None)]
    assert derived(["TW1 3AA"], home="") == [(None, "E09000027", "IN")]


def test_unknown_home_postcode_gives_999_9_but_still_a_placement_la() -> None:
    assert derived(["TW1 3AA"], home="ZZ9 9ZZ") == [(999.9, "E09000027", "IN")]


def test_location_is_blank_without_an_la_code() -> None:
    assert derived(["TW1 3AA", "CF10 1EP"], la=None) == [
        (3.0, "E09000027", None),
        (pytest.approx(125.1, abs=1), "WAL", None),
    ]


def test_previous_year_is_derived_too() -> None:
    out = derived(["TW1 3AA"], previous=["B1 1AA"])
    assert out[0][1:] == ("E09000027", "IN")
    assert out[1][1:] == ("E08000025", "OUT")


def test_reorganised_authorities_count_as_the_same_la() -> None:
    # Sheffield was recoded in 2024 (E08000019 -> E08000039); the postcodes carry the new code
    assert derived(["S1 2HH"], la="E08000019")[0][1:] == ("E08000039", "IN")
    assert derived(["S1 2HH"], la="E08000039")[0][1:] == ("E08000039", "IN")
    # Cumbria split in 2023: Carlisle is now Cumberland, Kendal Westmorland and Furness
    assert derived(["CA1 1AA", "LA9 4DL"], la="E06000063") == [
        (pytest.approx(260.3, abs=2), "E06000063", "IN"),
        (pytest.approx(222.1, abs=2), "E06000064", "OUT"),
    ]


def test_same_authority_links_old_and_new_codes() -> None:
    assert same_authority("e10000006") == ["E06000063", "E06000064", "E10000006"]
    assert same_authority("E06000064") == ["E06000064", "E10000006"]
    assert same_authority("E09000027") == ["E09000027"]
    assert same_authority("") == []


def test_empty_return_derives_nothing_and_does_not_fail() -> None:
    ds = Dataset("2024/25", la="E09000027")
    finish(ds)
    assert ds.con.execute("SELECT count(*) FROM main.Episodes").fetchone() == (0,)


def test_finish_again_after_more_rows_derives_the_new_rows() -> None:
    ds = Dataset("2024/25", la="E09000027")
    load_frames(ds, {"Episodes": [{"CHILD": "1", "HOME_POST": HOME, "PL_POST": "TW1 3AA"}]}, period="current")
    finish(ds)
    load_frames(ds, {"Episodes": [{"CHILD": "2", "HOME_POST": HOME, "PL_POST": "B1 1AA"}]}, period="current")
    finish(ds)
    got = ds.con.execute("SELECT CHILD, PL_LA FROM main.Episodes ORDER BY CHILD").fetchall()
    assert got == [("1", "E09000027"), ("2", "E08000025")]


def test_postcode_numbers_are_unique_and_reject_other_shapes() -> None:
    ds = Dataset("2024/25")
    finish(ds)
    row = ds.con.execute(
        "SELECT postcode_number('SW1A1AA'), postcode_number('SW11AA'), postcode_number('S11AA'), "
        "postcode_number('NPT0AD'), postcode_number('SE1'), postcode_number('SE1-7AA'), postcode_number(NULL)"
    ).fetchone()
    assert row is not None
    assert len(set(row[:4])) == 4
    assert row[4:] == (None, None, None)


def test_the_shipped_table_covers_great_britain_only() -> None:
    path = str(data_file("postcodes.parquet"))
    con = duckdb.connect()
    n, countries, bad = con.execute(
        f"SELECT count(*), list(DISTINCT left(la, 1) ORDER BY left(la, 1)), "
        f"count(*) FILTER (la NOT SIMILAR TO '[EWS][0-9]{{8}}') FROM read_parquet('{path}')"
    ).fetchone() or (0, [], 0)
    assert n > 2_500_000
    assert countries == ["E", "S", "W"]
    assert bad == 0


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("SE1 7AA", "SE17AA"),  # the usual form: spaces removed
        ("SE17AA", "SE17AA"),
        ("  SE1   7AA ", "SE17AA"),
        ("se1 7aa", "SE17AA"),  # lower case: upper-cased
        ("Se1\t7aA\r\n", "SE17AA"),  # tabs and line ends: removed
        ("SE1\f7AA", "SE17AA"),
        ("SE1\u00a07AA", "SE1\u00a07AA"),  # a non-breaking space is not white space here
        ("SE1-7AA", "SE1-7AA"),
        ("ÄB 1", "ÄB1"),
        ("", None),
        ("   ", None),
        ("\t\r\n", None),
        (None, None),
    ],
)
def test_postcode_key_is_upper_case_without_white_space(given: str | None, key: str | None) -> None:
    ds = Dataset("2024/25")
    assert ds.con.execute("SELECT postcode_key($1)", [given]).fetchone() == (key,)
    # the same as its plain definition, whichever way the macro takes
    plain = "nullif(upper(regexp_replace($1, '[ \\t\\n\\f\\r]', '', 'g')), '')"
    assert ds.con.execute(f"SELECT {plain}", [given]).fetchone() == (key,)
