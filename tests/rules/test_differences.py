"""Meta-tests: a deliberate difference from the community validator is declared in its own field.

Each rule (or variant) whose results differ on purpose from the community validator's
(csc-validator-be-903) says why in ``community_difference``: one sentence naming what the
community validator does. ``why`` is about the DfE rule alone, so it never names the
community validator: a comparison left there would not reach ``ssda903 rules --json`` or
docs/rules/differences.md.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.rules import Rule, all_rules, parse_rule_file

RULES = all_rules()
DECLARED = tuple(r for r in RULES if r.community_difference)

#: Variants whose SQL the lead is moving to parameters (issue 7) while this is written: their
#: `why` still holds the comparison, which moves to `community_difference` with that migration.
#: Remove an entry once its file is migrated; the test below fails when an entry is no longer needed.
NAMES_THE_COMMUNITY_VALIDATOR = re.compile(r"community[ -]validator|csc-validator|lac_validator", re.I)


def _ids(rules: tuple[Rule, ...]) -> list[str]:
    return [f"{r.code}{'-' + r.variant if r.variant else ''}" for r in rules]


def sentences(text: str) -> list[str]:
    """The text cut after each full stop, question or exclamation mark that a capital letter follows."""
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())


def test_sentences_are_cut_where_a_new_one_starts() -> None:
    assert len(sentences("It reports 142. It also reports 147.")) == 2
    assert len(sentences("A date (2025-06-15, e.g. 01.02.2025) is read; the rest (204, 208) is not.")) == 1


@pytest.mark.parametrize("rule", DECLARED, ids=_ids(DECLARED))
def test_community_difference_is_one_sentence_about_the_community_validator(rule: Rule) -> None:
    text = rule.community_difference or ""
    assert len(sentences(text)) == 1, f"one sentence, not {len(sentences(text))}: {text!r}"
    assert text[0].isupper() and text.endswith("."), "a sentence: a capital letter first, a full stop last"
    assert NAMES_THE_COMMUNITY_VALIDATOR.search(text), "says what the community validator does"
    assert len(text) <= 320, f"short enough to read in a table ({len(text)} characters)"


@pytest.mark.parametrize("rule", RULES, ids=_ids(RULES))
def test_why_leaves_the_community_validator_to_its_own_field(rule: Rule) -> None:
    assert not NAMES_THE_COMMUNITY_VALIDATOR.search(rule.why), (
        "`why` names the community validator: move the difference to `community_difference` (one sentence)"
    )


def test_a_variant_inherits_the_difference_unless_it_declares_its_own() -> None:
    base = {
        "code": "999",
        "message": "m",
        "why": "w",
        "community_difference": "The community validator does one thing.",
        "query": {"sql": "SELECT _id FROM Header"},
        "variants": [
            {"name": "same", "valid_from": "2023/24", "valid_until": "2023/24"},
            {"name": "own", "valid_from": "2024/25", "valid_until": "2024/25", "community_difference": "The other."},
            {"name": "none", "valid_from": "2025/26", "community_difference": None},
        ],
    }
    got = {r.variant: r.community_difference for r in parse_rule_file(base, "999.yaml")}
    assert got == {
        "": "The community validator does one thing.",
        "same": "The community validator does one thing.",
        "own": "The other.",
        "none": None,
    }


def test_rules_json_carries_the_difference_or_null() -> None:
    out = CliRunner().invoke(app, ["rules", "--json"])
    assert out.exit_code == 0, out.output
    listed = {(d["code"], d["variant"], d["valid_from"]): d["community_difference"] for d in json.loads(out.output)}
    assert listed == {(r.code, r.variant, r.valid_from.label): r.community_difference for r in RULES}
    assert None in listed.values() and any(listed.values()), "both kinds are present"
