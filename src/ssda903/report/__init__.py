"""Reports on a validation Result: summary, findings CSV, JSON, Excel workbook, HTML page, terminal.

::

    from ssda903.report import write, summary, print_summary
    write(result, "findings.csv")      # the contract CSV (see DESIGN, "Output contract")
    write(result, "report.xlsx")       # also .json, .html (or .htm)
    summary(result)["errors_per_child"]
    print_summary(result, console, reports=["report.xlsx"])

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
    from ssda903.report.common import ReportData

__all__ = ["FORMATS", "ReportData", "build", "print_summary", "report_format", "summary", "write"]


def __getattr__(name: str) -> Any:
    # ReportData and build need pandas: import them only when used
    if name in ("ReportData", "build"):
        from ssda903.report import details

        return getattr(details, name)
    raise AttributeError(name)


#: Every accepted file suffix and the report it writes: the one list the writer and the CLI both use.
FORMATS: dict[str, str] = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}


def _formats_text() -> str:
    """``.xlsx, .html, .json or .csv (also .htm)``: the first suffix of each kind, then the other spellings."""
    first: dict[str, str] = {}
    for suffix, kind in FORMATS.items():
        first.setdefault(kind, suffix)
    main = [first[k] for k in ("xlsx", "html", "json", "csv") if k in first]
    others = [s for s in FORMATS if s not in main]
    return ", ".join(main[:-1]) + " or " + main[-1] + (f" (also {', '.join(others)})" if others else "")


def report_format(path: str | os.PathLike[str]) -> str:
    """The kind of report a path asks for (``csv``, ``json``, ``xlsx``, ``html``), by its suffix.

    Raises ValueError, with a message naming the accepted suffixes, for any other suffix.
    """
    p = Path(path)
    kind = FORMATS.get(p.suffix.lower())
    if kind is None:
        raise ValueError(f"cannot write {p.name!r}: a report is {_formats_text()}")
    return kind


def summary(result: Result) -> dict[str, Any]:
    """The headline numbers, per rule, per table, top children, outcome counts and load problems."""
    from ssda903.report.overview import compute, not_on_a_row

    return compute(result, not_on_a_row(result))


def print_summary(
    result: Result, console: Console | None = None, *, reports: list[str | os.PathLike[str]] | None = None
) -> None:
    """Print the headline, what to fix first, what did not run or crashed, and where the detail is.

    ``reports`` are the report files just written (the summary points to them).
    """
    from ssda903.report.terminal import print_summary_dict

    print_summary_dict(summary(result), console, reports=[Path(r) for r in reports or []])


def write(result: Result | ReportData, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write a report; the suffix picks the form: ``.csv`` (findings), ``.json``, ``.xlsx``, ``.html`` (``.htm``).

    ``options`` pass to the writer: ``max_comments`` and ``tables`` (xlsx), ``max_rows_per_rule``
    and ``max_children`` (html). Returns the path written.
    """
    p = Path(path)
    kind = report_format(p)
    if kind == "csv":
        # the findings CSV needs only the engine's findings table (and so not pandas)
        from ssda903.report.findings_csv import write_findings_csv

        plain = cast("Result", getattr(result, "result", result))  # a ReportData carries its Result
        write_findings_csv(plain, p)
        return p
    from ssda903.report.common import ReportData
    from ssda903.report.details import build

    data = result if isinstance(result, ReportData) else build(result)
    if kind == "json":
        from ssda903.report.json_report import write_json

        write_json(data, p)
    elif kind == "xlsx":
        from ssda903.report.xlsx import write_xlsx

        write_xlsx(data, p, **options)
    else:
        from ssda903.report.html_page import write_html

        write_html(data, p, **options)
    return p
