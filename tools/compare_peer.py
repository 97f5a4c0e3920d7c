"""Compare our findings with the community validator's on one return, rule by rule.

    .venv/bin/python tools/compare_peer.py DIR --year 2024/25 [--previous DIR/previous] \
        [--codes 100-299] [--show 5] [--out report.md]

DIR is a folder of CSV files (e.g. from ``ssda903 synth``, whose injected/manifest.csv annotates differences).
Both tools run on the same files; for each rule code in range the sets of flagged
(period, table, row) are compared and the differing rows listed, with the CHILD, so
each difference can be looked up and explained from the DfE logic.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PEER_PY = "/tmp/peer903/venv/bin/python"


def data_only(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.csv"):
        shutil.copy(f, dst / f.name)
    return dst


def in_range(code: str, lo: int, hi: int) -> bool:
    m = re.match(r"(\d+)", code)
    return bool(m) and lo <= int(m.group(1)) <= hi


def read(path: Path, code_col: str) -> dict[str, set[tuple[str, str, int, str]]]:
    out: dict[str, set[tuple[str, str, int, str]]] = defaultdict(set)
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if not r["row"]:
                continue
            period = "previous" if r["period"] == "last" else r["period"]
            out[r[code_col]].add((period, r["table"], int(r["row"]), r["child"]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--year", required=True)
    ap.add_argument("--previous", type=Path)
    ap.add_argument("--codes", default="100-299")
    ap.add_argument("--la", default="E09000027")
    ap.add_argument("--show", type=int, default=4)
    args = ap.parse_args()
    lo, hi = (int(x) for x in args.codes.split("-"))
    work = Path(tempfile.mkdtemp(prefix="cmp-"))
    cur = data_only(args.folder, work / "current")
    prev = data_only(args.previous, work / "previous") if args.previous else None
    ours_csv, peer_csv = work / "ours.csv", work / "peer.csv"
    cmd = [
        str(ROOT / ".venv/bin/ssda903"),
        "validate",
        str(cur),
        "--year",
        args.year,
        "--la",
        args.la,
        "--findings",
        str(ours_csv),
        "-q",
    ]
    if prev:
        cmd += ["--previous", str(prev)]
    subprocess.run(cmd, check=False)
    pcmd = [
        PEER_PY,
        str(SHARED / "tools/peer903/run_peer.py"),
        "--year",
        args.year,
        "--la",
        args.la,
        "--current",
        str(cur),
        "--out",
        str(peer_csv),
        "-q",
    ]
    if prev:
        pcmd += ["--last", str(prev)]
    subprocess.run(pcmd, check=False, stderr=subprocess.DEVNULL)
    ours, peer = read(ours_csv, "rule"), read(peer_csv, "rule_code")
    injected: dict[tuple[str, str], list[str]] = defaultdict(list)  # (table, child) -> kinds injected
    for folder, period in ((args.folder, "current"), (args.previous, "previous")):
        manifest = folder / "injected" / "manifest.csv" if folder else None
        if manifest and manifest.exists():
            with open(manifest, encoding="utf-8") as f:
                for m in csv.DictReader(f):
                    injected[(period, m["child"])].append(f"{m['table']}.{m['column']}:{m['kind']}={m['injected']!r}")
    from ssda903.rules import rules_for_year

    codes = sorted(
        {r.code for r in rules_for_year(args.year) if in_range(r.code, lo, hi)}
        | {c for c in peer if in_range(c, lo, hi)},
        key=lambda c: (int(re.match(r"\d+", c).group()), c),
    )
    same = 0
    lines = []
    for code in codes:
        a = {x[:3] for x in ours.get(code, set())}
        b = {x[:3] for x in peer.get(code, set())}
        if a == b:
            same += 1
            lines.append(f"SAME {code:6} {len(a):6} rows")
            continue
        only_ours = sorted(x for x in ours.get(code, set()) if x[:3] not in b)
        only_peer = sorted(x for x in peer.get(code, set()) if x[:3] not in a)
        lines.append(
            f"DIFF {code:6} ours {len(a):6}  peer {len(b):6}  both {len(a & b):6}  "
            f"only ours {len(only_ours):5}  only peer {len(only_peer):5}"
        )
        for label, rows in (("only ours", only_ours), ("only peer", only_peer)):
            for x in rows[: args.show]:
                note = "; ".join(injected.get((x[0], x[3]), [])[:3])
                lines.append(f"       {label}: {x}  {note}")
    print("\n".join(lines))
    print(f"{len(codes)} codes compared, {same} identical; files in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
