"""The terminal summary: the headline, whether the run is complete, what to fix first, and where the detail is.

Nothing is cut: every table column folds onto the next line instead of ending in
"…", so a file name or a message reaches a pipe or a log file whole, whatever
the width.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ssda903.report.common import plural
from ssda903.report.overview import fix_later, not_run_by_reason

TOP = 15

#: what each report holds, to say where the detail is
WHAT_IT_HOLDS = {
    "xlsx": "every finding by rule, the failing cells marked in your own data",
    "html": "every rule's outcome and findings, opens in a browser",
    "csv": "one line per finding: file, line, column, value, message",
    "json": "every finding and outcome, for programs",
}


def _table(title: str, *heads: str) -> Table:
    t = Table(title=title, title_justify="left")
    for h in heads:
        numeric = h in ("Rows", "Children", "After stage 1")
        t.add_column(h, overflow="fold", justify="right" if numeric else "left", no_wrap=numeric)
    return t


def print_summary_dict(
    s: dict[str, Any], console: Console | None = None, top: int = TOP, *, reports: list[Path] | None = None
) -> None:
    console = console or Console()
    o = s["outcomes"]
    where = f"{s['year']} ({s['collection_start']} to {s['collection_end']})"
    if s["la"]:
        where += f", {s['la']}"
    console.print(Text(f"SSDA903 validation, collection year {where}", style="bold"))
    children = f"{plural(s['children'], 'child')} in the Header" if s["children"] is not None else "no Header supplied"
    epc = f"{s['errors_per_child']:.2f} per child" if s["errors_per_child"] is not None else "per child: n/a"
    head = Text()
    head.append(children + ". ")
    head.append(plural(s["errors"], "error"), style="bold red" if s["errors"] else "bold green")
    head.append(
        f" ({epc}, {plural(s['children_with_errors'], 'child')}), {plural(s['queries'], 'query')}, "
        f"{plural(s['load_problems'], 'load problem')}."
    )
    console.print(head)
    console.print(
        # not "checked": the rules not run or crashed are among them (said right below)
        f"Rules: {s['rules_checked']:,} for the year: {o['failed']:,} failed, {o['passed']:,} passed, "
        f"{o['not run']:,} not run, {o['crashed']:,} crashed."
    )
    _completeness(s, console)

    first = s["fix_first"][:top]
    if first:
        t = _table(
            f"Fix first: stage 1 and load errors, most rows first ({len(first)} of {len(s['fix_first'])})",
            "Code",
            "Problem",
            "Rows",
            "Children",
        )
        for x in first:
            t.add_row(x["code"], x["message"], f"{x['rows']:,}", f"{x['children']:,}")
        console.print(t)
    later = fix_later(s)
    if later:
        marked = sum(r["after_stage1"] for r in later)
        t = _table(
            f"{'Then' if first else 'Rules with most rows'}: {len(later[:top])} of {len(later)} failing rules",
            "Code",
            "Message",
            "Severity",
            "Rows",
            "Children",
            *(["After stage 1"] if marked else []),
        )
        for r in later[:top]:
            cells = [r["rule"], r["message"], r["severity"], f"{r['rows']:,}", f"{r['children']:,}"]
            t.add_row(*cells, *([f"{r['after_stage1']:,}"] if marked else []))
        console.print(t)
    _stage_two_note(s, console)
    for reason, codes in not_run_by_reason(s).items():
        console.print(
            Text.assemble(
                ("not run ", "bold yellow"),
                f"({reason}): ",
                (", ".join(codes), "bold"),
                f" ({len(codes)} rule{'s' if len(codes) != 1 else ''})",
            )
        )
    for x in s["crashed"]:
        console.print(
            Text.assemble(("crashed ", "bold magenta"), (x["rule"], "bold"), f" {x['message']} ({x['error']})")
        )
    for x in s["load"]["by_code"]:
        if x["severity"] != "error":
            console.print(Text.assemble((f"{x['code']} ", "yellow"), f"{x['title']}: {x['count']:,}"))
    _where_the_detail_is(s, console, reports or [])


def _completeness(s: dict[str, Any], console: Console) -> None:
    """Say plainly whether the result can be trusted as a whole."""
    o = s["outcomes"]
    if o["crashed"]:
        console.print(
            Text(
                f"INCOMPLETE: {plural(o['crashed'], 'rule')} crashed (listed below), so this result cannot be "
                "trusted as clean, whatever else it says (exit status 3).",
                style="bold magenta",
            )
        )
    if o["not run"]:
        console.print(
            Text(
                f"Not every rule ran: {plural(o['not run'], 'rule')} did not run (listed below): "
                f"{'it was' if o['not run'] == 1 else 'they were'} NOT checked, so "
                f"{'it is not a pass' if o['not run'] == 1 else 'they are not passes'}.",
                style="bold yellow",
            )
        )
    if s["rules_checked"] and o["passed"] == s["rules_checked"] and not s["load_problems"]:
        console.print(Text("Every rule ran and passed.", style="bold green"))


def _stage_two_note(s: dict[str, Any], console: Console) -> None:
    if s.get("dfe_halting"):
        console.print(
            "As the DfE portal does (--dfe-halting), stage 2 findings on values that failed stage 1 are left "
            "out: more may appear once stage 1 is fixed."
        )
        return
    marked = sum(r["after_stage1"] for r in s["rules"])
    if marked:
        console.print(
            f"{plural(marked, 'stage 2 row')} read values that failed stage 1 (column after_stage1 names the "
            "codes): fix stage 1 first, some may then go."
        )


def _where_the_detail_is(s: dict[str, Any], console: Console, reports: list[Path]) -> None:
    from ssda903.report import FORMATS

    if reports:
        order = list(WHAT_IT_HOLDS)  # the workbook first: it is the one to open
        ranked = sorted(
            reports,
            key=lambda p: (
                order.index(FORMATS.get(p.suffix.lower(), "")) if FORMATS.get(p.suffix.lower()) in order else len(order)
            ),
        )
        for i, p in enumerate(ranked):
            what = WHAT_IT_HOLDS.get(FORMATS.get(p.suffix.lower(), ""), "")
            label = "Detail: open " if i == 0 else "        and "
            console.print(Text.assemble(label, (str(p), "bold"), f" ({what})" if what else ""))
    elif s["findings"]:
        console.print(
            "Detail: for every finding with its file, line, column and value, run again with "
            "--report report.xlsx (Excel, failing cells marked) or --findings findings.csv."
        )
