"""The collection year: guessed from the episode dates when not given, and a year the dates plainly
contradict stops the run (trap 2 of issue 6); last year's inputs must be last year's (trap 3)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

import ssda903
from ssda903.ingest import PreviousError, UnknownYearError, WrongYearError, load
from ssda903.problems import InputError
from ssda903.synth import generate

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """returns/2024-25 and returns/2023-24: 50 synthetic children, the layout the README uses."""
    root = tmp_path_factory.mktemp("returns")
    generate(50, "2024/25", 7, root / "gen", previous=True)
    shutil.move(root / "gen" / "previous", root / "2023-24")
    shutil.move(root / "gen", root / "2024-25")
    generate(50, "2022/23", 7, root / "2022-23")
    return root


def episode(child: int, decom: str, dec: str = "") -> dict[str, str]:
    return {"CHILD": str(child), "DECOM": decom, "DEC": dec, "REC": "E11" if dec else ""}


# --------------------------------------------------------------------------- a year given
def test_a_return_of_the_next_year_stops_the_run_naming_the_year_the_dates_say(returns: Path) -> None:
    with pytest.raises(WrongYearError) as e:
        load(returns / "2024-25", "2023/24")
    message = str(e.value)
    assert "the episode dates say this return is for 2024/25, not 2023/24" in message
    assert "fall after 31/03/2024" in message and "--force-year" in message


def test_last_years_return_given_as_this_year_stops_the_run(returns: Path) -> None:
    with pytest.raises(WrongYearError, match="for 2023/24, not 2024/25") as e:
        load(returns / "2023-24", "2024/25")
    assert "episodes ended before 01/04/2024" in str(e.value)


def test_force_year_runs_anyway_and_says_so(returns: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ssda903"):
        result = ssda903.validate(returns / "2024-25", "2023/24", force_year=True, rules=["101"])
    assert result.year == "2023/24"
    assert "--force-year: validating as 2023/24, although the episode dates say 2024/25." in caplog.messages


def test_the_api_raises_an_input_error(returns: Path) -> None:
    with pytest.raises(InputError):
        ssda903.validate(returns / "2024-25", "2025/26")


def test_carried_over_episodes_and_a_few_typos_do_not_trip_it() -> None:
    # 40 children in care since long before the year, 6 moves in the year, 3 dates mistyped into 2052
    rows = [episode(i, f"01/0{1 + i % 9}/20{15 + i % 9}") for i in range(40)]
    rows += [episode(100 + i, "10/06/2024", "12/12/2024") for i in range(6)]
    rows += [episode(200 + i, "01/05/2024", "03/05/2052") for i in range(3)]
    ds = load({"Episodes": rows}, "2024/25", la="E09000027")
    assert ds.year.label == "2024/25"


def test_a_tiny_return_with_only_old_open_episodes_is_not_another_year() -> None:
    rows = [episode(i, "01/02/2019") for i in range(5)]
    assert load({"Episodes": rows}, "2024/25", la="E09000027").year.label == "2024/25"


# --------------------------------------------------------------------------- no year given
def test_without_a_year_the_dates_decide_and_it_is_said(returns: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ssda903"):
        ds = load(returns / "2022-23")
    assert ds.year.label == "2022/23"
    assert any(m.startswith("Collection year not given: using 2022/23") for m in caplog.messages)


def test_a_header_only_return_cannot_tell_its_year(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text(HEADER + "1,1,01/01/2010,WBRI,A123456789012,,\n")
    with pytest.raises(UnknownYearError, match=r"cannot tell the collection year from the dates \(no episode dates\)"):
        load(tmp_path)


def test_an_empty_episodes_file_cannot_tell_its_year(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text(HEADER + "1,1,01/01/2010,WBRI,A123456789012,,\n")
    (tmp_path / "episodes.csv").write_text(EPISODES)
    with pytest.raises(UnknownYearError, match="give --year"):
        load(tmp_path)
    assert load(tmp_path, "2024/25").year.label == "2024/25"  # with the year given it runs


def test_dates_of_an_unsupported_year_are_not_taken_for_the_nearest_supported_one() -> None:
    rows = [episode(i, "01/06/2019", "01/09/2019") for i in range(5)]
    with pytest.raises(UnknownYearError, match="2019/20"):
        load({"Episodes": rows})


# --------------------------------------------------------------------------- last year's inputs
def test_the_synthetic_layout_with_previous_inside_this_years_folder_works(tmp_path: Path) -> None:
    generate(50, "2024/25", 3, tmp_path / "out", previous=True)
    ds = load(tmp_path / "out", "2024/25", tmp_path / "out" / "previous")
    assert {s.period for s in ds.sources} == {"current", "previous"}


def test_last_years_return_in_its_own_folder_works(returns: Path) -> None:
    ds = load(returns / "2024-25", None, returns / "2023-24")
    assert ds.year.label == "2024/25" and ds.has("Episodes", "previous")


def test_previous_naming_this_years_folder_again_is_refused(returns: Path) -> None:
    with pytest.raises(PreviousError, match="--previous names this year's return again"):
        load(returns / "2024-25", "2024/25", returns / "2024-25")


def test_previous_naming_this_years_files_again_is_refused(returns: Path) -> None:
    files = sorted((returns / "2024-25").glob("*.csv"))
    with pytest.raises(PreviousError, match="this year's return again"):
        load(files, "2024/25", files[:1])


def test_previous_holding_another_years_dates_says_which(returns: Path) -> None:
    with pytest.raises(WrongYearError) as e:
        load(returns / "2024-25", "2024/25", returns / "2022-23")
    assert "--previous hold episode dates of 2022/23, not 2023/24 (the year before 2024/25)" in str(e.value)


def test_previous_holding_this_years_dates_says_so(returns: Path, tmp_path: Path) -> None:
    shutil.copytree(returns / "2024-25", tmp_path / "copy")
    with pytest.raises(WrongYearError, match=r"this year's \(2024/25\): the same year as the return itself"):
        load(returns / "2024-25", "2024/25", tmp_path / "copy")


def test_previous_folder_without_data_files_suggests_its_sub_folders(returns: Path) -> None:
    with pytest.raises(PreviousError) as e:
        load(returns / "2024-25", "2024/25", returns)
    message = str(e.value)
    assert "Nothing could be read for the previous year (--previous)" in message
    assert str(returns / "2023-24") in message and str(returns / "2022-23") in message
    assert str(returns / "2024-25") not in message  # this year's own folder is not suggested


def test_this_years_folder_without_data_files_suggests_its_sub_folders(returns: Path) -> None:
    with pytest.raises(InputError) as e:
        load(returns, "2024/25", returns / "2023-24")
    assert f"Its sub-folders {returns / '2022-23'}, {returns / '2024-25'} do: give one of them instead." in str(e.value)


def test_unreadable_previous_is_an_input_error_not_a_silent_not_run(returns: Path, tmp_path: Path) -> None:
    with pytest.raises(PreviousError, match="There is no such file or folder"):
        load(returns / "2024-25", "2024/25", tmp_path / "nowhere")
