// Opening DuckDB-WASM from the page's own files (never a CDN) and running SQL on it.
//
// Only the "eh" build (WebAssembly exceptions, every current browser) is shipped, to keep the
// page small; DuckDB runs in a Web Worker, so reading and validating never freeze the page.

import * as duckdb from "@duckdb/duckdb-wasm";
import { Int64, Table, Utf8, makeData, makeVector } from "apache-arrow";

let opened = null;

/** The page's AsyncDuckDB (one per page), instantiated from files beside index.html. */
export function database() {
  if (opened === null) opened = open();
  return opened;
}

async function open() {
  // the page ships DuckDB's "eh" build only, which needs WebAssembly exceptions (every current browser)
  const features = await duckdb.getPlatformFeatures();
  if (!features.wasmExceptions) {
    throw new Error(
      "this browser is too old to run the validator (it lacks WebAssembly exceptions): use a current Edge, Chrome, " +
        "Firefox or Safari, or the ssda903 command",
    );
  }
  const base = new URL("duckdb/", document.baseURI);
  const worker = new Worker(new URL("duckdb-browser-eh.worker.js", base));
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(new URL("duckdb-eh.wasm", base).href);
  await db.open({ path: ":memory:", query: { castBigIntToDouble: true } });
  return db;
}

/** A fresh in-memory database on the page's DuckDB, and a connection to it. */
export async function freshConnection() {
  const db = await database();
  // re-opening gives an empty database: nothing from an earlier run survives into the next
  await db.open({ path: ":memory:", query: { castBigIntToDouble: true } });
  const conn = await db.connect();
  // the page must never fetch an extension from the internet (and the CSP would refuse it)
  await conn.query("SET autoinstall_known_extensions = false");
  await conn.query("SET autoload_known_extensions = false");
  return new Connection(db, conn);
}

/** A connection with the few helpers the readers and the runner need. */
export class Connection {
  constructor(db, conn) {
    this.db = db;
    this.conn = conn;
    this.files = 0;
  }

  /** Run one or more statements; returns the last one's rows as plain objects. */
  async run(sql) {
    const table = await this.conn.query(sql);
    return table.toArray().map((r) => r.toJSON());
  }

  /** Run SQL and return the first column of the first row (or null). */
  async scalar(sql) {
    const rows = await this.run(sql);
    if (!rows.length) return null;
    return Object.values(rows[0])[0] ?? null;
  }

  /** Register bytes as a file DuckDB can read; returns its name. */
  async register(bytes, suffix = "") {
    const name = `input_${++this.files}${suffix}`;
    // a copy: the buffer is handed over to DuckDB's worker, which leaves the caller's empty
    await this.db.registerFileBuffer(name, bytes.slice());
    return name;
  }

  async unregister(name) {
    await this.db.dropFile(name);
  }

  /** Make a table named ``name`` from an Arrow table (text columns). */
  async insertArrow(table, name) {
    await this.conn.insertArrowTable(table, { name, create: true });
  }

  async close() {
    await this.conn.close();
  }
}

/** A SQL string literal. */
export function literal(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NULL";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]::VARCHAR[]`;
  return "'" + String(value).replaceAll("'", "''") + "'";
}

/** A SQL identifier, always quoted (column names come from users' files). */
export function quote(name) {
  return '"' + String(name).replaceAll('"', '""') + '"';
}

/**
 * An Arrow text column from JS strings (null for a blank). Built by hand, not with Arrow's
 * builders: those compile a null check with ``new Function``, which the page's CSP forbids.
 */
export function textVector(values) {
  const n = values.length;
  const encoder = new TextEncoder();
  const parts = [];
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else {
      bitmap[i >> 3] |= 1 << (i & 7);
      const bytes = encoder.encode(String(v));
      parts.push(bytes);
      total += bytes.length;
    }
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return makeVector(makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data }));
}

/** An Arrow BIGINT column from whole numbers (null for none). */
export function integerVector(values) {
  const n = values.length;
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  const data = new BigInt64Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else {
      bitmap[i >> 3] |= 1 << (i & 7);
      data[i] = BigInt(v);
    }
  }
  return makeVector(makeData({ type: new Int64(), length: n, nullCount: nulls, nullBitmap: bitmap, data }));
}

/** An Arrow table from named vectors. */
export function arrowTable(vectors) {
  return new Table(vectors);
}
