"""How fast the synthetic return generator is, and how much memory it needs.

Each size runs in its own Python process, so the peak resident memory
(``ru_maxrss``) is that run's alone. Prints children per second and peak MB.

    .venv/bin/python bench/bench_synth.py                 # 10,000 and 100,000 children
    .venv/bin/python bench/bench_synth.py --full          # and 1,000,000
    .venv/bin/python bench/bench_synth.py --format xml --previous --error-rate 0.05
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = """
import json, resource, sys, time
from pathlib import Path
from ssda903.synth import generate
n, year, fmt, previous, rate, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1", float(sys.argv[5]), sys.argv[6]
t = time.perf_counter()
s = generate(n, year, 1, Path(out), previous=previous, error_rate=rate, fmt=fmt)
seconds = time.perf_counter() - t
size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
print(json.dumps({"seconds": seconds, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "bytes": size, "episodes": s.rows.get("Episodes", 0), "warnings": s.warnings}))
"""


def run(n: int, year: str, fmt: str, previous: bool, rate: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as out:
        args = [sys.executable, "-c", CHILD, str(n), year, fmt, "1" if previous else "0", str(rate), out]
        done = subprocess.run(args, capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also run 1,000,000 children")
    ap.add_argument("--year", default="2025/26")
    ap.add_argument("--format", default="csv", choices=["csv", "xlsx", "xml"])
    ap.add_argument("--previous", action="store_true")
    ap.add_argument("--error-rate", type=float, default=0.0)
    args = ap.parse_args()
    sizes = [10_000, 100_000] + ([1_000_000] if args.full else [])
    print(f"synth {args.year} {args.format} previous={args.previous} error_rate={args.error_rate}")
    print(f"{'children':>10} {'seconds':>8} {'children/s':>11} {'peak MB':>8} {'output MB':>9} {'episodes':>10}")
    for n in sizes:
        r = run(n, args.year, args.format, args.previous, args.error_rate)
        secs = float(r["seconds"])  # type: ignore[arg-type]
        print(
            f"{n:>10,} {secs:>8.1f} {n / secs:>11,.0f} {int(r['maxrss_kb']) / 1024:>8.0f} "  # type: ignore[call-overload]
            f"{int(r['bytes']) / 2**20:>9.0f} {int(r['episodes']):>10,}"  # type: ignore[call-overload]
        )
        for w in r["warnings"]:  # type: ignore[attr-defined]
            print(f"{'':>10} warning: {w}")


if __name__ == "__main__":
    main()
