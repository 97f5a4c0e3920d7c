"""The JSON report: summary, every rule's outcome, every finding with its message and values.

Shape (``format`` names it, ``version`` changes when a key is removed or renamed)::

    {"format": "ssda903-report", "version": 1,
     "summary": {...},       # see report.overview; summary.load.file_level lists file-level load problems
     "outcomes": [{"rule", "variant", "message", "stage", "severity", "status", "count", "after_stage1",
                   "detail", "seconds"}],
     "findings": [{"rule", "period", "table", "row", "child", "severity", "stage", "file", "line",
                   "column", "value", "message", "after_stage1": [...],
                   "fields": [...], "values": {"FIELD": "text as typed"}}]}

A finding carries the findings CSV's columns (see ``findings_csv``), with
``after_stage1`` as a list of codes (empty when the finding is not marked), then
every field the rule reads with its text exactly as typed (``values``, null for a
blank cell). File-level load problems have ``row`` null and ``values`` empty.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ssda903.report.common import ReportData, columns
from ssda903.report.findings_csv import HEADER

FORMAT = "ssda903-report"
VERSION = 1  # keys were added (column, value, after_stage1), none removed or renamed
CHUNK = 10_000


def findings_records(data: ReportData) -> list[dict[str, Any]]:
    names = [c for c in HEADER if c != "after_stage1"]
    cols = columns(data.findings, *names, "after_stage1", "fields")
    values = data.findings["values"].tolist()
    out = []
    for row, vals in zip(zip(*cols, strict=True), values, strict=True):
        record: dict[str, Any] = dict(zip(names, row[: len(names)], strict=True))
        after, fields = row[len(names) :]
        record["after_stage1"] = after.split(";") if after else []
        record["fields"] = fields.split(",") if fields else []
        record["values"] = vals or {}
        out.append(record)
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
