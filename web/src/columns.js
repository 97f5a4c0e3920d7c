// Recognising a table by its column headers, and mapping headers to model columns.
//
// The browser twin of src/ssda903/ingest/columns.py: the same normalisation, the same
// choice of table and the same LOAD02-LOAD05 problems, worded the same, so a file gives
// the same findings on the page as on the command line. The tables, aliases and shared
// columns come from the year's plan (never a list kept here).

import { problem, pyRepr } from "./problems.js";

/** The system columns every raw table has (DuckDB names are case-insensitive). */
export const SYSTEM_COLUMNS = new Set(["_id", "_file", "_row", "_line"]);

export function normaliseHeader(name, aliases) {
  let text = name === null || name === undefined ? "" : String(name);
  text = pyStrip(text.replaceAll("\ufeff", ""));
  text = pyStrip(stripChars(text, '"'));
  text = text.replace(/[\s-]+/g, "_").toUpperCase();
  return aliases[text] ?? text;
}

// Python's str.strip(): whitespace as Python counts it (close enough: JS \s)
function pyStrip(text) {
  return text.replace(/^\s+|\s+$/g, "");
}

function stripChars(text, ch) {
  let a = 0;
  let b = text.length;
  while (a < b && text[a] === ch) a++;
  while (b > a && text[b - 1] === ch) b--;
  return text.slice(a, b);
}

/** The model's view of the plan: tables by name, aliases and the shared columns. */
export class Model {
  constructor(plan) {
    this.aliases = plan.aliases || {};
    this.shared = new Set(plan.shared || []);
    this.tables = plan.tables.map((t) => ({
      name: t.name,
      columns: t.columns,
      csv: t.csv_columns || t.columns,
      derived: new Set(t.derived || []),
      // a column only the XML carries (the UASC flag) is never missing from a CSV file
      xmlOnly: new Set(t.xml_only || t.columns.filter((c) => !(t.csv_columns || t.columns).includes(c))),
    }));
    this.byName = new Map(this.tables.map((t) => [t.name, t]));
    this.xml = plan.xml || null;
  }

  table(name) {
    return this.byName.get(name);
  }

  ownShare(t, names) {
    const own = t.csv.filter((c) => !this.shared.has(c));
    if (!own.length) return 0;
    return own.filter((c) => names.has(c)).length / own.length;
  }

  /** The table whose CSV columns best match ``names``; null below half of its own columns. */
  findByColumns(names) {
    let best = null;
    for (const t of this.tables) {
      const own = new Set(t.csv.filter((c) => !this.shared.has(c)));
      if (!own.size) continue;
      const share = [...own].filter((c) => names.has(c)).length / own.size;
      const csv = new Set(t.csv);
      const extra = -[...names].filter((n) => !csv.has(n)).length;
      if (share > 0 && (best === null || share > best.share || (share === best.share && extra > best.extra))) {
        best = { share, extra, table: t };
      }
    }
    return best && best.share >= 0.5 ? best.table.name : null;
  }

  /** The table a sheet or file name names ("episodes", "903_UASC_2024"), if any. */
  tableNamed(hint) {
    if (!hint) return null;
    const text = normaliseHeader(hint, this.aliases).replaceAll("_", "");
    const known = new Map(this.tables.map((t) => [t.name.toUpperCase(), t.name]));
    if (known.has(text)) return known.get(text);
    // a longer name holding a table name: the longest table name found wins ("SWEpisodes" over "Episodes")
    let found = null;
    for (const [key, name] of known) if (text.includes(key) && (found === null || name.length > found.length)) found = name;
    return found;
  }

  /** The table ``headers`` belong to; a ``hint`` (sheet or file name) settles close calls. */
  chooseTable(headers, hint) {
    const names = new Set(headers.map((h) => normaliseHeader(h, this.aliases)).filter((n) => n));
    const found = this.findByColumns(names);
    const hinted = this.tableNamed(hint);
    if (hinted !== null) {
      const t = this.table(hinted);
      const all = new Set(this.tables.flatMap((x) => x.csv));
      const known = [...names].filter((n) => all.has(n));
      const own = new Set(t.csv);
      if (this.ownShare(t, names) >= 0.5 || (found === null && known.length && known.every((n) => own.has(n)))) {
        return hinted;
      }
    }
    return found;
  }

  /**
   * Find the table ``headers`` belong to and where each of its columns is.
   * Returns {table, columns: {model column: index|null}, extras: {label: index}, problems}.
   */
  matchColumns(headers, { file, period, line = 1, table = null, hint = null, what = "header row" }) {
    const normal = headers.map((h) => normaliseHeader(h, this.aliases));
    if (table === null) {
      table = this.chooseTable(headers, hint);
      if (table === null) {
        let shown = headers
          .filter((h) => pyStrip(String(h ?? "")))
          .map((h) => pyStrip(String(h)))
          .join(", ") || "(no column names)";
        if (shown.length > 300) shown = shown.slice(0, 300) + " …";
        return {
          table: null,
          columns: {},
          extras: {},
          problems: [
            problem("LOAD02", `The ${what} (${shown}) does not match the columns of any 903 table.`, {
              file,
              line,
              period,
            }),
          ],
        };
      }
    }
    const t = this.table(table);
    const own = new Set(t.columns);
    const match = { table, columns: {}, extras: {}, problems: [] };
    const seen = new Map();
    normal.forEach((name, i) => {
      const orig = headers[i];
      if (!name) {
        match.extras[`(unnamed column ${i + 1})`] = i;
        return;
      }
      if (seen.has(name)) {
        // the repeat is kept beside the model's columns, so its values still reach the reports
        const label = `${pyStrip(String(orig).replaceAll("\ufeff", ""))} (column ${i + 1})`;
        match.extras[label] = i;
        match.problems.push(
          problem(
            "LOAD05",
            `${name} is column ${seen.get(name) + 1} and again column ${i + 1}; the first is used, ` +
              `and the second is kept as ${pyRepr(label)} but not validated.`,
            { file, line, column: name, table, period },
          ),
        );
        return;
      }
      seen.set(name, i);
      if (!own.has(name)) {
        let label = pyStrip(String(orig).replaceAll("\ufeff", ""));
        const lower = new Set(Object.keys(match.extras).map((k) => k.toLowerCase()));
        if (SYSTEM_COLUMNS.has(label.toLowerCase()) || lower.has(label.toLowerCase())) label = `${label} (column ${i + 1})`;
        match.extras[label] = i;
        let said = `${pyRepr(label)} is not a column of ${table}; it is kept but not validated.`;
        if (t.derived.has(name)) {
          // PL_LA, PL_LOCATION, PL_DISTANCE
          said =
            `${pyRepr(label)} is worked out from the postcodes here, as the DfE does; the value given is kept` +
            (name === "PL_LOCATION" ? " and rule 411 reports where it disagrees." : " but not used.");
        }
        match.problems.push(problem("LOAD04", said, { file, line, column: label, table, period }));
      }
    });
    for (const col of t.columns) {
      const idx = seen.has(col) ? seen.get(col) : null;
      match.columns[col] = idx;
      if (idx === null && !t.xmlOnly.has(col)) {
        match.problems.push(
          problem("LOAD03", `${table} needs a ${col} column; every ${col} is treated as blank.`, {
            file,
            line,
            column: col,
            table,
            period,
          }),
        );
      }
    }
    return match;
  }
}
