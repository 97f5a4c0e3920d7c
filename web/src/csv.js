// CSV files: encoding and layout detection in JavaScript, then one read by DuckDB's read_csv.
//
// The twin of src/ssda903/ingest/csv.py. DuckDB reads the bytes from a registered buffer with
// every option stated (nothing sniffed), so rows split into columns exactly as on the command
// line. Files that are not UTF-8 (UTF-16, Windows-1252, UTF-8 with a stray Windows-1252 byte)
// are transcoded to UTF-8 first. Line numbers are exact: one line per row is checked by
// counting line breaks; otherwise each row's first line comes from a quote-aware scan.

import { arrowTable, integerVector, literal, quote } from "./db.js";
import { RAW_SCHEMA, UNNAMED } from "./sink.js";
import { firstLine, problem } from "./problems.js";

export const SAMPLE = 64 * 1024;
const DELIMITERS = [",", ";", "\t", "|"];

export class NotText extends Error {}

function isControl(b) {
  return b < 9 || (b >= 14 && b < 32);
}

/** The index of the first byte that is not part of valid UTF-8, or -1. */
export function utf8ErrorAt(bytes, start = 0) {
  let i = start;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = utf8Length(bytes, i);
    if (len === 0) return i;
    i += len;
  }
  return -1;
}

// length of the valid UTF-8 sequence at i, 0 when invalid (overlong forms and surrogates too)
function utf8Length(bytes, i) {
  const b = bytes[i];
  const n = bytes.length;
  const cont = (k) => i + k < n && (bytes[i + k] & 0xc0) === 0x80;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = bytes[i + 1];
    if (b === 0xe0 && b1 < 0xa0) return 0;
    if (b === 0xed && b1 >= 0xa0) return 0;
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = bytes[i + 1];
    if (b === 0xf0 && b1 < 0x90) return 0;
    if (b === 0xf4 && b1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

/** Name the encoding of a file from its first bytes, as csv.detect_encoding does; throws NotText. */
export function detectEncoding(sample) {
  const starts = (...prefix) => prefix.every((b, i) => sample[i] === b);
  if (starts(0xef, 0xbb, 0xbf)) return "utf-8-sig";
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return "utf-16";
  if (sample.includes(0)) {
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i < sample.length; i++) if (sample[i] === 0) i % 2 ? oddZero++ : evenZero++;
    const even = Math.ceil(sample.length / 2);
    const odd = Math.floor(sample.length / 2);
    if (sample.length >= 4 && oddZero > 0.4 * odd && evenZero < 0.1 * even) return "utf-16-le";
    if (sample.length >= 4 && evenZero > 0.4 * even && oddZero < 0.1 * odd) return "utf-16-be";
    throw new NotText("it contains NUL bytes");
  }
  let controls = 0;
  for (const b of sample) if (isControl(b)) controls++;
  if (controls > Math.max(2, Math.floor(sample.length / 100))) throw new NotText("it contains binary data");
  const bad = utf8ErrorAt(sample);
  if (bad === -1) return "utf-8";
  // a multi-byte character cut at the end of the sample is still UTF-8
  if (bad >= sample.length - 3 && sample.length === SAMPLE) return "utf-8";
  return "cp1252";
}

/** UTF-8 text where valid, each other byte read as Windows-1252 (Excel's default for CSV). */
function decodeMixed(bytes) {
  const cp1252 = new TextDecoder("windows-1252");
  const utf8 = new TextDecoder("utf-8");
  const parts = [];
  let i = 0;
  while (i < bytes.length) {
    const bad = utf8ErrorAt(bytes, i);
    if (bad === -1) {
      parts.push(utf8.decode(bytes.subarray(i)));
      break;
    }
    parts.push(utf8.decode(bytes.subarray(i, bad)));
    parts.push(cp1252.decode(bytes.subarray(bad, bad + 1)));
    i = bad + 1;
  }
  return parts.join("");
}

/** The file as UTF-8 bytes without a BOM. */
export function transcode(bytes, encoding) {
  let text;
  if (encoding === "utf-8") text = decodeMixed(bytes);
  else if (encoding === "cp1252") text = new TextDecoder("windows-1252").decode(bytes);
  else if (encoding === "utf-16" || encoding === "utf-16-le")
    text = new TextDecoder(bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : "utf-16le").decode(bytes);
  else if (encoding === "utf-16-be") text = new TextDecoder("utf-16be").decode(bytes);
  else text = new TextDecoder(encoding).decode(bytes);
  if (text.startsWith("\ufeff")) text = text.slice(1);
  return new TextEncoder().encode(text);
}

/** One CSV record from a single line, with Python csv's defaults (doublequote, quotechar "). */
export function splitLine(line, delimiter) {
  const cells = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  let atStart = true;
  while (i < line.length) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else cell += ch;
    } else if (ch === '"' && atStart) {
      quoted = true;
      atStart = false;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = "";
      atStart = true;
      i++;
      continue;
    } else {
      cell += ch;
      atStart = false;
    }
    i++;
  }
  if (line.length) cells.push(cell);
  return cells;
}

function blankish(line) {
  return !line.replace(/^[ \t,;|]+|[ \t,;|]+$/g, "");
}

/** Where the header is and how the file is delimited; null when there is no header. */
export function readLayout(bytes) {
  const sample = bytes.subarray(0, SAMPLE);
  let text = new TextDecoder("utf-8").decode(sample);
  if (text.startsWith("\ufeff")) text = text.slice(1);
  const lines = text.split(/\r\n|\r|\n/);
  if (sample.length === SAMPLE && lines.length > 1) lines.pop(); // possibly cut short
  for (const [skip, line] of lines.entries()) {
    if (blankish(line)) continue;
    // the delimiter used most on the header line; on a tie the first of the list, as Python's max
    let delimiter = DELIMITERS[0];
    let most = -1;
    for (const d of DELIMITERS) {
      const n = line.split(d).length - 1;
      if (n > most) [delimiter, most] = [d, n];
    }
    return { skip, header: splitLine(line, delimiter), delimiter };
  }
  return null;
}

function options(names, layout, parallel) {
  const columns = "{" + names.map((n) => `'${n}': 'VARCHAR'`).join(", ") + "}";
  return (
    `auto_detect=false, header=true, skip=${layout.skip}, columns=${columns}, delim=${literal(layout.delimiter)}, ` +
    `quote='"', escape='"', comment='', null_padding=true, strict_mode=false, parallel=${parallel}`
  );
}

/** Line feeds in the file, and how many come after its last character that is not a line break. */
function countBreaks(bytes) {
  let breaks = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) breaks++;
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 10 || bytes[end - 1] === 13)) end--;
  let trailing = 0;
  for (let i = end; i < bytes.length; i++) if (bytes[i] === 10) trailing++;
  return { breaks, trailing };
}

/** The first line of every data row, the way DuckDB reads rows (blank lines skipped). */
function exactLines(bytes, layout) {
  const text = new TextDecoder("utf-8").decode(bytes);
  const starts = [];
  let line = 1; // the line the scan is on
  let recordStart = 1;
  let cells = 0; // characters in the record so far (a blank line is a record with none)
  let quoted = false;
  let fieldStart = true;
  let headerSeen = false;
  const endRecord = () => {
    if (recordStart > layout.skip) {
      if (!headerSeen) headerSeen = true;
      else if (cells > 0) starts.push(recordStart);
    }
    cells = 0;
    fieldStart = true;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const isBreak = ch === "\n" || ch === "\r";
    if (isBreak) {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      line++;
      if (!quoted) {
        endRecord();
        recordStart = line;
      }
      continue;
    }
    cells++;
    if (ch === '"') {
      if (quoted && text[i + 1] === '"') i++;
      else if (quoted) quoted = false;
      else if (fieldStart) quoted = true;
    }
    fieldStart = ch === layout.delimiter;
  }
  if (cells > 0 || quoted) endRecord();
  return starts;
}

async function settleLines(ds, period, table, file, bytes, layout, rows) {
  const { breaks, trailing } = countBreaks(bytes);
  // one line break between each pair of the skipped lines, the header and the rows, then those at the end
  if (rows === 0 || breaks === layout.skip + rows + trailing) return;
  const starts = exactLines(bytes, layout);
  if (starts.length !== rows) return; // the two readers disagree on what a row is; keep the provisional numbers
  const lookup = arrowTable({ _row: integerVector([...starts.keys()]), _line: integerVector(starts) });
  await ds.con.insertArrow(lookup, "_csv_lines");
  try {
    const raw = `${RAW_SCHEMA[period]}.${quote(table)}`;
    await ds.con.run(
      `UPDATE ${raw} SET _line = l._line FROM _csv_lines l ` +
        `WHERE ${raw}._file = ${literal(file)} AND ${raw}._row = l._row`,
    );
  } finally {
    await ds.con.run("DROP TABLE IF EXISTS _csv_lines");
  }
}

/** DuckDB keeps one value beyond the header (the spare column); a row with more keeps them all there. */
async function keepEveryExtraValue(ds, period, table, file, bytes, layout) {
  const raw = `${RAW_SCHEMA[period]}.${quote(table)}`;
  const spareName = `${UNNAMED} ${layout.header.length + 1})`;
  if (!(await ds.rawColumns(period, table)).has(spareName)) return;
  const rows = await ds.con.run(
    `SELECT _line, _row FROM ${raw} WHERE _file = ${literal(file)} AND ${quote(spareName)} IS NOT NULL`,
  );
  if (!rows.length) return;
  const wanted = new Map(rows.map((r) => [Number(r._line), Number(r._row)]));
  const lines = new TextDecoder("utf-8").decode(bytes).split(/(?<=\n)/);
  const found = [];
  for (let number = 1; number <= lines.length; number++) {
    if (!wanted.has(number)) continue;
    let text = lines[number - 1];
    let k = number;
    while ((text.match(/"/g) || []).length % 2 && k < lines.length) text += lines[k++]; // a quoted value goes on
    const cells = splitLine(text.replace(/\r?\n$/, ""), layout.delimiter);
    const beyond = cells.slice(layout.header.length);
    if (beyond.length > 1) found.push([wanted.get(number), beyond.join(layout.delimiter)]);
  }
  if (!found.length) return;
  for (const [row, value] of found) {
    await ds.con.run(
      `UPDATE ${raw} SET ${quote(spareName)} = ${literal(value)} WHERE _file = ${literal(file)} AND _row = ${row}`,
    );
  }
}

async function readInto(ds, period, match, file, bytes, layout) {
  const table = match.table;
  const n = layout.header.length;
  const names = Array.from({ length: n + 1 }, (_, i) => `c${i}`); // one spare column catches values beyond the header
  const before = await ds.rawColumns(period, table);
  const name = await ds.con.register(bytes, ".csv");
  try {
    for (const parallel of [true, false]) {
      const relation =
        "(SELECT row_number() OVER () - 1 AS _row, * " +
        `FROM read_csv(${literal(name)}, ${options(names, layout, parallel)}))`;
      try {
        await ds.appendMatched(period, match, relation, {
          file,
          lineExpr: `_row + ${layout.skip + 2}`,
          overflow: n,
          before,
          after: async (rows) => {
            await settleLines(ds, period, table, file, bytes, layout, rows);
            await keepEveryExtraValue(ds, period, table, file, bytes, layout);
          },
        });
        return;
      } catch (e) {
        // values spanning lines together with short rows need DuckDB's one-thread reader
        if (!parallel || !String(e.message || e).includes("parallel")) throw e;
      }
    }
  } finally {
    await ds.con.unregister(name);
  }
}

/** Load one CSV file (bytes) into the Dataset; every problem becomes a load problem. */
export async function loadCsv(ds, bytes, { period, file, stem }) {
  const say = (code, message) => ds.addProblem(problem(code, message, { file, period }));
  const sample = bytes.subarray(0, SAMPLE);
  // as Python's sample.strip(...): nothing but line breaks, spaces, byte order marks and NULs
  const filler = new Set([13, 10, 9, 32, 0xef, 0xbb, 0xbf, 0xff, 0xfe, 0]);
  if (bytes.length === 0 || sample.every((b) => filler.has(b))) {
    say("LOAD10", "The file has no content at all, not even a header row.");
    return;
  }
  let encoding;
  try {
    encoding = detectEncoding(sample);
  } catch (e) {
    if (!(e instanceof NotText)) throw e;
    say("LOAD01", `This is not a CSV text file: ${e.message}. Was a spreadsheet or other file renamed to .csv?`);
    return;
  }
  let readable = bytes;
  if (encoding !== "utf-8" && encoding !== "utf-8-sig") {
    readable = transcode(bytes, encoding);
    if (encoding === "cp1252") say("LOAD13", "The file is not UTF-8; it was read as Windows-1252 (the Excel default for CSV).");
  }
  const layout = readLayout(readable);
  if (layout === null) {
    say("LOAD10", "The file has only blank lines; there is no header row.");
    return;
  }
  const match = ds.model.matchColumns(layout.header, { file, period, line: layout.skip + 1, hint: stem });
  for (const p of match.problems) ds.addProblem(p);
  if (match.table === null) return;
  try {
    await readInto(ds, period, match, file, readable, layout);
  } catch (e) {
    const message = String(e.message || e);
    if ((encoding !== "utf-8" && encoding !== "utf-8-sig") || !message.toLowerCase().includes("invalid unicode")) {
      say("LOAD01", `The file could not be read as CSV: ${firstLine(e)}`);
      return;
    }
    readable = transcode(bytes, "utf-8");
    say(
      "LOAD13",
      "The file is not valid UTF-8 throughout; the bytes that are not were read as Windows-1252 (the Excel default for CSV).",
    );
    try {
      await readInto(ds, period, match, file, readable, layout);
    } catch (e2) {
      say("LOAD01", `The file could not be read as CSV: ${firstLine(e2)}`);
    }
  }
}
