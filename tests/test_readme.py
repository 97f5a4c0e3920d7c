"""The README's examples run as written.

Every ``ssda903 ...`` command of the README's bash blocks (and the ``.venv/bin/ssda903 ...`` of
its install line) and its Python example are run on a synthetic return written where the
README expects one: ``returns/2024-25/`` and ``returns/2023-24/`` inside a temporary folder.
Each must exit 0 or 1 as the README says (never 2, could not run) and write the files it names.

To keep the default run fast, ``synth --children N`` and ``demo`` make 50 children here;
``pytest -m slow tests/test_readme.py`` runs every command exactly as written.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssda903.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"
FEW = "50"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def commands() -> list[list[str]]:
    """Each ``ssda903`` command of the bash blocks, as arguments after ``ssda903``."""
    found = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words:
                cut = words.index("&&") if "&&" in words else len(words)
                command, words = words[:cut], words[cut + 1 :]
                if command and (command[0] == "ssda903" or command[0].endswith("/ssda903")):
                    found.append(command[1:])
    return found


def few_children(args: list[str]) -> list[str]:
    """The same command with 50 children (synth, demo), so the default test run stays fast."""
    if args[0] not in ("synth", "demo"):
        return args
    if "--children" in args:
        i = args.index("--children")
        return [*args[: i + 1], FEW, *args[i + 2 :]]
    return [*args, "--children", FEW]


def bounded(args: list[str]) -> list[str]:
    """``watch`` runs until Ctrl-C: here it stops after its first validation."""
    return [*args, "--runs", "1"] if args[0] == "watch" and "--runs" not in args else args


def written(args: list[str]) -> list[str]:
    """The files and folders a command says it writes."""
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--findings", "--report", "--out")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding returns/2024-25/ and returns/2023-24/ (50 synthetic children, with errors)."""
    from ssda903.synth import generate

    root = tmp_path_factory.mktemp("readme")
    generate(50, "2024/25", 25, root / "generated", previous=True, error_rate=0.05)
    (root / "returns").mkdir()
    shutil.move(root / "generated" / "previous", root / "returns" / "2023-24")
    shutil.move(root / "generated", root / "returns" / "2024-25")
    return root


def test_the_readme_has_the_examples_this_test_runs() -> None:
    names = [c[0] for c in commands()]
    assert {"validate", "inspect", "rules", "synth", "demo"} <= set(names)
    assert any(c[0] == "validate" and "--year" not in c for c in commands())  # the year read from the dates
    assert len(blocks("python")) == 1


def run(folder: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), f"ssda903 {shlex.join(args)} exited {result.exit_code}:\n{result.output}"
    for path in written(args):
        assert (folder / path).exists(), f"ssda903 {shlex.join(args)} did not write {path}"


@pytest.mark.parametrize("args", commands(), ids=shlex.join)
def test_readme_command_runs(folder: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run(folder, bounded(few_children(args)), monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("args", commands(), ids=shlex.join)
def test_readme_command_runs_exactly_as_written(folder: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run(folder, bounded(args), monkeypatch)


def test_readme_python_example_runs(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    scope: dict[str, object] = {}
    exec(compile(blocks("python")[0], "README.md", "exec"), scope)
    result = scope["result"]
    findings = result.findings()  # type: ignore[attr-defined]
    assert len(findings) > 0 and {"rule", "period", "table", "row", "child"} <= set(findings.columns)
    outcomes = result.outcomes_frame()  # type: ignore[attr-defined]
    assert outcomes.set_index("rule").loc["179", "status"] == "passed"  # the LA is known: no flood of 179
