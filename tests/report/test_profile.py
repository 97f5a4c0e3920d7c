"""The error profile: counts only, small numbers suppressed, nothing that identifies a child."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ssda903
from ssda903.cli import app
from ssda903.report.profile import FORMAT, build, suppress
from ssda903.synth import generate

runner = CliRunner()


@pytest.mark.parametrize(
    ("n", "small", "shown"),
    [(0, False, 0), (1, False, "1-9"), (9, False, "1-9"), (10, False, 10), (12, False, 10), (13, False, 15),
     (1234, False, 1235), (0, True, 0), (7, True, "1-9"), (12, True, "10-49"), (60, True, "50-99"),
     (499, True, "100-499"), (800, True, "500+")],
)  # fmt: skip
def test_counts_are_suppressed_before_they_leave_the_machine(n: int, small: bool, shown: int | str) -> None:
    assert suppress(n, small=small) == shown


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("profiled")
    generate(400, "2024/25", 7, path, previous=True, error_rate=0.2)
    return path


def _allowed(value: object, small: bool) -> bool:
    if value == 0:
        return True
    if isinstance(value, str):
        return value in (["1-9", "10-49", "50-99", "100-499", "500+"] if small else ["1-9"])
    return not small and isinstance(value, int) and value >= 10 and value % 5 == 0


def test_the_profile_holds_counts_only_and_no_childs_data(folder: Path) -> None:
    result = ssda903.validate(folder, "2024/25", folder / "previous", la="E09000027")
    profile = build(result, stage="final")
    text = json.dumps(profile)
    assert (profile["format"], profile["la"], profile["collection_year"], profile["stage"]) == (
        FORMAT,
        "E09000027",
        "2024/25",
        "final",
    )
    # no identifier, date or postcode of the return appears anywhere in it
    for table in ("header.csv", "episodes.csv"):
        frame = pd.read_csv(folder / table, dtype=str, keep_default_na=False)
        for column in ("CHILD", "DOB", "DECOM", "HOME_POST", "PL_POST", "UPN"):
            for value in set(frame.get(column, pd.Series(dtype=str))) - {""}:
                assert f'"{value}"' not in text and f" {value}" not in text, (column, value)
    assert not re.search(r"\d\d/\d\d/\d{4}", text)
    counts = [profile["children"], profile["children_with_error"], *profile["rows_per_table"].values()]
    for rule, entry in profile["rules"].items():
        if entry["outcome"] in ("not run", "crashed"):
            assert "rows" not in entry, rule  # never a 0 that stands for "not checked"
        else:
            counts += [entry["rows"], entry["children"]]
            assert (entry["rows"] == 0) == (entry["outcome"] == "passed"), rule
    assert all(_allowed(c, small=False) for c in counts), counts
    assert profile["rules"]["101"]["outcome"] in ("passed", "failed") and profile["rules"]["LOAD19"]


def test_a_small_return_gives_bands_only(tmp_path: Path) -> None:
    generate(40, "2024/25", 3, tmp_path, previous=True, error_rate=0.3)
    profile = build(ssda903.validate(tmp_path, "2024/25", tmp_path / "previous", la="E09000027"))
    assert profile["small_return"] and profile["children"] == "10-49"
    counts = [c for e in profile["rules"].values() for k, c in e.items() if k != "outcome"]
    assert all(_allowed(c, small=True) for c in [*counts, *profile["rows_per_table"].values()])


def test_profile_command_and_validate_profile_write_the_same_counts(folder: Path, tmp_path: Path) -> None:
    args = [str(folder), "--previous", str(folder / "previous"), "--la", "E09000027", "--year", "2024/25"]
    r = runner.invoke(app, ["profile", *args, "--out", str(tmp_path / "p.json"), "--stage", "final"])
    assert r.exit_code == 0, r.output
    assert "counts only" in r.output and "Read it before you send it" in r.output
    r = runner.invoke(app, ["validate", *args, "--profile", str(tmp_path / "v.json"), "-q"])
    assert r.exit_code == 1, r.output  # the return has errors; the profile is written all the same
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("p.json", "v.json"))
    assert (a["stage"], b["stage"]) == ("final", "draft")
    assert a["rules"] == b["rules"] and a["rows_per_table"] == b["rows_per_table"]


def test_a_wrong_stage_or_folder_is_refused_before_validating(folder: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["profile", str(folder), "--out", str(tmp_path / "p.json"), "--stage", "done"])
    assert r.exit_code == 2 and "draft or final" in r.output
    r = runner.invoke(app, ["profile", str(folder), "--out", str(tmp_path / "nowhere" / "p.json")])
    assert r.exit_code == 2 and "does not exist" in r.output
