"""Benchmark: a national pool, every LA of England for ten collection years, validated in one process.

    .venv/bin/python bench/bench_national.py [--children 110000] [--returns 10] [--memory-limit 4GB]

England's 903 returns hold about 110,000 children a year (every child looked after at some time
in the year). The pool is ``--returns`` national returns of that size, spread over the collection
years the model supports (2022/23 to 2026/27: two each by default, with different seeds), each
with its previous year beside it, as ``ssda903 synth --previous`` makes them (made once, cached
under --work). They are validated one after another in one process, with DuckDB's memory limit
set (beyond it DuckDB spills to the system's temporary folder), and the script prints each
return's time, the total, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure(work: Path, year: str, seed: int, children: int) -> Path:
    folder = work / f"{year.replace('/', '_')}-{children}-{seed}"
    if not (folder / "previous").exists():
        t0 = time.perf_counter()
        command = [str(ROOT / ".venv/bin/ssda903"), "synth", "--children", str(children), "--year", year]
        subprocess.run(
            [*command, "--seed", str(seed), "--previous", "--error-rate", "0.05", "--out", str(folder)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  made {folder.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--children", type=int, default=110_000)
    ap.add_argument("--returns", type=int, default=10)
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--work", default="/tmp/ssda903-national")
    args = ap.parse_args()

    from ssda903.model import supported_years

    years = [y.label for y in supported_years()]
    pool = [(years[i % len(years)], 1 + i // len(years)) for i in range(args.returns)]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    folders = [(year, ensure(work, year, seed, args.children)) for year, seed in pool]

    from ssda903.engine import run
    from ssda903.ingest import load

    print(f"\n{'return':>24} {'load s':>7} {'rules s':>8} {'findings':>9}")
    t0 = time.perf_counter()
    children = 0
    for year, folder in folders:
        a = time.perf_counter()
        ds = load(folder, year, folder / "previous", la="E09000027", memory_limit=args.memory_limit)
        b = time.perf_counter()
        run(ds)
        c = time.perf_counter()
        findings = int(ds.con.execute("SELECT count(*) FROM findings").fetchall()[0][0])
        children += args.children
        print(f"{folder.name:>24} {b - a:>7.1f} {c - b:>8.1f} {findings:>9,}", flush=True)
        ds.con.close()
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{len(folders)} returns, {children:,} children (each with last year's return): {total:.1f} s in all, "
        f"peak memory {peak:,.0f} MB with DuckDB's memory limit {args.memory_limit}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
