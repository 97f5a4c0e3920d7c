"""The HTML report: one self-contained page that opens from disk, offline.

Everything is inline (CSS, a few lines of JavaScript); a Content-Security-Policy
forbids loading anything from anywhere, so the page can make no network request.
Every value that came from the user's files is HTML-escaped: the files are
untrusted input.

Sections: the headline; the outcome of every rule (filterable by status, so
rules that did not run or crashed are one click away); problems with whole
files; the findings of each rule with the values as typed (the first
``max_rows_per_rule`` rows, with a note saying how many more the workbook and
CSV hold); the findings of each child. The page stays light for 10,000 findings.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

import pandas as pd

from ssda903.problems import KINDS
from ssda903.report.common import ReportData, code_key, columns
from ssda903.report.common import plural as _count
from ssda903.report.overview import not_run_by_reason

MAX_ROWS_PER_RULE = 200
MAX_CHILDREN = 2_000

CSS = """
:root{--err:#9c0006;--errbg:#ffc7ce;--q:#9c5700;--qbg:#ffeb9c;--ok:#006100;--okbg:#c6efce;--nr:#3a3a3a;
--nrbg:#d9d9d9;--cr:#5b2c6f;--crbg:#e4dfec;--line:#d0d7de}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#0b3d5c;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.9}nav{padding:8px 28px;background:#fff;border-bottom:1px solid var(--line)}
nav a{margin-right:18px}main{padding:8px 28px 40px;max-width:1400px}
h2{margin-top:32px;border-bottom:1px solid var(--line);padding-bottom:4px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}.card{background:#fff;border:1px solid var(--line);
border-radius:6px;padding:10px 16px;min-width:150px}.card b{display:block;font-size:26px}
.card span{color:#57606a;font-size:13px}.alert{background:var(--crbg);color:var(--cr);border-radius:6px;
padding:10px 16px;margin-top:16px;font-weight:600}
table{border-collapse:collapse;background:#fff;margin:8px 0;font-size:14px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#ddebf7;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.s{font-weight:600;border-radius:10px;padding:1px 8px;white-space:nowrap}
.failed,.error{color:var(--err);background:var(--errbg)}.passed{color:var(--ok);background:var(--okbg)}
.notrun{color:var(--nr);background:var(--nrbg)}.crashed{color:var(--cr);background:var(--crbg)}
.query,.warning{color:var(--q);background:var(--qbg)}
td.v{color:var(--err);background:var(--errbg)}td.v.query,td.v.warning{color:var(--q);background:var(--qbg)}
.blank{color:#8c959f;font-style:italic}.note{color:#57606a;font-style:italic}
details{background:#fff;border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 12px}
summary{cursor:pointer;font-weight:600}.why{color:#57606a;max-width:900px}
.filters button{margin:0 6px 6px 0;padding:4px 10px;border:1px solid var(--line);border-radius:14px;
background:#fff;cursor:pointer}.filters button.on{background:#0b3d5c;color:#fff}
input[type=search]{padding:5px 8px;width:280px;border:1px solid var(--line);border-radius:4px}
ul.f{margin:0;padding-left:18px}footer{color:#57606a;padding:20px 28px;font-size:13px}
"""

JS = """
(function(){
  var rows=document.querySelectorAll('#outcome-table tbody tr');
  var state={status:'not-passed',text:''};
  function apply(){
    var n=0;
    rows.forEach(function(r){
      var st=r.getAttribute('data-status');
      var okS=state.status==='all'||(state.status==='not-passed'?st!=='passed':st===state.status);
      var okT=!state.text||r.textContent.toLowerCase().indexOf(state.text)>=0;
      r.hidden=!(okS&&okT); if(!r.hidden)n++;
    });
    document.getElementById('outcome-count').textContent=n+' shown';
  }
  document.querySelectorAll('#outcome-filters button').forEach(function(b){
    b.addEventListener('click',function(){
      document.querySelectorAll('#outcome-filters button').forEach(function(x){x.classList.remove('on');});
      b.classList.add('on'); state.status=b.getAttribute('data-status'); apply();
    });
  });
  document.getElementById('outcome-search').addEventListener('input',function(e){
    state.text=e.target.value.toLowerCase(); apply();
  });
  apply();
  var kids=document.querySelectorAll('#child-table tbody tr');
  var cs=document.getElementById('child-search');
  if(cs){cs.addEventListener('input',function(e){
    var q=e.target.value.toLowerCase();
    kids.forEach(function(r){r.hidden=q&&r.getAttribute('data-child').toLowerCase().indexOf(q)<0;});
  });}
})();
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def e(v: Any) -> str:
    """Escape anything for HTML text or a quoted attribute; None and NaN become empty."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return escape(str(v), quote=True)


def _num(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) else e(v)


def _status_class(status: str) -> str:
    return status.replace(" ", "")


def _value_cell(values: dict[str, Any] | None, fld: str, severity: str) -> str:
    if values is None or fld not in values:
        return "<td></td>"
    v = values[fld]
    shown = '<span class="blank">(blank)</span>' if v is None or str(v).strip() == "" else e(v)
    return f'<td class="v {e(severity)}">{shown}</td>'


class _Page:
    def __init__(self, data: ReportData, max_rows_per_rule: int, max_children: int):
        self.data = data
        self.s = data.summary
        self.max_rows = max_rows_per_rule
        self.max_children = max_children
        self.out: list[str] = []

    def w(self, *parts: str) -> None:
        self.out.extend(parts)

    def render(self) -> str:
        s = self.s
        title = f"SSDA903 validation report {s['year']}"
        self.w(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
            f"<header><h1>{e(title)}</h1><p>Collection year {e(s['year'])} ({e(s['collection_start'])} to "
            f"{e(s['collection_end'])}){' · local authority ' + e(s['la']) if s['la'] else ''}</p></header>",
            '<nav><a href="#headline">Headline</a><a href="#outcomes">Rule outcomes</a>'
            '<a href="#files">File problems</a><a href="#rules">Findings by rule</a>'
            '<a href="#children">Findings by child</a></nav><main>',
        )
        self.headline()
        self.outcomes()
        self.file_problems()
        self.rules()
        self.children()
        self.w(
            "</main><footer>Made by ssda903 on this computer; nothing in this page was sent anywhere, and it "
            "loads nothing from the internet. Values are shown exactly as typed in the files.</footer>",
            f"<script>{JS}</script></body></html>\n",
        )
        return "".join(self.out)

    def headline(self) -> None:
        s = self.s
        o = s["outcomes"]
        epc = f"{s['errors_per_child']:.2f}" if s["errors_per_child"] is not None else "n/a"
        cards = [
            (_num(s["children"]) if s["children"] is not None else "none", "children in the Header"),
            (_num(s["errors"]), "errors (DfE rules)"),
            (epc, "errors per child"),
            (_num(s["children_with_errors"]), "children with an error"),
            (_num(s["queries"]), "queries (please check)"),
            (_num(s["load_problems"]), "problems reading the files"),
            (f"{o['failed']:,} / {s['rules_checked']:,}", "rules failed"),
            (_num(o["not run"] + o["crashed"]), "rules not run or crashed"),
        ]
        self.w('<section id="headline"><h2>Headline</h2><div class="cards">')
        for big, small in cards:
            self.w(f'<div class="card"><b>{big}</b><span>{e(small)}</span></div>')
        self.w("</div>")
        if o["not run"] or o["crashed"]:
            self.w(
                f'<div class="alert">{o["not run"]:,} rule(s) did not run and {o["crashed"]:,} crashed: they were '
                "NOT checked, so they are not passes. See the outcomes below.</div>"
            )
            self.w("<ul>")
            for reason, codes in not_run_by_reason(s).items():
                self.w(f'<li><span class="s notrun">not run</span> {e(reason)}: <b>{e(", ".join(codes))}</b></li>')
            for x in s["crashed"]:
                self.w(
                    f'<li><span class="s crashed">crashed</span> <b>{e(x["rule"])}</b> {e(x["message"])} — '
                    f"{e(x['error'])}</li>"
                )
            self.w("</ul>")
        self.w("</section>")

    def outcomes(self) -> None:
        s = self.s
        o = s["outcomes"]
        buttons = [
            ("not-passed", "Not passed"),
            ("failed", f"Failed ({o['failed']:,})"),
            ("not run", f"Not run ({o['not run']:,})"),
            ("crashed", f"Crashed ({o['crashed']:,})"),
            ("passed", f"Passed ({o['passed']:,})"),
            ("all", "All"),
        ]
        self.w('<section id="outcomes"><h2>Rule outcomes</h2><div class="filters" id="outcome-filters">')
        for key, label in buttons:
            on = ' class="on"' if key == "not-passed" else ""
            self.w(f'<button type="button" data-status="{e(key)}"{on}>{e(label)}</button>')
        self.w(
            '</div><input type="search" id="outcome-search" placeholder="Filter by code or words">'
            ' <span class="note" id="outcome-count"></span>'
            '<table id="outcome-table"><thead><tr><th>Code</th><th>Message</th><th>Status</th><th>Rows</th>'
            "<th>Children</th><th>Severity</th><th>Detail</th></tr></thead><tbody>"
        )
        failing = set(self.data.findings["rule"].unique())
        order = {"failed": 0, "crashed": 1, "not run": 2, "passed": 3}
        ranked = sorted(s["rules"], key=lambda x: (order.get(x["status"], 4), -x["rows"], code_key(x["rule"])))
        for x in ranked:
            code = e(x["rule"])
            link = f'<a href="#rule-{code}">{code}</a>' if x["rule"] in failing else code
            self.w(
                f'<tr data-status="{e(x["status"])}"><td>{link}</td><td>{e(x["message"])}</td>'
                f'<td><span class="s {_status_class(x["status"])}">{e(x["status"])}</span></td>'
                f'<td class="n">{x["rows"]:,}</td><td class="n">{x["children"]:,}</td>'
                f"<td>{e(x['severity'])}</td><td>{e(x['detail'])}</td></tr>"
            )
        for x in s["load"]["by_code"]:
            code = e(x["code"])
            self.w(
                f'<tr data-status="failed"><td><a href="#rule-{code}">{code}</a></td><td>{e(x["title"])}</td>'
                f'<td><span class="s failed">failed</span></td><td class="n">{x["count"]:,}</td><td></td>'
                f"<td>{e(x['severity'])}</td><td>{e(x['advice'])}</td></tr>"
            )
        self.w("</tbody></table></section>")

    def file_problems(self) -> None:
        self.w('<section id="files"><h2>Problems with whole files or columns</h2>')
        problems = self.data.file_problems
        if not problems:
            self.w('<p class="note">None: every file was read and every column matched.</p></section>')
            return
        self.w(
            "<table><thead><tr><th>Code</th><th>Problem</th><th>Table</th><th>File</th><th>Line</th>"
            "<th>Column</th><th>What was found</th><th>What to do</th></tr></thead><tbody>"
        )
        for p in problems:
            self.w(
                f'<tr><td><span class="s {e(p.severity)}">{e(p.code)}</span></td>'
                f"<td>{e(p.kind.title)}</td><td>{e(p.table)}"
                f"{' (previous year)' if p.period == 'previous' else ''}</td><td>{e(p.file)}</td>"
                f'<td class="n">{e(p.line)}</td><td>{e(p.column)}</td><td>{e(p.message)}</td>'
                f"<td>{e(p.kind.advice)}</td></tr>"
            )
        self.w("</tbody></table></section>")

    def rules(self) -> None:
        f = self.data.findings
        self.w('<section id="rules"><h2>Findings by rule</h2>')
        if f.empty:
            self.w('<p class="note">No findings.</p></section>')
            return
        self.w(
            f'<p class="note">Each rule lists at most {self.max_rows:,} rows here; the Excel workbook and the '
            "findings CSV list every one.</p>"
        )
        parts = {str(k): v for k, v in f.groupby("rule", sort=False)}
        for code in sorted(parts, key=code_key):
            part = parts[code]
            located = part[part["_id"].notna()]
            rule = self.data.rules.get(code)
            msg = self.data.messages.get(code, "")
            sev = part["severity"].iloc[0]
            children = part["child"].nunique()
            self.w(
                f'<details id="rule-{e(code)}"><summary>{e(code)} — {e(msg)} '
                f'<span class="s {e(sev)}">{_count(len(part), "row")}, {_count(children, "child")}</span></summary>'
            )
            if rule is not None and rule.why:
                self.w(f'<p class="why">{e(" ".join(rule.why.split()))}</p>')
            elif code in KINDS:
                self.w(f'<p class="why">{e(KINDS[code].advice)}</p>')
            if located.empty:
                self.w(
                    '<p class="note">These are problems with whole files or columns: see '
                    '<a href="#files">File problems</a>.</p></details>'
                )
                continue
            fields = self.data.rule_fields(code)
            is_load = code in KINDS
            marked = located["after_stage1"].notna()
            if marked.any():
                self.w(
                    f'<p class="note">{_count(int(marked.sum()), "row")} read values that failed stage 1 '
                    "(column <i>After stage 1</i>): fix those first; these may then go.</p>"
                )
            self.w("<table><thead><tr><th>Child</th><th>Table</th><th>File</th><th>Line</th>")
            if is_load:
                self.w("<th>Problem</th>")
            if marked.any():
                self.w("<th>After stage 1</th>")
            self.w("".join(f"<th>{e(x)}</th>" for x in fields), "</tr></thead><tbody>")
            shown = located.head(self.max_rows)
            for child, period, table, file, line, message, after, values in zip(
                *columns(shown, "child", "period", "table", "file", "line", "message", "after_stage1"),
                shown["values"].tolist(),
                strict=True,
            ):
                where = e(table) + (" (previous year)" if period == "previous" else "")
                self.w(f'<tr><td>{e(child)}</td><td>{where}</td><td>{e(file)}</td><td class="n">{e(line)}</td>')
                if is_load:
                    self.w(f"<td>{e(message)}</td>")
                if marked.any():
                    self.w(f"<td>{e(after)}</td>")
                self.w("".join(_value_cell(values, x, sev) for x in fields), "</tr>")
            self.w("</tbody></table>")
            if len(located) > self.max_rows:
                self.w(f'<p class="note">Showing the first {self.max_rows:,} of {len(located):,} rows.</p>')
            self.w("</details>")
        self.w("</section>")

    def children(self) -> None:
        f = self.data.findings
        kids = f[f["child"].notna()]
        self.w('<section id="children"><h2>Findings by child</h2>')
        if kids.empty:
            self.w('<p class="note">No findings on any child.</p></section>')
            return
        agg = (
            kids.assign(is_error=kids["severity"] == "error")
            .groupby("child")
            .agg(errors=("is_error", "sum"), findings=("rule", "size"))
            .sort_values(["errors", "findings"], ascending=False, kind="stable")
        )
        total = len(agg)
        agg = agg.head(self.max_children)
        chosen = kids[kids["child"].isin(agg.index)]
        detail: dict[Any, list[str]] = {}
        for child, code, table, period, line, sev, after in zip(
            *columns(chosen, "child", "rule", "table", "period", "line", "severity", "after_stage1"), strict=True
        ):
            where = f"{table}{' (previous year)' if period == 'previous' else ''}"
            if line is not None:
                where += f" line {line}"
            if after:
                where += f"; after stage 1: {after}"
            detail.setdefault(child, []).append(
                f'<li><a href="#rule-{e(code)}"><span class="s {e(sev)}">{e(code)}</span></a> '
                f'{e(self.data.messages.get(code, ""))} <span class="note">({e(where)})</span></li>'
            )
        self.w('<input type="search" id="child-search" placeholder="Find a child by CHILD id">')
        if total > len(agg):
            self.w(
                f'<p class="note">The {len(agg):,} children with the most errors are shown, of {total:,} '
                "children with findings; the workbook and CSV list every one.</p>"
            )
        self.w(
            '<table id="child-table"><thead><tr><th>Child</th><th>Errors</th><th>Findings</th>'
            "<th>What to look at</th></tr></thead><tbody>"
        )
        for child, row in agg.iterrows():
            self.w(
                f'<tr data-child="{e(child)}"><td>{e(child)}</td><td class="n">{int(row["errors"]):,}</td>'
                f'<td class="n">{int(row["findings"]):,}</td><td><ul class="f">{"".join(detail.get(child, []))}'
                "</ul></td></tr>"
            )
        self.w("</tbody></table></section>")


def render_html(
    data: ReportData, *, max_rows_per_rule: int = MAX_ROWS_PER_RULE, max_children: int = MAX_CHILDREN
) -> str:
    return _Page(data, max_rows_per_rule, max_children).render()


def write_html(data: ReportData, path: str | os.PathLike[str], **options: Any) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(data, **options))


__all__ = ["render_html", "write_html"]
