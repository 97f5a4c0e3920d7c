// The page: drop files, see the findings. Everything runs here; nothing is sent anywhere.
//
// ``window.ssda903`` is the page's programmatic face (used by the tests and by anyone who
// wants to script the page): ``validate(files, {year, la})`` returns the findings rows,
// ``run(...)`` the whole result (findings, outcomes, sources, timings).

import { database } from "./db.js";
import { excelReport } from "./excel.js";
import { findingsCsv, lastRun, planIndex, prefetch, query, run, usePlan, validate } from "./runner.js";
import { render } from "./views.js";

const $ = (id) => document.getElementById(id);

const state = { current: [], previous: [], skipped: [], result: null, busy: false };

function setStatus(text, kind = "") {
  const el = $("status");
  el.textContent = text;
  el.dataset.kind = kind;
}

function describeFiles(names) {
  if (!names.length) return "No files chosen.";
  return `${names.length} file${names.length === 1 ? "" : "s"}: ${names.slice(0, 6).join(", ")}${names.length > 6 ? " …" : ""}`;
}

/** Files in a dropped folder (and its sub-folders), with their relative paths. */
async function entryFiles(entry, path = "") {
  if (entry.isFile) {
    const file = await new Promise((ok, fail) => entry.file(ok, fail));
    return [{ file, name: path + file.name }];
  }
  if (entry.isDirectory) {
    const reader = entry.createReader();
    const out = [];
    for (;;) {
      const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
      if (!batch.length) break;
      for (const child of batch) out.push(...(await entryFiles(child, `${path}${entry.name}/`)));
    }
    return out;
  }
  return [];
}

// a sub-folder named like last year's return holds the previous period's files
const PREVIOUS = /^(previous|prev|last[ _-]?year)/i;

/**
 * Add chosen or dropped files. As the command line reads a folder, only the files directly in
 * it are this year's; a sub-folder named like last year's return ("previous") holds last
 * year's files, and other sub-folders are left out (and said to be).
 */
function addFiles(items, period) {
  for (const item of items) {
    const wrapped = item instanceof Blob ? { file: item, name: item.webkitRelativePath || item.name } : item;
    const parts = wrapped.name.split("/");
    if (period === "previous" || (parts.length === 3 && PREVIOUS.test(parts[1]))) state.previous.push(wrapped);
    else if (parts.length <= 2) state.current.push(wrapped);
    else state.skipped.push(wrapped);
  }
  const names = (list) => list.map((f) => f.name);
  $("chosen").textContent = describeFiles(names(state.current));
  $("chosen-previous").textContent =
    (state.previous.length ? `Last year's return: ${describeFiles(names(state.previous))}` : "") +
    (state.skipped.length
      ? ` Not read (in other sub-folders): ${state.skipped.length} file${state.skipped.length === 1 ? "" : "s"}.`
      : "");
  $("validate").disabled = !state.current.length;
}

async function validateNow(forceYear = false) {
  if (state.busy || !state.current.length) return;
  $("force-year").hidden = true;
  state.busy = true;
  $("validate").disabled = true;
  const bar = $("progress");
  bar.hidden = false;
  bar.removeAttribute("value");
  try {
    const year = $("year").value || null;
    const la = $("la").value.trim() || null;
    const result = await run(state.current, {
      year,
      la,
      forceYear,
      previous: state.previous,
      onProgress: (p) => {
        setStatus(p.message || p.stage, "busy");
        if (p.total) {
          bar.max = p.total;
          bar.value = p.done;
        } else bar.removeAttribute("value");
      },
    });
    state.result = result;
    if (result.yearSource === "guessed") $("year").value = result.year;
    if (result.laSource === "guessed") {
      const a = (window.ssda903.authorities || []).find((x) => x.code === result.la);
      $("la").value = a ? `${a.name} (${a.code})` : result.la;
    }
    setStatus(
      `Validated as ${result.year}${result.yearSource === "guessed" ? " (the year of the episode dates; change it above)" : ""}` +
        ` in ${result.seconds.total.toFixed(1)} s: ${result.findings.length} findings.` +
        (result.laNote ? ` ${result.laNote}` : ""),
      "done",
    );
    render(result, $("results"));
    $("download").disabled = false;
    $("download-xlsx").disabled = false;
    // the first view tab: keyboard users land on the results, with the focus ring showing where
    document.getElementById("tab-summary")?.focus({ preventScroll: true });
    $("results").scrollIntoView({ block: "start" });
  } catch (e) {
    setStatus(`Could not validate: ${e.message || e}`, "error");
    if (e.name === "WrongYearError") {
      const button = $("force-year");
      button.textContent = `Validate as ${e.year} anyway`;
      button.hidden = false;
    }
  } finally {
    bar.hidden = true;
    state.busy = false;
    $("validate").disabled = !state.current.length;
  }
}

function save(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function download() {
  save(await findingsCsv(), "findings.csv", "text/csv");
}

/** The last run's Excel report (bytes), in the shape of ssda903 validate --report report.xlsx. */
async function workbook() {
  const done = lastRun();
  if (done === null) throw new Error("nothing has been validated yet");
  return excelReport({ ...done, query });
}

async function downloadExcel() {
  const button = $("download-xlsx");
  button.disabled = true;
  setStatus("Writing the Excel report…", "busy");
  try {
    save(await workbook(), "ssda903-report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    setStatus("The Excel report is downloaded (ssda903-report.xlsx).", "done");
  } finally {
    button.disabled = false;
  }
}

function wire() {
  $("files").addEventListener("change", (e) => addFiles([...e.target.files], null));
  $("folder").addEventListener("change", (e) => addFiles([...e.target.files], null));
  $("previous-files").addEventListener("change", (e) => addFiles([...e.target.files], "previous"));
  $("clear").addEventListener("click", () => {
    state.current = [];
    state.previous = [];
    state.skipped = [];
    addFiles([], null);
    for (const id of ["files", "folder", "previous-files"]) $(id).value = "";
  });
  $("validate").addEventListener("click", () => validateNow());
  $("force-year").addEventListener("click", () => validateNow(true));
  $("download").addEventListener("click", () => download().catch((e) => setStatus(`Download failed: ${e.message}`, "error")));
  $("download-xlsx").addEventListener("click", () => downloadExcel().catch((e) => setStatus(`The Excel report could not be written: ${e.message}`, "error")));
  const zone = $("drop");
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    const files = [];
    if (entries.length) for (const entry of entries) files.push(...(await entryFiles(entry)));
    else files.push(...[...e.dataTransfer.files].map((f) => ({ file: f, name: f.name })));
    addFiles(files, null);
  });
}

async function start() {
  const t0 = performance.now();
  window.ssda903 = { validate, run, query, findingsCsv, workbook, usePlan, ready: false };
  wire();
  try {
    const idx = await planIndex();
    const select = $("year");
    for (const y of [...idx.years].reverse()) select.append(new Option(y, y));
    window.ssda903.authorities = idx.authorities || [];
    const las = $("la-list");
    for (const a of idx.authorities || []) las.append(new Option(`${a.name} (${a.code})`));
    await database();
    const ms = performance.now() - t0;
    window.ssda903.ready = true;
    window.ssda903.readyMs = ms;
    document.body.dataset.state = "ready";
    setStatus(`Ready (the rules of ${idx.years[0]} to ${idx.years[idx.years.length - 1]}). Choose your files.`, "ready");
    // the newest year's rules and the postcodes, fetched while the user chooses files
    prefetch().catch(() => {});
  } catch (e) {
    document.body.dataset.state = "error";
    setStatus(`The page could not start: ${e.message || e}`, "error");
  }
}

start();
