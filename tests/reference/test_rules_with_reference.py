"""Rules that need reference data say so: without it they are "not run", never "passed".

(Their examples, with the provider list and LA they give, run in tests/rules/test_examples.py.)
"""

from __future__ import annotations

import pytest

from ssda903.dataset import Dataset
from ssda903.engine import run
from ssda903.ingest.frames import load_frames
from ssda903.rules import NEEDS_LA, Example, Rule, all_rules

PROVIDER_CASES = [
    pytest.param(r, e, id=f"{r.code}{'-' + r.variant if r.variant else ''}-{e.name}")
    for r in all_rules()
    for e in r.examples
    if e.providers is not None
]


def test_there_are_provider_examples() -> None:
    assert len(PROVIDER_CASES) >= 10


@pytest.mark.parametrize(("rule", "example"), PROVIDER_CASES)
def test_provider_rule_is_not_run_without_the_list(rule: Rule, example: Example) -> None:
    ds = Dataset(example.year or rule.years[-1], la=example.la)
    load_frames(ds, example.current, period="current")
    if example.previous is not None:
        load_frames(ds, example.previous, period="previous")
    outcome = run(ds, rules=[rule]).outcome(rule.code)
    assert outcome.status == "not run"
    assert "Ofsted provider list" in outcome.detail


def test_rule_using_the_la_code_is_not_run_without_it() -> None:
    uses_la = [r for r in all_rules() if NEEDS_LA in r.needs]
    assert uses_la, "some rules compare with the responsible LA"
    r = uses_la[0]
    e = r.examples[0]
    ds = Dataset(e.year or r.years[-1], la=None)
    load_frames(ds, e.current, period="current")
    if e.previous is not None:
        load_frames(ds, e.previous, period="previous")
    outcome = run(ds, rules=[r]).outcome(r.code)
    assert outcome.status == "not run" and "--la" in outcome.detail
