"""Loading the Ofsted provider list a user supplies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssda903.dataset import Dataset
from ssda903.problems import InputError
from ssda903.reference import has_providers, load_providers
from ssda903.typed import finish

OFSTED_HEADINGS = (
    "URN,Setting name,Placement code,Placement provider code,Setting postcode,Local authority,Deregistration date\n"
)


def provider(urn: str, place: str = "K2", postcode: str = "B1 1AA", reg_end: str = "", **more: str) -> dict[str, str]:
    return {"URN": urn, "PLACE_CODES": place, "PROVIDER_CODES": "PR4", "POSTCODE": postcode, "REG_END": reg_end, **more}


def rows(ds: Dataset) -> list[tuple[object, ...]]:
    return ds.con.execute(
        "SELECT urn, name, place_codes, provider_codes, postcode, la, reg_end::VARCHAR, _file, _line "
        "FROM ofsted_providers ORDER BY _file, _line"
    ).fetchall()


def test_reads_ofsted_headings_and_normalises_values(tmp_path: Path) -> None:
    f = tmp_path / "providers.csv"
    f.write_text(
        OFSTED_HEADINGS
        + "sc123456,Oak House,K2,PR4,me14 1xx,,\n"
        + "SC654321,Elm Lodge,K1/K2,PR1 / PR2,B1 1AA,,31/12/2024\n"
        + '1234567,Fostering Co,"U1, U4,U6",PR4,CF10 1EP,,2025-01-31\n'
        + ",,,,,,\n",
        encoding="utf-8",
    )
    ds = Dataset("2024/25", la="E09000027")
    assert not has_providers(ds)
    loaded = load_providers(ds, f)
    assert has_providers(ds)
    assert (loaded.rows, loaded.urns, loaded.skipped_blank_urn, loaded.la_unknown) == (3, 3, 1, 0)
    assert rows(ds) == [
        ("SC123456", "Oak House", ["K2"], ["PR4"], "ME141XX", "E10000016", None, "providers.csv", 2),
        ("SC654321", "Elm Lodge", ["K1", "K2"], ["PR1", "PR2"], "B11AA", "E08000025", "2024-12-31", "providers.csv", 3),
        ("1234567", "Fostering Co", ["U1", "U4", "U6"], ["PR4"], "CF101EP", "WAL", "2025-01-31", "providers.csv", 4),
    ]


def test_la_from_the_list_wins_over_the_postcode_and_names_are_understood() -> None:
    ds = Dataset("2024/25")
    given = [
        ("ME14 1XX", "E09000027"),
        ("ME14 1XX", "Kingston upon Thames"),
        ("ME14 1XX", "Maidstone"),
        ("ME14 1XX", "Atlantis"),
        ("ZZ1 1ZZ", ""),
        ("ZZ1 1ZZ", "E07000110"),
    ]
    loaded = load_providers(ds, [provider(str(i), postcode=p, LA=la) for i, (p, la) in enumerate(given, 1)])
    # a district (Maidstone, E07000110) is reported as its county, as PL_LA is
    got = [r[5] for r in rows(ds)]
    assert got == ["E09000027", "E09000021", "E10000016", "E10000016", None, "E10000016"]
    assert (loaded.la_from_file, loaded.la_from_postcode, loaded.la_unknown) == (4, 1, 1)


def test_several_sources_and_a_dataframe_combine() -> None:
    ds = Dataset("2025/26")
    frame = pd.DataFrame(
        [
            {
                "urn": "SC1",
                "placement code": "K3",
                "provider code": "PR4",
                "setting postcode": "B1 1AA",
                "closed date": None,
            }
        ]
    )
    load_providers(ds, frame, [provider("SC2", postcode="TW1 3AA", reg_end="01/01/2025")])
    assert [(r[0], r[2], r[5]) for r in rows(ds)] == [("SC1", ["K3"], "E08000025"), ("SC2", ["K2"], "E09000027")]


def test_the_list_survives_finishing_the_dataset() -> None:
    ds = Dataset("2024/25")
    load_providers(ds, [provider("SC1")])
    finish(ds)
    assert has_providers(ds)
    assert ds.con.execute("SELECT count(*) FROM ofsted_providers").fetchone() == (1,)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("URN,Setting postcode\nSC1,B1 1AA\n", encoding="utf-8")
    with pytest.raises(InputError, match="PLACE_CODES, PROVIDER_CODES, REG_END"):
        load_providers(Dataset("2024/25"), f)


def test_dates_that_are_not_dates_are_refused_with_their_line(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text(
        OFSTED_HEADINGS + "SC1,a,K2,PR4,B1 1AA,,31/12/2024\nSC2,b,K2,PR4,B1 1AA,,next week\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"p\.csv line 3: 'next week'"):
        load_providers(Dataset("2024/25"), f)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such Ofsted provider list"):
        load_providers(Dataset("2024/25"), tmp_path / "nope.csv")
