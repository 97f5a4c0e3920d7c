// The runner: a year's plan (the same SQL as the command line) executed on DuckDB-WASM.
//
// Only reading bytes into raw text tables is written for the browser (csv.js, xlsx.js,
// xml.js); everything after that is the plan's SQL, compiled from the Python rule files by
// ``ssda903 page``: prepare → read the files → load → the rules → findings. Every rule gets
// an outcome, as on the command line: passed, failed (n), not run (needs …) or crashed (why).

import { freshConnection, literal, quote } from "./db.js";
import { Dataset } from "./sink.js";
import { Model } from "./columns.js";
import { loadCsv } from "./csv.js";
import { loadXlsx } from "./xlsx.js";
import { loadXml } from "./xml.js";
import { firstLine, problem, thousands } from "./problems.js";
import { unzipSync } from "fflate";

/** how many rules go to DuckDB in one statement when the plan does not say (as plan.PAGE_BATCH) */
export const BATCH = 12;
/** the plan shape this runner knows (ssda903.plan.FORMAT) */
export const PLAN_FORMAT = 1;

const plans = new Map();
let index = null;

/** The list of years the page has plans for ({years: [...], plans: {year: path}, latest}). */
export async function planIndex() {
  if (index === null) {
    const response = await fetch(new URL("plans/index.json", document.baseURI));
    if (!response.ok) throw new Error(`the page has no plans/index.json (${response.status}); write it with ssda903 page`);
    index = await response.json();
  }
  return index;
}

/** The compiled plan of one collection year. */
export async function planFor(year) {
  const idx = await planIndex();
  const path = idx.plans[year];
  if (!path) throw new Error(`no rules for ${year} on this page (it has ${idx.years.join(", ")})`);
  if (!plans.has(year)) {
    plans.set(
      year,
      fetch(new URL(path, document.baseURI))
        .then((r) => {
          if (!r.ok) throw new Error(`the plan for ${year} could not be loaded (${r.status})`);
          return r.json();
        })
        .then((plan) => {
          // a plan of another shape would be run wrongly: refuse it (ssda903.plan.FORMAT)
          if (plan.format !== PLAN_FORMAT) {
            throw new Error(`the plan for ${year} is of format ${plan.format}, this page runs format ${PLAN_FORMAT}: write the page again`);
          }
          return plan;
        }),
    );
  }
  return plans.get(year);
}

/** Fetch the latest year's plan and its reference data ahead of the first run (warm, not required). */
export async function prefetch() {
  const idx = await planIndex();
  if (!idx.latest || !idx.plans[idx.latest]) return;
  const plan = await planFor(idx.latest);
  for (const name of Object.values(plan.reference || {})) await referenceBytes(plan, name);
}

/** Use a plan given directly (tests, or a page that was handed one). */
export function usePlan(plan) {
  plans.set(plan.year, Promise.resolve(plan));
  if (index === null) index = { years: [plan.year], plans: {}, latest: plan.year };
  if (!index.years.includes(plan.year)) index.years.push(plan.year);
  index.plans[plan.year] = index.plans[plan.year] || "(given)";
}

/** "2024/25" from "2024-25", "202425", "2025" (end year) or 2024 start dates, as CollectionYear.parse. */
export function normaliseYear(text) {
  if (text === null || text === undefined || text === "") return null;
  const s = String(text).trim();
  let m = s.match(/^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$/) || s.match(/^(\d{4})(\d{2})$/);
  if (m) return `${m[1]}/${String(Number(m[1]) + 1).slice(2)}`;
  m = s.match(/^(\d{4})$/);
  if (m) return `${Number(m[1]) - 1}/${m[1].slice(2)}`;
  return null;
}

const KIND_NAMES = {
  zip: "a zip file",
  xlsx: "an Excel workbook",
  xls: "an Excel 97-2003 workbook",
  xml: "an XML file",
  text: "a text (CSV) file",
};

function kindOfName(name) {
  const suffix = (name.match(/\.[^./\\]+$/) || [""])[0].toLowerCase();
  if (suffix === ".zip") return "zip";
  if ([".xlsx", ".xlsm", ".xlsb", ".ods"].includes(suffix)) return "xlsx";
  if (suffix === ".xls") return "xls";
  if (suffix === ".xml") return "xml";
  return "text";
}

/** What a file's first bytes say it is (as ingest.sniff): zip, xlsx, xls, xml, text, or null. */
export function sniff(bytes) {
  if (!bytes.length) return null;
  const starts = (...p) => p.every((b, i) => bytes[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    // a workbook is a zip holding [Content_Types].xml and xl/…; the names are stored uncompressed
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 1 << 20)));
    const tail = new TextDecoder("latin1").decode(bytes.subarray(Math.max(0, bytes.length - (1 << 16))));
    const names = head + tail;
    if (names.includes("[Content_Types].xml") && names.includes("xl/")) return "xlsx";
    if (names.includes("mimetype") && names.includes("content.xml")) return "xlsx";
    return "zip";
  }
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return "xls";
  let i = starts(0xef, 0xbb, 0xbf) ? 3 : 0;
  while (i < bytes.length && i < 2048 && [32, 9, 13, 10].includes(bytes[i])) i++;
  if (bytes[i] === 0x3c) return "xml";
  if (starts(0xff, 0xfe, 0x3c, 0x00) || starts(0xfe, 0xff, 0x00, 0x3c)) return "xml";
  return "text";
}

/** Inputs (File objects, or {name, bytes|text, period}) as [{name, bytes, period}], in load order. */
export async function gather(inputs, previous = []) {
  const out = [];
  const add = async (item, period) => {
    if (item instanceof Blob) {
      const name = item.webkitRelativePath || item.name || "file";
      out.push({ name, bytes: new Uint8Array(await item.arrayBuffer()), period });
    } else if (item.file instanceof Blob) {
      const f = item.file;
      out.push({ name: item.name || f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()), period: item.period || period });
    } else {
      const bytes = item.bytes instanceof Uint8Array ? item.bytes : new TextEncoder().encode(item.text ?? "");
      out.push({ name: item.name, bytes, period: item.period || period });
    }
  };
  for (const item of inputs) await add(item, "current");
  for (const item of previous) await add(item, "previous");
  // as the command line reads a folder: this year's files first, each period in name order
  const order = { current: 0, previous: 1 };
  return out
    .filter((f) => !hidden(f.name))
    .sort((a, b) => order[a.period] - order[b.period] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const DATA_SUFFIXES = [".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".xml"];
const suffixOf = (name) => (name.match(/\.[^./\\]+$/) || [""])[0].toLowerCase();
/** Hidden files and folders, Excel's lock files (~$book.xlsx) and macOS zip debris (__MACOSX). */
const hidden = (name) => name.split("/").some((part) => part.startsWith(".") || part.startsWith("~$") || part === "__MACOSX");

/** The files in a zip, each read as if given on its own (as archive.zip!member.csv). */
async function loadZip(ds, f) {
  const say = (message, file = f.name) => ds.addProblem(problem("LOAD01", message, { file, period: f.period }));
  let entries;
  try {
    entries = unzipSync(f.bytes);
  } catch (e) {
    say(`The zip file could not be opened (${firstLine(e)}).`);
    return;
  }
  const members = Object.keys(entries).filter((name) => !name.endsWith("/") && !hidden(name));
  const nested = members.filter((name) => suffixOf(name) === ".zip");
  for (const name of nested) {
    say("A zip file inside a zip file is not read; take it out and give it (or its files) directly.", `${f.name}!${name}`);
  }
  const data = members.filter((name) => DATA_SUFFIXES.includes(suffixOf(name)));
  if (!data.length && !nested.length) say("The zip file holds no CSV, Excel or XML files.");
  for (const name of data) await loadFile(ds, { name: `${f.name}!${name}`, bytes: entries[name], period: f.period });
}

async function loadFile(ds, f) {
  const stem = f.name.split(/[/!]/).pop().replace(/\.[^.]*$/, "");
  const display = f.name;
  try {
    const named = kindOfName(f.name);
    const held = sniff(f.bytes);
    let kind = named;
    if (held !== null && held !== named && !(new Set([held, named]).size === 2 && [held, named].every((k) => k === "xlsx" || k === "xls"))) {
      if (!(held === "text" && named === "xml")) {
        const suffix = (f.name.match(/\.[^./\\]+$/) || ["(no extension)"])[0];
        ds.addProblem(
          problem("LOAD17", `The file is named ${suffix} but holds ${KIND_NAMES[held]}; it was read as such.`, {
            file: display,
            period: f.period,
          }),
        );
        kind = held;
      }
    }
    if (kind === "xlsx") await loadXlsx(ds, f.bytes, { period: f.period, file: display, stem });
    else if (kind === "xls")
      ds.addProblem(
        problem(
          "LOAD01",
          "The file could not be opened as an Excel workbook (an Excel 97-2003 .xls workbook, or one protected by a " +
            "password: the page reads .xlsx). Save it as .xlsx or CSV, or use the ssda903 command.",
          { file: display, period: f.period },
        ),
      );
    else if (kind === "zip") await loadZip(ds, f);
    else if (kind === "xml") await loadXml(ds, f.bytes, { period: f.period, file: display });
    else await loadCsv(ds, f.bytes, { period: f.period, file: display, stem });
  } catch (e) {
    // the last line of defence: a reader bug must not stop the other files
    ds.addProblem(
      problem(
        "LOAD01",
        `The file could not be read (${e && e.name ? e.name : "Error"}: ${firstLine(e)}). ` +
          "This is a fault in ssda903; please report it with the file's shape (not its data).",
        { file: display, period: f.period },
      ),
    );
  }
}

async function runAll(con, statements) {
  for (const sql of statements || []) await con.run(sql);
}

/** The plan's steps that apply (a step is SQL, or {sql, when, unless}), as one script. */
async function runSteps(con, steps, atHand) {
  const key = (pair) => pair.join("\u0000");
  const chosen = (steps || [])
    .map((s) => (typeof s === "string" ? { sql: s } : s))
    .filter((s) => (s.when || []).every((w) => atHand.has(key(w))) && !(s.unless && atHand.has(key(s.unless))))
    .map((s) => s.sql);
  if (chosen.length) await con.run(chosen.join(";\n"));
}

const MIN_OUTSIDE = 3; // as ingest.year: fewer dates outside a year cannot show it is plainly wrong

const startOf = (year) => `${year.slice(0, 4)}-04-01`;
const endOf = (year) => `${Number(year.slice(0, 4)) + 1}-03-31`;
const ukDate = (iso) => (iso ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : "none");
const yearOfDate = (iso) => {
  const [y, m] = iso.split("-").map(Number);
  const start = m >= 4 ? y : y - 1;
  return `${start}/${String(start + 1).slice(2)}`;
};

/**
 * What this year's episode start and end dates say about the year, as ingest.year reads them
 * (the raw text through the plan's as_date macro): the year of nearly the latest date (the 99th
 * percentile, so one mistyped year does not move it) and, for ``year``, how many dates fall
 * inside it, after its end, and how many episodes ended before its start.
 */
async function episodeDates(con, year, schema = "raw") {
  const [row] = await con.run(
    `WITH d AS (
       SELECT as_date(DECOM) AS d, false AS is_end FROM ${schema}."Episodes"
       UNION ALL SELECT as_date(DEC), true FROM ${schema}."Episodes"
     )
     SELECT count(*) AS n, CAST(quantile_disc(d, 0.99) AS VARCHAR) AS latest,
            count(*) FILTER (WHERE d BETWEEN DATE '${startOf(year)}' AND DATE '${endOf(year)}') AS inside,
            count(*) FILTER (WHERE d > DATE '${endOf(year)}') AS after,
            count(*) FILTER (WHERE is_end AND d < DATE '${startOf(year)}') AS ended_before
     FROM d WHERE d IS NOT NULL`,
  );
  return { ...row, said: row.latest ? yearOfDate(row.latest) : null };
}

/** The year the episode dates plainly say instead of ``year`` (as EpisodeDates.other_year), or null. */
function otherYear(dates, year) {
  if (!dates.said || dates.said === year) return null;
  const outside = dates.said > year ? dates.after : dates.ended_before;
  return outside >= MIN_OUTSIDE && outside > dates.inside ? dates.said : null;
}

/** A year given that the episode dates plainly contradict; ``run(..., {forceYear: true})`` validates anyway. */
export class WrongYearError extends Error {
  constructor(message, year, said) {
    super(message);
    this.name = "WrongYearError";
    this.year = year;
    this.said = said;
  }
}

function evidence(dates, year, said) {
  const outside =
    said > year
      ? `${thousands(dates.after)} of the ${thousands(dates.n)} episode start and end dates fall after ${ukDate(endOf(year))}`
      : `${thousands(dates.ended_before)} episodes ended before ${ukDate(startOf(year))}`;
  const inside = `${dates.inside ? "only " : ""}${thousands(dates.inside)} within ${year}`;
  return `${outside} and ${inside} (the latest date is ${ukDate(dates.latest)})`;
}

function wrongYear(dates, year, said) {
  return new WrongYearError(
    `The episode dates say this return is for ${said}, not ${year}: ${evidence(dates, year, said)}. ` +
      `Choose the year (or "From the episode dates"), or validate it as ${year} anyway.`,
    year,
    said,
  );
}

/** Last year's files were read, and hold last year's dates (as ingest.check_previous_year). */
async function checkPrevious(ds, plan, forceYear) {
  if (!ds.problems.concat(ds.sources).some((x) => x.period === "previous")) return; // none given
  if (!ds.sources.some((s) => s.period === "previous")) {
    const reasons = ds.problems
      .filter((p) => p.period === "previous")
      .slice(0, 5)
      .map((p) => `${p.file}: ${p.message}`)
      .join("; ");
    throw new Error(`Nothing could be read for last year's return: ${reasons}`);
  }
  if (forceYear || !ds.has("Episodes", "previous")) return;
  const expected = plan.previous_year;
  const dates = await episodeDates(ds.con, expected, "raw_previous");
  const said = otherYear(dates, expected);
  if (!said) return;
  const what =
    said === plan.year
      ? `this year's (${said}): the same year as the return itself`
      : `${said}, not ${expected} (the year before ${plan.year})`;
  throw new WrongYearError(
    `The files given as last year's hold episode dates of ${what}; ${evidence(dates, expected, said)}. ` +
      `Give last year's return (${expected}), or validate with these files anyway.`,
    plan.year,
    said,
  );
}

let last = null;

async function readFiles(plan, files, progress) {
  if (last !== null) {
    await last.con.close();
    last = null;
  }
  const con = await freshConnection();
  const ds = new Dataset(con, new Model(plan));
  progress({ stage: "prepare", message: `Preparing the ${plan.year} rules` });
  const t0 = performance.now();
  await runAll(con, plan.prepare);
  ds.prepareSeconds = (performance.now() - t0) / 1000;
  for (const [i, f] of files.entries()) {
    progress({ stage: "read", done: i, total: files.length, message: `Reading ${f.name}` });
    await loadFile(ds, f);
  }
  return ds;
}

const references = new Map();

/** A reference file (a gzipped Arrow stream written by ssda903 page), fetched once per page. */
function referenceBytes(plan, name) {
  const path = (plan.reference_files || {})[name];
  if (!path) throw new Error(`the page has no file for the reference data ${name}; write it again with ssda903 page`);
  if (!references.has(path)) {
    const loading = (async () => {
      const response = await fetch(new URL(path, document.baseURI));
      if (!response.ok) throw new Error(`the reference data ${path} could not be loaded (${response.status})`);
      const stream = path.endsWith(".gz") ? response.body.pipeThrough(new DecompressionStream("gzip")) : response.body;
      return new Uint8Array(await new Response(stream).arrayBuffer());
    })();
    loading.catch(() => references.delete(path));
    references.set(path, loading);
  }
  // a copy each time: DuckDB's worker takes the buffer it is given
  return references.get(path).then((bytes) => bytes.slice());
}

/**
 * The ONS code of the LA given by code or name ("E09000008", "croydon", "Croydon (E09000008)");
 * anything that is not an English children's services authority is refused, as the command line does.
 */
export function resolveLa(idx, given) {
  if (given === null || given === undefined || !String(given).trim()) return null;
  const text = String(given).trim();
  const list = idx.authorities;
  if (!list) return text.toUpperCase(); // a page written before the list: take the code as given
  const norm = (s) => s.toLowerCase().replace(/&/g, "and").replace(/[^a-z0-9]+/g, " ").trim();
  const code = (text.match(/\b([EWSN]\d{8})\b/i) || [])[1];
  const found = code ? list.find((a) => a.code === code.toUpperCase()) : list.find((a) => norm(a.name) === norm(text));
  if (found) return found.code;
  if (/^\d+$/.test(text)) {
    throw new Error(`${text}: the DfE's three-digit LA number is not used here; give your LA's ONS code (e.g. E09000008) or its name`);
  }
  throw new Error(`${text} is not an English children's services authority: choose your LA from the list`);
}

/**
 * The LA most children's home postcodes are in (as authority.settle_la guesses it): this year's
 * Episodes first, last year's when none can be placed. Returns {la, note}; la is null when no
 * home postcode lies in an English children's services authority.
 */
async function guessLa(ds, plan, idx) {
  const current = new Map((idx.authorities || []).map((a) => [a.code, a]));
  for (const period of ["current", "previous"]) {
    if (!ds.has("Episodes", period)) continue;
    const rows = await ds.con.run(plan.guess_la[period]);
    const placed = rows.reduce((n, r) => n + Number(r.children), 0);
    const english = rows
      .filter((r) => current.has(r.la))
      .sort((a, b) => Number(b.children) - Number(a.children) || (a.la < b.la ? -1 : 1));
    if (english.length) {
      const best = current.get(english[0].la);
      return {
        la: best.code,
        note:
          `Responsible LA not given: using ${best.name} (${best.code}), where ${thousands(Number(english[0].children))} ` +
          `of ${thousands(placed)} children's home postcodes are; change it above.`,
      };
    }
  }
  return {
    la: null,
    note: "Responsible LA not given and no home postcode could be placed: the rules that need it did not run; give it above.",
  };
}

/** Stop, saying why, when not one file of this year's return could be read. */
function nothingRead(ds) {
  if (ds.sources.some((s) => s.period === "current")) return;
  const reasons = ds.problems.slice(0, 5).map((p) => `${p.file}: ${p.message}`).join("; ");
  throw new Error(`Nothing could be read for the current year: ${reasons || "no CSV, XLSX or XML files were given"}`);
}

/** What a rule that did not run needs, worded as engine._describe_need words it. */
function describeNeed(plan, period, what) {
  if (period !== "previous") return what;
  const table = plan.tables.find((t) => t.name === what);
  if (table && table.years && !table.years.includes(plan.previous_year)) {
    return `${what} of the previous year, which ${plan.previous_year} returns do not have`;
  }
  return `${what} of the previous year`;
}

/**
 * Validate files: the findings rows and every rule's outcome.
 * ``year`` ("2024/25" or any form the command line takes) and ``la`` (an ONS code) may be left out:
 * the year is then the one the episode dates say; without an LA the rules needing one are not run.
 */
export async function run(inputs, { year = null, la = null, previous = [], forceYear = false, onProgress = null } = {}) {
  const t0 = performance.now();
  const progress = (p) => onProgress && onProgress(p);
  const idx = await planIndex();
  la = resolveLa(idx, la);
  const files = await gather(inputs, previous);
  if (!files.some((f) => f.period === "current")) throw new Error("No file was given for this year's return.");
  const given = normaliseYear(year);
  if (year && !given) throw new Error(`${year} is not a collection year (write it as 2024/25)`);
  let chosen = given || idx.latest || idx.years[idx.years.length - 1];
  let plan = await planFor(chosen);
  let ds = await readFiles(plan, files, progress);
  nothingRead(ds);
  let yearSource = "given";
  if (!given) {
    const dates = await episodeDates(ds.con, chosen);
    const guessed = dates.said;
    if (guessed === null) throw new Error("The collection year cannot be told from the files (no episode dates): choose it.");
    if (!idx.years.includes(guessed)) {
      throw new Error(
        `The episode dates say the collection year is ${guessed} (the latest ${ukDate(dates.latest)}), which is not one ` +
          `this page checks (${idx.years[0]} to ${idx.years[idx.years.length - 1]}): choose the year.`,
      );
    }
    yearSource = "guessed";
    if (guessed !== chosen) {
      // the raw tables were made for another year's model: read the files again for this one
      await ds.con.close();
      chosen = guessed;
      plan = await planFor(chosen);
      ds = await readFiles(plan, files, progress);
    }
  } else if (!forceYear) {
    const dates = await episodeDates(ds.con, chosen);
    const said = otherYear(dates, chosen);
    if (said) throw wrongYear(dates, chosen, said);
  }
  await checkPrevious(ds, plan, forceYear);
  const con = ds.con;
  const tRead = performance.now();

  for (const [view, name] of Object.entries(plan.reference || {})) {
    progress({ stage: "load", message: `Loading the reference data (${name})` });
    await con.conn.insertArrowFromIPCStream(await referenceBytes(plan, name), { name: `${view}_data`, create: true });
    await con.run(`CREATE OR REPLACE VIEW ${quote(view)} AS SELECT * FROM ${quote(`${view}_data`)}`);
  }
  let laSource = la ? "given" : "";
  let laNote = "";
  if (!la && plan.guess_la) {
    ({ la, note: laNote } = await guessLa(ds, plan, idx));
    laSource = la ? "guessed" : "";
  }
  progress({ stage: "load", message: "Typing the values" });
  await writeSettings(ds, plan, la);
  // what a step's "when" and "unless" are checked against: the tables given, the problems found
  const atHand = new Set([
    ...ds.sources.map((s) => `${s.period}\u0000${s.table}`),
    ...ds.problems.map((p) => `problem\u0000${p.code}`),
  ]);
  const tReference = performance.now();
  await runSteps(con, plan.load, atHand);
  if (plan.rule_tables) await con.run(plan.rule_tables);
  const tLoad = performance.now();

  const present = new Set(ds.sources.map((s) => `${s.period}\u0000${s.table}`));
  const needs = plan.reference_needs || {};
  if (la && needs.la) present.add(needs.la.join("\u0000"));
  const outcomes = [];
  const runnable = [];
  for (const r of plan.rules) {
    const o = {
      rule: r.code,
      variant: r.variant || "",
      message: r.message,
      stage: r.stage,
      severity: r.severity,
      status: "passed",
      count: 0,
      detail: "",
      fields: r.fields || [],
      tables: r.tables || [],
      sql: r.sql,
    };
    const missing = (r.needs || []).filter(([p, t]) => !present.has(`${p}\u0000${t}`));
    if (missing.length) {
      o.status = "not run";
      o.detail = "needs: " + missing.map(([p, t]) => describeNeed(plan, p, t)).join(", ");
    } else runnable.push([r, o]);
    outcomes.push(o);
  }
  const batchSize = plan.batch || BATCH;
  const hits = (r) => `SELECT DISTINCT ${literal(r.code)}, q._id FROM (${r.sql}\n) AS q`;
  for (let i = 0; i < runnable.length; i += batchSize) {
    const batch = runnable.slice(i, i + batchSize);
    progress({ stage: "rules", done: i, total: runnable.length, message: `Running the rules (${i} of ${runnable.length})` });
    try {
      await con.run("INSERT INTO rule_hits " + batch.map(([r]) => hits(r)).join(" UNION ALL "));
    } catch {
      // some rule in the batch fails: run each alone to find and contain it
      for (const [r, o] of batch) {
        try {
          await con.run("INSERT INTO rule_hits " + hits(r));
        } catch (e) {
          o.status = "crashed";
          o.detail = firstLine(e).slice(0, 300);
        }
      }
    }
  }
  const tRules = performance.now();
  progress({ stage: "findings", message: "Collecting the findings" });
  await runSteps(con, plan.findings, atHand);
  const counts = new Map((await con.run("SELECT * FROM rule_counts")).map((r) => [r.rule, r]));
  for (const o of outcomes) {
    const c = counts.get(o.rule);
    if (o.status === "passed" && c && Number(c.count)) {
      o.status = "failed";
      o.count = Number(c.count);
      // of those, the rows reading values that failed stage 1 (engine.Outcome.after_stage1)
      o.after_stage1 = c.after_stage1 === undefined ? 0 : Number(c.after_stage1);
    }
  }
  const findings = (await con.run("SELECT * EXCLUDE (sort_key) FROM findings ORDER BY sort_key")).map(tidyRow);
  // the checks of the files themselves are outcomes too, under their LOAD codes (as engine._load_outcomes)
  const loadCounts = new Map();
  for (const f of findings) if (f.rule.startsWith("LOAD")) loadCounts.set(f.rule, (loadCounts.get(f.rule) || 0) + 1);
  const kinds = plan.load_kinds || Object.fromEntries([...loadCounts.keys()].map((c) => [c, { title: "Problem with the files", severity: "error" }]));
  for (const [code, kind] of Object.entries(kinds).sort()) {
    const n = loadCounts.get(code) || 0;
    outcomes.push({ rule: code, variant: "", message: kind.title, stage: 1, severity: kind.severity, status: n ? "failed" : "passed", count: n, detail: "", advice: kind.advice });
  }
  const sources = ds.sources.map((s) => ({ ...s }));
  // the children in this year's Header, for errors per child (as overview.children_in_header)
  const children = ds.has("Header", "current")
    ? Number((await con.run('SELECT count(DISTINCT blank_to_null(CHILD)) AS n FROM raw."Header"'))[0].n)
    : null;
  // kept open until the next run, for the findings CSV download
  last = { con, plan };
  const tEnd = performance.now();
  progress({ stage: "done", message: `${findings.length} findings` });
  last.result = {
    year: plan.year,
    yearSource,
    la: la || null,
    laSource,
    laNote,
    version: plan.version,
    findings,
    outcomes,
    sources,
    children,
    // the 903's tables in the model's order (Header, Episodes …), for lists of them
    tables: plan.tables.map((t) => t.name),
    seconds: {
      read: (tRead - t0) / 1000,
      prepare: ds.prepareSeconds,
      reference: (tReference - tRead) / 1000,
      load: (tLoad - tReference) / 1000,
      rules: (tRules - tLoad) / 1000,
      findings: (tEnd - tRules) / 1000,
      total: (tEnd - t0) / 1000,
    },
  };
  return last.result;
}

// Arrow gives numbers as doubles (castBigIntToDouble) and text as strings; a whole-number double
// that stands for a BIGINT stays a number, and nulls stay null.
function tidyRow(row) {
  const out = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
  return out;
}

async function writeSettings(ds, plan, la) {
  const con = ds.con;
  const values = [];
  for (const s of ds.sources) {
    values.push(`(${[s.period, s.table, s.file, s.rows, s.columns, s.copied].map(literal).join(", ")})`);
  }
  if (values.length) await con.run(`INSERT INTO sources VALUES ${values.join(",\n")}`);
  const problems = ds.problems.map(
    (p) =>
      `(${[p.code, p.period, p.table || null, p.row, p.child, p.file || null, p.line, p.column || null, p.value, p.message]
        .map(literal)
        .join(", ")})`,
  );
  if (problems.length) await con.run(`INSERT INTO file_problems VALUES ${problems.join(",\n")}`);
  await con.run(`INSERT INTO run_settings VALUES (${literal(la || null)})`);
}

/** Validate and return only the findings rows (the findings CSV's columns, and a few more). */
export async function validate(inputs, options = {}) {
  return (await run(inputs, options)).findings;
}

/** The last run's findings as the command line's findings CSV (bytes), written by DuckDB's COPY as there. */
export async function findingsCsv() {
  if (last === null) throw new Error("nothing has been validated yet");
  const { con, plan } = last;
  let columns = plan.findings_csv_columns;
  if (!columns) {
    const rows = await con.run("SELECT column_name FROM duckdb_columns() WHERE table_name = 'findings' ORDER BY column_index");
    columns = rows.map((r) => r.column_name).filter((c) => !["sort_key", "fields", "_id"].includes(c));
  }
  const name = `findings_${Date.now()}.csv`;
  await con.run(
    `COPY (SELECT ${columns.map((c) => '"' + c.replaceAll('"', '""') + '"').join(", ")} FROM findings ORDER BY sort_key) ` +
      `TO '${name}' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', NEW_LINE '\\n')`,
  );
  const bytes = await con.db.copyFileToBuffer(name);
  await con.db.dropFile(name);
  return bytes;
}

/** The last run's result and plan ({result, plan}, for the Excel report), or null. */
export function lastRun() {
  return last === null ? null : { result: last.result, plan: last.plan };
}

/** Rows of a query on the last run's database (raw.*, findings …): for the curious, and the tests. */
export async function query(sql) {
  if (last === null) throw new Error("nothing has been validated yet");
  return last.con.run(sql);
}
