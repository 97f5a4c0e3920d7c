"""Compare our findings with the community validator's on one return, rule by rule.

    export PYTHONPATH=$PWD/src
    /work/main/.venv/bin/python tools/compare_peer.py DIR --year 2024/25 [--previous DIR/previous] \
        [--la E09000027] [--codes 300-499,INT,EPI] [--show 5] [--halt] [--table peer-comparison.md]

DIR is a folder of CSV files (e.g. from ``ssda903 synth``, whose injected/manifest.csv says what was
changed where). Both tools run on the same files: ours in this process (the sources on PYTHONPATH),
the community validator (csc-validator-be-903) through ../shared/tools/peer903/run_peer.py in its own
venv. For each rule code in range the sets of flagged (period, table, row) are compared.

Each differing row is labelled with what synth changed on that child: ``noise:padded_code``,
``noise:lowercase_code`` or ``noise:iso_date`` when a cell the rule reads was given stray spaces,
lower case or an ISO date (a difference in reading the input, the same for every rule, described at
the top of docs/rules/differences.md), otherwise the injected error kinds or ``-``. A rule that
differs is ``declared`` when its file gives ``community_difference`` for the year, ``noise`` when
every differing row is noise, ``not compared`` when one side did not run it or the community
validator crashed on it, ``same alone`` when theirs flags the same rows once the rule runs on its
own (their rules share one set of tables, which some change in place for the rules after), and
``UNEXPLAINED`` otherwise: a bug in one of the two, to find.

The community validator has no stages, so ours runs without the DfE's stage 2 halting unless
``--halt`` is given. ``--table`` appends the year's results to a markdown file: one row per rule that
flagged anything or differs (ours, theirs, same, verdict, what the differing rows have in common),
then the rules with no finding on either side.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_TOOLS = Path(os.environ.get("PEER903_TOOLS", "/work/shared/tools/peer903"))
PEER_PY = os.environ.get("PEER903_PYTHON", "/tmp/peer903/venv/bin/python")
NOISE = {"padded_code", "lowercase_code", "iso_date"}

Row = tuple[str, str, int]  # (period, table, row)


def data_only(src: Path, dst: Path) -> Path:
    """The return's CSV files alone (no manifest, no previous year), as both tools will read them."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.csv"):
        shutil.copy(f, dst / f.name)
    return dst


def code_key(code: str) -> tuple[int, str]:
    m = re.match(r"\d+", code)
    return (int(m.group()) if m else 10**6, code)


def selector(spec: str) -> Callable[[str], bool]:
    """Which codes ``--codes`` names: comma-separated ranges (300-499) and prefixes (INT, SW, EPI, all)."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]

    def wanted(code: str) -> bool:
        n = code_key(code)[0]
        for part in parts:
            if part.lower() == "all":
                return True
            if re.fullmatch(r"\d+-\d+", part):
                lo, hi = (int(x) for x in part.split("-"))
                if n != 10**6 and lo <= n <= hi:
                    return True
            elif code.upper().startswith(part.upper()):
                return True
        return False

    return wanted


def run_ours(cur: Path, prev: Path | None, year: str, la: str, halt: bool) -> tuple[dict[str, dict[Row, str]], dict]:
    """Our findings {rule: {row: child}} and outcomes {rule: status} (and "children": how many),
    from the sources on the path."""
    import inspect

    import ssda903
    from ssda903 import engine

    options = {}
    if "halt_stage2" in inspect.signature(ssda903.validate).parameters:
        options["halt_stage2"] = halt  # the engine reports every rule's failures unless asked to halt
    elif not halt and hasattr(engine, "_gate_stage_two"):
        # an engine that always halts: the community validator has no stages, so compare every rule's failures
        engine._gate_stage_two = lambda con: None  # type: ignore[attr-defined]
    result = ssda903.validate(str(cur), year, str(prev) if prev else None, la=la, **options)
    found: dict[str, dict[Row, str]] = defaultdict(dict)
    rows = result.dataset.con.sql('SELECT rule, period, "table", row, child FROM findings WHERE row IS NOT NULL')
    for rule, period, table, row, child in rows.fetchall():  # file-level findings have no row
        found[str(rule)][(str(period), str(table), int(row))] = str(child)
    status = {o.rule: o.status for o in result.outcomes}
    status["children"] = str(result.dataset.con.execute("SELECT count(DISTINCT CHILD) FROM Header").fetchall()[0][0])
    return found, status


def run_peer(cur: Path, prev: Path | None, year: str, la: str, work: Path) -> tuple[dict[str, dict[Row, str]], dict]:
    out, timing = work / "peer.csv", work / "peer-timing.json"
    cmd = [PEER_PY, str(PEER_TOOLS / "run_peer.py"), "--year", year, "--la", la, "--current", str(cur)]
    cmd += ["--out", str(out), "--timing", str(timing), "-q"] + (["--last", str(prev)] if prev else [])
    subprocess.run(cmd, check=False, stderr=subprocess.DEVNULL)
    found: dict[str, dict[Row, str]] = defaultdict(dict)
    with open(out, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["row"]:
                period = "previous" if r["period"] == "last" else r["period"]
                found[r["rule_code"]][(period, r["table"], int(r["row"]))] = r["child"]
    info = json.loads(timing.read_text(encoding="utf-8")) if timing.exists() else {}
    status = {c: "crashed" for c in info.get("rules_crashed", [])}
    status |= {c: "not run" for c in info.get("rules_skipped_missing_tables", [])}
    return found, status


def run_alone(cur: Path, prev: Path | None, year: str, la: str, work: Path, code: str) -> set[Row]:
    """The rows the community validator flags for ``code`` when it runs that rule alone."""
    alone = work / f"alone-{code}"
    alone.mkdir(exist_ok=True)
    cmd = [PEER_PY, str(PEER_TOOLS / "run_peer.py"), "--year", year, "--la", la, "--current", str(cur)]
    cmd += ["--out", str(alone / "peer.csv"), "--rules", code, "-q"] + (["--last", str(prev)] if prev else [])
    subprocess.run(cmd, check=False, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    if not (alone / "peer.csv").exists():
        return set()
    with open(alone / "peer.csv", encoding="utf-8") as f:
        return {
            ("previous" if r["period"] == "last" else r["period"], r["table"], int(r["row"]))
            for r in csv.DictReader(f)
            if r["row"]
        }


def manifest(folder: Path, period: str) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(period, child) -> [(table, column, kind)] of the cells synth changed."""
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    path = folder / "injected" / "manifest.csv"
    if path.exists():
        with open(path, encoding="utf-8") as f:
            for m in csv.DictReader(f):
                out[(period, m["child"].strip().upper())].append((m["table"], m["column"], m["kind"]))
    return out


def label(edits: list[tuple[str, str, str]], fields: set[str]) -> str:
    """What synth changed on the child that explains a differing row: noise in a field read, or the errors."""
    noise = sorted({k for _, col, k in edits if k in NOISE and col in fields})
    if noise:
        return "noise:" + "+".join(noise)
    kinds = sorted({k for _, _, k in edits if k not in NOISE})
    return "+".join(kinds) or "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--year", required=True)
    ap.add_argument("--previous", type=Path, help="last year's folder (default: FOLDER/previous when present)")
    ap.add_argument("--codes", default="all", help="ranges and prefixes: 300-499,700-710,INT,SW,EPI,NoE or all")
    ap.add_argument("--la", default="E09000027")
    ap.add_argument("--show", type=int, default=4, help="differing rows to list per rule and side")
    ap.add_argument("--halt", action="store_true", help="apply the DfE's stage 2 halting to our findings")
    ap.add_argument("--table", type=Path, help="append the results as a markdown table to this file")
    args = ap.parse_args()
    in_range = selector(args.codes)
    previous = args.previous or (args.folder / "previous" if (args.folder / "previous").is_dir() else None)

    work = Path(tempfile.mkdtemp(prefix="cmp-"))
    cur = data_only(args.folder, work / "current")
    prev = data_only(previous, work / "previous") if previous else None
    ours, our_status = run_ours(cur, prev, args.year, args.la, args.halt)
    peer, peer_status = run_peer(cur, prev, args.year, args.la, work)
    edits = manifest(args.folder, "current") | (manifest(previous, "previous") if previous else {})

    from ssda903.model import CollectionYear
    from ssda903.rules import rules_for_year

    year = CollectionYear.parse(args.year)
    rules = {r.code: r for r in rules_for_year(year) if in_range(r.code)}
    codes = sorted(set(rules) | {c for c in peer if in_range(c)}, key=code_key)
    lines, table, quiet, verdicts = [], [], [], Counter()
    for code in codes:
        rule = rules.get(code)
        fields = set(rule.gate_fields) | {"CHILD"} if rule else set()
        a, b = ours.get(code, {}), peer.get(code, {})
        only_ours = sorted(set(a) - set(b))
        only_peer = sorted(set(b) - set(a))
        labels = {
            side: Counter(label(edits.get((r[0], rows[r].strip().upper()), []), fields) for r in diff)
            for side, diff, rows in (("ours", only_ours, a), ("theirs", only_peer, b))
        }
        ran = {"ours": our_status.get(code, "absent"), "theirs": peer_status.get(code, "ran")}
        if ran["ours"] in ("not run", "crashed") or ran["theirs"] in ("not run", "crashed"):
            verdict, reason = "not compared", f"ours {ran['ours']}, theirs {ran['theirs']}"
        elif not only_ours and not only_peer:
            verdict, reason = "same", ""
        elif all(k.startswith("noise:") for c in labels.values() for k in c):
            verdict, reason = "noise", "how a cell is read (the top of differences.md)"
        elif rule and rule.community_difference:
            verdict, reason = "declared", rule.community_difference
        elif run_alone(cur, prev, args.year, args.la, work, code) == set(a):
            # their rules share one set of tables, and some change them in place for the rules after
            verdict, reason = "same alone", "theirs agrees when run alone"
        else:
            verdict, reason = "UNEXPLAINED", ""
        verdicts[verdict] += 1
        head = f"{verdict:12} {code:6} ours {len(a):5}  theirs {len(b):5}  both {len(set(a) & set(b)):5}"
        if verdict != "same":
            head += f"  only ours {len(only_ours):4}  only theirs {len(only_peer):4}"
        if verdict == "not compared":
            head += f"  [{reason}]"
        lines.append(head)
        for side, diff, rows in (("only ours", only_ours, a), ("only theirs", only_peer, b)):
            if diff:
                counts = labels["ours" if side == "only ours" else "theirs"]
                lines.append(f"       {side}: " + ", ".join(f"{k} {n}" for k, n in counts.most_common()))
            for r in diff[: args.show]:
                lines.append(f"         {r} child {rows[r]}  {label(edits.get((r[0], rows[r].upper()), []), fields)}")
        if verdict == "same" and not a:
            quiet.append(code)
            continue
        why = {"not compared": reason, "same": ""}.get(verdict)
        if why is None:
            why = "; ".join(
                f"only {side} {', '.join(f'{k} {n}' for k, n in c.most_common())}" for side, c in labels.items() if c
            )
        table.append(f"| {code} | {len(a)} | {len(b)} | {'yes' if verdict == 'same' else 'no'} | {verdict} | {why} |")
    print("\n".join(lines))
    summary = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
    print(f"{args.year}: {len(codes)} codes compared: {summary}; files in {work}")
    if args.table:
        head = [
            f"### {year.label}: {args.folder.name}, {int(our_status['children']):,} children{', with last year' if prev else ''}",
            "",
            f"{len(codes)} codes: {summary}.",
            "",
            "| Rule | Ours | Theirs | Same | Verdict | Rows that differ (what synth changed on the child) |",
            "|---|---|---|---|---|---|",
        ]
        tail = ["", f"No finding on either side ({len(quiet)}): {', '.join(quiet)}.", ""]
        with open(args.table, "a", encoding="utf-8") as f:
            f.write("\n".join(head + table + tail) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
