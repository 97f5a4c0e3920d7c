"""Exit statuses a pipeline can trust (Result.exit_code through `ssda903 validate`), and --dfe-halting."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssda903 import engine
from ssda903.cli import app
from ssda903.rules import parse_rule_file

runner = CliRunner()

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "header.csv").write_text(HEADER + "1,M,01/01/2010,WBRI,UN1,,\n", encoding="utf-8")
    # the episode ends before it starts (a stage 2 finding) and its LS is left blank (LOAD18)
    (tmp_path / "in" / "episodes.csv").write_text(
        EPISODES + "1,01/05/2024,S,,N1,U1,PR1,01/04/2024,E11,,,,\n", encoding="utf-8"
    )
    return tmp_path / "in"


def _rule(code: str, sql: str, stage: int = 2) -> object:
    (r,) = parse_rule_file(
        {
            "code": code,
            "message": f"Test rule {code}.",
            "why": "A rule made up to test the exit status.",
            "stage": stage,
            "tables": ["Episodes"],
            "fields": ["DEC", "DECOM", "LS"],
            "query": {"sql": sql},
        }
    )
    return r


def test_a_crashed_rule_exits_3_and_says_so(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "rules_for_year", lambda *_a, **_k: [_rule("X9", "SELECT _id FROM nowhere")])
    r = runner.invoke(app, ["validate", str(folder), "--year", "2024/25"])
    assert r.exit_code == 3, r.output
    assert "INCOMPLETE" in r.output


def test_a_lone_header_exits_1_with_load20(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "header.csv").write_text(HEADER + "1,M,01/01/2010,WBRI,UN1,,\n", encoding="utf-8")
    out = tmp_path / "f.csv"
    r = runner.invoke(app, ["validate", str(tmp_path / "h"), "--year", "2024/25", "--findings", str(out), "-q"])
    assert r.exit_code == 1, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(x["rule"], x["table"], x["row"]) for x in rows if x["rule"] == "LOAD20"] == [("LOAD20", "Episodes", "")]


def test_dfe_halting_leaves_out_what_the_portal_would_not_show_yet(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = _rule("X2", "SELECT _id FROM Episodes WHERE DEC < DECOM")
    monkeypatch.setattr(engine, "rules_for_year", lambda *_a, **_k: [rule])
    found = {}
    for flag in ([], ["--dfe-halting"]):
        out = tmp_path / f"f{len(flag)}.csv"
        r = runner.invoke(app, ["validate", str(folder), "--year", "2024/25", "--findings", str(out), "-q", *flag])
        assert r.exit_code == 1, r.output
        found[bool(flag)] = [(x["rule"], x["after_stage1"]) for x in csv.DictReader(out.open(encoding="utf-8"))]
    assert ("X2", "LOAD18") in found[False]
    assert [x for x in found[True] if x[0] == "X2"] == []
    assert ("LOAD18", "") in found[True]


@pytest.mark.parametrize("name", ["r.htm", "R.HTML", "r.xlsx", "r.json", "r.csv"])
def test_every_report_spelling_is_accepted(folder: Path, tmp_path: Path, name: str) -> None:
    r = runner.invoke(
        app, ["validate", str(folder), "--year", "2024/25", "--rules", "101", "--report", str(tmp_path / name)]
    )
    assert r.exit_code == 1, r.output
    assert (tmp_path / name).stat().st_size > 0
    assert f"Detail: open {tmp_path / name}" in r.output.replace("\n", "")
