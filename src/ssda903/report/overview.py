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

import pandas as pd

from ssda903.model import load_model
from ssda903.problems import KINDS
from ssda903.report.common import code_key, ddmmyyyy
from ssda903.sqltext import quote

if TYPE_CHECKING:
    from ssda903.report.common import ReportData

STATUSES = ("failed", "crashed", "not run", "passed")
TOP_CHILDREN = 20


def children_in_header(ds: Any) -> int | None:
    """Distinct CHILD values in this year's Header; None when no Header was supplied."""
    if not ds.has("Header", "current"):
        return None
    rows = ds.con.execute(f"SELECT count(DISTINCT blank_to_null(CHILD)) FROM raw.{quote('Header')}").fetchall()
    return int(rows[0][0]) if rows else 0


def _int(v: Any) -> int | None:
    return None if pd.isna(v) else int(v)


def compute(data: ReportData, top: int = TOP_CHILDREN) -> dict[str, Any]:
    result = data.result
    ds = result.dataset
    f = data.findings
    load = f["rule"].isin(list(KINDS))
    dfe = f[~load]
    errors = int((dfe["severity"] == "error").sum())
    queries = int((dfe["severity"] == "query").sum())
    children = children_in_header(ds)

    per_rule_children = dfe[dfe["child"].notna()].groupby("rule")["child"].nunique().to_dict()
    marked = dfe[dfe["after_stage1"].notna()].groupby("rule").size().to_dict()
    rule_outcomes = [o for o in result.outcomes if o.rule not in KINDS]
    load_outcomes = [o for o in result.outcomes if o.rule in KINDS]
    status_counts = Counter(o.status for o in rule_outcomes)

    rules = []
    for o in sorted(rule_outcomes, key=lambda o: code_key(o.rule)):
        r = data.rules.get(o.rule)
        rules.append(
            {
                "rule": o.rule,
                "message": o.message,
                "severity": o.severity,
                "stage": o.stage,
                "status": o.status,
                "rows": o.count,
                "children": int(per_rule_children.get(o.rule, 0)),
                "after_stage1": int(marked.get(o.rule, 0)),
                "detail": o.detail,
                "tables": list(r.tables) if r else [],
                "fields": list(r.fields) if r else [],
                "variant": o.variant,
            }
        )

    tables = []
    rows_with = (
        f[f["_id"].notna()]
        .groupby(["period", "table"])
        .agg(findings=("rule", "size"), rows=("_id", "nunique"), children=("child", "nunique"))
    )
    stats_of: dict[Any, dict[str, Any]] = {
        k: {str(c): v for c, v in d.items()} for k, d in rows_with.to_dict("index").items()
    }
    errors_by_table = dfe[dfe["severity"] == "error"].groupby(["period", "table"]).size().to_dict()
    supplied: dict[tuple[str, str], dict[str, Any]] = {}
    for s in ds.sources:
        t = supplied.setdefault((s.period, s.table), {"files": [], "rows": 0})
        t["files"].append(s.file)
        t["rows"] += s.rows
    order = {t.name: i for i, t in enumerate(load_model().all_tables)}
    for (period, table), t in sorted(supplied.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))):
        stats: dict[str, Any] = stats_of.get((period, table), {})
        tables.append(
            {
                "period": period,
                "table": table,
                "files": t["files"],
                "rows": t["rows"],
                "findings": int(stats.get("findings", 0)),
                "errors": int(errors_by_table.get((period, table), 0)),
                "rows_with_findings": int(stats.get("rows", 0)),
                "children_with_findings": int(stats.get("children", 0)),
            }
        )

    by_child = f[f["child"].notna()]
    top_children = []
    if not by_child.empty:
        counts = (
            by_child.assign(is_error=by_child["severity"] == "error")
            .groupby("child")
            .agg(findings=("rule", "size"), errors=("is_error", "sum"))
            .sort_values(["errors", "findings"], ascending=False, kind="stable")
            .head(top)
        )
        chosen = by_child[by_child["child"].isin(counts.index)]
        rules_of = chosen.groupby("child")["rule"].agg(lambda s: sorted(set(s), key=code_key)).to_dict()
        for child, row in counts.iterrows():
            top_children.append(
                {
                    "child": str(child),
                    "findings": int(row["findings"]),
                    "errors": int(row["errors"]),
                    "rules": list(rules_of.get(child, [])),
                }
            )
    children_with_errors = int(dfe.loc[(dfe["severity"] == "error") & dfe["child"].notna(), "child"].nunique())

    load_f = f[load]
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

    load_children = load_f[load_f["child"].notna()].groupby("rule")["child"].nunique().to_dict()
    fix_first: list[dict[str, Any]] = [
        {
            "code": x["code"],
            "message": x["title"],
            "rows": x["count"],
            "children": int(load_children.get(x["code"], 0)),
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
        "findings": len(f),
        "errors": errors,
        "queries": queries,
        "errors_per_child": round(errors / children, 3) if children else None,
        "children_with_errors": children_with_errors,
        "load_problems": len(load_f),
        "load_errors": int((load_f["severity"] == "error").sum()),
        "load_warnings": int((load_f["severity"] == "warning").sum()),
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
            "file_level": [p.as_dict() for p in data.file_problems],
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
