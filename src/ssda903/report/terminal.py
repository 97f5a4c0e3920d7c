"""The terminal summary: the headline, the rules with most rows, and what did not run."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ssda903.report.details import plural
from ssda903.report.overview import not_run_by_reason, top_rules

TOP = 15


def print_summary_dict(s: dict[str, Any], console: Console | None = None, top: int = TOP) -> None:
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
        f"Rules: {s['rules_checked']:,} checked, {o['failed']:,} failed, {o['passed']:,} passed, "
        f"{o['not run']:,} not run, {o['crashed']:,} crashed."
    )
    if s["rules_checked"] and o["passed"] == s["rules_checked"] and not s["load_problems"]:
        console.print(Text("Every rule ran and passed.", style="bold green"))

    rules = top_rules(s, top)
    if rules:
        t = Table(title=f"Rules with most rows (top {len(rules)} of {o['failed']:,} failing)", title_justify="left")
        t.add_column("Code", style="bold")
        t.add_column("Message", overflow="fold")
        t.add_column("Severity")
        t.add_column("Rows", justify="right")
        t.add_column("Children", justify="right")
        for r in rules:
            t.add_row(r["rule"], r["message"], r["severity"], f"{r['rows']:,}", f"{r['children']:,}")
        console.print(t)
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
        style = "red" if x["severity"] == "error" else "yellow"
        console.print(Text.assemble((f"{x['code']} ", style), f"{x['title']}: {x['count']:,}"))
