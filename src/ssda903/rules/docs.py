"""The rule catalogue, generated from the rule files: one page per year and the changes.

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


def _key(code: str) -> tuple[int, str]:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits and code[0].isdigit() else 10**6, code)


def pages() -> dict[str, str]:
    out = {f"{y.slug}.md": year_page(y) for y in supported_years()}
    out["changes.md"] = changes_page()
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


__all__ = ["all_rules", "changes_page", "pages", "stale", "write", "year_page"]
