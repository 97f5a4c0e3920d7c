"""The ``ssda903`` command line.

Exit statuses (the contract in DESIGN.md): 0 no errors found, 1 errors found,
2 could not run (usage, unreadable input), always with a message saying why.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ssda903.model import CollectionYear, YearError, supported_years
from ssda903.problems import InputError, LoadProblem

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Validate, explain and test the SSDA903 children looked after return, on your own machine.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

YearOption = Annotated[
    str, typer.Option("--year", "-y", help="Collection year, e.g. 2024/25 (also 2024-25, 202425, 2025).")
]


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]ssda903:[/] {message}", highlight=False)
    return typer.Exit(2)


def parse_year(text: str) -> CollectionYear:
    try:
        y = CollectionYear.parse(text)
    except YearError as e:
        raise fail(str(e)) from None
    years = supported_years()
    if y not in years:
        raise fail(f"collection year {y} is not supported; choose one of {', '.join(x.label for x in years)}")
    return y


def _codes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


# --------------------------------------------------------------------------- validate
@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="This year's files, folders or zips (CSV, XLSX, DfE XML).")],
    year: YearOption,
    previous: Annotated[
        list[Path] | None, typer.Option("--previous", "-p", help="Last year's files, folders or zips.")
    ] = None,
    la: Annotated[str | None, typer.Option(help="Your LA's ONS code, e.g. E09000027 (for placement location).")] = None,
    providers: Annotated[
        list[Path] | None,
        typer.Option(help="Ofsted provider list (URN lookup) as CSV, for the URN rules (repeatable)."),
    ] = None,
    findings: Annotated[Path | None, typer.Option(help="Write the findings CSV here.")] = None,
    report: Annotated[
        list[Path] | None, typer.Option(help="Write a report: .xlsx, .html, .json or .csv (repeatable).")
    ] = None,
    rules: Annotated[str | None, typer.Option(help="Only these rule codes, e.g. 101,503D.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but problems.")] = False,
) -> None:
    """Validate a return against every DfE rule for the year."""
    from ssda903.engine import run
    from ssda903.ingest import load
    from ssda903.rules import rules_for_year

    y = parse_year(year)
    codes = _codes(rules)
    if codes:
        known = {r.code.upper() for r in rules_for_year(y)} | {a.upper() for r in rules_for_year(y) for a in r.aliases}
        unknown = [c for c in codes if c.upper() not in known and not c.upper().startswith("LOAD")]
        if unknown:
            raise fail(f"no rule {', '.join(unknown)} in {y}; `ssda903 rules --year {y}` lists them")
    targets = [p for p in [findings, *(report or [])] if p is not None]
    for t in targets:
        if t.suffix.lower() not in (".csv", ".json", ".xlsx", ".html", ".htm"):
            raise fail(f"{t}: a report is .xlsx, .html, .json or .csv")
        if not t.parent.exists():
            raise fail(f"{t}: the folder {t.parent} does not exist")
    try:
        ds = load(paths, y, previous or None, la=la)
        if providers:
            from ssda903.reference import load_providers

            load_providers(ds, *providers)
    except InputError as e:
        raise fail(str(e)) from None
    chosen = rules_for_year(y, codes)
    if quiet:
        result = run(ds, codes)
    else:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(f"Validating {y}", total=len(chosen))
            result = run(ds, codes, progress=lambda _r: bar.advance(task))
    from ssda903 import report as reporting

    try:
        if findings:
            reporting.write(result, findings)
        for r in report or []:
            reporting.write(result, r)
    except OSError as e:
        raise fail(f"could not write the report: {e}") from None
    if not quiet:
        reporting.print_summary(result, out)
        for t in targets:
            out.print(f"Wrote {t}")
    raise typer.Exit(1 if result.has_errors else 0)


# --------------------------------------------------------------------------- inspect
def _short(file: str) -> str:
    """A file's name without its folders (a zip member keeps its zip's name): tables stay readable."""
    head, sep, member = file.partition("!")
    return Path(head).name + (sep + member if sep else "")


def _problem_rows(problems: list[LoadProblem]) -> list[dict[str, Any]]:
    return [p.as_dict() for p in problems]


@app.command()
def inspect(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or zips to look at.")],
    year: Annotated[
        str | None, typer.Option("--year", "-y", help="Collection year (default: guessed from the dates).")
    ] = None,
    previous: Annotated[list[Path] | None, typer.Option("--previous", "-p")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many value problems in the terminal.")] = 50,
) -> None:
    """Show what was recognised in the files (tables, rows, children, dates) and every load problem."""
    from ssda903.ingest import load
    from ssda903.inspect import describe

    try:
        ds = load(paths, parse_year(year) if year else None, previous or None)
    except InputError as e:
        raise fail(str(e)) from None
    info = describe(ds)
    if as_json:
        out.print_json(json.dumps(info, default=str))
        raise typer.Exit(0)
    out.print(
        f"[bold]Collection year {info['year']}[/]" + ("" if year else " (guessed from the dates; set it with --year)")
    )
    t = Table("Period", "Table", "File", "Rows", "Children", "Dates from", "Dates to")
    for s in info["tables"]:
        t.add_row(
            s["period"],
            s["table"],
            _short(s["file"]),
            f"{s['rows']:,}",
            f"{s['children']:,}",
            s["first_date"] or "",
            s["last_date"] or "",
        )
    out.print(t)
    if info["missing_tables"]:
        out.print(
            f"No file for: {', '.join(info['missing_tables'])} (rules that need them will be reported as not run)."
        )
    problems = info["problems"]
    if not problems:
        out.print("[green]No load problems.[/]")
        raise typer.Exit(0)
    p = Table("Code", "Problem", "Where", "Value", "Detail", title=f"{len(problems):,} load problem(s)")
    for row in problems[:limit]:
        where = (
            _short(row["file"])
            + (f" line {row['line']}" if row["line"] is not None else "")
            + (f" [{row['column']}]" if row["column"] else "")
        )
        p.add_row(row["code"], row["title"], where, "" if row["value"] is None else repr(row["value"]), row["message"])
    out.print(p)
    if len(problems) > limit:
        out.print(f"… and {len(problems) - limit:,} more (use --json for all).")


# --------------------------------------------------------------------------- rules
@app.command("rules")
def rules_cmd(
    code: Annotated[str | None, typer.Argument(help="One rule code to explain, e.g. 503D.")] = None,
    year: Annotated[str | None, typer.Option("--year", "-y", help="Only rules valid in this year.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the rules (for a year), or explain one."""
    from ssda903.rules import all_rules, rule, rules_for_year

    if code:
        found = rule(code)
        if year:
            y = parse_year(year)
            found = [r for r in found if r.valid_in(y)]
        if not found:
            raise fail(f"no rule {code}" + (f" in {year}" if year else ""))
        if as_json:
            out.print_json(json.dumps([{**r.as_dict(), "sql": r.sql} for r in found]))
            return
        for r in found:
            years = ", ".join(y.label for y in r.years)
            out.print(f"[bold]{r.code}[/] {r.message}", highlight=False)
            out.print(f"  years: {years}{'  (variant ' + r.variant + ')' if r.variant else ''}")
            out.print(f"  stage {r.stage}, {r.severity}; tables: {', '.join(r.tables)}; fields: {', '.join(r.fields)}")
            out.print(f"  {r.why}", highlight=False)
            out.print("")
        return
    chosen = rules_for_year(parse_year(year)) if year else list(all_rules())
    if as_json:
        out.print_json(json.dumps([r.as_dict() for r in chosen]))
        return
    t = Table(
        "Code", "Message", "Years", "Stage", "Severity", title=f"{len(chosen)} rules" + (f" in {year}" if year else "")
    )
    for r in chosen:
        years = r.valid_from.label + "–" + (r.valid_until.label if r.valid_until else "")
        t.add_row(r.code, r.message, years, str(r.stage), r.severity)
    out.print(t)


@app.command()
def catalogue(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the generated pages.")] = Path("docs/rules"),
    check: Annotated[
        bool, typer.Option("--check", help="Only check the folder is up to date (exit 1 if stale).")
    ] = False,
) -> None:
    """Generate the rule catalogue: a page per year, the changes, the differences from the community validator."""
    from ssda903.rules import docs

    if check:
        stale = docs.stale(out_dir)
        if stale:
            err.print(f"stale: {', '.join(stale)}; run `ssda903 catalogue --out {out_dir}`")
            raise typer.Exit(1)
        out.print("rule catalogue is up to date")
        return
    for p in docs.write(out_dir):
        out.print(f"wrote {p}")


@app.command("new-rule")
def new_rule(code: Annotated[str, typer.Argument(help="The DfE rule code, e.g. 503D.")]) -> None:
    """Write a skeleton rule file for CODE (see CONTRIBUTING.md)."""
    from importlib import resources

    folder = Path(str(resources.files("ssda903.rules").joinpath("catalogue")))
    path = folder / f"{code}.yaml"
    if path.exists():
        raise fail(f"{path} already exists")
    path.write_text(SKELETON.format(code=code), encoding="utf-8")
    out.print(f"wrote {path}")


SKELETON = """code: "{code}"
message: The DfE message, word for word.
why: >
  What the DfE checks and why, in our words.
# community_difference: >  (only when results differ from the community validator on purpose, one sentence)
#   The community validator ..., though the DfE text ...
stage: 2
severity: error
tables: [Episodes]
fields: [DECOM]
query:
  sql: |
    SELECT _id FROM Episodes
    WHERE DECOM > collection_end()
examples:
  - name: passes_when_...
    current:
      Episodes: [{{CHILD: "1", DECOM: 01/04/2024}}]
    fails: []
  - name: fails_when_...
    current:
      Episodes: [{{CHILD: "1", DECOM: 01/04/2099}}]
    fails: [Episodes 0]
"""


# --------------------------------------------------------------------------- synth and demo
@app.command()
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the return to.")],
    children: Annotated[int, typer.Option(help="How many children.")] = 1000,
    year: YearOption = "2024/25",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    previous: Annotated[
        bool, typer.Option("--previous", help="Also write last year's return in OUT/previous.")
    ] = False,
    error_rate: Annotated[float, typer.Option(help="Share of children given realistic errors (0–1).")] = 0.0,
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or xml.")] = "csv",
    la: Annotated[str, typer.Option(help="ONS code of the (fictional) responsible LA.")] = "E09000027",
) -> None:
    """Write a realistic synthetic return (and a manifest of injected errors)."""
    from ssda903.synth import generate

    y = parse_year(year)
    if fmt not in ("csv", "xlsx", "xml"):
        raise fail("--format is csv, xlsx or xml")
    if not 0 <= error_rate <= 1:
        raise fail("--error-rate is between 0 and 1")
    if children < 1:
        raise fail("--children must be at least 1")
    summary = generate(children, y.label, seed, out_dir, previous=previous, error_rate=error_rate, fmt=fmt, la=la)
    out.print(f"Wrote {children:,} children for {y} to {out_dir} in {summary.seconds:.1f} s")


@app.command()
def demo(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the sample data and reports.")] = None,
    children: Annotated[int, typer.Option(help="How many synthetic children.")] = 500,
) -> None:
    """Validate built-in sample data (synthetic, with errors) and write every report format."""
    from ssda903 import report as reporting
    from ssda903.engine import run
    from ssda903.ingest import load
    from ssda903.synth import generate

    folder = out_dir or Path(tempfile.mkdtemp(prefix="ssda903-demo-"))
    y = CollectionYear.parse("2024/25")
    data = folder / "data"
    generate(children, y.label, 2025, data, previous=True, error_rate=0.05, fmt="csv")
    out.print(f"Sample data: {children:,} synthetic children for {y} (and {y.previous()}) in {data}")
    ds = load(data, y, data / "previous", la="E09000027")
    result = run(ds)
    reporting.print_summary(result, out)
    for name in ("findings.csv", "report.xlsx", "report.html", "report.json"):
        reporting.write(result, folder / name)
        out.print(f"Wrote {folder / name}")


def main() -> None:  # pragma: no cover
    """Entry point: no user ever sees a traceback; an unexpected failure says what to do."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as e:
        err.print(
            f"[bold red]ssda903:[/] an unexpected error stopped the run: {type(e).__name__}: {e}\n"
            "Nothing was changed. Please report this (without any child's data) so we can fix it.",
            highlight=False,
        )
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
