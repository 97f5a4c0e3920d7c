// The Excel report, in the shape of the command line's (src/ssda903/report/xlsx.py): where each
// error is, marked on the analyst's own data.
//
// Sheets, in order: Summary; Outcomes (every rule and file check); Findings (the findings CSV's
// columns); Load problems (problems with a whole file or column, when there are any); one sheet
// per rule with findings on rows (101, LOAD07 …); one sheet per input table (Header, Episodes
// (previous year) …), the text as typed, each cell a rule reports filled (red for errors, amber
// for queries and warnings) with a comment naming the rule code(s) and message(s). When none of a
// rule's fields is a column of the table, the row's CHILD cell is marked instead.
//
// Written by ExcelJS in the browser (no eval: the page's Content-Security-Policy has none).

import ExcelJS from "exceljs/dist/exceljs.bare.min.js";
import { compareCodes, isLoad, plural, summarise } from "./summary.js";

const MAX_ROWS = 1_048_576;
const MAX_COMMENTS = 10_000;
const MAX_CELL = 32_767;

const argb = (hex) => `FF${hex.slice(1)}`;
const fill = (bg, fg, bold = false) => ({
  fill: { type: "pattern", pattern: "solid", fgColor: { argb: argb(bg) } },
  font: { color: { argb: argb(fg) }, bold },
});
const ERROR = fill("#FFC7CE", "#9C0006");
const QUERY = fill("#FFEB9C", "#9C5700");
const STATUS = {
  failed: ERROR,
  crashed: fill("#E4DFEC", "#5B2C6F", true),
  "not run": fill("#D9D9D9", "#3A3A3A", true),
  passed: fill("#C6EFCE", "#006100"),
};
const TITLE = { font: { bold: true, size: 14 } };
const BOLD = { font: { bold: true } };
const HEAD = {
  font: { bold: true },
  fill: { type: "pattern", pattern: "solid", fgColor: { argb: argb("#DDEBF7") } },
  border: { bottom: { style: "thin" } },
  alignment: { wrapText: true, vertical: "top" },
};
const NOTE = { font: { italic: true, color: { argb: argb("#7F7F7F") } } };
const WARN = { font: { bold: true, color: { argb: argb("#9C0006") } } };
const LINK = { font: { color: { argb: argb("#0563C1") }, underline: true } };
const NUMBER = { numFmt: "#,##0" };
const RATIO = { numFmt: "0.00" };

/** The findings CSV's columns (report.findings_csv.HEADER), headed as the command line's Findings sheet heads them. */
const FINDING_COLUMNS = ["rule", "period", "table", "row", "child", "severity", "stage", "file", "line", "column", "value", "message", "after_stage1"];
const PERIOD_LABEL = { current: "this year", previous: "previous year" };

const text = (v) => {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return s.length <= MAX_CELL ? s : s.slice(0, MAX_CELL - 1) + "…";
};
const dmy = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
const quoteName = (name) => `"${name.replaceAll('"', '""')}"`;

/** A sheet name Excel takes (31 characters, none of []:*?/\), unique whatever the case (as xlsx._sheet_name). */
function sheetName(wanted, used) {
  let name = wanted.replace(/[[\]:*?/\\]/g, "-").replace(/^'+|'+$/g, "").slice(0, 31) || "Sheet";
  const base = name;
  for (let n = 2; used.has(name.toLowerCase()); n++) {
    const suffix = ` (${n})`;
    name = base.slice(0, 31 - suffix.length) + suffix;
  }
  used.add(name.toLowerCase());
  return name;
}

class Writer {
  constructor({ result, plan, query }) {
    this.result = result;
    this.plan = plan;
    this.query = query;
    this.summary = summarise(result);
    this.wb = new ExcelJS.Workbook();
    this.wb.creator = "ssda903 page";
    this.used = new Set();
    this.comments = 0;
    this.commentsSkipped = 0;
    this.truncated = [];
    this.tableSheets = new Map();
  }

  /** Write a cell at 0-based (r, c), as xlsxwriter does; ``style`` as ExcelJS takes it. */
  put(ws, r, c, value, style) {
    const cell = ws.getCell(r + 1, c + 1);
    if (value !== null && value !== undefined && value !== "") cell.value = value;
    if (style) Object.assign(cell, style);
    return cell;
  }

  link(ws, r, c, label, sheet) {
    this.put(ws, r, c, { text: label, hyperlink: `#'${sheet.replaceAll("'", "''")}'!A1` }, LINK);
  }

  sheet(name) {
    return this.wb.addWorksheet(sheetName(name, this.used));
  }

  heading(ws, heads, widths, row = 0) {
    heads.forEach((h, c) => {
      ws.getColumn(c + 1).width = widths[c];
      this.put(ws, row, c, h, HEAD);
    });
    ws.views = [{ state: "frozen", ySplit: row + 1 }];
  }

  async write() {
    const findings = this.result.findings;
    const summaryWs = this.sheet("Summary");
    const outcomesWs = this.sheet("Outcomes");
    const findingsWs = this.sheet("Findings");
    // problems with a whole file or column: the load problems not placed on a row
    this.fileProblems = findings.filter((f) => isLoad(f.rule) && (f._id === null || f._id === undefined));
    const problemsWs = this.fileProblems.length ? this.sheet("Load problems") : null;
    const located = findings.filter((f) => f._id !== null && f._id !== undefined);
    const byRule = new Map();
    for (const f of located) {
      if (!byRule.has(f.rule)) byRule.set(f.rule, []);
      byRule.get(f.rule).push(f);
    }
    const codes = [...byRule.keys()].sort(compareCodes);
    this.ruleSheets = new Map(codes.map((code) => [code, this.sheet(code)]));

    this.outcomes(outcomesWs);
    this.findings(findingsWs);
    if (problemsWs) this.problems(problemsWs);
    const rows = await this.inputTables(located);
    for (const code of codes) this.ruleSheet(this.ruleSheets.get(code), code, byRule.get(code), rows);
    this.summarySheet(summaryWs);
    return new Uint8Array(await this.wb.xlsx.writeBuffer());
  }

  summarySheet(ws) {
    const s = this.summary;
    const r0 = this.result;
    [34, 70, 14, 14, 14, 14, 14].forEach((w, c) => (ws.getColumn(c + 1).width = w));
    let r = 0;
    this.put(ws, r, 0, "SSDA903 validation report", TITLE);
    r += 2;
    const line = (label, value, style) => {
      this.put(ws, r, 0, label, BOLD);
      const numeric = typeof value === "number";
      this.put(ws, r, 1, numeric ? value : text(value), style || (numeric ? NUMBER : undefined));
      r += 1;
    };
    const start = `${r0.year.slice(0, 4)}-04-01`;
    const end = `${Number(r0.year.slice(0, 4)) + 1}-03-31`;
    line("Collection year", `${r0.year} (${dmy(start)} to ${dmy(end)})`);
    if (r0.la) line("Local authority", r0.la);
    line("Children in the Header", s.children === null ? "no Header supplied" : s.children);
    line("Errors (DfE rules)", s.errors);
    line("Errors per child", s.errorsPerChild === null ? "n/a" : s.errorsPerChild, s.errorsPerChild === null ? undefined : RATIO);
    line("Children with at least one error", s.childrenWithErrors);
    line("Queries (please check)", s.queries);
    line("Load problems", `${plural(s.loadErrors, "error")}, ${plural(s.loadWarnings, "warning")}`);
    const o = s.outcomes;
    const n = (x) => x.toLocaleString("en-GB");
    line("Rules checked", `${n(s.rulesChecked)}: ${n(o.failed)} failed, ${n(o.passed)} passed, ${n(o["not run"])} not run, ${n(o.crashed)} crashed`);
    if (o["not run"] || o.crashed) {
      this.put(ws, r, 0, "Not every rule ran", WARN);
      this.put(ws, r, 1, "Rules that did not run or crashed are listed below: they were NOT checked, so they are not passes.", WARN);
      r += 1;
    }
    if (this.commentsSkipped) {
      this.put(ws, r, 0, "Comments capped", WARN);
      this.put(
        ws,
        r,
        1,
        `Comments were added to the first ${n(this.comments)} flagged cells only; ${n(this.commentsSkipped)} more flagged cells ` +
          "are filled but carry no comment. Every finding is listed on its rule's sheet.",
        WARN,
      );
      r += 1;
    }
    for (const note of this.truncated) {
      this.put(ws, r, 0, "Rows left out", WARN);
      this.put(ws, r, 1, note, WARN);
      r += 1;
    }
    r += 1;

    this.put(ws, r, 0, "Rules that did not pass", TITLE);
    r += 1;
    ["Code", "Message", "Status", "Severity", "Rows", "Children", "Detail"].forEach((h, c) => this.put(ws, r, c, h, HEAD));
    r += 1;
    const order = { crashed: 0, "not run": 1, failed: 2 };
    const children = new Map([...s.fixFirst, ...s.fixLater].map((x) => [x.code, x.children]));
    const rules = this.result.outcomes
      .filter((x) => !isLoad(x.rule) && x.status !== "passed")
      .sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3) || b.count - a.count || compareCodes(a.rule, b.rule));
    for (const x of rules) {
      const sheet = this.ruleSheets.get(x.rule);
      if (sheet) this.link(ws, r, 0, x.rule, sheet.name);
      else this.put(ws, r, 0, x.rule);
      this.put(ws, r, 1, x.message);
      this.put(ws, r, 2, x.status, STATUS[x.status]);
      this.put(ws, r, 3, x.severity);
      this.put(ws, r, 4, x.count, NUMBER);
      this.put(ws, r, 5, children.get(x.rule) || 0, NUMBER);
      this.put(ws, r, 6, text(x.detail));
      r += 1;
    }
    if (!rules.length) {
      this.put(ws, r, 0, "Every rule ran and passed.", NOTE);
      r += 1;
    }
    this.put(ws, r, 0, `${n(o.passed)} rules passed: see the Outcomes sheet for every rule.`, NOTE);
    r += 2;

    const load = this.result.outcomes.filter((x) => isLoad(x.rule) && x.count).sort((a, b) => compareCodes(a.rule, b.rule));
    if (load.length) {
      this.put(ws, r, 0, "Problems reading the files", TITLE);
      r += 1;
      ["Code", "Problem", "Severity", "Count", "What to do"].forEach((h, c) => this.put(ws, r, c, h, HEAD));
      r += 1;
      for (const x of load) {
        const sheet = this.ruleSheets.get(x.rule)?.name || this.problemsSheet;
        if (sheet) this.link(ws, r, 0, x.rule, sheet);
        else this.put(ws, r, 0, x.rule);
        this.put(ws, r, 1, x.message);
        this.put(ws, r, 2, x.severity, x.severity === "error" ? ERROR : QUERY);
        this.put(ws, r, 3, x.count, NUMBER);
        this.put(ws, r, 4, x.advice || "");
        r += 1;
      }
      r += 1;
    }

    this.put(ws, r, 0, "Input tables", TITLE);
    r += 1;
    ["Table", "File", "Rows", "Rows with findings", "Errors (DfE rules)", "Sheet"].forEach((h, c) => this.put(ws, r, c, h, HEAD));
    r += 1;
    for (const t of this.suppliedTables()) {
      const mine = this.result.sources.filter((x) => x.period === t.period && x.table === t.table);
      const found = this.result.findings.filter((f) => f.period === t.period && f.table === t.table && f._id !== null && f._id !== undefined);
      this.put(ws, r, 0, t.table + (t.period === "previous" ? " (previous year)" : ""));
      this.put(ws, r, 1, text(mine.map((x) => x.file).join(", ")));
      this.put(ws, r, 2, mine.reduce((k, x) => k + Number(x.rows), 0), NUMBER);
      this.put(ws, r, 3, new Set(found.map((f) => f._id)).size, NUMBER);
      this.put(ws, r, 4, found.filter((f) => !isLoad(f.rule) && f.severity === "error").length, NUMBER);
      const names = this.tableSheets.get(`${t.period}\u0000${t.table}`);
      if (names && names.length) this.link(ws, r, 5, names[0], names[0]);
      r += 1;
    }
  }

  outcomes(ws) {
    const heads = ["Code", "Message", "Status", "Rows", "Severity", "Stage", "Detail", "Variant"];
    this.heading(ws, heads, [10, 80, 10, 10, 10, 7, 50, 18]);
    const outcomes = [...this.result.outcomes].sort((a, b) => compareCodes(a.rule, b.rule));
    outcomes.forEach((o, i) => {
      const r = i + 1;
      this.put(ws, r, 0, o.rule);
      this.put(ws, r, 1, o.message);
      this.put(ws, r, 2, o.status, STATUS[o.status]);
      this.put(ws, r, 3, o.count, NUMBER);
      this.put(ws, r, 4, o.severity);
      this.put(ws, r, 5, Number(o.stage));
      this.put(ws, r, 6, text(o.detail));
      this.put(ws, r, 7, o.variant || "");
    });
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(outcomes.length, 1) + 1, column: heads.length } };
  }

  findings(ws) {
    const heads = FINDING_COLUMNS.map((h) => {
      const s = h.replaceAll("_", " ").replace("stage1", "stage 1");
      return s[0].toUpperCase() + s.slice(1).toLowerCase();
    });
    this.heading(ws, heads, [9, 9, 14, 7, 12, 9, 6, 30, 7, 16, 16, 70, 14]);
    const all = this.result.findings;
    const limit = MAX_ROWS - 1;
    if (all.length > limit) this.truncated.push(`Sheet ${ws.name}: only the first ${limit.toLocaleString("en-GB")} of ${all.length.toLocaleString("en-GB")} findings.`);
    const numeric = new Set(["row", "stage", "line"]);
    all.slice(0, limit).forEach((f, i) => {
      FINDING_COLUMNS.forEach((name, c) => {
        const v = f[name];
        if (v === null || v === undefined) return;
        if (numeric.has(name)) this.put(ws, i + 1, c, Number(v));
        else if (name === "severity") this.put(ws, i + 1, c, v, v === "error" ? ERROR : QUERY);
        else this.put(ws, i + 1, c, text(v));
      });
    });
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(Math.min(all.length, limit), 1) + 1, column: heads.length } };
  }

  problems(ws) {
    this.problemsSheet = ws.name;
    const kinds = this.plan.load_kinds || {};
    this.heading(ws, ["Code", "Problem", "Table", "Year", "File", "Line", "Column", "What was found", "What to do"], [9, 30, 14, 13, 40, 7, 16, 70, 60]);
    this.fileProblems.forEach((p, i) => {
      const r = i + 1;
      const kind = kinds[p.rule] || {};
      this.put(ws, r, 0, p.rule, p.severity === "error" ? ERROR : QUERY);
      this.put(ws, r, 1, kind.title || "");
      this.put(ws, r, 2, p.table || "");
      this.put(ws, r, 3, PERIOD_LABEL[p.period] || p.period || "");
      this.put(ws, r, 4, text(p.file));
      if (p.line !== null && p.line !== undefined) this.put(ws, r, 5, Number(p.line));
      this.put(ws, r, 6, text(p.column));
      this.put(ws, r, 7, text(p.message));
      this.put(ws, r, 8, kind.advice || "");
    });
  }

  /** The fields of a rule (its declared ones; a file check's, the columns its findings name). */
  ruleFields(code, rows) {
    const rule = this.plan.rules.find((r) => r.code === code);
    if (rule) return [...rule.fields];
    const seen = [];
    for (const f of rows) for (const x of String(f.fields || "").split(",")) if (x && !seen.includes(x)) seen.push(x);
    return seen;
  }

  ruleSheet(ws, code, rows, rawRows) {
    const outcome = this.result.outcomes.find((o) => o.rule === code);
    const load = isLoad(code);
    const fields = this.ruleFields(code, rows);
    this.put(ws, 0, 0, code, TITLE);
    this.put(ws, 0, 1, outcome ? outcome.message : (this.plan.load_kinds?.[code]?.title ?? ""), TITLE);
    const severity = rows.length ? rows[0].severity : "";
    const children = new Set(rows.filter((f) => f.child !== null && f.child !== undefined).map((f) => f.child)).size;
    this.put(ws, 1, 1, `${plural(rows.length, "row")}, ${plural(children, "child")}. Severity: ${severity}.`);
    const why = (this.plan.rules || []).find((r) => r.code === code && r.why)?.why;
    if (why) this.put(ws, 2, 1, why, NOTE);
    else if (load && this.plan.load_kinds?.[code]) this.put(ws, 2, 1, this.plan.load_kinds[code].advice, NOTE);
    const marked = rows.some((f) => f.after_stage1);
    const extra = [...(load ? ["Problem"] : []), ...(marked ? ["After stage 1"] : [])];
    const heads = ["Child", "Table", "File", "Line", ...extra, ...fields];
    const widths = [14, 22, 30, 7, ...extra.map((h) => (h === "Problem" ? 50 : 14)), ...fields.map((x) => Math.max(12, x.length + 2))];
    widths.forEach((w, c) => (ws.getColumn(c + 1).width = w));
    const start = 4;
    heads.forEach((h, c) => this.put(ws, start, c, h, HEAD));
    ws.views = [{ state: "frozen", xSplit: 1, ySplit: start + 1 }];
    const style = severity === "error" ? ERROR : QUERY;
    const base = heads.length - fields.length;
    rows.forEach((f, i) => {
      const r = start + 1 + i;
      this.put(ws, r, 0, text(f.child));
      this.put(ws, r, 1, f.table + (f.period === "previous" ? " (previous year)" : ""));
      this.put(ws, r, 2, text(f.file));
      if (f.line !== null && f.line !== undefined) this.put(ws, r, 3, Number(f.line));
      if (load) this.put(ws, r, 4, text(f.message));
      if (marked && f.after_stage1) this.put(ws, r, 4, f.after_stage1);
      const raw = rawRows.get(Number(f._id));
      if (!raw) return;
      const own = new Set(String(f.fields || "").split(",")); // a file check's finding names its own column
      fields.forEach((x, k) => {
        if (!own.has(x)) return;
        // a blank value is still written, as text, in the rule's colour (as xlsxwriter's write_string(""))
        if (x in raw) this.put(ws, r, base + k, null, style).value = text(raw[x]);
      });
    });
    if (rows.length) ws.autoFilter = { from: { row: start + 1, column: 1 }, to: { row: start + 1 + rows.length, column: heads.length } };
  }

  /** The tables given, this year's first, each period in the model's order. */
  suppliedTables() {
    const order = new Map(this.plan.tables.map((t, i) => [t.name, i]));
    const seen = new Map();
    for (const s of this.result.sources) seen.set(`${s.period}\u0000${s.table}`, { period: s.period, table: s.table });
    return [...seen.values()].sort(
      (a, b) => (a.period !== "current") - (b.period !== "current") || (order.get(a.table) ?? 99) - (order.get(b.table) ?? 99) || (a.table < b.table ? -1 : 1),
    );
  }

  /** Every input table on its own sheet, the failing cells marked; returns _id → row (for the rule sheets' values). */
  async inputTables(located) {
    const rows = new Map();
    const marks = new Map(); // _id → [{field, rule, severity, message}]
    for (const f of located) {
      const id = Number(f._id);
      if (!marks.has(id)) marks.set(id, []);
      for (const field of String(f.fields || "").split(",")) marks.get(id).push({ field, rule: f.rule, severity: f.severity, message: f.message || "" });
    }
    for (const { period, table } of this.suppliedTables()) {
      const schema = period === "previous" ? "raw_previous" : "raw";
      const data = await this.query(`SELECT * FROM ${schema}.${quoteName(table)} ORDER BY _file, _row`);
      const worked = await this.workedOut(period, table);
      for (const row of data) rows.set(Number(row._id), { ...row, ...worked.get(Number(row._id)) });
      const cols = this.dataColumns(period, table, data);
      const label = table + (period === "previous" ? " (previous year)" : "");
      this.tableSheets.set(`${period}\u0000${table}`, this.inputTable(label, cols, data, marks));
    }
    return rows;
  }

  /**
   * _id → {column: text} for the columns the DfE works out (PL_DISTANCE, PL_LA …), which are not in
   * the raw table: the worked-out value, dates DD/MM/YYYY (as details._values shows them).
   */
  async workedOut(period, table) {
    const out = new Map();
    const t = this.plan.tables.find((x) => x.name === table);
    const schema = period === "previous" ? "previous" : "main";
    const raw = this.rawColumns.get(`${period}\u0000${table}`) || [];
    const typed = await this.query(
      `SELECT column_name AS c, data_type AS kind FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table.replaceAll("'", "''")}'`,
    );
    const wanted = typed.filter((x) => (t?.derived || []).includes(x.c) && !raw.includes(x.c));
    if (!wanted.length) return out;
    const select = wanted.map((x) => (x.kind === "DATE" ? `strftime(${quoteName(x.c)}, '%d/%m/%Y')` : `CAST(${quoteName(x.c)} AS VARCHAR)`) + ` AS ${quoteName(x.c)}`);
    for (const row of await this.query(`SELECT _id, ${select.join(", ")} FROM ${schema}.${quoteName(table)}`)) {
      const { _id, ...values } = row;
      out.set(Number(_id), values);
    }
    return out;
  }

  /** As report.details.data_columns: the year's DfE columns given, then any other column holding a value. */
  dataColumns(period, table, data) {
    const year = period === "previous" ? this.plan.previous_year : this.plan.year;
    const t = this.plan.tables.find((x) => x.name === table) || { csv_columns: [], years: [] };
    const cols = this.rawColumns.get(`${period}\u0000${table}`) || (data.length ? Object.keys(data[0]) : []);
    const given = cols.filter((c) => !c.startsWith("_"));
    const covered = !t.years || t.years.includes(year);
    let dfe = covered ? t.csv_columns.filter((c) => given.includes(c)) : [];
    if (!dfe.length) dfe = t.csv_columns.filter((c) => given.includes(c));
    const others = given.filter((c) => !dfe.includes(c) && data.some((r) => r[c] !== null && r[c] !== undefined));
    return [...dfe, ...others];
  }

  inputTable(label, cols, data, marks) {
    const heads = ["Line", ...cols, "File"];
    const colOf = new Map(cols.map((c, i) => [c, i + 1]));
    const fallback = colOf.get("CHILD") ?? 1;
    const names = [];
    let ws = null;
    let r = 0;
    const finish = () => ws && (ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(r - 1, 1) + 1, column: heads.length } });
    const open = () => {
      finish();
      ws = this.sheet(names.length ? `${label} (${names.length + 1})` : label);
      names.push(ws.name);
      ws.getColumn(1).width = 7;
      heads.forEach((h, c) => {
        if (c > 0 && c < heads.length - 1) ws.getColumn(c + 1).width = Math.max(10, Math.min(h.length + 3, 30));
        this.put(ws, 0, c, h, HEAD);
      });
      ws.getColumn(heads.length).width = 30;
      ws.views = [{ state: "frozen", xSplit: 1, ySplit: 1 }];
      r = 1;
    };
    for (const row of data) {
      if (ws === null || r >= MAX_ROWS) open();
      if (row._line !== null && row._line !== undefined) this.put(ws, r, 0, Number(row._line));
      const hits = this.marksOf(marks.get(Number(row._id)) || [], colOf, fallback);
      cols.forEach((c, k) => {
        const v = row[c];
        const these = hits.get(k + 1);
        if (!these) {
          if (v !== null && v !== undefined) this.put(ws, r, k + 1, text(v));
        } else this.marked(ws, r, k + 1, v, these);
      });
      this.put(ws, r, cols.length + 1, text(row._file));
      r += 1;
    }
    if (ws === null) open();
    finish();
    return names;
  }

  /** Sheet column → [{rule, severity, message}] for the cells a row's findings point at (as xlsx._marks). */
  marksOf(found, colOf, fallback) {
    const perCol = new Map();
    const placed = new Set();
    const unplaced = [];
    const add = (c, h) => {
      if (!perCol.has(c)) perCol.set(c, []);
      const hits = perCol.get(c);
      if (hits.every((x) => x.rule !== h.rule)) hits.push(h);
    };
    for (const h of found) {
      const c = colOf.get(h.field);
      if (c === undefined) unplaced.push(h);
      else {
        placed.add(h.rule);
        add(c, h);
      }
    }
    // a rule none of whose fields is a column here (only worked-out ones) marks the CHILD cell
    for (const h of unplaced) if (!placed.has(h.rule)) add(fallback, h);
    for (const hits of perCol.values()) hits.sort((a, b) => compareCodes(a.rule, b.rule));
    return perCol;
  }

  marked(ws, r, c, value, hits) {
    const style = hits.some((h) => h.severity === "error") ? ERROR : QUERY;
    const cell = this.put(ws, r, c, value ? text(value) : null, style);
    if (this.comments < MAX_COMMENTS) {
      cell.note = text(hits.map((h) => `${h.rule}: ${h.message}`).join("\n"));
      this.comments += 1;
    } else this.commentsSkipped += 1;
  }
}

/**
 * The Excel report of a run (bytes of an .xlsx workbook). ``query`` runs SQL on the run's
 * database (the raw tables are read from it); ``plan`` is the year's plan.
 */
export async function excelReport({ result, plan, query }) {
  const w = new Writer({ result, plan, query });
  // the raw tables' columns in table order (SELECT * rows do not say it when a table is empty)
  w.rawColumns = new Map();
  const cols = await query(
    "SELECT table_schema AS s, table_name AS t, column_name AS c FROM information_schema.columns " +
      "WHERE table_schema IN ('raw', 'raw_previous') ORDER BY table_schema, table_name, ordinal_position",
  );
  for (const x of cols) {
    const key = `${x.s === "raw_previous" ? "previous" : "current"}\u0000${x.t}`;
    if (!w.rawColumns.has(key)) w.rawColumns.set(key, []);
    w.rawColumns.get(key).push(x.c);
  }
  return w.write();
}

