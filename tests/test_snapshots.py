"""A whole-report snapshot per year on a fixed synthetic return.

Any change to a shared template, expression, the loader or the engine that moves a
rule's outcome shows up here as a diff of the snapshot. After checking the change is
intended, refresh with ``UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ssda903.engine import run
from ssda903.ingest import load
from ssda903.model import supported_years
from ssda903.synth import generate

SNAPSHOTS = Path(__file__).parent / "snapshots"


def outcome_snapshot(folder: Path, year: str) -> dict[str, object]:
    generate(400, year, 903, folder, previous=True, error_rate=0.1)
    result = run(load(folder, year, folder / "previous", la="E09000027"))
    findings = result.findings()
    return {
        "year": year,
        "outcomes": {
            o.rule + (f" ({o.variant})" if o.variant else ""): (
                f"{o.status} {o.count}" if o.status == "failed" else f"{o.status} {o.detail}".strip()
            )
            for o in result.outcomes
        },
        "findings": len(findings),
        "children_with_findings": int(findings["child"].nunique()),
    }


@pytest.mark.parametrize("year", [y.label for y in supported_years()])
def test_report_matches_snapshot(year: str, tmp_path: Path) -> None:
    snap = outcome_snapshot(tmp_path, year)
    path = SNAPSHOTS / f"{year.replace('/', '_')}.json"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), f"no snapshot for {year}: UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(snap))
