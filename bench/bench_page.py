"""The web page's figures: its size, page load to ready, and time to the first result.

    .venv/bin/python bench/bench_page.py                          # 2,500 children, 2024/25
    .venv/bin/python bench/bench_page.py --children 2500 25000 --runs 3

Writes the page (``ssda903.page.write_page``, the compiled plan of the year), serves it on
127.0.0.1 and opens it in headless Chromium (``/usr/bin/chromium``) through Playwright.
"ready" is from navigation to DuckDB-WASM initialised (the page says so: ``readyMs``); "first
result" is ``window.ssda903.run`` on a synthetic return (with last year's, 5% of children with
errors), from the call to the findings being back, on a warm page (a second run reuses nothing
but the loaded DuckDB and the downloaded plan); then the Excel report of that run is written. The command line's ``validate`` on the same files
is shown beside it. Figures vary with the machine and its load; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ssda903.page.build import write_page
from ssda903.page.serve import serving

RUN = """async ([files, options]) => {
  const made = files.map((f) => ({file: new File([new Uint8Array(f.bytes)], f.name.split("/").pop()), name: f.name, period: f.period}));
  const t0 = performance.now();
  const result = await window.ssda903.run(made, options);
  return {ms: performance.now() - t0, findings: result.findings.length, read: result.seconds.read, seconds: result.seconds};
}"""

WORKBOOK = """async () => {
  const t0 = performance.now();
  const bytes = await window.ssda903.workbook();
  return {ms: performance.now() - t0, bytes: bytes.length};
}"""


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, nargs="+", default=[2500])
    parser.add_argument("--year", default="2024/25")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from ssda903.engine import run
    from ssda903.ingest import load
    from ssda903.synth import generate

    work = Path(tempfile.mkdtemp(prefix="bench-page-"))
    page_dir = write_page(work / "page", years=[args.year])
    wasm = page_dir / "duckdb" / "duckdb-eh.wasm"
    plans = sum(p.stat().st_size for p in (page_dir / "plans").iterdir())
    print(
        f"page: {size(page_dir) / 1e6:.1f} MB in all; duckdb-eh.wasm {wasm.stat().st_size / 1e6:.1f} MB; "
        f"app.js {(page_dir / 'app.js').stat().st_size / 1e6:.2f} MB; plan(s) {plans / 1e6:.2f} MB; "
        f"reference {size(page_dir / 'reference') / 1e6 if (page_dir / 'reference').exists() else 0:.1f} MB"
    )
    with serving(page_dir) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True)
        for children in args.children:
            data = work / f"return-{children}"
            generate(children, args.year, 1, data, previous=True, error_rate=0.05, fmt="csv")
            files = [
                {"name": str(f.relative_to(data)), "bytes": list(f.read_bytes()), "period": period}
                for period, folder in (("current", data), ("previous", data / "previous"))
                for f in sorted(folder.iterdir())
                if f.is_file() and f.suffix == ".csv"
            ]
            t = time.perf_counter()
            result = run(load(data, args.year, data / "previous", la="E09000027"))
            cli = time.perf_counter() - t
            for attempt in range(args.runs):
                page = browser.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_selector("body[data-state=ready]", timeout=120_000)
                loaded = time.perf_counter() - start
                ready_ms = page.evaluate("() => window.ssda903.readyMs")
                first = page.evaluate(RUN, [files, {"year": args.year, "la": "E09000027"}])
                again = page.evaluate(RUN, [files, {"year": args.year, "la": "E09000027"}])
                book = page.evaluate(WORKBOOK)
                print(
                    f"{children:>7,} children, run {attempt + 1}: ready {ready_ms / 1000:.2f} s (navigation to ready "
                    f"{loaded:.2f} s); first result {first['ms'] / 1000:.2f} s (reading {first['read']:.2f} s), "
                    f"again {again['ms'] / 1000:.2f} s; {first['findings']:,} findings "
                    f"(command line: {len(result.findings()):,} findings in {cli:.2f} s); "
                    f"Excel report {book['ms'] / 1000:.2f} s ({book['bytes'] / 1e6:.1f} MB); stages {first['seconds']}"
                )
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
