"""The Excel workbook: where each error is, marked on the analyst's own data.

Sheets, in order:

* **Summary**: the headline (children, errors, errors per child), the outcome
  of every rule that did not pass (failed, not run, crashed) with a link to its
  sheet, and the input tables.
* **Outcomes**: every rule and load check with its status, including those that
  did not run (and why) and those that crashed (and the error).
* **Findings**: every finding, one per line, with the findings CSV's columns
  (rule, period, table, row, child, severity, stage, file, line, column, value,
  message, after stage 1), filterable.
* **Load problems**: problems with whole files or columns (only when there are any).
* one sheet per rule with findings (``101``, ``LOAD07`` …): the DfE code and
  message at the top, then one line per failing row: child, table, file, line
  and the values of the rule's fields as typed (and, for a stage 2 rule, the
  stage 1 codes that failed on its inputs).
* one sheet per input table (``Header``, ``Episodes (previous year)`` …): the
  text exactly as typed, every column including extra ones, with the file line;
  each cell a rule reports is filled (red for errors, amber for queries and
  warnings) and carries a comment naming the rule code(s) and message(s). When
  none of a rule's fields is a column of the table (only values the DfE works
  out, such as PL_DISTANCE), the row's CHILD cell is marked instead.

The workbook is written with XlsxWriter in ``constant_memory`` mode: rows stream
from DuckDB a batch at a time, so memory stays flat for any size. Excel's limits
are respected: a table longer than 1,048,575 rows continues on a second sheet
(``Episodes (2)``), sheet names stay within 31 characters, and cell comments stop
after ``max_comments`` (Excel slows to a crawl with hundreds of thousands of
them): the Summary sheet says so, and every flagged cell is still filled.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pandas as pd
import xlsxwriter

from ssda903.dataset import RAW_SCHEMA
from ssda903.model import load_model
from ssda903.problems import KINDS
from ssda903.report.common import PERIOD_LABEL, ReportData, code_key, columns
from ssda903.report.common import plural as _count
from ssda903.report.details import data_columns
from ssda903.report.findings_csv import HEADER
from ssda903.sqltext import quote

MAX_ROWS = 1_048_576
MAX_COMMENTS = 10_000
BATCH = 10_000
MAX_CELL = 32_767

ERROR_FILL = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
QUERY_FILL = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
STATUS_FORMAT = {
    "failed": ERROR_FILL,
    "crashed": {"bg_color": "#E4DFEC", "font_color": "#5B2C6F", "bold": True},
    "not run": {"bg_color": "#D9D9D9", "font_color": "#3A3A3A", "bold": True},
    "passed": {"bg_color": "#C6EFCE", "font_color": "#006100"},
}


def _sheet_name(wanted: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", wanted).strip("'")[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _text(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    s = str(v)
    return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"


class _Writer:
    def __init__(self, data: ReportData, path: str, max_comments: int, tables: bool = True):
        self.data = data
        self.summary = data.summary
        self.ds = data.dataset
        self.con = self.ds.con
        self.max_comments = max_comments
        self.tables = tables
        self.comments = 0
        self.comments_skipped = 0
        self.truncated: list[str] = []
        self.used: set[str] = set()
        self.wb = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        wb = self.wb
        self.f_title = wb.add_format({"bold": True, "font_size": 14})
        self.f_bold = wb.add_format({"bold": True})
        self.f_head = wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.f_wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.f_note = wb.add_format({"italic": True, "font_color": "#7F7F7F"})
        self.f_warn = wb.add_format({"bold": True, "font_color": "#9C0006"})
        self.f_link = wb.add_format({"font_color": "#0563C1", "underline": 1})
        self.f_num = wb.add_format({"num_format": "#,##0"})
        self.f_ratio = wb.add_format({"num_format": "0.00"})
        self.f_error = wb.add_format(ERROR_FILL)
        self.f_query = wb.add_format(QUERY_FILL)
        self.f_status = {k: wb.add_format(v) for k, v in STATUS_FORMAT.items()}

    # -- the order of the tabs is the order sheets are added -----------------------
    def write(self) -> None:
        summary_ws = self.wb.add_worksheet(_sheet_name("Summary", self.used))
        outcomes_ws = self.wb.add_worksheet(_sheet_name("Outcomes", self.used))
        findings_ws = self.wb.add_worksheet(_sheet_name("Findings", self.used))
        problems_ws = (
            self.wb.add_worksheet(_sheet_name("Load problems", self.used)) if self.data.file_problems else None
        )
        self.problems_sheet = problems_ws.get_name() if problems_ws is not None else None
        f = self.data.findings
        located = f[f["_id"].notna()]
        by_rule = {str(k): v for k, v in located.groupby("rule", sort=False)}
        codes = sorted(by_rule, key=code_key)
        rule_sheets = {c: self.wb.add_worksheet(_sheet_name(c, self.used)) for c in codes}
        self.rule_sheet_names = {c: ws.get_name() for c, ws in rule_sheets.items()}

        self._outcomes(outcomes_ws)
        self._findings(findings_ws)
        if problems_ws is not None:
            self._file_problems(problems_ws)
        for code, ws in rule_sheets.items():
            self._rule_sheet(ws, code, by_rule[code])
        self.table_sheets: list[tuple[str, str, list[str]]] = []
        if self.tables:
            self._input_tables(located)
        self._summary(summary_ws)
        summary_ws.activate()
        self.wb.close()

    # -- Summary -----------------------------------------------------------------
    def _summary(self, ws: Any) -> None:
        s = self.summary
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 70)
        ws.set_column(2, 6, 14)
        r = 0
        ws.write_string(r, 0, "SSDA903 validation report", self.f_title)
        r += 2

        def line(label: str, value: Any, fmt: Any = None) -> None:
            nonlocal r
            ws.write_string(r, 0, label, self.f_bold)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, 1, value, fmt or self.f_num)
            else:
                ws.write_string(r, 1, _text(value), fmt)
            r += 1

        line("Collection year", f"{s['year']} ({s['collection_start']} to {s['collection_end']})")
        if s["la"]:
            line("Local authority", s["la"])
        line("Children in the Header", s["children"] if s["children"] is not None else "no Header supplied")
        line("Errors (DfE rules)", s["errors"])
        line(
            "Errors per child",
            s["errors_per_child"] if s["errors_per_child"] is not None else "n/a",
            self.f_ratio if s["errors_per_child"] is not None else None,
        )
        line("Children with at least one error", s["children_with_errors"])
        line("Queries (please check)", s["queries"])
        line("Load problems", f"{_count(s['load_errors'], 'error')}, {_count(s['load_warnings'], 'warning')}")
        o = s["outcomes"]
        line(
            "Rules checked",
            f"{s['rules_checked']:,}: {o['failed']:,} failed, {o['passed']:,} passed, "
            f"{o['not run']:,} not run, {o['crashed']:,} crashed",
        )
        if o["not run"] or o["crashed"]:
            ws.write_string(r, 0, "Not every rule ran", self.f_warn)
            ws.write_string(
                r,
                1,
                "Rules that did not run or crashed are listed below: they were NOT checked, so they are not passes.",
                self.f_warn,
            )
            r += 1
        if self.comments_skipped:
            ws.write_string(r, 0, "Comments capped", self.f_warn)
            ws.write_string(
                r,
                1,
                f"Comments were added to the first {self.comments:,} flagged cells only; "
                f"{self.comments_skipped:,} more flagged cells are filled but carry no comment. "
                "Every finding is listed on its rule's sheet.",
                self.f_warn,
            )
            r += 1
        if not self.tables:
            ws.write_string(r, 0, "Input tables left out", self.f_note)
            ws.write_string(
                r,
                1,
                "This workbook was written without the input-table sheets; the rule sheets "
                "list every finding with its values.",
                self.f_note,
            )
            r += 1
        for note in self.truncated:
            ws.write_string(r, 0, "Rows left out", self.f_warn)
            ws.write_string(r, 1, note, self.f_warn)
            r += 1
        r += 1

        ws.write_string(r, 0, "Rules that did not pass", self.f_title)
        r += 1
        heads = ["Code", "Message", "Status", "Severity", "Rows", "Children", "Detail"]
        for c, h in enumerate(heads):
            ws.write_string(r, c, h, self.f_head)
        r += 1
        order = {"crashed": 0, "not run": 1, "failed": 2}
        rules = [x for x in s["rules"] if x["status"] != "passed"]
        rules.sort(key=lambda x: (order.get(x["status"], 3), -x["rows"], code_key(x["rule"])))
        for x in rules:
            sheet = self.rule_sheet_names.get(x["rule"])
            if sheet:
                ws.write_url(r, 0, f"internal:'{sheet}'!A1", self.f_link, x["rule"])
            else:
                ws.write_string(r, 0, x["rule"])
            ws.write_string(r, 1, x["message"])
            ws.write_string(r, 2, x["status"], self.f_status.get(x["status"]))
            ws.write_string(r, 3, x["severity"])
            ws.write_number(r, 4, x["rows"], self.f_num)
            ws.write_number(r, 5, x["children"], self.f_num)
            ws.write_string(r, 6, _text(x["detail"]))
            r += 1
        if not rules:
            ws.write_string(r, 0, "Every rule ran and passed.", self.f_note)
            r += 1
        ws.write_string(r, 0, f"{o['passed']:,} rules passed: see the Outcomes sheet for every rule.", self.f_note)
        r += 2

        if s["load"]["by_code"]:
            ws.write_string(r, 0, "Problems reading the files", self.f_title)
            r += 1
            for c, h in enumerate(["Code", "Problem", "Severity", "Count", "What to do"]):
                ws.write_string(r, c, h, self.f_head)
            r += 1
            for x in s["load"]["by_code"]:
                sheet = self.rule_sheet_names.get(x["code"])
                if sheet:
                    ws.write_url(r, 0, f"internal:'{sheet}'!A1", self.f_link, x["code"])
                elif self.problems_sheet:
                    ws.write_url(r, 0, f"internal:'{self.problems_sheet}'!A1", self.f_link, x["code"])
                else:
                    ws.write_string(r, 0, x["code"])
                ws.write_string(r, 1, x["title"])
                ws.write_string(r, 2, x["severity"], self.f_error if x["severity"] == "error" else self.f_query)
                ws.write_number(r, 3, x["count"], self.f_num)
                ws.write_string(r, 4, x["advice"])
                r += 1
            r += 1

        ws.write_string(r, 0, "Input tables", self.f_title)
        r += 1
        for c, h in enumerate(["Table", "File", "Rows", "Rows with findings", "Errors (DfE rules)", "Sheet"]):
            ws.write_string(r, c, h, self.f_head)
        r += 1
        sheets = {(p, t): names for p, t, names in self.table_sheets}
        for t in s["tables"]:
            label = t["table"] + (" (previous year)" if t["period"] == "previous" else "")
            ws.write_string(r, 0, label)
            ws.write_string(r, 1, _text(", ".join(t["files"])))
            ws.write_number(r, 2, t["rows"], self.f_num)
            ws.write_number(r, 3, t["rows_with_findings"], self.f_num)
            ws.write_number(r, 4, t["errors"], self.f_num)
            names = sheets.get((t["period"], t["table"]))
            if names:
                ws.write_url(r, 5, f"internal:'{names[0]}'!A1", self.f_link, names[0])
            r += 1

    def _heading_row(self, ws: Any, heads: list[str], widths: list[int]) -> None:
        """A frozen heading row with column widths, for the list sheets."""
        for c, (h, w) in enumerate(zip(heads, widths, strict=True)):
            ws.set_column(c, c, w)
            ws.write_string(0, c, h, self.f_head)
        ws.freeze_panes(1, 0)

    # -- Outcomes ----------------------------------------------------------------
    def _outcomes(self, ws: Any) -> None:
        heads = ["Code", "Message", "Status", "Rows", "Severity", "Stage", "Detail", "Variant", "Seconds"]
        widths = [10, 80, 10, 10, 10, 7, 50, 18, 9]
        self._heading_row(ws, heads, widths)
        outcomes = sorted(self.data.result.outcomes, key=lambda o: code_key(o.rule))
        for r, o in enumerate(outcomes, start=1):
            ws.write_string(r, 0, o.rule)
            ws.write_string(r, 1, o.message)
            ws.write_string(r, 2, o.status, self.f_status.get(o.status))
            ws.write_number(r, 3, o.count, self.f_num)
            ws.write_string(r, 4, o.severity)
            ws.write_number(r, 5, o.stage)
            ws.write_string(r, 6, _text(o.detail))
            ws.write_string(r, 7, o.variant)
            ws.write_number(r, 8, round(o.seconds, 4))
        ws.autofilter(0, 0, max(len(outcomes), 1), len(heads) - 1)

    def _findings(self, ws: Any) -> None:
        """Every finding with the findings CSV's columns: the workbook can be worked from like the CSV."""
        heads = [h.replace("_", " ").replace("stage1", "stage 1").capitalize() for h in HEADER]
        widths = [9, 9, 14, 7, 12, 9, 6, 30, 7, 16, 16, 70, 14]
        self._heading_row(ws, heads, widths)
        f = self.data.findings
        limit = MAX_ROWS - 1
        if len(f) > limit:
            self.truncated.append(f"Sheet {ws.get_name()}: only the first {limit:,} of {len(f):,} findings.")
        numeric = {"row", "stage", "line"}
        for r, values in enumerate(zip(*columns(f, *HEADER), strict=True), start=1):
            if r > limit:
                break
            for c, (name, v) in enumerate(zip(HEADER, values, strict=True)):
                if v is None:
                    continue
                if name in numeric:
                    ws.write_number(r, c, v)
                elif name == "severity":
                    ws.write_string(r, c, v, self.f_error if v == "error" else self.f_query)
                else:
                    ws.write_string(r, c, _text(v))
        ws.autofilter(0, 0, max(min(len(f), limit), 1), len(heads) - 1)

    def _file_problems(self, ws: Any) -> None:
        heads = ["Code", "Problem", "Table", "Year", "File", "Line", "Column", "What was found", "What to do"]
        widths = [9, 30, 14, 13, 40, 7, 16, 70, 60]
        self._heading_row(ws, heads, widths)
        for r, p in enumerate(self.data.file_problems, start=1):
            fmt = self.f_error if p.severity == "error" else self.f_query
            ws.write_string(r, 0, p.code, fmt)
            ws.write_string(r, 1, p.kind.title)
            ws.write_string(r, 2, p.table)
            ws.write_string(r, 3, PERIOD_LABEL.get(p.period, p.period))
            ws.write_string(r, 4, _text(p.file))
            if p.line is not None:
                ws.write_number(r, 5, p.line)
            ws.write_string(r, 6, _text(p.column))
            ws.write_string(r, 7, _text(p.message))
            ws.write_string(r, 8, p.kind.advice)

    # -- one sheet per rule ------------------------------------------------------
    def _rule_sheet(self, ws: Any, code: str, rows: pd.DataFrame) -> None:
        message = self.data.messages.get(code, "")
        rule = self.data.rules.get(code)
        fields = self.data.rule_fields(code)
        is_load = code in KINDS
        ws.write_string(0, 0, code, self.f_title)
        ws.write_string(0, 1, message, self.f_title)
        n_children = rows["child"].nunique()
        severity = rows["severity"].iloc[0] if len(rows) else ""
        ws.write_string(1, 1, f"{_count(len(rows), 'row')}, {_count(n_children, 'child')}. Severity: {severity}.")
        if rule is not None and rule.why:
            ws.write_string(2, 1, _text(" ".join(rule.why.split())), self.f_note)
        elif is_load:
            ws.write_string(2, 1, KINDS[code].advice, self.f_note)
        marked = bool(rows["after_stage1"].notna().any())
        extra = (["Problem"] if is_load else []) + (["After stage 1"] if marked else [])
        heads = ["Child", "Table", "File", "Line", *extra, *fields]
        widths = [14, 22, 30, 7] + [50 if h == "Problem" else 14 for h in extra] + [max(12, len(x) + 2) for x in fields]
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        start = 4
        limit = MAX_ROWS - start - 1
        if len(rows) > limit:
            ws.write_string(3, 1, f"Only the first {limit:,} of {len(rows):,} rows fit on this sheet.", self.f_warn)
            self.truncated.append(f"Sheet {ws.get_name()}: only the first {limit:,} of {len(rows):,} rows.")
        for c, h in enumerate(heads):
            ws.write_string(start, c, h, self.f_head)
        ws.freeze_panes(start + 1, 1)
        fmt = self.f_error if severity == "error" else self.f_query
        base = len(heads) - len(fields)
        for i, (child, period, table, file, line, msg, after, values) in enumerate(
            zip(
                *columns(rows, "child", "period", "table", "file", "line", "message", "after_stage1"),
                rows["values"].tolist(),
                strict=True,
            )
        ):
            if i >= limit:
                break
            r = start + 1 + i
            ws.write_string(r, 0, _text(child))
            ws.write_string(r, 1, table + (" (previous year)" if period == "previous" else ""))
            ws.write_string(r, 2, _text(file))
            if line is not None:
                ws.write_number(r, 3, line)
            if is_load:
                ws.write_string(r, 4, _text(msg))
            if marked and after:
                ws.write_string(r, 4, after)
            values = values or {}
            for k, fld in enumerate(fields):
                if fld in values:
                    ws.write_string(r, base + k, _text(values[fld]), fmt)
        if len(rows):
            ws.autofilter(start, 0, start + min(len(rows), limit), len(heads) - 1)

    # -- the input tables, failing cells marked --------------------------------------
    def _input_tables(self, located: pd.DataFrame) -> None:
        cells = self._cells(located)
        name = "_report_cells"
        self.con.register(name, cells)
        try:
            order = {t.name: i for i, t in enumerate(load_model().all_tables)}
            supplied = sorted(
                {(s.period, s.table) for s in self.ds.sources},
                key=lambda pt: (pt[0] != "current", order.get(pt[1], 99), pt[1]),
            )
            for period, table in supplied:
                self._input_table(period, table, name)
        finally:
            self.con.unregister(name)

    def _cells(self, located: pd.DataFrame) -> pd.DataFrame:
        """One row per (finding, field): which cells to mark, by which rule, with what message."""
        cells = located[["period", "table", "_id", "rule", "severity", "message", "fields"]].copy()
        cells["field"] = cells["fields"].fillna("").str.split(",")
        cells = cells.explode("field").drop(columns="fields")
        cells["_id"] = cells["_id"].astype("int64")
        return cells.reset_index(drop=True)

    def _input_table(self, period: str, table: str, cells: str) -> None:
        year = self.ds.year_of(period)
        cols = data_columns(self.con, period, table, year)
        heads = ["Line", *cols, "File"]
        col_of = {c: i + 1 for i, c in enumerate(cols)}
        fallback = col_of.get("CHILD", 1)
        sql = f"""
            WITH marks AS (
                SELECT _id, list(field) AS fields, list(rule) AS rules, list(severity) AS severities,
                       list(message) AS messages
                FROM {cells} WHERE period = ? AND "table" = ?
                GROUP BY _id
            )
            SELECT r._line, {", ".join("r." + quote(c) for c in cols)}{"," if cols else ""} r._file,
                   m.fields, m.rules, m.severities, m.messages
            FROM {RAW_SCHEMA[period]}.{quote(table)} r LEFT JOIN marks m USING (_id)
            ORDER BY r._file, r._row
        """
        label = table + (" (previous year)" if period == "previous" else "")
        names: list[str] = []
        sheets: list[tuple[Any, int]] = []
        ws: Any = None
        r = 0
        cur = self.con.execute(sql, [period, table])
        ncols = len(cols)
        while batch := cur.fetchmany(BATCH):
            for row in batch:
                if ws is None or r >= MAX_ROWS:
                    if ws is not None:
                        sheets.append((ws, r - 1))
                    ws = self._new_table_sheet(label, heads, names)
                    r = 1
                marks = self._marks(row, ncols, col_of, fallback) if row[ncols + 2] is not None else {}
                if row[0] is not None:
                    ws.write_number(r, 0, row[0])
                for c in range(1, ncols + 1):
                    v = row[c]
                    hits = marks.get(c)
                    if hits is None:
                        if v is not None:
                            ws.write_string(r, c, v if len(v) <= MAX_CELL else _text(v))
                    else:
                        self._write_marked(ws, r, c, v, hits)
                ws.write_string(r, ncols + 1, _text(row[ncols + 1]))
                r += 1
        if ws is None:
            ws = self._new_table_sheet(label, heads, names)
            r = 1
        sheets.append((ws, r - 1))
        for sheet, last in sheets:
            sheet.autofilter(0, 0, max(last, 1), len(heads) - 1)
        self.table_sheets.append((period, table, names))

    def _new_table_sheet(self, label: str, heads: list[str], names: list[str]) -> Any:
        ws = self.wb.add_worksheet(_sheet_name(label if not names else f"{label} ({len(names) + 1})", self.used))
        names.append(ws.get_name())
        ws.set_column(0, 0, 7)
        for c, h in enumerate(heads):
            if 0 < c < len(heads) - 1:
                ws.set_column(c, c, max(10, min(len(h) + 3, 30)))
            ws.write_string(0, c, h, self.f_head)
        ws.set_column(len(heads) - 1, len(heads) - 1, 30)
        ws.freeze_panes(1, 1)
        return ws

    @staticmethod
    def _marks(
        row: tuple[Any, ...], ncols: int, col_of: dict[str, int], fallback: int
    ) -> dict[int, list[tuple[str, str, str]]]:
        """Sheet column → [(rule, severity, message)] for the cells this row's findings point at."""
        fields, rules, severities, messages = row[ncols + 2 : ncols + 6]
        per_col: dict[int, list[tuple[str, str, str]]] = {}
        placed: set[str] = set()
        unplaced: list[tuple[str, str, str]] = []
        for fld, rule, sev, msg in zip(fields, rules, severities, messages, strict=True):
            c = col_of.get(fld)
            if c is None:
                unplaced.append((rule, sev, msg))
                continue
            placed.add(rule)
            hits = per_col.setdefault(c, [])
            if all(h[0] != rule for h in hits):
                hits.append((rule, sev, msg))
        # a rule none of whose fields is a column here (only worked-out ones) marks the CHILD cell
        for rule, sev, msg in unplaced:
            if rule in placed:
                continue
            hits = per_col.setdefault(fallback, [])
            if all(h[0] != rule for h in hits):
                hits.append((rule, sev, msg))
        for hits in per_col.values():
            hits.sort(key=lambda h: code_key(h[0]))
        return per_col

    def _write_marked(self, ws: Any, r: int, c: int, value: str | None, hits: list[tuple[str, str, str]]) -> None:
        fmt = self.f_error if any(h[1] == "error" for h in hits) else self.f_query
        if value:
            ws.write_string(r, c, _text(value), fmt)
        else:
            ws.write_blank(r, c, None, fmt)
        if self.comments < self.max_comments:
            text = "\n".join(f"{h[0]}: {h[2]}" for h in hits)
            ws.write_comment(r, c, _text(text), {"x_scale": 2.5, "y_scale": 1 + 0.5 * len(hits)})
            self.comments += 1
        else:
            self.comments_skipped += 1


def write_xlsx(
    data: ReportData, path: str | os.PathLike[str], *, max_comments: int = MAX_COMMENTS, tables: bool = True
) -> dict[str, Any]:
    """Write the workbook; returns what was capped (``comments``, ``comments_skipped``, ``truncated``).

    ``tables=False`` leaves out the input-table sheets (the bulk of a very large workbook);
    the rule sheets still list every finding with its values.
    """
    w = _Writer(data, os.fspath(path), max_comments, tables)
    w.write()
    return {"comments": w.comments, "comments_skipped": w.comments_skipped, "truncated": w.truncated}
