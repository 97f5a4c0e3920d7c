"""The command line: exit statuses, messages, and the JSON other tools read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssda903.cli import app

runner = CliRunner()

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES_HEADER = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    write(tmp_path / "clean", "episodes.csv", EPISODES_HEADER + "1,01/05/2024,S,C2,N1,U1,PR1,,,,,,\n")
    return write(tmp_path / "clean", "header.csv", HEADER + "1,M,01/01/2010,WBRI,UN1,,\n").parent


@pytest.fixture
def with_errors(tmp_path: Path) -> Path:
    return write(
        tmp_path / "errors", "header.csv", HEADER + "1,X,01/01/2010,WBRI,UN1,,\n2,M,01/01/2010,WBRI,UN1,,\n"
    ).parent


def test_validate_exits_0_when_no_errors(clean: Path) -> None:
    r = runner.invoke(app, ["validate", str(clean), "--year", "2024/25", "--rules", "101", "-q"])
    assert r.exit_code == 0, r.output


def test_validate_exits_1_and_writes_the_findings_contract(with_errors: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    r = runner.invoke(
        app, ["validate", str(with_errors), "--year", "2025", "--rules", "101", "--findings", str(out), "-q"]
    )
    assert r.exit_code == 1, r.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("rule,period,table,row,child,")
    assert any(line.startswith("101,current,Header,0,1,") for line in lines)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--year", "2019/20"], "not supported"),
        (["--year", "next"], "not understood"),
        (["--year", "2024/25", "--rules", "999Z"], "no rule 999Z"),
        (["--year", "2024/25", "--report", "out.pdf"], ".xlsx, .html, .json or .csv"),
    ],
)
def test_validate_exits_2_with_a_reason(clean: Path, args: list[str], says: str) -> None:
    r = runner.invoke(app, ["validate", str(clean), *args])
    assert r.exit_code == 2
    assert says in r.output


def test_validate_exits_2_when_nothing_can_be_read(tmp_path: Path) -> None:
    r = runner.invoke(app, ["validate", str(tmp_path / "nowhere"), "--year", "2024/25"])
    assert r.exit_code == 2
    assert "Nothing could be read" in r.output
    assert "Traceback" not in r.output


def test_rules_json_lists_what_other_tools_need() -> None:
    r = runner.invoke(app, ["rules", "--year", "2024/25", "--json"])
    assert r.exit_code == 0
    rules = json.loads(r.output)
    assert {"code", "message", "tables", "fields", "stage", "severity", "valid_from", "valid_until", "years"} <= set(
        rules[0]
    )
    codes = [x["code"] for x in rules]
    assert "101" in codes and len(codes) == len(set(codes))


def test_rules_explains_one_rule_across_its_variants() -> None:
    r = runner.invoke(app, ["rules", "101"])
    assert r.exit_code == 0
    assert "Gender code is not valid." in r.output and "reported sex is not valid" in r.output


def test_inspect_json_names_tables_and_problems(with_errors: Path) -> None:
    r = runner.invoke(app, ["inspect", str(with_errors), "--year", "2024/25", "--json"])
    assert r.exit_code == 0
    info = json.loads(r.output)
    assert info["tables"][0]["table"] == "Header" and info["tables"][0]["rows"] == 2
    assert any(p["code"] == "LOAD09" and p["value"] == "X" and p["line"] == 2 for p in info["problems"])


def test_catalogue_check_passes_on_the_committed_docs() -> None:
    r = runner.invoke(app, ["catalogue", "--check", "--out", str(Path(__file__).parent.parent / "docs" / "rules")])
    assert r.exit_code == 0, r.output


def test_inspect_terminal_names_file_line_and_column(with_errors: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ssda903 import cli

    monkeypatch.setattr(cli.out, "width", 200)
    r = runner.invoke(app, ["inspect", str(with_errors), "--year", "2024/25"])
    assert r.exit_code == 0
    assert "header.csv line 2 [SEX]" in r.output
    assert "No file for: Episodes" in r.output


def test_inspect_guesses_the_year_despite_a_mistyped_date(tmp_path: Path) -> None:
    rows = [f"{i},01/0{1 + i % 3}/2025,S,C2,N1,U4,PR1,,,,,," for i in range(200)]  # Jan-Mar 2025
    rows.append("999,01/05/2024,S,C2,N1,U4,PR1,03/05/2052,E13,,,,")
    folder = write(tmp_path / "r", "episodes.csv", EPISODES_HEADER + "\n".join(rows) + "\n").parent
    r = runner.invoke(app, ["inspect", str(folder), "--json"])
    assert r.exit_code == 0
    assert json.loads(r.output)["year"] == "2024/25"
