"""The rule catalogue, generated from the rule files: one page per year, the changes between
years, and the deliberate differences from the community validator.

``ssda903 catalogue --out docs/rules`` writes them; ``--check`` fails when the
committed copy is stale (CI runs it through the test suite).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from ssda903.model import CollectionYear, supported_years
from ssda903.problems import KINDS
from ssda903.rules import Rule, all_rules, rules_for_year
from ssda903.rules.schema import json_schema
from ssda903.sql import vocabulary_page


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def year_page(year: CollectionYear) -> str:
    rules = rules_for_year(year)
    lines = [
        f"# SSDA903 validation rules, {year.label}",
        "",
        "Generated from `src/ssda903/rules/catalogue/` by `ssda903 catalogue`; do not edit.",
        "",
        f"{len(rules)} DfE rules, plus the {len(KINDS)} load checks (LOAD01–LOAD{len(KINDS):02d}).",
        "",
        "| Code | Message | Tables | Fields | Stage | Severity | Since |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        since = r.valid_from.label + (f" ({r.variant})" if r.variant else "")
        lines.append(
            f"| {r.code} | {_cell(r.message)} | {', '.join(r.tables)} | {', '.join(r.fields)} | {r.stage} "
            f"| {r.severity} | {since} |"
        )
    lines += ["", "## Load checks", "", "| Code | Problem | Severity | What to do |", "|---|---|---|---|"]
    for k in KINDS.values():
        lines.append(f"| {k.code} | {k.title} | {k.severity} | {_cell(k.advice)} |")
    return "\n".join(lines) + "\n"


def changes_page() -> str:
    years = supported_years()
    by_year: dict[CollectionYear, dict[str, Rule]] = {y: {r.code: r for r in rules_for_year(y)} for y in years}
    lines = [
        "# Changes to the SSDA903 rules between years",
        "",
        "Generated from `src/ssda903/rules/catalogue/` by `ssda903 catalogue`; do not edit.",
        "",
    ]
    for prev, year in itertools.pairwise(years):
        before, now = by_year[prev], by_year[year]
        added = sorted(set(now) - set(before), key=_key)
        deleted = sorted(set(before) - set(now), key=_key)
        amended = sorted((c for c in set(now) & set(before) if now[c].variant != before[c].variant), key=_key)
        lines += [f"## {prev.label} → {year.label}", ""]
        for title, codes, source in (("Added", added, now), ("Amended", amended, now), ("Deleted", deleted, before)):
            if not codes:
                lines += [f"{title}: none.", ""]
                continue
            lines += [f"{title}:", ""]
            for c in codes:
                extra = f" — variant `{source[c].variant}`" if title == "Amended" and source[c].variant else ""
                lines.append(f"- **{c}** {_cell(source[c].message)}{extra}")
            lines.append("")
    return "\n".join(lines)


#: Differences in how the files are read, the same for every rule (the page's first section).
READING_DIFFERENCES = (
    "**Codes** are compared exactly, as the DfE's XML schema does: a code in lower case or with spaces "
    "around it is reported under the rule for that item (101 for SEX, 144 for LS, …), and later rules "
    "read it as meant. The community validator upper-cases every value as it loads, so it accepts lower "
    "case, and does not trim, so it reports a padded code under the item's rule and again under every "
    "later rule that compares it (204, for one).",
    "**Dates** written another way that still name a real day (2025-06-15, an Excel serial number, "
    "spaces around the date) are read as that day and reported as a load finding asking for "
    "DD/MM/YYYY. The community validator reads DD/MM/YYYY only, so it reports them under the date's "
    "own rule and reads them as blank in every later rule.",
    "**A cell holding only spaces** is blank, with a load finding on the cell; the community "
    "validator counts it as a value given (in 148 or 151, for example).",
    "**A value that cannot be read** (a date that is not a date) is reported by its own rule and "
    "never makes another rule fire: it is not a blank date. The community validator reads it as "
    "blank, so it may report the record again under a later rule (142 for an unreadable end date).",
    "**Stages.** The DfE runs its stage 2 rules only on records that are clean at stage 1; the "
    "community validator has no stages. By default every rule here reports its own failures, as the "
    "community validator does, and a stage 2 finding whose inputs failed stage 1 is marked as such; "
    "asking for the DfE's halting gives lower stage 2 counts than the community validator's.",
)


def differences_page() -> str:
    """The deliberate differences from the community validator: how files are read, then rule by rule."""
    lines = [
        "# Differences from the community validator",
        "",
        "Generated from `src/ssda903/rules/catalogue/` by `ssda903 catalogue`; do not edit.",
        "",
        "Many local authorities know the community validator (csc-validator-be-903). Where a count here",
        "differs from its count, the reason is one of those below: each follows the DfE's rule text or",
        "avoids a named defect. Any other difference is a bug; please report it. The last comparison",
        "of both on synthetic returns, rule by rule, is in [peer-comparison.md](peer-comparison.md).",
        "",
        "## Reading the files (every rule)",
        "",
        *(f"- {text}" for text in READING_DIFFERENCES),
        "",
        "## Rule by rule",
        "",
        "Each rule file states its difference in `community_difference` (`ssda903 rules CODE --json`);",
        "rules that share one are listed together. A year range follows a code whose difference holds",
        "only in some of its years.",
        "",
        "| Rules | Difference |",
        "|---|---|",
    ]
    by_text: dict[str, dict[str, list[str]]] = {}  # difference -> code -> the year ranges it holds in
    same: list[str] = []
    for code, variants in itertools.groupby(all_rules(), key=lambda r: r.code):
        spans: list[tuple[list[Rule], str | None]] = []
        for r in variants:
            if spans and spans[-1][1] == r.community_difference:
                spans[-1][0].append(r)
            else:
                spans.append(([r], r.community_difference))
        if not any(text for _, text in spans):
            same.append(code)
        for rules, text in spans:
            if text:
                years = _years(rules[0].valid_from, rules[-1].valid_until) if len(spans) > 1 else ""
                by_text.setdefault(" ".join(text.split()), {}).setdefault(code, []).append(years)
    for text, codes in by_text.items():
        listed = [c + (f" ({', '.join(y)})" if any(y) else "") for c, y in codes.items()]
        lines.append(f"| {', '.join(listed)} | {_cell(text)} |")
    lines += ["", f"No deliberate difference ({len(same)} rules): {', '.join(same)}.", ""]
    return "\n".join(lines)


def _years(first: CollectionYear, last: CollectionYear | None) -> str:
    return f"{first.label} on" if last is None else first.label if last == first else f"{first.label}–{last.label}"


def _key(code: str) -> tuple[int, str]:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits and code[0].isdigit() else 10**6, code)


def pages() -> dict[str, str]:
    out = {f"{y.slug}.md": year_page(y) for y in supported_years()}
    out["changes.md"] = changes_page()
    out["differences.md"] = differences_page()
    out["schema.json"] = json_schema()  # the declared schema of a rule file
    out["vocabulary.md"] = vocabulary_page()  # what a rule's SQL may call
    return out


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(folder: Path) -> list[str]:
    """Names of pages whose committed copy differs from what the rule files give."""
    return [n for n, t in pages().items() if not (folder / n).exists() or (folder / n).read_text(encoding="utf-8") != t]


__all__ = ["all_rules", "changes_page", "differences_page", "pages", "stale", "write", "year_page"]
