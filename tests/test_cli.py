"""The command line: exit statuses, messages, and the JSON other tools read."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
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


def test_rules_for_a_year_says_whether_every_code_of_the_year_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    r = runner.invoke(app, ["rules", "--year", "2024/25"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "305 rules in 2024/25: every rule code of the year" in r.output
    from ssda903.model import dfe_codes

    real = dfe_codes.rule_codes()
    monkeypatch.setattr(dfe_codes, "rule_codes", lambda: {**real, "999A": real["101"]})
    r = runner.invoke(app, ["rules", "--year", "2024/25"], env={"COLUMNS": "200"})
    assert "305 rules in 2024/25: of 306 codes" in r.output


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


# --------------------------------------------------------------------------- issue 6: traps 1-3 and the CLI items
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 50-child return for 2024/25 in OUT, last year's in OUT/previous (the synth layout)."""
    from ssda903.synth import generate

    folder = tmp_path_factory.mktemp("synthetic")
    generate(50, "2024/25", 11, folder, previous=True, error_rate=0.05)
    return folder


def test_version() -> None:
    from ssda903 import __version__

    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.output.strip() == f"ssda903 {__version__}"


def test_validate_without_year_or_la_says_what_it_used(synthetic: Path) -> None:
    r = runner.invoke(app, ["validate", str(synthetic), "--previous", str(synthetic / "previous"), "--rules", "179"])
    assert r.exit_code in (0, 1), r.output
    assert "Collection year not given: using 2024/25, the year of the episode dates; set it with --year." in r.stderr
    assert "Responsible LA not given: using Richmond upon Thames (E09000027), where " in r.stderr
    assert "collection year 2024/25" in r.stdout


def test_validate_a_year_the_dates_contradict_exits_2_unless_forced(synthetic: Path) -> None:
    args = ["validate", str(synthetic), "--previous", str(synthetic / "previous"), "--rules", "101", "-q"]
    r = runner.invoke(app, [*args, "--year", "2025/26"])
    assert r.exit_code == 2
    assert "the episode dates say this return is for 2024/25, not 2025/26" in r.output
    assert "--force-year" in r.output
    r = runner.invoke(app, [*args, "--year", "2025/26", "--force-year"])
    assert r.exit_code in (0, 1), r.output


def test_validate_a_header_only_return_without_year_exits_2(tmp_path: Path) -> None:
    header_only = write(tmp_path / "header-only", "header.csv", HEADER + "1,M,01/01/2010,WBRI,UN1,,\n").parent
    r = runner.invoke(app, ["validate", str(header_only)])
    assert r.exit_code == 2
    assert "cannot tell the collection year from the dates (no episode dates): give --year" in r.output


@pytest.mark.parametrize(
    ("la", "says"),
    [
        ("croydn", "did you mean Croydon (E09000008)?"),
        ("W06000015", "a Welsh authority"),
    ],
)
def test_validate_refuses_an_la_that_is_not_english(synthetic: Path, la: str, says: str) -> None:
    r = runner.invoke(app, ["validate", str(synthetic), "--year", "2024/25", "--la", la])
    assert r.exit_code == 2
    assert says in r.output


def test_validate_takes_an_la_name(synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    r = runner.invoke(
        app, ["validate", str(synthetic), "--year", "2024/25", "--la", "richmond upon thames", "--report", str(out)]
    )
    assert r.exit_code in (0, 1), r.output
    assert json.loads(out.read_text())["summary"]["la"] == "E09000027"


def test_validate_previous_naming_this_years_folder_exits_2(synthetic: Path) -> None:
    r = runner.invoke(app, ["validate", str(synthetic), "--previous", str(synthetic)])
    assert r.exit_code == 2
    assert "--previous names this year's return again" in r.output


def test_validate_previous_folder_of_folders_suggests_one(synthetic: Path) -> None:
    r = runner.invoke(app, ["validate", str(synthetic / "previous"), "--previous", str(synthetic.parent)])
    assert r.exit_code == 2
    assert "Nothing could be read for the previous year" in r.output and "sub-folder" in r.output


def test_validate_rule_not_implemented_yet(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ssda903.model import dfe_codes

    real = dfe_codes.rule_codes()  # every code is implemented: pretend the DfE added one
    monkeypatch.setattr(dfe_codes, "rule_codes", lambda: {**real, "999A": real["101"]})
    r = runner.invoke(app, ["validate", str(clean), "--year", "2024/25", "--rules", "999A"])
    assert r.exit_code == 2
    assert "999A: not implemented yet in 2024/25" in r.output


def test_rules_explains_a_load_code() -> None:
    from ssda903.problems import KINDS

    r = runner.invoke(app, ["rules", "LOAD07"])
    assert r.exit_code == 0, r.output
    assert "LOAD07 Value is not a date" in r.output
    assert KINDS["LOAD07"].advice in r.output and "error" in r.output
    assert runner.invoke(app, ["rules", "LOAD99"]).exit_code == 2


def test_rules_says_a_dfe_code_is_not_implemented_yet_and_lists_what_is_to_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ssda903.model import dfe_codes

    real = dfe_codes.rule_codes()  # every code is implemented: pretend the DfE added one
    monkeypatch.setattr(dfe_codes, "rule_codes", lambda: {**real, "999A": real["101"]})
    r = runner.invoke(app, ["rules", "999A", "--year", "2024/25"])
    assert r.exit_code == 0, r.output
    assert "999A is a DfE rule in 2022/23 to 2026/27 not implemented yet." in r.output
    to_come = next(line for line in r.output.splitlines() if line.startswith("DfE rules still to come in 2024/25"))
    codes = to_come.split(": ", 1)[1].split(", ")
    assert "999A" in codes and "101" not in codes  # 101 is implemented
    assert runner.invoke(app, ["rules", "999Z"]).exit_code == 2


def test_output_to_a_pipe_is_not_cut_to_80_columns(tmp_path: Path) -> None:
    name = "episodes_exported_from_the_case_management_system_on_the_last_day_of_the_year_final_v2.csv"
    write(tmp_path / "r", name, EPISODES_HEADER + "1,01/05/2024,S,C2,N1,U4,PR1,,,,,,\n")
    r = runner.invoke(app, ["inspect", str(tmp_path / "r"), "--year", "2024/25"])
    assert r.exit_code == 0, r.output
    assert name in r.stdout and "…" not in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) > 80


def test_a_command_starts_without_importing_pydantic_or_pandas(with_errors: Path, tmp_path: Path) -> None:
    """The analyst runs ``validate`` many times a day: its start-up imports only what it uses.
    pydantic (0.1-0.2 s; the hub's models, and typer from 0.29, which is why it is pinned below)
    and pandas (0.3 s; only for the reports that need it: not the findings CSV nor the summary
    printed on the terminal) stay out of a plain command."""
    code = (
        "import sys\n"
        "from ssda903.cli import main\n"
        f"sys.argv = ['ssda903', 'validate', {str(with_errors)!r}, '--year', '2024/25', '--la', 'E09000027', "
        f"'--findings', {str(tmp_path / 'f.csv')!r}]\n"
        # the command ends the process itself (see the next test): look just before it does
        "import os\nend = os._exit\n"
        "def look(code):\n"
        "    print(sorted(m for m in ('pydantic', 'pandas') if m in sys.modules), flush=True)\n"
        "    end(0)\n"
        "os._exit = look\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (tmp_path / "f.csv").exists()
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _entry_point(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``ssda903 ARGS`` as the installed command does (``main``), output piped, with a handler
    that Python's teardown at exit would run: it prints ``torn down``."""
    code = (
        "import atexit, sys\n"
        "from ssda903.cli import main\n"
        "atexit.register(lambda: print('torn down', flush=True))\n"
        f"sys.argv = ['ssda903', *{args!r}]\n"
        "main()\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_validate_ends_without_teardown_once_it_has_written_and_closed_everything(
    with_errors: Path, tmp_path: Path
) -> None:
    """A finished ``validate`` ends the process at once (``os._exit``), skipping a teardown that
    costs time and does nothing the user sees; what it printed and wrote is all there, and its exit
    status is the usual one."""
    xlsx, csv = tmp_path / "r.xlsx", tmp_path / "f.csv"
    args = ["validate", str(with_errors), "--year", "2024/25", "--la", "E09000027", "--findings", str(csv)]
    done = _entry_point([*args, "--report", str(xlsx)])
    assert done.returncode == 1, done.stderr  # errors found
    assert "torn down" not in done.stdout
    assert zipfile.ZipFile(xlsx).testzip() is None  # the workbook was closed whole
    quick = _entry_point(args)
    findings = csv.read_bytes()
    # the same run ended the usual way (app() returns through Python's teardown): the same output
    code = "import sys\nfrom ssda903.cli import app\nsys.argv = ['ssda903', *sys.argv[1:]]\napp()\n"
    usual = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert (quick.returncode, usual.returncode) == (1, 1)
    assert "3 errors" in quick.stdout and quick.stdout == usual.stdout  # the whole summary reached the pipe
    assert findings.count(b"\n") > 1 and findings == csv.read_bytes()
    # under a profiler the process ends the usual way, so that the profiler writes what it found
    profile = tmp_path / "run.prof"
    profiled = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "ssda903", *args, "-q"],
        capture_output=True,
        text=True,
    )
    assert profile.is_file() and profile.stat().st_size > 0, profiled.stderr  # (cProfile itself exits 0)
    # a command that stops before closing its database ends the usual way, with Python's teardown
    failed = _entry_point(["validate", str(tmp_path / "nowhere"), "--year", "2024/25"])
    assert failed.returncode == 2 and "torn down" in failed.stdout
