// The browser's Dataset: raw text tables filled by the readers, with where each row came from.
//
// The twin of Dataset.append and ingest/sink.py: the same running _id (a gap of one after each
// file), the same sources rows, LOAD06 for a second file of a table, and the same tidying of
// columns with no header name (dropped when empty, LOAD04 when they hold values, LOAD14 for
// values beyond the header).

import { literal, quote } from "./db.js";
import { problem, pyRepr, thousands } from "./problems.js";

export const RAW_SCHEMA = { current: "raw", previous: "raw_previous" };
/** at most this many located problems of one kind per file; the rest are counted in one more */
export const MAX_LOCATED = 50;
export const UNNAMED = "(unnamed column";

export class Dataset {
  constructor(con, model) {
    this.con = con;
    this.model = model;
    this.nextId = 0;
    this.sources = [];
    this.problems = [];
  }

  addProblem(p) {
    this.problems.push(p);
  }

  has(table, period = "current") {
    return this.sources.some((s) => s.period === period && s.table === table);
  }

  async rawColumns(period, table) {
    const rows = await this.con.run(
      `SELECT column_name FROM duckdb_columns() WHERE schema_name = ${literal(RAW_SCHEMA[period])} ` +
        `AND table_name = ${literal(table)}`,
    );
    return new Set(rows.map((r) => r.column_name));
  }

  /**
   * Append rows from a SQL relation (columns _row, _line or lineExpr, c0 …) as ``match.table``.
   * ``columns`` maps model columns to the relation's columns; ``extras`` extra header names to them.
   */
  async append(period, table, relation, { file, columns, extras = {}, lineExpr = "_line", copied = [] }) {
    const raw = `${RAW_SCHEMA[period]}.${quote(table)}`;
    for (const name of Object.keys(extras)) {
      await this.con.run(`ALTER TABLE ${raw} ADD COLUMN IF NOT EXISTS ${quote(name)} VARCHAR`);
    }
    const targets = ["_id", "_file", "_row", "_line"];
    const exprs = [`${this.nextId} + _row`, literal(file), "_row", lineExpr];
    for (const [col, src] of [...Object.entries(columns), ...Object.entries(extras)]) {
      if (src !== null && src !== undefined) {
        targets.push(quote(col));
        exprs.push(`CAST(${quote(src)} AS VARCHAR)`);
      }
    }
    const before = Number(await this.con.scalar(`SELECT count(*) FROM ${raw}`));
    await this.con.run(`INSERT INTO ${raw} (${targets.join(", ")}) SELECT ${exprs.join(", ")} FROM ${relation}`);
    const added = Number(await this.con.scalar(`SELECT count(*) FROM ${raw}`)) - before;
    this.nextId += Math.max(added, 0) + 1;
    if (this.has(table, period)) {
      const others = this.sources
        .filter((s) => s.period === period && s.table === table)
        .map((s) => s.file)
        .join(", ");
      this.addProblem(
        problem("LOAD06", `${table} (${period} year) also comes from ${others}; rows from both files are loaded.`, {
          file,
          table,
          period,
        }),
      );
    }
    this.sources.push({
      period,
      table,
      file,
      rows: added,
      columns: Object.entries(columns)
        .filter(([, src]) => src !== null && src !== undefined)
        .map(([c]) => c),
      copied,
    });
    return added;
  }

  /**
   * Append a reader's relation for a matched header; ``overflow`` is the index of a spare
   * column past the header (CSV rows longer than it). ``after`` runs once the rows are in,
   * before unnamed columns are checked.
   */
  async appendMatched(period, match, relation, { file, lineExpr = "_line", overflow = null, before = null, after = null }) {
    const table = match.table;
    if (before === null) before = await this.rawColumns(period, table);
    const extras = {};
    for (const [name, i] of Object.entries(match.extras)) extras[name] = `c${i}`;
    const overflowName = overflow !== null ? `${UNNAMED} ${overflow + 1})` : null;
    if (overflowName) extras[overflowName] = `c${overflow}`;
    const columns = {};
    for (const [k, v] of Object.entries(match.columns)) columns[k] = v === null ? null : `c${v}`;
    const added = await this.append(period, table, relation, { file, columns, extras, lineExpr });
    if (after) await after(added);
    const unnamed = Object.keys(extras).filter((n) => n.startsWith(UNNAMED));
    if (unnamed.length) await this.tidyUnnamed(period, table, file, unnamed, before, overflowName);
    return added;
  }

  async tidyUnnamed(period, table, file, names, before, overflowName) {
    const raw = `${RAW_SCHEMA[period]}.${quote(table)}`;
    const rows = await this.con.run(
      `SELECT ${names.map((n, i) => `count(${quote(n)}) AS n${i}`).join(", ")} FROM ${raw} WHERE _file = ${literal(file)}`,
    );
    for (const [i, name] of names.entries()) {
      const n = Number(rows[0][`n${i}`]);
      if (n === 0) {
        if (!before.has(name)) await this.con.run(`ALTER TABLE ${raw} DROP COLUMN ${quote(name)}`);
        continue;
      }
      if (name === overflowName) {
        await this.reportOverflow(period, table, file, raw, name, n);
      } else {
        const what = name.slice(1, -1);
        this.addProblem(
          problem(
            "LOAD04",
            `${what[0].toUpperCase()}${what.slice(1).toLowerCase()} has no name in the header row but holds ` +
              `${thousands(n)} value(s); they are kept but not validated.`,
            { file, column: name, table, period },
          ),
        );
      }
    }
  }

  async reportOverflow(period, table, file, raw, name, n) {
    const rows = await this.con.run(
      `SELECT _row, _line, ${quote(name)} AS v FROM ${raw} WHERE _file = ${literal(file)} AND ${quote(name)} IS NOT NULL ` +
        `ORDER BY _row LIMIT ${MAX_LOCATED}`,
    );
    for (const r of rows) {
      this.addProblem(
        problem(
          "LOAD14",
          `Line ${r._line} has more values than the header has columns; the value(s) beyond it (${pyRepr(r.v)}) ` +
            `are kept as ${name}, not validated.`,
          { file, line: r._line, row: r._row, value: r.v, table, period },
        ),
      );
    }
    if (n > rows.length) {
      this.addProblem(
        problem("LOAD14", `${thousands(n - rows.length)} more line(s) have more values than the header has columns.`, {
          file,
          table,
          period,
        }),
      );
    }
  }
}
