// Builds the page into src/ssda903/page/static/, which the Python package ships.
//
// One ES module bundle (app.js) by esbuild, the page's HTML and CSS, and DuckDB-WASM's "eh"
// build (worker and .wasm) copied from node_modules: everything the page needs, so it never
// loads a file from any other host.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

// the bundled packages' licences travel with the page (DuckDB-WASM's package carries none: MIT, per its package.json)
const licences = ["apache-arrow/LICENSE.txt", "read-excel-file/LICENSE", "exceljs/LICENSE", "fflate/LICENSE", "flatbuffers/LICENSE", "tslib/LICENSE.txt"]
  .map((p) => join(here, "node_modules", p))
  .filter((p) => existsSync(p))
  .map((p) => `== ${p.split("node_modules/")[1]} ==\n\n${readFileSync(p, "utf8")}`);
const duckdbLicence = JSON.parse(readFileSync(join(here, "node_modules", "@duckdb", "duckdb-wasm", "package.json"), "utf8")).license;
licences.unshift(`== @duckdb/duckdb-wasm ==\n\n${duckdbLicence} licence: https://github.com/duckdb/duckdb-wasm/blob/main/LICENSE\n`);
writeFileSync(join(out, "licences.txt"), licences.join("\n\n"));

const size = (p) => statSync(join(out, p)).size;
const mb = (n) => (n / 1e6).toFixed(1) + " MB";
console.log(`built ${out}: app.js ${mb(size("app.js"))}, duckdb-eh.wasm ${mb(size("duckdb/duckdb-eh.wasm"))}`);
