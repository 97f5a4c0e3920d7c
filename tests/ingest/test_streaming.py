"""Large files stream: loading a ~2 GB CSV keeps peak memory well below the file's size.

The load runs in a fresh Python process so its peak resident set (VmHWM) is the
loader's own. DuckDB is held to a memory limit, as a large run would be; the
point is that nothing in the loader reads the file into Python or keeps a second
copy (the transcoding path for Windows-1252 included). Run with ``-m slow``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_helpers import write_episodes_csv

SIZE = 2 * 1024**3
MEMORY_LIMIT = "512MB"

MEASURE = """
import json, resource, sys, time
def peak_bytes():
    # VmHWM starts afresh at exec; ru_maxrss would include the pytest process this one was forked from
    try:
        with open("/proc/self/status") as f:
            return 1024 * next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 1024 * resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from ssda903.dataset import Dataset
from ssda903.ingest import load_into
ds = Dataset("2024/25")
ds.con.execute("SET memory_limit = '{limit}'")
start = time.perf_counter()
load_into(ds, [sys.argv[1]], period="current")
seconds = time.perf_counter() - start
last = ds.con.execute("SELECT CHILD, _row, _line FROM raw.Episodes ORDER BY _row DESC LIMIT 1").fetchone()
print(json.dumps({{
    "rows": ds.sources[0].rows if ds.sources else 0,
    "problems": [p.code for p in ds.problems],
    "last": list(last) if last else None,
    "seconds": seconds,
    "maxrss_bytes": peak_bytes(),
}}))
"""


def _measure(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE.format(limit=MEMORY_LIMIT), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    last = out.stdout.strip().splitlines()[-1]
    return json.loads(last[last.index("{") :])


@pytest.mark.slow
@pytest.mark.parametrize(("encoding", "problems"), [("utf-8", []), ("cp1252", ["LOAD13"])])
def test_two_gigabyte_csv_streams(tmp_path: Path, encoding: str, problems: list[str]) -> None:
    path = tmp_path / "episodes.csv"
    rows = write_episodes_csv(path, SIZE, encoding=encoding)
    size = path.stat().st_size
    result = _measure(path)
    print(
        f"\n{encoding}: {size / 1e9:.2f} GB, {rows:,} rows in {result['seconds']:.1f} s, "
        f"peak RSS {result['maxrss_bytes'] / 1e6:,.0f} MB"
    )
    assert result["rows"] == rows
    assert result["problems"] == problems
    n = rows - 1
    assert result["last"] == [f"{n // 20_000:05d}{n % 20_000:06d}", n, n + 2]
    assert result["maxrss_bytes"] < size / 2
