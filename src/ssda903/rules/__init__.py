"""The DfE validation rules: one YAML file per rule code in ``catalogue/``.

A rule file declares the code, the DfE message, the tables and fields it
concerns, the years it is valid, its stage and severity, a short "why", the
query (DuckDB SQL selecting the failing rows' ``_id``, or a template with
parameters) and named passing and failing examples. An amendment in a later
year is a dated variant inside the same file. Rules are discovered by glob;
nothing is registered by hand.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from ssda903.model import CollectionYear, load_model, parse_yaml, supported_years
from ssda903.model.years import FIRST_YEAR
from ssda903.rules.templates import TemplateError, render
from ssda903.sql import macros
from ssda903.sqltext import value as sql_literal

if TYPE_CHECKING:
    # the schema (pydantic) is needed only to read rule files, not to run compiled ones
    from ssda903.rules.schema import ExampleSpec, QuerySpec, RuleSpec


__all__ = ["Example", "Rule", "RuleError", "all_rules", "rule", "rules_for_year", "skeleton", "unfinished"]


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
    #: the parameters written into the SQL (or given to the template), after a variant's overrides
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    #: whether a variant writes its own query (False: it reuses the rule's with other parameters)
    own_sql: bool = False
    #: code columns compared exactly as written (a padded or lower-case code fails this rule too)
    exact_codes: tuple[str, ...] = ()
    #: one sentence on why results differ from the community validator on purpose (None: no difference)
    community_difference: str | None = None

    def valid_in(self, year: CollectionYear) -> bool:
        return self.valid_from <= year and (self.valid_until is None or year <= self.valid_until)

    @property
    def years(self) -> list[CollectionYear]:
        return [y for y in supported_years() if self.valid_in(y)]

    @cached_property
    def calls(self) -> tuple[str, ...]:
        """The macros of the SQL vocabulary the query calls (expressions included), in vocabulary order."""
        text = strip_sql(self.sql)
        return tuple(m.name for m in macros() if re.search(rf"\b{m.name}\s*\(", text))

    @cached_property
    def reads(self) -> list[tuple[str, str]]:
        """(period, table) pairs the query reads, directly or through an expression it calls."""
        found = tables_in(self.sql)
        needs_of = expression_needs()
        for name in self.calls:
            found += [n for n in needs_of[name] if n not in found]
        text = strip_sql(self.sql)
        for pattern, need in REFERENCE_NEEDS.items():
            if re.search(pattern, text) and need not in found:
                found.append(need)
        return found

    @cached_property
    def gate_fields(self) -> list[str]:
        """The fields whose stage 1 failures silence this rule for a child: its own fields and
        the columns read by the expressions it calls."""
        out = list(self.fields)
        columns_of = expression_columns()
        for name in self.calls:
            out += [c for c in columns_of[name] if c not in out]
        return out

    @cached_property
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
            "params": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.params.items()},
        }


#: Reference data a rule can need beyond the return, found in its SQL: (pattern, ("reference", what)).
NEEDS_PROVIDERS = ("reference", "the Ofsted provider list (--providers)")
NEEDS_LA = ("reference", "your LA code (--la)")
REFERENCE_NEEDS = {
    r"\bofsted_providers\b": NEEDS_PROVIDERS,
    r"\b(?:la_code|is_own_la)\s*\(": NEEDS_LA,
    # IN or OUT of the responsible LA's area: worked out from the placement postcode and the LA
    r"\bPL_LOCATION\b": NEEDS_LA,
}


def _table_ref(text: str) -> tuple[str, str]:
    """``"Episodes"`` → ("current", "Episodes"); ``"previous.Episodes"`` → ("previous", "Episodes")."""
    period, _, table = text.rpartition(".")
    return ("previous" if period == "previous" else "current", table)


def strip_sql(sql: str, *, keep_params: bool = False) -> str:
    """The SQL without comments and string literals (so neither is mistaken for a name).

    ``{{name}}`` parameters are blanked too, unless ``keep_params``.
    """
    text = re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", sql))
    return text if keep_params else PARAM.sub("NULL", text)


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


def expression_needs() -> dict[str, list[tuple[str, str]]]:
    """For each macro of the SQL vocabulary, the tables it cannot do without.

    An expression file says what it needs in a ``-- needs: Episodes, previous.Episodes``
    line; tables it reads but does not list there are optional to it.
    """
    return {m.name: list(m.needs) for m in macros()}


def expression_columns() -> dict[str, list[str]]:
    """For each macro of the SQL vocabulary, the model columns its SQL reads (bar CHILD)."""
    return {m.name: list(m.columns) for m in macros()}


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


def _examples(items: list[ExampleSpec]) -> tuple[Example, ...]:
    return tuple(
        Example(
            name=e.name,
            current={k: list(v or []) for k, v in e.current.items()},
            previous={k: list(v or []) for k, v in e.previous.items()} if e.previous is not None else None,
            fails=tuple(_row_ref(r) for r in e.fails),
            year=_year(e.year, None),
            la=e.la or "E09000027",
            providers=tuple(e.providers) if e.providers is not None else None,
        )
        for e in items
    )


#: ``{{name}}`` in a rule's SQL: a parameter from ``params``
PARAM = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _render(query: QuerySpec, params: dict[str, Any], where: str) -> str:
    """The rule's SQL with its parameters written in (or its template rendered with them as arguments)."""
    if query.sql is not None and query.template is not None:
        raise RuleError(f"{where}: `query` has either `sql:` or `template:`, not both")
    if query.template is not None:
        try:
            return render(query.template, params)
        except TemplateError as e:
            raise RuleError(f"{where}: {e}") from None
    if query.sql is None:
        raise RuleError(f"{where}: `query` needs `sql:` or `template:`")
    sql = query.sql.strip()
    used = set(PARAM.findall(strip_sql(sql, keep_params=True)))
    if used - set(params):
        raise RuleError(f"{where}: the SQL uses {sorted(used - set(params))} but `params` does not give them")
    if set(params) - used:
        raise RuleError(f"{where}: `params` gives {sorted(set(params) - used)} but the SQL does not use them")
    try:
        return PARAM.sub(lambda m: sql_literal(params[m.group(1)]), sql)
    except RuleError as e:
        raise RuleError(f"{where}: {e}") from None


def _check_spec(data: dict[str, Any], source: str) -> RuleSpec:
    from ssda903.rules.schema import RuleSpec, ValidationError

    try:
        return RuleSpec.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            where = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key `{err['loc'][-1]}` at {where} (see docs/rule-schema.json)")
            else:
                problems.append(f"{where}: {err['msg']}")
        raise RuleError(f"{source}: " + "; ".join(problems)) from None


def parse_rule_file(data: dict[str, Any], source: str = "") -> list[Rule]:
    """The variants of one rule file, each a Rule with its own years.

    The file is checked against the declared schema (:mod:`ssda903.rules.schema`) first;
    an unknown or misspelt key is an error naming the file and the key.
    """
    spec = _check_spec(data, source)
    first = _year(spec.valid_from, FIRST_YEAR)
    assert first is not None
    params = dict(spec.params or {})
    exact = _exact_codes(spec.exact_codes, spec.query, params)
    base = Rule(
        code=spec.code,
        message=spec.message.strip(),
        why=spec.why.strip(),
        stage=spec.stage or 2,
        severity=spec.severity or "error",
        tables=tuple(spec.tables or ()),
        fields=tuple(spec.fields or ()),
        valid_from=first,
        valid_until=_year(spec.valid_until, None),
        sql=_with_exact(_render(spec.query, params, source), spec.tables, exact, source) if spec.query else "",
        query_spec=spec.query.model_dump(exclude_none=True) if spec.query else {},
        params=params,
        exact_codes=exact,
        examples=_examples(spec.examples),
        aliases=tuple(spec.aliases),
        optional=tuple(spec.optional or ()),
        source=source,
        community_difference=_text(spec.community_difference),
    )
    if not spec.variants:
        if not base.sql:
            raise RuleError(f"{source}: no query")
        return [base]
    out: list[Rule] = []
    covered: set[CollectionYear] = set()
    # each amendment changes the rule as the one before it left it: variants apply in date order
    prev, prev_query, prev_exact = base, spec.query, spec.exact_codes
    for v in sorted(spec.variants, key=lambda x: _year(x.valid_from, base.valid_from) or base.valid_from):
        where = f"{source} variant {v.name}"
        vf = _year(v.valid_from, base.valid_from)
        vu = _year(v.valid_until, base.valid_until)
        assert vf is not None
        merged = {**prev.params, **(v.params or {})}
        query = v.query or prev_query
        if query is None:
            raise RuleError(f"{where}: no query")
        tables = list(v.tables) if v.tables is not None else list(prev.tables)
        declared = v.exact_codes if v.exact_codes is not None else prev_exact
        v_exact = _exact_codes(declared, query, merged)
        r = replace(
            prev,
            variant=v.name,
            message=(v.message or prev.message).strip(),
            why=(v.why or prev.why).strip(),
            stage=v.stage or prev.stage,
            severity=v.severity or prev.severity,
            tables=tuple(tables),
            fields=tuple(v.fields) if v.fields is not None else prev.fields,
            optional=tuple(v.optional) if v.optional is not None else prev.optional,
            valid_from=vf,
            valid_until=vu,
            sql=_with_exact(_render(query, merged, where), tables, v_exact, where),
            query_spec=query.model_dump(exclude_none=True),
            params=merged,
            exact_codes=v_exact,
            own_sql=v.query is not None,
            examples=_examples(v.examples),
            # a variant may say there is no difference any more (an explicit null)
            community_difference=_text(v.community_difference)
            if "community_difference" in v.model_fields_set
            else prev.community_difference,
        )
        prev, prev_query, prev_exact = r, query, declared
        years = set(r.years)
        if not years:
            raise RuleError(f"{where}: valid in no supported year")
        if years & covered:
            raise RuleError(f"{source}: variants overlap in {sorted(str(y) for y in years & covered)}")
        covered |= years
        out.append(r)
    rest = [y for y in base.years if y not in covered]
    if rest and base.sql:
        # the base applies to the years no variant covers; they must be one contiguous run
        out.append(replace(base, valid_from=min(rest), valid_until=max(rest)))
    return sorted(out, key=lambda r: r.valid_from)


def _exact_codes(declared: list[str] | None, query: QuerySpec | None, params: dict[str, Any]) -> tuple[str, ...]:
    """The columns compared exactly: those declared, and the column of a code_in_list template."""
    out = list(declared or [])
    if query is not None and query.template == "code_in_list" and params.get("column") not in out:
        out.append(str(params["column"]))
    return tuple(out)


def _with_exact(sql: str, tables: list[str] | None, columns: tuple[str, ...], where: str) -> str:
    """The rule's SQL, plus the rows whose code in one of ``columns`` is not written exactly as the
    DfE lists it (spaces around it, lower case): the DfE's XML schema compares codes as written."""
    if not columns:
        return sql
    if not tables:
        raise RuleError(f"{where}: `exact_codes` needs the table in `tables`")
    table = tables[0]
    model = load_model()
    for c in columns:
        try:
            if model.table(table).column(c).kind != "code":
                raise RuleError(f"{where}: `exact_codes`: {table}.{c} is not a code column")
        except KeyError as e:
            raise RuleError(f"{where}: `exact_codes`: {e}") from None
    # The value checks found these cells once for every table (LOAD21: the text given differs from
    # the code read); the rule takes them from there rather than join the table's text and codes
    # again, which costs a large return one join per rule. (A value a reader copied, CHILD, DOB or
    # SEX, is checked where it was written: SEX, the one code of them, in the Header, rule 101's table.)
    fields = ", ".join(sql_literal(c) for c in columns)
    return (
        f"SELECT _id FROM (\n{sql}\n) AS rule_rows\n"
        f"UNION\n-- codes not written exactly as listed (exact_codes)\n"
        f"SELECT _id FROM cell_problems WHERE code = 'LOAD21' AND period = 'current' "
        f"AND tbl = {sql_literal(table)} AND field IN ({fields})"
    )


def _text(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def _code_key(code: str) -> tuple[int, str]:
    m = re.match(r"(\d+)", code)
    return (int(m.group(1)) if m else 10**6, code)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every variant of every rule file, sorted by code then year.

    Reading 340 YAML files costs a fifth of a second, so the parsed catalogue is kept in the
    user's cache folder (:mod:`ssda903.rules.compiled`), keyed by every file it was made from:
    a changed rule file, template or macro makes a new one.
    """
    from ssda903.rules import compiled

    cached = compiled.load()
    if cached is not None:
        return cast("tuple[Rule, ...]", cached)
    rules = _read_catalogue()
    for r in rules:  # worked out once, kept with the compiled rules
        r.needs, r.gate_fields  # noqa: B018
    compiled.save(rules)
    return rules


def _read_catalogue() -> tuple[Rule, ...]:
    out: list[Rule] = []
    folder = resources.files("ssda903.rules").joinpath("catalogue")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = parse_yaml(entry.read_text(encoding="utf-8"))
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


def skeleton(code: str) -> str:
    """The text of a new rule file for ``code`` (``ssda903 new-rule``): it loads, but fails the
    meta-tests (see :func:`unfinished`) until its placeholders are filled in."""
    text = resources.files("ssda903.rules").joinpath("skeleton.yaml").read_text(encoding="utf-8")
    return text.format(code=code)


#: what ``ssda903 new-rule`` leaves in a file for its author to replace
PLACEHOLDER = "TODO"


def unfinished(r: Rule) -> list[str]:
    """What is still a placeholder in a rule (empty for a finished rule)."""
    out = []
    for what, text in (("message", r.message), ("why", r.why), ("query", r.sql)):
        if PLACEHOLDER.lower() in text.lower():
            out.append(f"the {what} still says {PLACEHOLDER}")
    out += [f"example {e.name} is a placeholder" for e in r.examples if PLACEHOLDER.lower() in e.name]
    if not any(e.fails for e in r.examples):
        out.append("no example fails")
    if not any(not e.fails for e in r.examples):
        out.append("no example passes")
    return out


def rule(code: str) -> list[Rule]:
    """Every variant of one rule code (or alias)."""
    wanted = code.strip().upper()
    return [r for r in all_rules() if r.code.upper() == wanted or wanted in {a.upper() for a in r.aliases}]
