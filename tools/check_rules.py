"""Check some rules against generated returns: silent on clean ones, and finding every error injected for them.

    PYTHONPATH=$PWD/src .venv/bin/python tools/check_rules.py 301 302 503A [--years 2024/25,2025/26] [--n 5000]

For each year where one of the rules exists: a clean return (with last year's) must give no finding
for them; a return with errors in about a fifth of its children must have every manifest line that
names one of them reported on that row (or that child, for a rule reporting another table). The
returns are cached under /tmp/ssda903-check (delete it after changing the generator). A quicker,
narrower form of tests/synth/test_clean_return.py, for working on a few rules.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import pandas as pd

import ssda903
from ssda903.model import supported_years
from ssda903.rules import rules_for_year
from ssda903.synth import generate

CACHE = Path(os.environ.get("SSDA903_CHECK_CACHE", "/tmp/ssda903-check"))
LA = "E09000027"


def _folder(year: str, kind: str, n: int, seed: int, rate: float) -> Path:
    folder = CACHE / f"{year.replace('/', '_')}-{kind}-{n}-{seed}"
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate(n, year, seed, folder, previous=True, error_rate=rate)
        (folder / "done").touch()
    return folder


def _run(folder: Path, year: str, codes: list[str]) -> pd.DataFrame:
    providers = folder / "reference" / "ofsted_providers.csv"
    result = ssda903.validate(folder, year, folder / "previous", la=LA, rules=codes, providers=providers)
    for o in result.outcomes:
        if o.rule in codes and o.status != "passed" and o.status != "failed":
            print(f"  {o.rule}: {o.status} {o.detail}")
    return result.findings()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("codes", nargs="+")
    ap.add_argument("--years", default=",".join(str(y) for y in supported_years()))
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--error-n", type=int, default=2000, help="children in the return with errors")
    ap.add_argument("--rate", type=float, default=0.2, help="share of children given an error")
    args = ap.parse_args()
    bad = 0
    for year in args.years.split(","):
        codes = [c for c in args.codes if c in {r.code for r in rules_for_year(year)}]
        if not codes:
            continue
        clean = _run(_folder(year, "clean", args.n, args.seed, 0.0), year, codes)
        clean = clean[clean.rule.isin(codes)]
        print(f"{year} clean: {len(clean)} findings {clean.groupby('rule').size().to_dict()}")
        if len(clean):
            bad += 1
            print(clean[["rule", "period", "table", "row", "child"]].head(8).to_string(index=False))
        folder = _folder(year, f"errors{args.rate}", args.error_n, args.seed, args.rate)
        found = _run(folder, year, codes)
        found = found[found.period == "current"]
        manifest = pd.read_csv(folder / "injected" / "manifest.csv", dtype=str, keep_default_na=False)
        manifest = manifest[manifest.rule.isin(codes)]
        tables = {r.code: set(r.tables) for r in rules_for_year(year)}
        at_row = set(zip(found.rule, found.table, found.row.astype("Int64"), strict=True))
        at_child = set(zip(found.rule, found.child, strict=True))
        for code in codes:
            m = manifest[manifest.rule == code]
            missed = [
                line
                for line in m.itertuples()
                if not (
                    (line.rule, line.child) in at_child
                    if line.table not in tables[code]
                    else (line.rule, line.table, int(line.row)) in at_row
                )
            ]
            flagged = int((found.rule == code).sum())
            print(f"  {code}: injected {len(m)}, missed {len(missed)}, flagged {flagged}")
            for line in missed[:5]:
                print(f"    missed {line.table} row {line.row} {line.column}: {line.original!r} -> {line.injected!r}")
            bad += bool(missed)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
