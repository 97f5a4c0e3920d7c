"""The responsible LA (trap 1 of issue 6): given by ONS code or name, checked, or guessed from the
children's home postcodes; without one the rules that need it are not run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import ssda903
from ssda903.engine import present_in, run
from ssda903.ingest import load
from ssda903.problems import InputError
from ssda903.reference.authority import AuthorityError, authority
from ssda903.rules import NEEDS_LA

RICHMOND, CROYDON = "TW9 4DU", "CR5 3HF"  # home postcodes in E09000027 and E09000008


def episodes(homes: list[str]) -> dict[str, list[dict[str, str]]]:
    return {
        "Episodes": [
            {"CHILD": str(i), "DECOM": "01/05/2024", "HOME_POST": home, "PL_POST": "CR2 8RQ"}
            for i, home in enumerate(homes)
        ]
    }


# --------------------------------------------------------------------------- given
@pytest.mark.parametrize(
    "given",
    ["E09000008", "e09000008", "  E09000008 ", "croydon", "Croydon", "CROYDON", "London Borough of Croydon"],
)
def test_an_ons_code_or_a_name_in_any_case(given: str) -> None:
    found = authority(given)
    assert (found.code, found.name) == ("E09000008", "Croydon")


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("City of London", "E09000001"),
        ("Brighton & Hove", "E06000043"),
        ("st. helens", "E08000013"),
        ("Kingston upon Hull", "E06000010"),
        ("Kent County Council", "E10000016"),
        ("Barnsley", "E08000038"),  # the current code, not the one replaced in 2024
    ],
)
def test_names_as_people_write_them(given: str, code: str) -> None:
    assert authority(given).code == code


def test_an_older_code_resolves_to_the_current_authority_and_says_so() -> None:
    found = authority("E10000023")
    assert found.code == "E06000065"
    assert found.note == "E10000023 is an older code of North Yorkshire; using North Yorkshire (E06000065)"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("croydn", "did you mean Croydon (E09000008)?"),
        ("richmond", "did you mean Richmond upon Thames (E09000027)?"),
        ("W06000015", "is Cardiff, a Welsh authority: the SSDA903 return is collected from English local authorities"),
        ("Cardiff", "a Welsh authority"),
        ("S12000036", "a Scottish authority's code"),
        ("E07000008", "is Cambridge, a district council: children's services there are run by Cambridgeshire"),
        ("E09000099", "not the ONS code of an English local authority"),
        ("318", "three-digit LA number"),
        ("", "--la is empty"),
    ],
)
def test_anything_else_is_refused_with_what_to_give(given: str, says: str) -> None:
    with pytest.raises(AuthorityError) as e:
        authority(given)
    assert says in str(e.value)
    assert isinstance(e.value, InputError)


def test_load_records_the_la_given_by_name() -> None:
    ds = load(episodes([CROYDON] * 3), "2024/25", la="croydon")
    assert (ds.la, ds.la_source) == ("E09000008", "given")
    placed = ds.con.execute("SELECT DISTINCT PL_LOCATION FROM Episodes").fetchall()
    assert placed == [("IN",)]  # CR2 8RQ is in Croydon: read as the code, not as the text "croydon"


def test_an_la_where_no_child_lives_is_questioned(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ssda903"):
        load(episodes([RICHMOND] * 4), "2024/25", la="E09000008")
    assert (
        "--la Croydon (E09000008) holds none of the 4 children's home postcodes; "
        "4 are in Richmond upon Thames (E09000027). Check --la."
    ) in caplog.messages


# --------------------------------------------------------------------------- guessed
def test_without_la_the_authority_most_children_live_in_is_used_and_said(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ssda903"):
        ds = load(episodes([CROYDON, CROYDON, CROYDON, RICHMOND, "CF10 1EP", "ZZ99 9ZZ", ""]), "2024/25")
    assert (ds.la, ds.la_source) == ("E09000008", "guessed")
    assert (
        "Responsible LA not given: using Croydon (E09000008), where 3 of 5 children's home postcodes are; "
        "set it with --la."
    ) in caplog.messages


def test_a_child_counts_once_by_their_latest_home_postcode() -> None:
    rows = [
        {"CHILD": "1", "DECOM": "01/05/2024", "HOME_POST": RICHMOND},
        {"CHILD": "1", "DECOM": "01/06/2024", "HOME_POST": RICHMOND},
        {"CHILD": "1", "DECOM": "01/07/2024", "HOME_POST": RICHMOND},
        {"CHILD": "2", "DECOM": "01/05/2024", "HOME_POST": CROYDON},
        {"CHILD": "3", "DECOM": "01/05/2024", "HOME_POST": CROYDON},
    ]
    assert load({"Episodes": rows}, "2024/25").la == "E09000008"


def test_the_readme_python_example_no_longer_flags_every_episode_out_of_area(tmp_path: Path) -> None:
    from ssda903.synth import generate

    generate(50, "2024/25", 5, tmp_path, previous=True)
    result = ssda903.validate(tmp_path, "2024/25", tmp_path / "previous")
    assert (result.dataset.la, result.dataset.la_source) == ("E09000027", "guessed")
    assert result.outcome("179").status == "passed"
    assert result.outcome("229").status == "not run"  # needs the Ofsted list, not the LA


def test_when_no_home_postcode_can_be_placed_the_la_stays_unknown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ssda903"):
        ds = load(episodes(["", "ZZ99 9ZZ", "BT1 1AA"]), "2024/25")
    assert (ds.la, ds.la_source) == (None, "")
    assert NEEDS_LA not in present_in(ds)
    assert any("no home postcode could be placed" in m for m in caplog.messages)
    result = run(ds)
    needing = [o for o in result.outcomes if "your LA code (--la)" in o.detail]
    assert needing and all(o.status == "not run" for o in needing)
    # every rule reading PL_LOCATION (IN or OUT of the LA's area) needs the LA: no flood of false errors
    assert {"179"} <= {o.rule for o in needing}
