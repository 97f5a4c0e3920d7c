// Builds the page into src/ssda903/page/static/, which the Python package ships.
//
// One ES module bundle (app.js) by esbuild, the page's HTML and CSS, and DuckDB-WASM's "eh"
// build (worker and .wasm) copied from node_modules: everything the page needs, so it never
// loads a file from any other host.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "ssda903", "page", "static");
const duckdb = join(here, "node_modules", "@duckdb", "duckdb-wasm", "dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "duckdb"), { recursive: true });

await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome109", "firefox115", "safari16"],
  minify: true,
  sourcemap: false,
  legalComments: "external",
  outfile: join(out, "app.js"),
  logLevel: "warning",
});

for (const name of ["index.html", "style.css"]) copyFileSync(join(here, name), join(out, name));
for (const name of ["duckdb-eh.wasm", "duckdb-browser-eh.worker.js"]) copyFileSync(join(duckdb, name), join(out, "duckdb", name));

const size = (p) => statSync(join(out, p)).size;
const mb = (n) => (n / 1e6).toFixed(1) + " MB";
console.log(`built ${out}: app.js ${mb(size("app.js"))}, duckdb-eh.wasm ${mb(size("duckdb/duckdb-eh.wasm"))}`);
