"""The numbers an analyst looks at first, as one plain dictionary.

The headline is *errors per child*: findings of DfE rules with severity
``error`` divided by the children in the Header. DfE queries (231, 232, 454 …)
and load problems are counted beside it, not in it, so the figure compares with
the DfE portal's. Every rule's outcome is counted, and rules that did not run or
crashed are listed with the reason: "no errors" and "never ran" never look alike.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from ssda903.model import load_model
from ssda903.problems import KINDS, LoadProblem, load_codes_sql
from ssda903.report.common import code_key, ddmmyyyy
from ssda903.sqltext import quote

if TYPE_CHECKING:
    from ssda903.engine import Result

STATUSES = ("failed", "crashed", "not run", "passed")
TOP_CHILDREN = 20


def children_in_header(ds: Any) -> int | None:
    """Distinct CHILD values in this year's Header; None when no Header was supplied."""
    if not ds.has("Header", "current"):
        return None
    rows = ds.con.execute(f"SELECT count(DISTINCT blank_to_null(CHILD)) FROM raw.{quote('Header')}").fetchall()
    return int(rows[0][0]) if rows else 0


def _grouped(con: Any, sql: str) -> dict[Any, int]:
    """``{key: n}`` from a query giving (key…, n); a key of one column is the value itself."""
    out: dict[Any, int] = {}
    for *key, n in con.execute(sql).fetchall():
        out[key[0] if len(key) == 1 else tuple(key)] = int(n)
    return out


def not_on_a_row(result: Result) -> list[LoadProblem]:
    """The load problems with a whole file or column: those the engine could not place on a row of a table."""
    con = result.dataset.con
    placed = set(
        con.execute(
            f'SELECT DISTINCT period, "table", file, row FROM findings '
            f"WHERE rule IN ({load_codes_sql()}) AND _id IS NOT NULL AND row IS NOT NULL"
        ).fetchall()
    )
    return [p for p in result.dataset.problems if p.row is None or (p.period, p.table, p.file, p.row) not in placed]


def compute(result: Result, file_problems: list[LoadProblem], top: int = TOP_CHILDREN) -> dict[str, Any]:
    """The summary of ``result``, counted by DuckDB in its ``findings`` table (no pandas: the
    terminal summary of every ``validate`` is made from this, and importing pandas took longer than
    the counting). ``file_problems``: the load problems not on a row (:func:`not_on_a_row`)."""
    ds = result.dataset
    con = ds.con
    loads = load_codes_sql()
    dfe = f"FROM findings WHERE rule NOT IN ({loads})"
    load = f"FROM findings WHERE rule IN ({loads})"
    ((found, errors, queries, children_with_errors),) = con.execute(
        f"SELECT (SELECT count(*) FROM findings), count(*) FILTER (severity = 'error'), "
        f"count(*) FILTER (severity = 'query'), count(DISTINCT child) FILTER (severity = 'error') {dfe}"
    ).fetchall()
    ((load_problems, load_errors, load_warnings),) = con.execute(
        f"SELECT count(*), count(*) FILTER (severity = 'error'), count(*) FILTER (severity = 'warning') {load}"
    ).fetchall()
    children = children_in_header(ds)

    per_rule_children = _grouped(con, f"SELECT rule, count(DISTINCT child) {dfe} AND child IS NOT NULL GROUP BY rule")
    marked = _grouped(con, f"SELECT rule, count(*) {dfe} AND after_stage1 IS NOT NULL GROUP BY rule")
    rule_outcomes = [o for o in result.outcomes if o.rule not in KINDS]
    load_outcomes = [o for o in result.outcomes if o.rule in KINDS]
    status_counts = Counter(o.status for o in rule_outcomes)

    rules = []
    by_code = {r.code: r for r in result.rules}
    for o in sorted(rule_outcomes, key=lambda o: code_key(o.rule)):
        r = by_code.get(o.rule)
        rules.append(
            {
                "rule": o.rule,
                "message": o.message,
                "severity": o.severity,
                "stage": o.stage,
                "status": o.status,
                "rows": o.count,
                "children": per_rule_children.get(o.rule, 0),
                "after_stage1": marked.get(o.rule, 0),
                "detail": o.detail,
                "tables": list(r.tables) if r else [],
                "fields": list(r.fields) if r else [],
                "variant": o.variant,
            }
        )

    tables = []
    stats_of = {
        (period, table): (int(n), int(rows), int(kids))
        for period, table, n, rows, kids in con.execute(
            'SELECT period, "table", count(*), count(DISTINCT _id), count(DISTINCT child) '
            'FROM findings WHERE _id IS NOT NULL GROUP BY period, "table"'
        ).fetchall()
    }
    errors_by_table = _grouped(con, f"SELECT period, \"table\", count(*) {dfe} AND severity = 'error' GROUP BY ALL")
    supplied: dict[tuple[str, str], dict[str, Any]] = {}
    for s in ds.sources:
        t = supplied.setdefault((s.period, s.table), {"files": [], "rows": 0})
        t["files"].append(s.file)
        t["rows"] += s.rows
    order = {t.name: i for i, t in enumerate(load_model().all_tables)}
    for (period, table), t in sorted(supplied.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))):
        n, rows_with, children_with = stats_of.get((period, table), (0, 0, 0))
        tables.append(
            {
                "period": period,
                "table": table,
                "files": t["files"],
                "rows": t["rows"],
                "findings": n,
                "errors": errors_by_table.get((period, table), 0),
                "rows_with_findings": rows_with,
                "children_with_findings": children_with,
            }
        )

    # the children with the most errors, then the most findings (ties in order of the child's id)
    counts = con.execute(
        "SELECT child, count(*) AS n, count(*) FILTER (severity = 'error') AS e FROM findings "
        "WHERE child IS NOT NULL GROUP BY child ORDER BY e DESC, n DESC, child LIMIT ?",
        [top],
    ).fetchall()
    rules_of: dict[str, set[str]] = {}
    if counts:
        chosen = [c for c, _, _ in counts]
        for child, rule in con.execute(
            "SELECT DISTINCT child, rule FROM findings WHERE list_contains(?, child)", [chosen]
        ).fetchall():
            rules_of.setdefault(child, set()).add(rule)
    top_children = [
        {"child": str(c), "findings": int(n), "errors": int(e), "rules": sorted(rules_of.get(c, ()), key=code_key)}
        for c, n, e in counts
    ]

    load_by_code = []
    for o in sorted(load_outcomes, key=lambda o: code_key(o.rule)):
        if o.count:
            load_by_code.append(
                {
                    "code": o.rule,
                    "title": o.message,
                    "severity": o.severity,
                    "count": o.count,
                    "advice": KINDS[o.rule].advice,
                }
            )

    load_children = _grouped(con, f"SELECT rule, count(DISTINCT child) {load} AND child IS NOT NULL GROUP BY rule")
    fix_first: list[dict[str, Any]] = [
        {
            "code": x["code"],
            "message": x["title"],
            "rows": x["count"],
            "children": load_children.get(x["code"], 0),
            "stage": 1,
        }
        for x in load_by_code
        if x["severity"] == "error"
    ] + [
        {"code": x["rule"], "message": x["message"], "rows": x["rows"], "children": x["children"], "stage": 1}
        for x in rules
        if x["status"] == "failed" and x["stage"] == 1 and x["severity"] == "error"
    ]
    fix_first.sort(key=lambda x: (-x["rows"], code_key(x["code"])))

    return {
        "year": result.year,
        "collection_start": ddmmyyyy(ds.year.start),
        "collection_end": ddmmyyyy(ds.year.end),
        "la": ds.la or "",
        "children": children,
        "findings": int(found),
        "errors": int(errors),
        "queries": int(queries),
        "errors_per_child": round(errors / children, 3) if children else None,
        "children_with_errors": int(children_with_errors),
        "load_problems": int(load_problems),
        "load_errors": int(load_errors),
        "load_warnings": int(load_warnings),
        "rules_checked": len(rule_outcomes),
        "exit_code": result.exit_code,
        "complete": not status_counts.get("crashed") and not status_counts.get("not run"),
        "dfe_halting": result.halt_stage2,
        "fix_first": fix_first,
        "outcomes": {s: int(status_counts.get(s, 0)) for s in STATUSES},
        "not_run": [
            {"rule": o.rule, "message": o.message, "reason": o.detail} for o in rule_outcomes if o.status == "not run"
        ],
        "crashed": [
            {"rule": o.rule, "message": o.message, "error": o.detail} for o in rule_outcomes if o.status == "crashed"
        ],
        "rules": rules,
        "tables": tables,
        "top_children": top_children,
        "load": {
            "by_code": load_by_code,
            "file_level": [p.as_dict() for p in file_problems],
        },
        "seconds": round(result.seconds, 3),
    }


def top_rules(summary: dict[str, Any], n: int = 15, *, stage: int | None = None) -> list[dict[str, Any]]:
    """Failing rules (of one ``stage``, or all), most rows first (ties by code)."""
    failing = [r for r in summary["rules"] if r["status"] == "failed" and stage in (None, r["stage"])]
    return sorted(failing, key=lambda r: (-r["rows"], code_key(r["rule"])))[:n]


def fix_later(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The failing rules not in ``fix_first`` (stage 2 rules, stage 1 queries), most rows first."""
    first = {x["code"] for x in summary["fix_first"]}
    return [r for r in top_rules(summary, len(summary["rules"])) if r["rule"] not in first]


def not_run_by_reason(summary: dict[str, Any]) -> dict[str, list[str]]:
    """Rules that did not run, grouped by what they needed (``needs: OC2`` → [180, 181, …])."""
    out: dict[str, list[str]] = {}
    for x in summary["not_run"]:
        out.setdefault(x["reason"], []).append(x["rule"])
    return out
