"""Benchmark: whole-process validation time and peak memory, ours against the community validator.

    .venv/bin/python bench/bench_validate.py [--sizes 2500,25000,250000] [--year 2024/25] [--no-peer]

For each size it makes (once, cached under --work) a synthetic return with last year's
return beside it and 5% of children given errors, then runs, each in its own process:

* ours:  ``ssda903 validate DIR --previous DIR/previous --year Y --findings out.csv -q``, and the
  same without ``-q`` ("printed": as an analyst runs it, the summary printed)
* peer:  the community validator via ../shared/tools/peer903/run_peer.py (set up by its setup.sh)
* bare:  a process that only starts DuckDB and reads every CSV of both years into a table, as
  text: the yardstick for how near the machine's limit we are (ours / bare is printed)

and prints wall time (the median of ``--repeat`` runs for ours and bare; the community validator
runs once, it is slow), peak RSS and the number of rules each ran. It then says where the time of
one run goes at the smallest and the largest size (importing, reading, typing and checking, the
rules, the findings, writing the CSV), and profiles our run at the largest size in-process, rule by
rule, printing the rules that took the most time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PEER_PY = Path("/tmp/peer903/venv/bin/python")


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB, exit status)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"  ! {' '.join(cmd[:3])}… exited {code}: {stderr[-400:]}", file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, code


#: the yardstick: start Python and DuckDB, read every CSV of the return (both years) as text, nothing else
BARE = """
import sys, pathlib, duckdb
con = duckdb.connect()
for i, f in enumerate(sorted(pathlib.Path(sys.argv[1]).rglob("*.csv"))):
    if "injected" in f.parts or "reference" in f.parts:
        continue
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{f}', all_varchar = true, header = true)")
"""


#: where one run's time goes, in a fresh process: importing, then each stage the Dataset times
BREAKDOWN = """
import json, sys, time
t0 = time.perf_counter()
from ssda903 import report
from ssda903.engine import run
from ssda903.ingest import load
t1 = time.perf_counter()
data, year, out = sys.argv[1], sys.argv[2], sys.argv[3]
ds = load(data, year, data + "/previous", la="E09000027")
result = run(ds)
t2 = time.perf_counter()
report.write(result, out)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, **ds.timings, "write findings": t3 - t2, "in process": t3 - t0}))
"""


def compile_as_installed() -> None:
    """Our modules' bytecode, as an installed package has it (pip compiles a package's modules, as it
    did the community validator's in its venv): where PYTHONDONTWRITEBYTECODE is set, a checkout
    would otherwise compile every module on every run (0.05 s at 2,500 children)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "ssda903")], check=True)


def median_of(repeat: int, cmd: list[str]) -> tuple[float, float, int]:
    """``measure`` ``repeat`` times: the median time, the largest peak memory, the last status."""
    runs = [measure(cmd) for _ in range(repeat)]
    times = sorted(r[0] for r in runs)
    return times[len(times) // 2], max(r[1] for r in runs), runs[-1][2]


def breakdown(data: Path, year: str, work: Path) -> dict[str, float]:
    """Where the time of one run goes (the median of three, stage by stage)."""
    runs = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", BREAKDOWN, str(data), year, str(work / "breakdown.csv")],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {k: sorted(r[k] for r in runs)[1] for k in runs[0]}


def ensure_data(work: Path, n: int, year: str) -> Path:
    folder = work / f"{year.replace('/', '_')}-{n}"
    if not (folder / "previous").exists():
        subprocess.run(
            [
                str(ROOT / ".venv/bin/ssda903"),
                "synth",
                "--children",
                str(n),
                "--year",
                year,
                "--seed",
                "1",
                "--previous",
                "--error-rate",
                "0.05",
                "--out",
                str(folder),
            ],
            check=True,
        )
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2500,25000,250000")
    ap.add_argument("--year", default="2024/25")
    ap.add_argument("--work", default="/tmp/ssda903-bench")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--profile-top", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3, help="runs of ours and of bare DuckDB per size (the median)")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    compile_as_installed()
    rows = []
    for n in sizes:
        data = ensure_data(work, n, args.year)
        out = work / f"ours-{n}.csv"
        command = [
            str(ROOT / ".venv/bin/ssda903"),
            "validate",
            str(data),
            "--previous",
            str(data / "previous"),
            "--year",
            args.year,
            "--la",
            "E09000027",
            "--findings",
            str(out),
        ]
        ours = median_of(args.repeat, [*command, "-q"])
        findings = len(out.read_text().splitlines()) - 1 if out.exists() else 0
        printed = median_of(args.repeat, command)  # as an analyst runs it: the summary printed too
        bare = median_of(args.repeat, [sys.executable, "-c", BARE, str(data)])
        row = {
            "children": n,
            "ours_s": ours[0],
            "ours_mb": ours[1],
            "ours_findings": findings,
            "printed_s": printed[0],
            "bare_s": bare[0],
        }
        if not args.no_peer and PEER_PY.exists():
            timing = work / f"peer-{n}.json"
            peer = measure(
                [
                    str(PEER_PY),
                    str(SHARED / "tools/peer903/run_peer.py"),
                    "--year",
                    args.year,
                    "--la",
                    "E09000027",
                    "--current",
                    str(data),
                    "--last",
                    str(data / "previous"),
                    "--out",
                    str(work / f"peer-{n}.csv"),
                    "--timing",
                    str(timing),
                    "-q",
                ]
            )
            info = json.loads(timing.read_text()) if timing.exists() else {}
            row.update(
                peer_s=peer[0],
                peer_mb=peer[1],
                peer_rules=info.get("n_rules_run"),
                peer_findings=info.get("n_error_rows"),
            )
        rows.append(row)
        print(json.dumps(row), flush=True)

    # where the time of a whole run goes, at the smallest and the largest size
    print("\nwhere the time goes (seconds, median of three; 'in process' is all of them):")
    for n in dict.fromkeys([sizes[0], sizes[-1]]):
        parts = breakdown(ensure_data(work, n, args.year), args.year, work)
        print(f"  {n:>9,} children: " + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()))

    # how many rules we ran (passed or failed), and where our time goes, at the largest size
    from ssda903.engine import run
    from ssda903.ingest import load
    from ssda903.problems import KINDS

    data = ensure_data(work, sizes[-1], args.year)
    t0 = time.perf_counter()
    ds = load(data, args.year, data / "previous", la="E09000027")
    t_load = time.perf_counter() - t0
    result = run(ds, timed=True)  # one rule at a time, to see which rules take the time
    ran = sum(o.status in ("passed", "failed") for o in result.outcomes if not o.rule.startswith("LOAD"))
    not_run = [o.rule for o in result.outcomes if o.status == "not run"]
    crashed = [o.rule for o in result.outcomes if o.status == "crashed"]

    print()
    print(
        f"{'children':>9} {'ours s':>8} {'ours MB':>8} {'printed':>8} {'bare s':>7} {'/bare':>6} "
        f"{'peer s':>8} {'peer MB':>8} {'speed-up':>9} {'memory':>7}"
    )
    for r in rows:
        line = (
            f"{r['children']:>9,} {r['ours_s']:>8.2f} {r['ours_mb']:>8.0f} {r['printed_s']:>8.2f} {r['bare_s']:>7.2f} "
            f"{r['ours_s'] / r['bare_s']:>5.1f}x"
        )
        if "peer_s" in r:
            line += (
                f" {r['peer_s']:>8.1f} {r['peer_mb']:>8.0f} {r['peer_s'] / r['ours_s']:>8.1f}x "
                f"{r['ours_mb'] / r['peer_mb']:>6.0%}"
            )
        print(line)
    if rows and "peer_rules" in rows[-1]:
        print(f"rules run: ours {ran} (+{len(KINDS)} load checks), peer {rows[-1]['peer_rules']}")
    else:
        print(f"rules run: ours {ran} (+{len(KINDS)} load checks)")
    print(f"not run: {not_run}; crashed: {crashed}")
    whole = rows[-1]["ours_s"] if rows else t_load + result.seconds
    print(
        f"\nin-process at {sizes[-1]:,} children: load {t_load:.2f} s, rules {result.seconds:.2f} s (each alone); "
        f"slowest rules, as a share of the whole {whole:.1f} s run (over 2% marked !):"
    )
    for o in sorted(result.outcomes, key=lambda o: -o.seconds)[: args.profile_top]:
        share = o.seconds / whole
        print(f"  {o.rule:9} {o.seconds:7.3f} s {share:6.1%} {'!' if share > 0.02 else ' '} {o.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
