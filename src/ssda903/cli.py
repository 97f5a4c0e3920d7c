"""The ``ssda903`` command line.

Exit statuses (the contract in DESIGN.md, defined by ``engine.Result.exit_code``): 0 no errors
found, 1 errors found, 2 could not run (usage, unreadable input, wrong year), always with a
message saying why, 3 incomplete (a rule crashed).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ssda903 import __version__
from ssda903.console import Output
from ssda903.hub.cli import hub_app
from ssda903.hub.cli import submit as hub_submit
from ssda903.model import CollectionYear, YearError, supported_years
from ssda903.problems import InputError, LoadProblem

if TYPE_CHECKING:
    from ssda903.engine import Result

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Validate, explain and test the SSDA903 children looked after return, on your own machine.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

out = Output()
err = Output(stderr=True)

YearOption = Annotated[
    str, typer.Option("--year", "-y", help="Collection year, e.g. 2024/25 (also 2024-25, 202425, 2025).")
]
GuessedYearOption = Annotated[
    str | None,
    typer.Option(
        "--year",
        "-y",
        help="Collection year, e.g. 2024/25 (also 2024-25, 202425, 2025); left out: the episode dates' year.",
    ),
]
LaOption = Annotated[
    str | None,
    typer.Option(
        help="Your LA, by ONS code or name (E09000008, Croydon), for placement location; "
        "default: guessed from the home postcodes."
    ),
]
ForceYearOption = Annotated[
    bool,
    typer.Option(
        "--force-year", help="Use --year (and --previous) even when the episode dates say another collection year."
    ),
]


def _show_version(value: bool) -> None:
    if value:
        out.print(f"ssda903 {__version__}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    pass


class _Notes(logging.Handler):
    """Prints on stderr, one line each, what was settled for the user (a guessed year or LA)."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(Text(record.getMessage(), style="yellow"))


_NOTES = _Notes()


@contextmanager
def telling(quiet: bool = False) -> Iterator[None]:
    """Say the ``ssda903`` logger's notes on the terminal while loading (nothing with --quiet)."""
    log = logging.getLogger("ssda903")
    _NOTES.setLevel(logging.CRITICAL + 1 if quiet else logging.INFO)
    log.addHandler(_NOTES)
    propagate, log.propagate = log.propagate, False
    try:
        yield
    finally:
        log.removeHandler(_NOTES)
        log.propagate = propagate


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
def _check_codes(codes: list[str], y: CollectionYear) -> None:
    from ssda903.model.dfe_codes import years_of
    from ssda903.rules import rules_for_year

    known = {r.code.upper() for r in rules_for_year(y)} | {a.upper() for r in rules_for_year(y) for a in r.aliases}
    unknown = [c for c in codes if c.upper() not in known and not c.upper().startswith("LOAD")]
    if not unknown:
        return
    to_come = [c for c in unknown if y in years_of(c)]
    if to_come:
        raise fail(
            f"{', '.join(to_come)}: not implemented yet in {y}; `ssda903 rules --year {y}` lists what is checked"
        )
    raise fail(f"no rule {', '.join(unknown)} in {y}; `ssda903 rules --year {y}` lists them")


ProvidersOption = Annotated[
    list[Path] | None,
    typer.Option(help="Ofsted provider list (URN lookup) as CSV, for the URN rules (repeatable)."),
]
PreviousOption = Annotated[
    list[Path] | None, typer.Option("--previous", "-p", help="Last year's files, folders or zips.")
]
PathsArgument = Annotated[list[Path], typer.Argument(help="This year's files, folders or zips (CSV, XLSX, DfE XML).")]
StageOption = Annotated[
    str, typer.Option(help="Whether the profile is of a draft return or the one sent to the DfE: draft or final.")
]


def _validated(
    paths: list[Path],
    year: str | None,
    previous: list[Path] | None,
    la: str | None,
    providers: list[Path] | None,
    rules: str | None,
    force_year: bool,
    quiet: bool,
    dfe_halting: bool,
) -> Result:
    """Load and validate, saying what went wrong (exit 2) when the inputs cannot be used."""
    from ssda903.engine import run
    from ssda903.ingest import load
    from ssda903.rules import rules_for_year

    y = parse_year(year) if year else None
    codes = _codes(rules)
    if codes and y:
        _check_codes(codes, y)
    try:
        with telling(quiet):
            ds = load(paths, y, previous or None, la=la, force_year=force_year)
        if providers:
            from ssda903.reference import load_providers

            load_providers(ds, *providers)
    except InputError as e:
        raise fail(str(e)) from None
    y = ds.year
    if codes and year is None:  # the year is known only now
        _check_codes(codes, y)
    chosen = rules_for_year(y, codes)
    if quiet:
        return run(ds, codes, halt_stage2=dfe_halting)
    from rich.progress import Progress

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"Validating {y}", total=len(chosen))
        return run(ds, codes, progress=lambda _r: bar.advance(task), halt_stage2=dfe_halting)


def _check_profile_target(path: Path | None, stage: str) -> None:
    from ssda903.report.profile import STAGES

    if stage not in STAGES:
        raise fail(f"--stage is draft or final, not {stage!r}")
    if path is not None and not path.parent.exists():
        raise fail(f"{path}: the folder {path.parent} does not exist")


def _write_profile(result: Result, path: Path, stage: str) -> None:
    from ssda903.report import profile as error_profile

    try:
        error_profile.write(result, path, stage=stage)
    except ValueError as e:
        raise fail(f"could not write the profile: {e}") from None
    except OSError as e:
        raise fail(f"could not write the profile: {e}") from None


def _report_targets(findings: Path | None, report: list[Path] | None) -> list[Path]:
    """The reports asked for, each checked before anything is read (a known suffix, a folder that exists)."""
    from ssda903 import report as reporting

    targets = [p for p in [findings, *(report or [])] if p is not None]
    for t in targets:
        try:
            reporting.report_format(t)
        except ValueError as e:
            raise fail(str(e)) from None
        if not t.parent.exists():
            raise fail(f"{t}: the folder {t.parent} does not exist")
    return targets


@app.command()
def validate(
    paths: PathsArgument,
    year: GuessedYearOption = None,
    previous: PreviousOption = None,
    la: LaOption = None,
    providers: ProvidersOption = None,
    findings: Annotated[Path | None, typer.Option(help="Write the findings CSV here.")] = None,
    report: Annotated[
        list[Path] | None, typer.Option(help="Write a report: .xlsx, .html, .json or .csv (repeatable).")
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(help="Also write the error profile (counts only, to compare with other LAs) as JSON here."),
    ] = None,
    stage: StageOption = "draft",
    rules: Annotated[str | None, typer.Option(help="Only these rule codes, e.g. 101,503D.")] = None,
    force_year: ForceYearOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but problems.")] = False,
    dfe_halting: Annotated[
        bool,
        typer.Option(
            "--dfe-halting",
            help="Leave out stage 2 findings on values that failed stage 1, as the DfE portal does "
            "(by default they are reported, marked in the after_stage1 column).",
        ),
    ] = False,
) -> None:
    """Validate a return against every DfE rule for the year."""
    from ssda903 import report as reporting

    targets = _report_targets(findings, report)
    _check_profile_target(profile, stage)
    result = _validated(paths, year, previous, la, providers, rules, force_year, quiet, dfe_halting)
    try:
        if findings:
            reporting.write(result, findings)
        for r in report or []:
            reporting.write(result, r)
    except OSError as e:
        raise fail(f"could not write the report: {e}") from None
    if profile:
        _write_profile(result, profile, stage)
    if not quiet:
        reporting.print_summary(result, out, reports=list(targets))
        if profile:
            out.print(f"Error profile (counts only, to compare with other LAs): {profile}. Read it before you send it.")
    code = result.exit_code
    _all_closed(result.dataset)
    raise typer.Exit(code)


def _snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """Each file under ``paths`` with its size and modification time: what ``watch`` compares."""
    found: dict[str, tuple[int, int]] = {}
    for p in paths:
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else []
        for f in files:
            try:
                st = f.stat()
            except OSError:  # removed while we looked: the next look sees it gone
                continue
            found[str(f)] = (st.st_size, st.st_mtime_ns)
    return found


@app.command()
def watch(
    paths: PathsArgument,
    year: GuessedYearOption = None,
    previous: PreviousOption = None,
    la: LaOption = None,
    providers: ProvidersOption = None,
    findings: Annotated[Path | None, typer.Option(help="Write the findings CSV here after each run.")] = None,
    report: Annotated[
        list[Path] | None, typer.Option(help="Write a report after each run: .xlsx, .html, .json or .csv.")
    ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between looks at the files.", min=0.1, max=60)] = 1.0,
    runs: Annotated[int | None, typer.Option(help="Stop after this many validations (default: until Ctrl-C).")] = None,
) -> None:
    """Validate, then validate again each time a file is saved (Ctrl-C ends it).

    The program and the rule catalogue stay loaded between runs, so a re-run costs only the
    reading and the rules; each run says how long it took. A run that cannot be done (a file
    half-saved, the wrong year) says why and waits for the next change.
    """
    import time

    from ssda903 import report as reporting

    targets = _report_targets(findings, report)
    watched = [*paths, *(previous or []), *(providers or [])]
    # our own reports are written inside the folder the user may be watching: they are not changes
    ours = {str(t.resolve()) for t in targets}
    done = 0
    try:
        while True:
            seen = _snapshot(watched)
            start = time.perf_counter()
            try:
                # not quiet: what was settled for the user, and a --la the data contradicts, are said
                result = _validated(paths, year, previous, la, providers, None, False, False, False)
                for t in targets:
                    reporting.write(result, t)
                reporting.print_summary(result, out, reports=list(targets))
                verdict = f"{result.error_count} errors" if result.has_errors else "no errors"
            except typer.Exit:  # the reason was printed; wait for the next change
                verdict = "could not run"
            except OSError as e:
                err.print(f"could not write the report: {e}")
                verdict = "reports not written"
            done += 1
            what = "First run" if done == 1 else "Run again"
            out.print(f"{what}: {verdict}, in {time.perf_counter() - start:.2f} s. Watching for changes (Ctrl-C ends).")
            if runs is not None and done >= runs:
                return
            while True:  # until a file changed, then until it stopped changing (a save can take a while)
                time.sleep(interval)
                now = _snapshot(watched)
                if {k: v for k, v in now.items() if k not in ours} != {k: v for k, v in seen.items() if k not in ours}:
                    while (later := _snapshot(watched)) != now:
                        now = later
                        time.sleep(interval)
                    break
    except KeyboardInterrupt:
        out.print("Stopped watching.")


@app.command("profile")
def profile_cmd(
    paths: PathsArgument,
    out_path: Annotated[Path, typer.Option("--out", help="Write the error profile (JSON) here.")],
    year: GuessedYearOption = None,
    previous: PreviousOption = None,
    la: LaOption = None,
    providers: ProvidersOption = None,
    stage: StageOption = "draft",
    force_year: ForceYearOption = False,
) -> None:
    """Write the error profile of a return: per rule its outcome and failing rows and children,
    counts only and small numbers suppressed, to compare with other LAs. Nothing is sent."""
    _check_profile_target(out_path, stage)
    result = _validated(paths, year, previous, la, providers, None, force_year, True, False)
    _write_profile(result, out_path, stage)
    out.print(
        f"Wrote the error profile of {result.dataset.la}'s {result.year} return to {out_path}: counts only "
        "(no child's identifier, date, postcode or value), small numbers suppressed. Read it before you send it."
    )


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
    year: GuessedYearOption = None,
    previous: Annotated[
        list[Path] | None, typer.Option("--previous", "-p", help="Last year's files, folders or zips.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many value problems in the terminal.")] = 50,
    la: LaOption = None,
    force_year: ForceYearOption = False,
) -> None:
    """Show what was recognised in the files (tables, rows, children, dates) and every load problem."""
    from ssda903.ingest import load
    from ssda903.inspect import describe

    try:
        with telling(quiet=True):  # the year and LA head the output instead
            ds = load(paths, parse_year(year) if year else None, previous or None, la=la, force_year=force_year)
    except InputError as e:
        raise fail(str(e)) from None
    info = describe(ds)
    if as_json:
        out.print_json(json.dumps(info, default=str))
        raise typer.Exit(0)
    out.print(
        f"[bold]Collection year {info['year']}[/]" + ("" if year else " (guessed from the dates; set it with --year)")
    )
    if info["la"]:
        la_line = (
            f"Responsible LA {info['la_name']} ({info['la']})" if info["la_name"] else f"Responsible LA {info['la']}"
        )
        guessed = ", guessed from the home postcodes; set it with --la" if info["la_source"] == "guessed" else ""
        out.print(la_line + guessed, highlight=False)
    else:
        out.print("Responsible LA not known (no home postcode could be placed; set it with --la).")
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
    code: Annotated[str | None, typer.Argument(help="One rule code to explain, e.g. 503D or LOAD07.")] = None,
    year: Annotated[str | None, typer.Option("--year", "-y", help="Only rules valid in this year.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the rules (for a year), or explain one (a DfE code, or a load code such as LOAD07)."""
    from ssda903.rules import all_rules, rule, rules_for_year

    if code:
        code = code.strip()
        if code.upper().startswith("LOAD"):
            _explain_load_code(code.upper(), as_json)
            return
        found = rule(code)
        if year:
            y = parse_year(year)
            found = [r for r in found if r.valid_in(y)]
        if not found:
            _explain_missing_rule(code, parse_year(year) if year else None, as_json)
            return
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
    title = f"{len(chosen)} rules"
    if year:
        from ssda903.model.dfe_codes import rule_codes

        y = parse_year(year)
        expected = sum(y in years for years in rule_codes().values())
        title += f" in {y}: " + ("every rule code of the year" if len(chosen) == expected else f"of {expected} codes")
    t = Table("Code", "Message", "Years", "Stage", "Severity", title=title)
    for r in chosen:
        years = r.valid_from.label + "–" + (r.valid_until.label if r.valid_until else "")
        t.add_row(r.code, r.message, years, str(r.stage), r.severity)
    out.print(t)


def _explain_load_code(code: str, as_json: bool) -> None:
    """A load code (LOAD07): what it means, how serious it is, what to do."""
    from ssda903.problems import KINDS

    kind = KINDS.get(code)
    if kind is None:
        raise fail(f"no load code {code}; they run from {min(KINDS)} to {max(KINDS)} (`ssda903 rules LOAD01`)")
    if as_json:
        out.print_json(
            json.dumps([{"code": kind.code, "title": kind.title, "severity": kind.severity, "advice": kind.advice}])
        )
        return
    out.print(f"[bold]{kind.code}[/] {kind.title}", highlight=False)
    out.print(f"  {kind.severity}; a problem with the files themselves, found while reading them (not a DfE rule)")
    out.print(f"  what to do: {kind.advice}", highlight=False)


def _span(years: tuple[CollectionYear, ...] | list[CollectionYear]) -> str:
    """2022/23 to 2026/27 for a run of years; the years one by one otherwise."""
    ys = sorted(years)
    if len(ys) > 2 and ys[-1].start_year - ys[0].start_year == len(ys) - 1:
        return f"{ys[0]} to {ys[-1]}"
    return ", ".join(y.label for y in ys)


def _explain_missing_rule(code: str, year: CollectionYear | None, as_json: bool) -> None:
    """A code we have no rule for: a 903 rule not implemented yet (and what else is to come), or no rule at all."""
    from ssda903.model.dfe_codes import is_community_check, rule_codes, years_of
    from ssda903.rules import rules_for_year

    years = years_of(code)
    if not years or (year is not None and year not in years):
        where = f" in {year}" if year else ""
        also = f" (it is a 903 rule in {_span(years)})" if years else ""
        raise fail(f"no rule {code}{where}{also}; `ssda903 rules{' --year ' + str(year) if year else ''}` lists them")
    y = year or max(years)
    done = {r.code.upper() for r in rules_for_year(y)} | {a.upper() for r in rules_for_year(y) for a in r.aliases}
    to_come = [c for c, ys in rule_codes().items() if y in ys and c.upper() not in done]
    dfe = [c for c in to_come if not is_community_check(c)]
    community = [c for c in to_come if is_community_check(c)]
    shown = next(c for c in rule_codes() if c.upper() == code.upper())
    kind = "a check of the community validator" if is_community_check(shown) else "a DfE rule"
    if as_json:
        info = {"code": shown, "implemented": False, "years": [x.label for x in years], "year": y.label}
        out.print_json(json.dumps({**info, "still_to_come": dfe, "community_checks_to_come": community}))
        return
    out.print(f"[bold]{shown}[/] is {kind} in {_span(years)} not implemented yet.", highlight=False)
    out.print(f"DfE rules still to come in {y} ({len(dfe)}): {', '.join(dfe)}", highlight=False)
    if community:
        out.print(
            f"Community validator checks not implemented in {y} ({len(community)}): {', '.join(community)}",
            highlight=False,
        )


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
    from ssda903.rules import skeleton

    path.write_text(skeleton(code), encoding="utf-8")
    out.print(f"wrote {path}")


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
    from ssda903.reference import load_providers
    from ssda903.synth import generate

    folder = out_dir or Path(tempfile.mkdtemp(prefix="ssda903-demo-"))
    y = CollectionYear.parse("2024/25")
    data = folder / "data"
    summary = generate(children, y.label, 2025, data, previous=True, error_rate=0.05, fmt="csv")
    out.print(f"Sample data: {children:,} synthetic children for {y} (and {y.previous()}) in {data}")
    out.print(f"Errors injected, each with the rule that reports it: {summary.manifest}")
    ds = load(data, y, data / "previous", la="E09000027")
    load_providers(ds, summary.providers)
    result = run(ds)
    written = [
        reporting.write(result, folder / n) for n in ("report.xlsx", "report.html", "findings.csv", "report.json")
    ]
    reporting.print_summary(result, out, reports=list(written))


app.add_typer(hub_app, name="hub")
app.command("submit")(hub_submit)


# -- the web page (ssda903.page) ----------------------------------------------------------------


@app.command("page")
def page_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the page to (created).")],
    year: Annotated[
        list[str] | None, typer.Option("--year", "-y", help="Only these collection years (repeatable); all by default.")
    ] = None,
) -> None:
    """Write the zero-install web page (HTML, DuckDB-WASM, the rules of each year) to a folder."""
    from ssda903.page.build import write_page

    years = [parse_year(y).label for y in year] if year else None
    try:
        written = write_page(out_dir, years=years)
    except InputError as e:
        raise fail(str(e)) from None
    out.print(f"Wrote the page to {written}; open it with: ssda903 serve --dir {written}", highlight=False)


@app.command("serve")
def serve_cmd(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8903,
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open the page in the browser.")] = False,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="A page written by ssda903 page (by default one is written now).")
    ] = None,
) -> None:
    """Serve the web page on 127.0.0.1 only (nothing leaves this machine) and open it in the browser."""
    from ssda903.page.build import write_page
    from ssda903.page.serve import make_server, serve_forever, url_of

    with tempfile.TemporaryDirectory(prefix="ssda903-page-") as scratch:
        try:
            folder = directory if directory is not None else write_page(Path(scratch))
        except InputError as e:
            raise fail(str(e)) from None
        if not (folder / "index.html").is_file():
            raise fail(f"{folder} holds no page (no index.html): write one with ssda903 page --out {folder}")
        try:
            server = make_server(folder, port)
        except OSError as e:
            raise fail(f"cannot serve on 127.0.0.1:{port} ({e.strerror or e}); choose another --port") from None
        out.print(f"Serving the page at {url_of(server)} (127.0.0.1 only); stop with Ctrl+C", highlight=False)
        try:
            serve_forever(server, open_browser=not no_open)
        except KeyboardInterrupt:
            out.print("Stopped.")


#: set by a command once it has written everything and closed its database (see :func:`main`)
_everything_closed = False


def _all_closed(ds: Any) -> None:
    """Say that the command is over and nothing of it needs tearing down: its files are written and
    closed, and its DuckDB database is closed here (which removes anything it spilled to disk)."""
    global _everything_closed
    ds.con.close()
    _everything_closed = True


def _end_now(code: object) -> None:
    """End the process at once with ``code`` when the command said it closed everything.

    Python's and DuckDB's teardown at exit (freeing every module, object and block of memory one
    by one) took 0.05-0.08 s of a 1.3 s ``validate`` at 2,500 children, for nothing the user sees:
    the output is flushed here, and the command closed its files and its database itself."""
    if not (_everything_closed and isinstance(code, int)) or _watched():
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`) has nothing to flush into
            stream.flush()
    os._exit(code)


def _watched() -> bool:
    """Whether a profiler, a debugger or a coverage tool watches the process: it writes what it
    found when the process ends the usual way, so the process must."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12 and later
    return monitoring is not None and any(monitoring.get_tool(i) is not None for i in range(6))


def main() -> None:  # pragma: no cover
    """Entry point: no user ever sees a traceback; an unexpected failure says what to do."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit as e:
        _end_now(e.code)
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
