// DfE 903 XML returns (root EXPSSDA903), read with the browser's DOMParser.
//
// The twin of src/ssda903/ingest/xml.py: the same layout (taken from the Python reader and
// written into the plan as ``plan.xml`` by ``ssda903 page``), the same rows, the same LOAD
// problems. CHILD and DOB (and SEX for UASC) come from the child's HEADER; ``_line`` is the
// line of the row's element. DOMParser gives no line numbers, so the start tags are counted
// in the text beforehand: the n-th start tag there is the n-th element in document order.
//
// A file that stops being well-formed keeps the children closed before the error, as lxml's
// iterparse does on the command line. One difference, for now: element namespaces are ignored
// (the DfE files have none).

import { arrowTable, integerVector, quote, textVector } from "./db.js";
import { RAW_SCHEMA } from "./sink.js";
import { SYSTEM_COLUMNS } from "./columns.js";
import { problem, pyRepr, thousands } from "./problems.js";

const ROOT = "EXPSSDA903";
const SHARED_COLUMNS = ["CHILD", "DOB", "SEX"];
/** other XML formats an analyst might pick up by mistake, by root element */
const OTHER_FORMATS = {
  Message: "the children in need (CIN) census",
  CSWW: "the children's social work workforce census",
};

/** The line of every start tag, in document order. */
function startTagLines(text) {
  const lines = [];
  let line = 1;
  const n = text.length;
  const skipTo = (i, end) => {
    const j = text.indexOf(end, i);
    const stop = j === -1 ? n : j + end.length;
    for (let k = i; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
    return stop;
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
      continue;
    }
    if (c !== 60) {
      i++;
      continue;
    }
    if (text.startsWith("<!--", i)) i = skipTo(i, "-->");
    else if (text.startsWith("<![CDATA[", i)) i = skipTo(i, "]]>");
    else if (text.startsWith("<?", i)) i = skipTo(i, "?>");
    else if (text.startsWith("<!", i) || text.startsWith("</", i)) i = skipTo(i, ">");
    else {
      lines.push(line);
      // to the end of the tag; a quoted attribute value may hold ">" or a line break
      let quoteChar = null;
      i++;
      for (; i < n; i++) {
        const ch = text[i];
        if (ch === "\n") line++;
        if (quoteChar) {
          if (ch === quoteChar) quoteChar = null;
        } else if (ch === '"' || ch === "'") quoteChar = ch;
        else if (ch === ">") {
          i++;
          break;
        }
      }
    }
  }
  return lines;
}

function decode(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  // the XML declaration's encoding, as an XML parser reading the bytes would honour it
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200));
  const declared = head.match(/^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/);
  let label = declared ? declared[1] : "utf-8";
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    label = "utf-8";
    return new TextDecoder(label).decode(bytes);
  }
}

const elementChildren = (el) => Array.from(el.children);
const hasElements = (el) => el.children.length > 0;
/** An element's text as kept in raw: exactly as written, except that whitespace alone is blank. */
function textOf(el) {
  const t = el.textContent;
  return !t || !t.trim() ? null : t;
}

export async function loadXml(ds, bytes, { period, file }) {
  const say = (code, message, line = null) => ds.addProblem(problem(code, message, { file, period, line }));
  const filler = new Set([32, 9, 13, 10, 0xef, 0xbb, 0xbf, 0xff, 0xfe, 0]);
  if (bytes.subarray(0, 4096).every((b) => filler.has(b))) {
    say("LOAD10", "The file has no content at all.");
    return;
  }
  const text = decode(bytes);
  const doc = new DOMParser().parseFromString(text, "application/xml");
  const error = doc.getElementsByTagName("parsererror")[0];
  let broken = null; // where the XML stops being well-formed: {message, line, offset}
  if (error) {
    const said = (error.textContent || "").replace(/\s+/g, " ");
    const m = said.match(/error on line (\d+) at column (\d+): (.*?)(\s*Below is a rendering.*)?$/);
    const message = (m ? m[3] : said).trim().replace(/\.$/, "");
    const line = m ? Number(m[1]) : null;
    broken = { message, line, offset: m ? offsetOf(text, line, Number(m[2])) : 0 };
    error.remove();
    // the root was read before the error (as lxml's first event): its children up to the error are read
    const partial = doc.documentElement;
    if (!partial || partial.localName === "parsererror" || partial.localName === "html") {
      if (/Start tag expected|Document is empty/.test(message)) {
        say("LOAD01", `This is not an XML file (${message}); a 903 XML file starts with <${ROOT}>.`, line);
      } else {
        say("LOAD01", `The XML is not well-formed: ${message}.`, line);
      }
      return;
    }
  }
  const root = doc.documentElement;
  if (!root) {
    say("LOAD10", "The file has no XML elements.");
    return;
  }
  const tagLines = startTagLines(text);
  const lines = new Map();
  const all = [root, ...root.getElementsByTagName("*")];
  all.forEach((el, i) => lines.set(el, tagLines[i] ?? null));
  if (root.localName !== ROOT) {
    const other = OTHER_FORMATS[root.localName];
    say("LOAD11", `The root element is <${root.localName}>, not <${ROOT}>.${other ? ` It looks like ${other} return.` : ""}`, lines.get(root));
    return;
  }
  const layout = ds.model.xml;
  if (!layout) {
    say("LOAD01", "This page was written without the XML layout; write it again with ssda903 page.");
    return;
  }
  const reader = new Reader(ds, period, file, layout, lines);
  if (broken) {
    // as lxml's iterparse: the children whose end tag comes before the error are read, no more
    const complete = countEndTags(text, "CHILD", broken.offset);
    const children = elementChildren(root).filter((el) => el.localName === "CHILD").slice(0, complete);
    for (const el of children) reader.child(el);
    const n = reader.children;
    say(
      "LOAD01",
      `The XML is not well-formed: ${broken.message}. The ${thousands(n)} ${n === 1 ? "child" : "children"} ` +
        "before that point were loaded; the rest of the file was not.",
      broken.line,
    );
  } else {
    for (const el of elementChildren(root)) {
      if (el.localName === "CHILD") reader.child(el);
      else reader.outside(el);
    }
  }
  await reader.finish();
}

/** The offset in ``text`` of a 1-based line and column. */
function offsetOf(text, line, column) {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf("\n", at);
    if (next === -1) return text.length;
    at = next + 1;
  }
  return Math.min(text.length, at + Math.max(0, column - 1));
}

/** How many end tags of ``name`` (in any namespace) close before ``offset``. */
function countEndTags(text, name, offset) {
  const pattern = new RegExp(`</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`, "g");
  let n = 0;
  for (const m of text.slice(0, offset).matchAll(pattern)) if (m.index + m[0].length <= offset) n++;
  return n;
}

class Staged {
  constructor(table, columns) {
    this.table = table;
    this.columns = columns;
    this.extras = new Map(); // key ("\0" + element) → staging column
    this.rows = [];
    this.lines = [];
  }

  get next() {
    return this.rows.length;
  }

  add(values, line) {
    this.rows.push(values);
    this.lines.push(line);
  }

  addExtra(element) {
    const key = `\u0000${element}`;
    if (!this.extras.has(key)) this.extras.set(key, `e${this.extras.size}`);
    return key;
  }
}

class Reader {
  constructor(ds, period, file, layout, lines) {
    this.ds = ds;
    this.period = period;
    this.file = file;
    this.layout = layout;
    this.lines = lines;
    this.staged = new Map();
    this.reported = new Set();
    this.unknownGroups = new Map();
    this.children = 0;
    // the tables the format carries are supplied even when no child has a row for them
    for (const name of layout.carried) this.stage(name);
    this.header = this.staged.get("Header");
    this.headerNames = layout.elements.Header;
    this.headerItems = new Set(layout.header_items);
    this.items = layout.header_item_tables.map((t) => [t, layout.own[t], layout.shared[t], this.stage(t)]);
  }

  line(el) {
    return this.lines.get(el) ?? null;
  }

  stage(table) {
    if (!this.staged.has(table)) this.staged.set(table, new Staged(table, this.layout.columns[table]));
    return this.staged.get(table);
  }

  warn(code, key, message, line, table = "", column = "") {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.ds.addProblem(problem(code, message, { file: this.file, line, table, column, period: this.period }));
  }

  child(element) {
    this.children++;
    const kids = elementChildren(element);
    const headers = kids.filter((el) => el.localName === "HEADER");
    const others = kids.filter((el) => el.localName !== "HEADER");
    const shared = this.headerOf(headers[0] ?? null, element);
    for (const extra of headers.slice(1)) {
      // The format has one HEADER per CHILD. A second one is read as the header of a child of
      // its own; when it names the same child, the repeated Header row says so (LOAD19).
      const own = this.headerOf(extra, extra);
      if (own.CHILD !== shared.CHILD) {
        this.ds.addProblem(
          problem(
            "LOAD16",
            `The <CHILD> on line ${this.line(element)} holds a second <HEADER>, for child ${pyRepr(own.CHILD)}; it is read ` +
              `as a child of its own, and the CHILD's other elements go with the first HEADER (child ${pyRepr(shared.CHILD)}). ` +
              "Give each child its own <CHILD>.",
            { file: this.file, line: this.line(extra), table: "Header", period: this.period, child: own.CHILD },
          ),
        );
      }
    }
    for (const el of others) {
      if (el.localName in this.layout.groups || hasElements(el)) this.group(el, shared);
      else {
        const local = el.localName;
        this.warn("LOAD16", `CHILD\u0000${local}`, `<${local}> directly under CHILD is not part of the 903 XML format; it was ignored.`, this.line(el));
      }
    }
  }

  headerOf(header, at) {
    const items = new Map();
    const itemElements = new Map();
    const groups = [];
    const repeated = [];
    if (header !== null) {
      for (const el of elementChildren(header)) {
        const tag = el.localName;
        if (hasElements(el)) groups.push(el);
        else if (items.has(tag)) repeated.push(el);
        else {
          items.set(tag, textOf(el));
          itemElements.set(tag, el);
        }
      }
    }
    const headerRow = this.header.next;
    const row = this.headerRow(items, itemElements, header !== null ? header : at);
    const shared = Object.fromEntries(SHARED_COLUMNS.map((c) => [c, row[c] ?? null]));
    for (const el of repeated) {
      const table = this.tableOfItem(el.localName);
      this.repeated(el, table, "HEADER", shared.CHILD, "", table === "Header" ? headerRow : null);
    }
    this.itemTables(items, itemElements, shared);
    for (const el of groups) this.group(el, shared);
    return shared;
  }

  tableOfItem(tag) {
    for (const [table, own] of this.items) if (tag in own) return table;
    return "Header";
  }

  repeated(el, table, parent, child, column = "", row = null) {
    const local = el.localName;
    const staged = this.staged.get(table);
    this.ds.addProblem(
      problem(
        "LOAD05",
        `<${local}> is given more than once in this <${parent}>; the first is used and this one ` +
          `(${textOf(el) === null ? "None" : pyRepr(textOf(el))}) is not. Keep one.`,
        {
          file: this.file,
          line: this.line(el),
          column: column || local,
          value: textOf(el),
          table,
          period: this.period,
          row: row === null ? staged.next : row,
          child,
        },
      ),
    );
  }

  headerRow(items, elements, header) {
    const names = this.headerNames;
    const row = {};
    for (const [tag, text] of items) {
      let column = names[tag] ?? null;
      if (column === null && !this.headerItems.has(tag)) {
        column = this.header.addExtra(tag);
        this.warn(
          "LOAD04",
          `Header\u0000${tag}`,
          `<${tag}> in HEADER is not part of the 903 XML format; it is kept with Header but not validated.`,
          this.line(elements.get(tag)),
          "Header",
          tag,
        );
      }
      if (column === null) continue;
      if (column in row) {
        // CHILDID and CHILD both given
        this.repeated(elements.get(tag), "Header", "HEADER", row.CHILD ?? null, column.replace(/^\u0000/, ""));
        continue;
      }
      row[column] = text;
    }
    this.header.add(row, this.line(header));
    return row;
  }

  itemTables(items, elements, shared) {
    for (const [table, own, sharedColumns, staged] of this.items) {
      const given = Object.keys(own).filter((tag) => items.get(tag) !== null && items.get(tag) !== undefined);
      let line;
      if (table === "UASC") {
        const flag = items.get("UASC");
        if (given.length) line = this.line(elements.get(given[0]));
        else if (flag !== null && flag !== undefined && flag.trim() === "1") line = this.line(elements.get("UASC"));
        else continue;
      } else if (given.length) line = Math.min(...given.map((tag) => this.line(elements.get(tag))));
      else continue;
      const row = {};
      for (const [tag, column] of Object.entries(own)) if (items.has(tag)) row[column] = items.get(tag);
      for (const column of sharedColumns) row[column] = shared[column];
      staged.add(row, line);
    }
  }

  tableOfGroup(el) {
    const local = el.localName;
    if (this.unknownGroups.has(local)) return this.unknownGroups.get(local);
    let table = this.layout.groups[local] ?? null;
    if (table === null) {
      // elements named like a table's CSV columns (how SWEpisodes and DoLo might arrive)
      const leaves = new Set(elementChildren(el).filter((c) => !hasElements(c)).map((c) => c.localName));
      table = findTableByColumns(this.layout.csv_columns, leaves);
    }
    if (table === null) {
      this.warn("LOAD16", `group\u0000${local}`, `<${local}> is not part of the 903 XML format; it was ignored.`, this.line(el));
    }
    this.unknownGroups.set(local, table);
    return table;
  }

  group(el, shared) {
    const table = this.layout.groups[el.localName] ?? this.tableOfGroup(el);
    if (table === null) return;
    const staged = this.stage(table);
    const own = this.layout.own[table];
    const row = {};
    for (const c of elementChildren(el)) {
      let column = own[c.localName] ?? null;
      if (column === null) {
        column = this.unusual(c, el, table, staged);
        if (column === null) continue;
      }
      if (column in row) {
        this.repeated(c, table, el.localName, shared.CHILD, column.replace(/^\u0000/, ""));
        continue;
      }
      row[column] = textOf(c);
    }
    for (const column of this.layout.shared[table]) row[column] = shared[column];
    staged.add(row, this.line(el));
  }

  unusual(c, group, table, staged) {
    const local = c.localName;
    const groupName = group.localName;
    const known = this.layout.elements[table][local];
    if (known !== undefined) {
      // CHILD, DOB or SEX inside a group: the child's are in HEADER, and every table takes those
      if (textOf(c) !== null) {
        this.warn(
          "LOAD16",
          `shared\u0000${groupName}/${local}`,
          `<${local}> inside <${groupName}> is not part of the 903 XML format; it was ignored, ` +
            `and the ${known} given in the child's HEADER is used.`,
          this.line(c),
          table,
          known,
        );
      }
      return null;
    }
    if (hasElements(c)) {
      this.warn(
        "LOAD16",
        `nested\u0000${groupName}/${local}`,
        `<${local}> inside <${groupName}> is not part of the 903 XML format; it was ignored.`,
        this.line(c),
        table,
      );
      return null;
    }
    this.warn("LOAD04", `${table}\u0000${local}`, `<${local}> in <${groupName}> is not part of ${table}; it is kept but not validated.`, this.line(c), table, local);
    return staged.addExtra(local);
  }

  outside(el) {
    const local = el.localName;
    const inside = el.getElementsByTagName("CHILD").length;
    const held = inside ? `; the ${thousands(inside)} <CHILD> element(s) inside it were not read` : "";
    this.warn(
      "LOAD16",
      `root\u0000${local}`,
      `<${local}> directly under <${ROOT}> is not part of the 903 XML format; it was ignored${held}. ` +
        `Each child is a <CHILD> directly under <${ROOT}>.`,
      this.line(el),
    );
  }

  async finish() {
    for (const [table, staged] of this.staged) {
      // every table but Header takes CHILD, DOB and SEX from the child's HEADER: copies, checked there
      await this.append(staged, table === "Header" ? [] : this.layout.shared[table]);
    }
  }

  async append(staged, copied) {
    const ds = this.ds;
    const raw = `${RAW_SCHEMA[this.period]}.${quote(staged.table)}`;
    const cols = staged.columns.map((c) => `${quote(c)} VARCHAR`).join(", ");
    await ds.con.run(`CREATE TABLE IF NOT EXISTS ${raw} (_id BIGINT, _file VARCHAR, _row BIGINT, _line BIGINT, ${cols})`);
    const vectors = { _row: integerVector([...staged.lines.keys()]), _line: integerVector(staged.lines) };
    for (const c of staged.columns) vectors[`m_${c}`] = textVector(staged.rows.map((r) => r[c] ?? null));
    for (const [key, column] of staged.extras) vectors[column] = textVector(staged.rows.map((r) => r[key] ?? null));
    await ds.con.insertArrow(arrowTable(vectors), "_xml_rows");
    try {
      const extras = {};
      for (const [key, column] of staged.extras) {
        let label = key.slice(1);
        if (SYSTEM_COLUMNS.has(label.toLowerCase()) || staged.columns.includes(label.toUpperCase())) label = `${label} (element)`;
        extras[label] = column;
      }
      await ds.append(this.period, staged.table, "_xml_rows", {
        file: this.file,
        columns: Object.fromEntries(staged.columns.map((c) => [c, `m_${c}`])),
        extras,
        copied,
      });
    } finally {
      await ds.con.run("DROP TABLE IF EXISTS _xml_rows");
    }
  }
}

/** The table whose CSV columns best match ``names`` (as Model.find_table_by_columns), or null. */
function findTableByColumns(csvColumns, names) {
  const shared = new Set(SHARED_COLUMNS);
  let best = null;
  for (const [table, columns] of Object.entries(csvColumns)) {
    const own = columns.filter((c) => !shared.has(c));
    if (!own.length) continue;
    const share = own.filter((c) => names.has(c)).length / own.length;
    const extra = -[...names].filter((n) => !columns.includes(n)).length;
    if (share > 0 && (best === null || share > best.share || (share === best.share && extra > best.extra))) best = { share, extra, table };
  }
  return best && best.share >= 0.5 ? best.table : null;
}
