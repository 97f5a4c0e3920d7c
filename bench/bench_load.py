"""How long loading a return takes and how much memory it needs, next to DuckDB reading the same CSV bytes alone.

    .venv/bin/python bench/bench_load.py                      # 2,500 / 25,000 / 250,000 children, CSV and XML
    .venv/bin/python bench/bench_load.py --children 2500 25000 --formats csv xlsx xml
    .venv/bin/python bench/bench_load.py --data out/la-2500 --data out/la-25000   # folders from `ssda903 synth`

Returns are made once with ``ssda903.synth.generate`` (seed 1, 2024/25) and kept
in ``--cache``. Every case runs in a fresh Python process so its peak resident
set (VmHWM) is its own; "baseline" is that of a process that only imports
the package, reads the model and makes an empty Dataset, so the difference is
what loading adds.

"load" is ``ssda903.ingest.load_into`` (reading every file into the raw
tables); "finish" is ``Dataset.finish`` (typing every value, cell checks).
"duckdb" is ``CREATE TABLE … AS SELECT * FROM read_csv(file, all_varchar=true)``
for each CSV file of the same return: the floor for reading those bytes.
Figures vary with the machine and its load; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

#: peak RSS of this process: VmHWM starts afresh at exec, unlike ru_maxrss, which a forked child inherits
PEAK = """
def peak_kb():
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

LOAD = (
    PEAK
    + """
import json, sys, time
t0 = time.perf_counter()
from ssda903.dataset import Dataset
from ssda903.ingest import load_into
from ssda903.model import load_model
from ssda903.typed import finish
load_model()  # read once per run whatever the input; timed with the import, not the load
ds = Dataset("2024/25")
ds.con.execute("SET enable_progress_bar = false")
t1 = time.perf_counter()
if sys.argv[1] != "--baseline":
    load_into(ds, sys.argv[1:], period="current")
t2 = time.perf_counter()
rss_load = peak_kb()
if sys.argv[1] != "--baseline":
    finish(ds)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "finish": t3 - t2, "rss_load_kb": rss_load,
                  "rss_kb": peak_kb(),
                  "rows": sum(s.rows for s in ds.sources), "problems": len(ds.problems)}))
"""
)

DUCKDB = (
    PEAK
    + """
import json, sys, time
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
rows = 0
for i, path in enumerate(sys.argv[1:]):
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv($p, all_varchar=true)", {"p": path})
    rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
print(json.dumps({"load": time.perf_counter() - t, "rss_kb": peak_kb(),
                  "rows": rows}))
"""
)

SUFFIXES = {"csv": (".csv",), "xml": (".xml", ".csv"), "xlsx": (".xlsx",)}


def run(script: str, args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(f"a benchmark process failed:\n{out.stderr[-2000:]}")
    last = out.stdout.strip().splitlines()[-1]
    return json.loads(last[last.index("{") :])


def files_of(folder: Path, fmt: str) -> list[Path]:
    # previous/ holds last year's return, injected/ the manifest of injected errors and reference/ the
    # Ofsted provider list; none is this year's data
    return sorted(
        f
        for f in folder.rglob("*")
        if f.is_file()
        and f.suffix.lower() in SUFFIXES[fmt]
        and not {"previous", "injected", "reference"} & set(f.relative_to(folder).parts)
    )


def fmt_of(folder: Path) -> str:
    suffixes = {f.suffix.lower() for f in folder.rglob("*") if f.is_file()}
    return "xml" if ".xml" in suffixes else "xlsx" if ".xlsx" in suffixes else "csv"


def make(cache: Path, children: int, fmt: str) -> Path:
    folder = cache / f"{children}-{fmt}"
    if folder.is_dir() and files_of(folder, fmt):
        return folder
    from ssda903.synth import generate

    print(f"  generating {children:,} children as {fmt} in {folder} …", file=sys.stderr, flush=True)
    generate(children, "2024/25", 1, folder, fmt=fmt)
    return folder


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, nargs="*", default=[2_500, 25_000, 250_000])
    parser.add_argument("--formats", nargs="*", default=["csv", "xml"], choices=sorted(SUFFIXES))
    parser.add_argument("--data", type=Path, action="append", default=[], help="a folder made by `ssda903 synth`")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ssda903-bench")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the fastest is shown")
    args = parser.parse_args()

    cases: list[tuple[str, str, Path, Path | None]] = []  # (label, format, folder, CSV folder for the floor)
    if args.data:
        for folder in args.data:
            fmt = fmt_of(folder)
            cases.append((folder.name, fmt, folder, folder if fmt == "csv" else None))
    else:
        for n in args.children:
            csv_folder = make(args.cache, n, "csv")
            for fmt in args.formats:
                cases.append((f"{n:,}", fmt, make(args.cache, n, fmt), csv_folder))

    base = run(LOAD, ["--baseline"])
    print(f"baseline (import, model, empty Dataset): {base['import']:.2f} s, peak RSS {mb(base['rss_kb'] * 1024)} MB\n")
    head = (
        f"{'children':>9} {'format':>6} {'MB':>7} {'rows':>11} {'load s':>7} {'finish s':>8} {'load RSS':>8} "
        f"{'RSS':>7} │ {'duckdb s':>8} {'RSS':>7}"
    )
    print(head)
    print("─" * len(head))
    for label, fmt, folder, csv_folder in cases:
        files = files_of(folder, fmt)
        size = sum(f.stat().st_size for f in files)
        ours = min((run(LOAD, [str(f) for f in files]) for _ in range(args.repeat)), key=lambda r: r["load"])
        floor = ""
        if csv_folder is not None:
            csvs = [str(f) for f in files_of(csv_folder, "csv")]
            duck = min((run(DUCKDB, csvs) for _ in range(args.repeat)), key=lambda r: r["load"])
            floor = f"{duck['load']:>8.2f} {mb(duck['rss_kb'] * 1024):>7}"
        print(
            f"{label:>9} {fmt:>6} {mb(size):>7} {ours['rows']:>11,} {ours['load']:>7.2f} {ours['finish']:>8.2f} "
            f"{mb(ours['rss_load_kb'] * 1024):>8} {mb(ours['rss_kb'] * 1024):>7} │ {floor}",
            flush=True,
        )
    print(
        "\nMB = input bytes; RSS in MB (load RSS: peak after loading; RSS: peak after finish too); "
        "duckdb = read_csv of the same return's CSV files alone."
    )


if __name__ == "__main__":
    main()
