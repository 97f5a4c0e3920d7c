"""The DfE validation rules: one YAML file per rule code in ``catalogue/``.

A rule file declares the code, the DfE message, the tables and fields it
concerns, the years it is valid, its stage and severity, a short "why", the
query (DuckDB SQL selecting the failing rows' ``_id``, or a template with
parameters) and named passing and failing examples. An amendment in a later
year is a dated variant inside the same file. Rules are discovered by glob;
nothing is registered by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ssda903.model import CollectionYear, load_model, supported_years
from ssda903.model.years import FIRST_YEAR
from ssda903.rules.templates import render

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["Example", "Rule", "RuleError", "all_rules", "rule", "rules_for_year"]


class RuleError(ValueError):
    """A rule file is malformed."""


@dataclass(frozen=True)
class Example:
    name: str
    current: dict[str, list[dict[str, Any]]]
    previous: dict[str, list[dict[str, Any]]] | None
    fails: tuple[tuple[str, str, int], ...]  # (period, table, row)
    year: CollectionYear | None
    la: str = "E09000027"  # the responsible LA (ONS code) the example is validated for
    providers: tuple[dict[str, Any], ...] | None = None  # an Ofsted provider list, when the rule needs one


@dataclass(frozen=True)
class Rule:
    """One rule as it applies in a given range of years (a variant is also a Rule)."""

    code: str
    message: str
    why: str
    stage: int
    severity: str
    tables: tuple[str, ...]
    fields: tuple[str, ...]
    valid_from: CollectionYear
    valid_until: CollectionYear | None
    sql: str
    variant: str = ""
    query_spec: dict[str, Any] = field(default_factory=dict, compare=False)
    examples: tuple[Example, ...] = field(default=(), compare=False)
    aliases: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    source: str = ""
    #: one sentence on why results differ from the community validator on purpose (None: no difference)
    community_difference: str | None = None

    def valid_in(self, year: CollectionYear) -> bool:
        return self.valid_from <= year and (self.valid_until is None or year <= self.valid_until)

    @property
    def years(self) -> list[CollectionYear]:
        return [y for y in supported_years() if self.valid_in(y)]

    @property
    def reads(self) -> list[tuple[str, str]]:
        """(period, table) pairs the query reads, directly or through an expression it calls."""
        found = tables_in(self.sql)
        for name, needs in expression_needs().items():
            if re.search(rf"\b{name}\s*\(", self.sql):
                found += [n for n in needs if n not in found]
        text = strip_sql(self.sql)
        for pattern, need in REFERENCE_NEEDS.items():
            if re.search(pattern, text) and need not in found:
                found.append(need)
        return found

    @property
    def gate_fields(self) -> list[str]:
        """The fields whose stage 1 failures silence this rule for a child: its own fields and
        the columns read by the expressions it calls."""
        out = list(self.fields)
        for name, columns in expression_columns().items():
            if re.search(rf"\b{name}\s*\(", self.sql):
                out += [c for c in columns if c not in out]
        return out

    @property
    def needs(self) -> list[tuple[str, str]]:
        """The tables that must be supplied for the rule to run (all it reads but the optional ones)."""
        optional = {_table_ref(t) for t in self.optional}
        return [n for n in self.reads if n not in optional]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "tables": list(self.tables),
            "fields": list(self.fields),
            "stage": self.stage,
            "severity": self.severity,
            "valid_from": self.valid_from.label,
            "valid_until": self.valid_until.label if self.valid_until else None,
            "years": [y.label for y in self.years],
            "variant": self.variant,
            "why": self.why,
            "community_difference": self.community_difference,
        }


#: Reference data a rule can need beyond the return, found in its SQL: (pattern, ("reference", what)).
NEEDS_PROVIDERS = ("reference", "the Ofsted provider list (--providers)")
NEEDS_LA = ("reference", "your LA code (--la)")
REFERENCE_NEEDS = {
    r"\bofsted_providers\b": NEEDS_PROVIDERS,
    r"\b(?:la_code|is_own_la)\s*\(": NEEDS_LA,
}


def _table_ref(text: str) -> tuple[str, str]:
    """``"Episodes"`` → ("current", "Episodes"); ``"previous.Episodes"`` → ("previous", "Episodes")."""
    period, _, table = text.rpartition(".")
    return ("previous" if period == "previous" else "current", table)


def strip_sql(sql: str) -> str:
    """The SQL without comments and string literals (so neither is mistaken for a name)."""
    return re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", sql))


def tables_in(sql: str) -> list[tuple[str, str]]:
    """(period, table) pairs the SQL reads: names after FROM or JOIN, or with a schema prefix."""
    text = strip_sql(sql)
    names = "|".join(t.name for t in load_model().all_tables)
    pattern = rf"(?:\b(?:FROM|JOIN)\s+((?:raw_previous|previous|raw|main)\.)?|\b(raw_previous|previous|raw|main)\.)({names})\b"
    found: list[tuple[str, str]] = []
    for m in re.finditer(pattern, text, re.I):
        prefix = (m.group(1) or m.group(2) or "").lower()
        table = next(t.name for t in load_model().all_tables if t.name.lower() == m.group(3).lower())
        key = ("previous" if "previous" in prefix else "current", table)
        if key not in found:
            found.append(key)
    return found


@cache
def expression_needs() -> dict[str, list[tuple[str, str]]]:
    """For each macro in rules/expressions/*.sql, the tables it needs.

    An expression file says what it needs in a ``-- needs: Episodes, previous.Episodes``
    line; tables it reads but does not list there are optional to it.
    """
    out: dict[str, list[tuple[str, str]]] = {}
    folder = resources.files("ssda903.rules").joinpath("expressions")
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        text = entry.read_text(encoding="utf-8")
        needs = [
            _table_ref(t.strip())
            for m in re.finditer(r"^--\s*needs:(.*)$", text, re.M)
            for t in m.group(1).split(",")
            if t.strip()
        ]
        for name in re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(\w+)", text, re.I):
            out[name] = needs
    return out


@cache
def expression_columns() -> dict[str, list[str]]:
    """For each macro in rules/expressions/*.sql, the model columns its SQL reads (bar CHILD)."""
    names = {c for t in load_model().all_tables for c in t.columns} - {"CHILD"}
    out: dict[str, list[str]] = {}
    folder = resources.files("ssda903.rules").joinpath("expressions")
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            text = strip_sql(entry.read_text(encoding="utf-8"))
            columns = sorted({w for w in re.findall(r"\b[A-Z][A-Z0-9_]*\b", text) if w in names})
            for name in re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(\w+)", text, re.I):
                out[name] = columns
    return out


def _year(value: Any, default: CollectionYear | None) -> CollectionYear | None:
    if value in (None, ""):
        return default
    return CollectionYear.parse(str(value))


def _row_ref(text: str) -> tuple[str, str, int]:
    parts = str(text).split()
    if len(parts) == 2:
        return ("current", parts[0], int(parts[1]))
    if len(parts) == 3 and parts[0] in ("current", "previous"):
        return (parts[0], parts[1], int(parts[2]))
    raise RuleError(f"a failing row is written 'Table N' or 'previous Table N', not {text!r}")


def _examples(items: list[dict[str, Any]]) -> tuple[Example, ...]:
    out = []
    for e in items or []:
        out.append(
            Example(
                name=e["name"],
                current={k: list(v or []) for k, v in (e.get("current") or {}).items()},
                previous={k: list(v or []) for k, v in e["previous"].items()}
                if e.get("previous") is not None
                else None,
                fails=tuple(_row_ref(r) for r in e.get("fails") or []),
                year=_year(e.get("year"), None),
                la=str(e.get("la") or "E09000027"),
                providers=tuple(e["providers"]) if e.get("providers") is not None else None,
            )
        )
    return tuple(out)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _sql(spec: dict[str, Any], where: str) -> str:
    if "sql" in spec:
        return str(spec["sql"]).strip()
    if "template" in spec:
        return render(spec["template"], dict(spec.get("params") or {}))
    raise RuleError(f"{where}: needs `sql:` or `template:`")


KEYS = {
    "code",
    "message",
    "why",
    "stage",
    "severity",
    "tables",
    "fields",
    "valid_from",
    "valid_until",
    "query",
    "variants",
    "examples",
    "aliases",
    "optional",
    "community_difference",
}


def parse_rule_file(data: dict[str, Any], source: str = "") -> list[Rule]:
    """The variants of one rule file, each a Rule with its own years."""
    unknown = set(data) - KEYS
    if unknown:
        raise RuleError(f"{source}: unknown keys {sorted(unknown)}")
    code = str(data["code"])
    first = _year(data.get("valid_from"), FIRST_YEAR)
    assert first is not None
    base = Rule(
        code=code,
        message=str(data["message"]).strip(),
        why=str(data.get("why", "")).strip(),
        stage=int(data.get("stage", 2)),
        severity=str(data.get("severity", "error")),
        tables=tuple(data.get("tables") or ()),
        fields=tuple(data.get("fields") or ()),
        valid_from=first,
        valid_until=_year(data.get("valid_until"), None),
        sql=_sql(data["query"], source) if data.get("query") else "",
        query_spec=data.get("query") or {},
        examples=_examples(data.get("examples") or []),
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        optional=tuple(str(t) for t in data.get("optional") or ()),
        source=source,
        community_difference=_text(data.get("community_difference")),
    )
    if base.severity not in ("error", "query"):
        raise RuleError(f"{source}: severity must be error or query")
    variants = data.get("variants") or []
    if not variants:
        if not base.sql:
            raise RuleError(f"{source}: no query")
        return [base]
    out: list[Rule] = []
    covered: set[CollectionYear] = set()
    for v in variants:
        vf = _year(v.get("valid_from"), base.valid_from)
        vu = _year(v.get("valid_until"), base.valid_until)
        assert vf is not None
        r = replace(
            base,
            variant=str(v.get("name", "")),
            message=str(v.get("message", base.message)).strip(),
            why=str(v.get("why", base.why)).strip(),
            stage=int(v.get("stage", base.stage)),
            severity=str(v.get("severity", base.severity)),
            tables=tuple(v.get("tables", base.tables)),
            fields=tuple(v.get("fields", base.fields)),
            optional=tuple(v.get("optional", base.optional)),
            valid_from=vf,
            valid_until=vu,
            sql=_sql(v["query"], f"{source} variant {v.get('name')}") if v.get("query") else base.sql,
            query_spec=v.get("query") or base.query_spec,
            examples=_examples(v.get("examples") or []),
            community_difference=_text(v["community_difference"])
            if "community_difference" in v
            else base.community_difference,
        )
        if not r.sql:
            raise RuleError(f"{source}: variant {r.variant} has no query")
        years = set(r.years)
        if years & covered:
            raise RuleError(f"{source}: variants overlap in {sorted(str(y) for y in years & covered)}")
        covered |= years
        out.append(r)
    rest = [y for y in base.years if y not in covered]
    if rest and base.sql:
        # the base applies to the years no variant covers; they must be one contiguous run
        out.append(replace(base, valid_from=min(rest), valid_until=max(rest)))
    return sorted(out, key=lambda r: r.valid_from)


def _code_key(code: str) -> tuple[int, str]:
    m = re.match(r"(\d+)", code)
    return (int(m.group(1)) if m else 10**6, code)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every variant of every rule file, sorted by code then year."""
    out: list[Rule] = []
    folder = resources.files("ssda903.rules").joinpath("catalogue")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.load(entry.read_text(encoding="utf-8"), Loader=_Loader)
        stem = entry.name[: -len(".yaml")]
        if str(data.get("code")) != stem:
            raise RuleError(f"{entry.name}: the file name must be the rule code ({data.get('code')!r})")
        out.extend(parse_rule_file(data, entry.name))
    return tuple(sorted(out, key=lambda r: (_code_key(r.code), r.valid_from)))


def rules_for_year(year: str | int | CollectionYear, codes: list[str] | None = None) -> list[Rule]:
    """The rules valid in ``year`` (optionally only the given codes or aliases)."""
    y = CollectionYear.parse(year)
    chosen = [r for r in all_rules() if r.valid_in(y)]
    if codes:
        wanted = {c.strip().upper() for c in codes}
        chosen = [r for r in chosen if r.code.upper() in wanted or wanted & {a.upper() for a in r.aliases}]
    return chosen


def rule(code: str) -> list[Rule]:
    """Every variant of one rule code (or alias)."""
    wanted = code.strip().upper()
    return [r for r in all_rules() if r.code.upper() == wanted or wanted in {a.upper() for a in r.aliases}]
