// Excel workbooks (.xlsx) read with read-excel-file, one table per worksheet.
//
// The twin of src/ssda903/ingest/xlsx.py: the header is the first row naming a 903 table's
// columns among a sheet's first ten non-empty rows (rows above it are LOAD24), the sheet's
// name settles close calls, typed cells are written as a UK analyst types them (dates
// DD/MM/YYYY, whole numbers without ".0") and text cells stay exactly as they are.
// ``_line`` is the sheet's row number; entirely empty rows are skipped.

import readExcelFile from "read-excel-file/browser";
import { arrowTable, integerVector, textVector } from "./db.js";
import { firstLine, problem, pyRepr } from "./problems.js";

/** how many non-empty rows at the top of a sheet may come before its header row */
const HEADER_SEARCH = 10;

const pad = (n, w = 2) => String(n).padStart(w, "0");

/** The text form of one cell, as values.cell_text writes it. */
export function cellText(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value || null;
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    if (Number.isInteger(value) && Math.abs(value) < 1e17) return String(value);
    return String(Number(value.toPrecision(15)));
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    const day = `${pad(value.getUTCDate())}/${pad(value.getUTCMonth() + 1)}/${pad(value.getUTCFullYear(), 4)}`;
    const [h, m, s] = [value.getUTCHours(), value.getUTCMinutes(), value.getUTCSeconds()];
    // midnight is dropped: that is how Excel stores a plain date
    return h || m || s || value.getUTCMilliseconds() ? `${day} ${pad(h)}:${pad(m)}:${pad(s)}` : day;
  }
  return String(value);
}

const isEmpty = (cells) => cells.every((c) => c === null || c === undefined || c === "");

function headerNames(cells) {
  const names = cells.map((c) => cellText(c) ?? "");
  // a header row ends at its last named column; Excel pads the range with empty cells
  while (names.length && !names[names.length - 1].trim()) names.pop();
  return names;
}

/** Load every worksheet of one workbook (bytes) into the Dataset. */
export async function loadXlsx(ds, bytes, { period, file, stem }) {
  let sheets;
  try {
    sheets = await readExcelFile(new Blob([bytes]), { trim: false });
  } catch (e) {
    ds.addProblem(
      problem("LOAD01", `The file could not be opened as an Excel workbook (${firstLine(e).slice(0, 200)}).`, {
        file,
        period,
      }),
    );
    return;
  }
  let used = 0;
  for (const { sheet, data } of sheets) {
    used += await loadSheet(ds, sheet, data, { period, file: `${file}!${sheet}`, stem });
  }
  if (used === 0) ds.addProblem(problem("LOAD10", "The workbook has no data in any sheet.", { file, period }));
}

async function loadSheet(ds, sheet, rows, { period, file, stem }) {
  const model = ds.model;
  const hint = model.tableNamed(sheet) ? sheet : stem;
  const seen = []; // [sheet row, cells] of the first non-empty rows
  let headerAt = null;
  let number = 0;
  for (; number < rows.length; number++) {
    const cells = rows[number];
    if (isEmpty(cells)) continue;
    seen.push([number + 1, cells]);
    if (model.chooseTable(headerNames(cells), hint) !== null) {
      headerAt = seen.length - 1;
      break;
    }
    if (seen.length >= HEADER_SEARCH) break;
  }
  if (!seen.length) return 0;
  if (headerAt === null) {
    // Not a 903 table. The first non-empty row is taken as its header for the message.
    const [line, cells] = seen[0];
    const match = model.matchColumns(headerNames(cells), {
      file,
      period,
      line,
      hint,
      what: `first row of sheet ${pyRepr(sheet)}`,
    });
    for (const p of match.problems) ds.addProblem(p);
    return 1;
  }
  const [headerLine, headerCells] = seen[headerAt];
  for (const [above, title] of seen.slice(0, headerAt)) {
    // a title row is not data, but it is not dropped silently either
    const text = title
      .map((c) => String(cellText(c) ?? "").trim())
      .filter((c) => c)
      .join(" ");
    ds.addProblem(
      problem("LOAD24", `Row ${above} of sheet ${pyRepr(sheet)} is above the header row (row ${headerLine}) and was not read.`, {
        file,
        line: above,
        value: text.slice(0, 200),
        period,
      }),
    );
  }
  const headers = headerNames(headerCells);
  const match = model.matchColumns(headers, {
    file,
    period,
    line: headerLine,
    hint,
    what: `header row of sheet ${pyRepr(sheet)}`,
  });
  for (const p of match.problems) ds.addProblem(p);

  const width = headerCells.length;
  const lines = [];
  const columns = Array.from({ length: width }, () => []);
  for (let i = number + 1; i < rows.length; i++) {
    const cells = rows[i];
    if (isEmpty(cells)) continue;
    lines.push(i + 1);
    for (let c = 0; c < width; c++) columns[c].push(cellText(cells[c]));
  }
  // drop the columns Excel pads a sheet with (no header name, no values); keep and name those with values
  const hasValue = columns.map((col) => col.some((v) => v !== null));
  for (const [name, i] of Object.entries(match.extras)) {
    if (name.startsWith("(unnamed") && !hasValue[i]) delete match.extras[name];
  }
  for (let i = headers.length; i < width; i++) if (hasValue[i]) match.extras[`(unnamed column ${i + 1})`] = i;
  const used = new Set([...Object.values(match.columns).filter((i) => i !== null), ...Object.values(match.extras)]);
  const vectors = { _row: integerVector([...lines.keys()]), _line: integerVector(lines) };
  for (let c = 0; c < width; c++) if (used.has(c)) vectors[`c${c}`] = textVector(columns[c]);
  await ds.con.insertArrow(arrowTable(vectors), "_xlsx_rows");
  try {
    await ds.appendMatched(period, match, "_xlsx_rows", { file });
  } finally {
    await ds.con.run("DROP TABLE IF EXISTS _xlsx_rows");
  }
  return 1;
}
