"""The documentation is tested: every command is documented, with its real --help output.

Regenerate docs/cli.md with ``UPDATE_DOCS=1 pytest tests/test_docs.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.rules import all_rules, docs

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"


def commands() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def cli_page() -> str:
    runner = CliRunner()
    parts = [
        "# The `ssda903` command",
        "",
        "Generated from the commands' own `--help` by `UPDATE_DOCS=1 pytest tests/test_docs.py`; do not edit.",
        "",
    ]
    for name in commands():
        for words in [[name], *([name, sub] for sub in subcommands(name))]:
            result = runner.invoke(
                app,
                [*words, "--help"],
                prog_name="ssda903",
                terminal_width=100,
                env={"COLUMNS": "100", "NO_COLOR": "1"},
            )
            text = result.output
            text = re.sub(r"[ \t]+\n", "\n", text).strip()
            parts += [f"## ssda903 {' '.join(words)}", "", "```text", text, "```", ""]
    return "\n".join(parts)


def subcommands(name: str) -> list[str]:
    """The commands of a group such as ``ssda903 hub``."""
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    return sorted(getattr(command, "commands", {}))


def test_cli_reference_is_current() -> None:
    page = cli_page()
    if os.environ.get("UPDATE_DOCS"):
        CLI_DOC.write_text(page, encoding="utf-8")
    assert CLI_DOC.read_text(encoding="utf-8") == page, "docs/cli.md is stale: UPDATE_DOCS=1 pytest tests/test_docs.py"


def test_every_command_is_in_the_readme_or_the_guide() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8") + (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    every = [*commands(), *(f"{c} {sub}" for c in commands() for sub in subcommands(c))]
    missing = [c for c in every if f"ssda903 {c}" not in text]
    assert not missing, f"commands not described in README/CONTRIBUTING: {missing}"


def test_differences_page_lists_every_declared_difference_from_the_rule_files() -> None:
    page = docs.pages()["differences.md"]
    declared = [r for r in all_rules() if r.community_difference]
    assert declared, "some rules declare a difference"
    rows = {line.split(" | ")[1]: line.split(" | ")[0] for line in page.splitlines() if line.startswith("| ")}
    for r in declared:
        codes = rows[" ".join(str(r.community_difference).split()) + " |"]
        assert re.search(rf"(^\| |, ){re.escape(r.code)}\b", codes), f"{r.code} is listed with its difference"
    without = {r.code for r in all_rules()} - {r.code for r in declared}
    listed = page.split("No deliberate difference")[1]
    assert all(re.search(rf"\b{re.escape(c)}\b", listed) for c in without)


def test_catalogue_check_finds_a_stale_or_missing_differences_page(tmp_path: Path) -> None:
    docs.write(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["catalogue", "--check", "--out", str(tmp_path)]).exit_code == 0
    page = tmp_path / "differences.md"
    page.write_text(page.read_text(encoding="utf-8").replace("| 142 |", "| 143 |", 1), encoding="utf-8")
    result = runner.invoke(app, ["catalogue", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "differences.md" in result.output
    page.unlink()
    assert docs.stale(tmp_path) == ["differences.md"]
