"""Reports on a validation Result: summary, findings CSV, JSON, Excel workbook, HTML page, terminal.

::

    from ssda903.report import write, summary, print_summary
    write(result, "findings.csv")      # the contract CSV (see DESIGN, "Output contract")
    write(result, "report.xlsx")       # also .json, .html
    summary(result)["errors_per_child"]
    print_summary(result, console)

Every writer reads the Result's findings and the Dataset's raw tables; none
re-reads a file. Values are shown exactly as the user typed them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console

    from ssda903.engine import Result
    from ssda903.report.details import ReportData

__all__ = ["FORMATS", "ReportData", "build", "print_summary", "summary", "write"]


def __getattr__(name: str) -> Any:
    # ReportData and build live in details.py, which needs pandas: import it only when used
    if name in ("ReportData", "build"):
        from ssda903.report import details

        return getattr(details, name)
    raise AttributeError(name)


FORMATS = (".csv", ".json", ".xlsx", ".html")


def summary(result: Result) -> dict[str, Any]:
    """The headline numbers, per rule, per table, top children, outcome counts and load problems."""
    from ssda903.report.details import build

    return build(result, values=False).summary


def print_summary(result: Result, console: Console | None = None) -> None:
    """Print the headline, the rules with most rows, and what did not run or crashed."""
    from ssda903.report.terminal import print_summary_dict

    print_summary_dict(summary(result), console)


def write(result: Result | ReportData, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write a report; the suffix picks the form: ``.csv`` (findings), ``.json``, ``.xlsx``, ``.html``.

    ``options`` pass to the writer: ``max_comments`` and ``tables`` (xlsx), ``max_rows_per_rule``
    and ``max_children`` (html). Returns the path written.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {p.name!r}: a report is one of {', '.join(FORMATS)}")
    if suffix == ".csv":
        # the findings CSV needs only the engine's findings table (and so not pandas)
        from ssda903.report.findings_csv import write_findings_csv

        plain = cast("Result", getattr(result, "result", result))  # a ReportData carries its Result
        write_findings_csv(plain, p)
        return p
    from ssda903.report.details import ReportData, build

    data = result if isinstance(result, ReportData) else build(result)
    if suffix == ".json":
        from ssda903.report.json_report import write_json

        write_json(data, p)
    elif suffix == ".xlsx":
        from ssda903.report.xlsx import write_xlsx

        write_xlsx(data, p, **options)
    else:
        from ssda903.report.html_page import write_html

        write_html(data, p, **options)
    return p
