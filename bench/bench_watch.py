"""Benchmark: the loop an analyst lives in, ``ssda903 watch``: time to the first result, then to each re-run.

    .venv/bin/python bench/bench_watch.py [--children 2500] [--reruns 3] [--year 2024/25]

It copies a synthetic return (made once by bench_validate.py's rule, cached under --work) into
a scratch folder, starts ``ssda903 watch`` on it with last year's return beside it and the
findings CSV written after each run, and, after each result, saves the Episodes file again (the
same rows, as an analyst's fix would be saved). It prints the time from starting the command to
the first result, and each re-run's time as the command itself says it ("Run again: …, in X s"),
beside a cold ``ssda903 validate`` of the same files.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_validate import compile_as_installed, ensure_data  # noqa: E402

SAID = re.compile(r"^(First run|Run again): .*, in ([0-9.]+) s\.")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--children", type=int, default=2500)
    ap.add_argument("--reruns", type=int, default=3)
    ap.add_argument("--year", default="2024/25")
    ap.add_argument("--work", default="/tmp/ssda903-bench")
    args = ap.parse_args()
    data = ensure_data(Path(args.work), args.children, args.year)
    compile_as_installed()
    exe = str(ROOT / ".venv/bin/ssda903")
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp) / "return"
        shutil.copytree(data, here, ignore=shutil.ignore_patterns("injected", "reference"))
        common = ["--previous", str(here / "previous"), "--year", args.year, "--la", "E09000027"]

        t0 = time.perf_counter()
        subprocess.run([exe, "validate", str(here), *common, "--findings", f"{tmp}/cold.csv", "-q"], check=False)
        cold = time.perf_counter() - t0

        command = [exe, "watch", str(here), *common, "--findings", f"{tmp}/findings.csv", "--interval", "0.2"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "--runs", str(args.reruns + 1)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert proc.stdout is not None
        first, again = 0.0, []
        episodes = here / "episodes.csv"
        for line in proc.stdout:
            said = SAID.match(line.strip())
            if not said:
                continue
            if said.group(1) == "First run":
                first = time.perf_counter() - t0
            else:
                again.append(float(said.group(2)))
            if len(again) < args.reruns:
                time.sleep(0.3)  # a save a moment after the result, as a person would make it
                episodes.write_bytes(episodes.read_bytes())
        proc.wait()

    print(f"{args.children:,} children, {args.year}, with last year's return:")
    print(f"  a cold `ssda903 validate`:           {cold:.2f} s")
    print(f"  `ssda903 watch`, to the first result: {first:.2f} s")
    print(f"  each re-run after a save:            {', '.join(f'{s:.2f}' for s in again)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
