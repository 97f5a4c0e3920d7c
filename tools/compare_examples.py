"""Run every example of the given rules through the community validator and compare.

For each example of each rule (and variant) the example's tables are written as CSV
files (every model column, blanks where the example gives none) and handed to the
community validator (installed by ../shared/tools/peer903/setup.sh). The rows it flags
for that rule are compared with the rows the example expects.

    .venv/bin/python tools/compare_examples.py 101 102 148 [--peer-python /tmp/peer903/venv/bin/python]

Prints one line per example: SAME, or DIFF with both row lists. Nothing here contains
the community validator's code; it is run as a black box.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ssda903.model import load_model
from ssda903.rules import rule

PEER_TOOLS = Path(os.environ.get("PEER903_TOOLS", "/work/shared/tools/peer903"))

DRIVER = r"""
import io, json, sys, contextlib
sys.path.insert(0, sys.argv[1])
import run_peer
jobs = json.load(open(sys.argv[2]))
out = {}
for job in jobs:
    args = ["--year", job["year"], "--la", job.get("la") or "E09000027", "--current", job["current"],
            "--out", job["out"], "--rules", job["rule"], "-q"]
    if job.get("last"):
        args += ["--last", job["last"]]
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            code = run_peer.main(args)
    except SystemExit as e:
        code = e.code
    except Exception as e:
        code = repr(e)
    out[job["out"]] = {"code": code, "stderr": err.getvalue()[-500:]}
json.dump(out, open(sys.argv[3], "w"))
"""


def write_tables(folder: Path, tables: dict[str, list[dict[str, object]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    model = load_model()
    for name, rows in tables.items():
        cols = list(model.table(name).csv_columns)
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(cols)
            for r in rows:
                w.writerow(["" if r.get(c) is None else str(r.get(c)) for c in cols])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("codes", nargs="+")
    ap.add_argument("--peer-python", default="/tmp/peer903/venv/bin/python")
    ap.add_argument("--la", default="E09000027")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="peercmp-"))
    jobs, expected = [], {}
    for code in args.codes:
        for r in rule(code):
            for i, e in enumerate(r.examples):
                year = e.year or r.years[-1]
                base = work / f"{r.code}-{r.variant or 'base'}-{i}"
                write_tables(base / "current", e.current)
                if e.previous:
                    write_tables(base / "last", e.previous)
                out = str(base / "peer.csv")
                jobs.append(
                    {
                        "rule": r.code,
                        "year": year.label,
                        "current": str(base / "current"),
                        "last": str(base / "last") if e.previous else None,
                        "out": out,
                        "la": args.la,
                    }
                )
                exp = sorted((p, t, n) for p, t, n in e.fails)
                expected[out] = (r.code, r.variant, e.name, year.label, exp)
    if not jobs:
        print("no examples found")
        return 1
    (work / "jobs.json").write_text(json.dumps(jobs))
    (work / "driver.py").write_text(DRIVER)
    subprocess.run(
        [
            args.peer_python,
            str(work / "driver.py"),
            str(PEER_TOOLS),
            str(work / "jobs.json"),
            str(work / "status.json"),
        ],
        check=False,
    )
    status = json.loads((work / "status.json").read_text()) if (work / "status.json").exists() else {}
    same = diff = 0
    for out, (code, variant, name, year, exp) in expected.items():
        got = []
        if os.path.exists(out):
            with open(out, encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if row["rule_code"] == code:
                        period = "previous" if row["period"] == "last" else "current"
                        got.append((period, row["table"], int(row["row"])))
        got.sort()
        label = f"{code:6} {variant or '-':24} {year} {name}"
        st = status.get(out, {})
        if got == exp and st.get("code") == 0:
            same += 1
            print(f"SAME  {label}")
        else:
            diff += 1
            note = "" if st.get("code") == 0 else f"  peer exit {st.get('code')}: {st.get('stderr', '').strip()[-200:]}"
            print(f"DIFF  {label}\n      ours expects {exp}\n      peer flags   {got}{note}")
    print(f"{same} same, {diff} different ({work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
