"""The JSON report: summary, every rule's outcome, every finding with its message and values.

Shape (``format`` names it, ``version`` changes when a key is removed or renamed)::

    {"format": "ssda903-report", "version": 1,
     "summary": {...},       # see report.overview; summary.load.file_level lists file-level load problems
     "outcomes": [{"rule", "variant", "message", "stage", "severity", "status", "count", "detail", "seconds"}],
     "findings": [{"rule", "message", "severity", "stage", "period", "table", "row", "child",
                   "file", "line", "fields": [...], "values": {"FIELD": "text as typed"}}]}

``values`` holds the text exactly as the user typed it (null for a blank cell);
file-level load problems have ``row`` null and ``values`` empty.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ssda903.report.details import ReportData, columns

FORMAT = "ssda903-report"
VERSION = 1
CHUNK = 10_000


def findings_records(data: ReportData) -> list[dict[str, Any]]:
    names = ["rule", "message", "severity", "stage", "period", "table", "row", "child", "file", "line", "fields"]
    cols = columns(data.findings, *names)
    values = data.findings["values"].tolist()
    out = []
    for (rule, msg, sev, stage, period, table, row, child, file, line, fields), vals in zip(
        zip(*cols, strict=True), values, strict=True
    ):
        out.append(
            {
                "rule": rule,
                "message": msg,
                "severity": sev,
                "stage": stage,
                "period": period,
                "table": table,
                "row": row,
                "child": child,
                "file": file,
                "line": line,
                "fields": fields.split(",") if fields else [],
                "values": vals or {},
            }
        )
    return out


def report_dict(data: ReportData) -> dict[str, Any]:
    outcomes = [o.as_dict() for o in data.result.outcomes]
    return {
        "format": FORMAT,
        "version": VERSION,
        "summary": data.summary,
        "outcomes": outcomes,
        "findings": findings_records(data),
    }


def write_json(data: ReportData, path: str | os.PathLike[str]) -> None:
    """Write the report; findings one per line, so a large file stays easy to read and diff."""
    doc = report_dict(data)
    findings = doc.pop("findings")
    head = json.dumps(doc, ensure_ascii=False, indent=1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head[:-2] + ',\n "findings": [')
        for i in range(0, len(findings), CHUNK):
            lines = ",\n  ".join(json.dumps(x, ensure_ascii=False) for x in findings[i : i + CHUNK])
            fh.write(("\n  " if i == 0 else ",\n  ") + lines)
        fh.write("\n ]\n}\n")
