"""One harness runs every example of every rule (``pytest -k 503D`` picks one rule)."""

from __future__ import annotations

import pytest

from ssda903.dataset import Dataset
from ssda903.engine import run
from ssda903.ingest.frames import load_frames
from ssda903.model import CollectionYear
from ssda903.reference import load_providers
from ssda903.rules import Example, Rule, all_rules
from ssda903.typed import finish


def _cases() -> list[tuple[Rule, Example]]:
    cases = []
    for r in all_rules():
        for e in r.examples:
            cases.append(pytest.param(r, e, id=f"{r.code}{'-' + r.variant if r.variant else ''}-{e.name}"))
    return cases


_datasets: dict[CollectionYear, Dataset] = {}


def _dataset(year: CollectionYear, la: str) -> Dataset:
    """One Dataset per year, cleared between examples: its macros and empty typed tables are
    built once, and each example types only the tables it supplies."""
    ds = _datasets.get(year)
    if ds is None:
        ds = _datasets[year] = Dataset(year)
    ds.clear()
    ds.la = la
    return ds


@pytest.mark.parametrize(("rule", "example"), _cases())
def test_rule_example(rule: Rule, example: Example) -> None:
    year = example.year or rule.years[-1]
    assert rule.valid_in(year), f"example year {year} is outside the years of {rule.code} {rule.variant}"
    ds = _dataset(year, example.la)
    load_frames(ds, example.current, period="current")
    if example.previous is not None:
        load_frames(ds, example.previous, period="previous")
    if example.providers is not None:
        finish(ds)
        load_providers(ds, list(example.providers))
    result = run(ds, rules=[rule])
    outcome = result.outcome(rule.code)
    assert outcome.status in ("passed", "failed"), f"{rule.code}: {outcome}"
    found = result.findings()
    mine = found[found["rule"] == rule.code]
    got = sorted((p, t, int(r)) for p, t, r in zip(mine["period"], mine["table"], mine["row"], strict=True))
    assert got == sorted(example.fails)
