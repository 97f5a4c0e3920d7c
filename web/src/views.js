// The result views: summary, rule list, one child's record, one rule's explanation.
//
// Built with DOM calls (never innerHTML with data in it): a value in a file can hold any
// text, and the page's Content-Security-Policy forbids inline script and style anyway.

import { plural, summarise } from "./summary.js";

const MAX_ROWS = 500;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function outcomeText(o) {
  if (o.status === "failed") {
    const marked = o.after_stage1 ? `; ${o.after_stage1} after stage 1 problems` : "";
    return `failed (${o.count} row${o.count === 1 ? "" : "s"}${marked})`;
  }
  if (o.status === "not run" || o.status === "crashed") return `${o.status} (${o.detail})`;
  return o.status;
}

function table(columns, rows, { caption, onRow } = {}) {
  const head = el("tr", {}, columns.map(([, label]) => el("th", { scope: "col" }, label)));
  const body = rows.slice(0, MAX_ROWS).map((r) =>
    el(
      "tr",
      {},
      columns.map(([key, , link]) => {
        const v = r[key];
        const text = v === null || v === undefined ? "" : String(v);
        return el("td", {}, link && text ? el("button", { type: "button", class: "link", onclick: () => link(r) }, text) : text);
      }),
    ),
  );
  const t = el("table", {}, caption ? el("caption", {}, caption) : null, el("thead", {}, head), el("tbody", {}, body));
  const wrap = el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": caption || "table" }, t);
  if (rows.length > MAX_ROWS) return el("div", {}, wrap, el("p", { class: "note" }, `Showing the first ${MAX_ROWS} of ${rows.length}; download the findings CSV for all.`));
  return wrap;
}

const FINDING_COLUMNS = (views) => [
  ["rule", "Rule", (r) => views.rule(r.rule)],
  ["period", "Period"],
  ["table", "Table"],
  ["row", "Row"],
  ["child", "Child", (r) => views.child(r.child)],
  ["severity", "Severity"],
  ["file", "File"],
  ["line", "Line"],
  ["column", "Column"],
  ["value", "Value"],
  ["message", "Message"],
];

export function render(result, container) {
  container.replaceChildren();
  const panel = el("div", { id: "panel", class: "panel", role: "tabpanel", tabindex: "-1" });
  const tabs = {};
  // the rule list's filter, kept while the user moves between the views
  const filter = { table: "", severity: "", failed: false };
  const show = (name, build) => {
    for (const [key, tab] of Object.entries(tabs)) {
      tab.setAttribute("aria-selected", key === name ? "true" : "false");
      tab.tabIndex = key === name ? 0 : -1; // one tab stop for the tab list; arrows move within it
    }
    panel.replaceChildren(build());
    panel.dataset.view = name;
  };
  const views = {
    summary: () => show("summary", () => summary(result, views)),
    rules: () => show("rules", () => ruleList(result, views, filter)),
    child: (child) => show("child", () => childView(result, views, child)),
    rule: (code) => show("rule", () => ruleView(result, views, code)),
  };
  // the tab pattern's keys: arrows move between the views, Home and End to the first and last
  const bar = el("div", {
    role: "tablist",
    "aria-label": "Views",
    onkeydown: (e) => {
      const order = Object.keys(tabs);
      const at = order.findIndex((k) => tabs[k] === document.activeElement);
      if (at < 0) return;
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: order.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const name = order[(to + order.length) % order.length];
      views[name]();
      tabs[name].focus();
    },
  });
  for (const [name, label] of [["summary", "Summary"], ["rules", "Rules"], ["child", "Child record"], ["rule", "Rule explanation"]]) {
    tabs[name] = el("button", { type: "button", role: "tab", id: `tab-${name}`, "aria-controls": "panel", onclick: () => views[name]() }, label);
    bar.append(tabs[name]);
  }
  container.append(bar, panel);
  views.summary();
  return views;
}

const ratio = (x) => (x === null ? "n/a (no Header)" : x.toFixed(2));

function summary(result, views) {
  const s = summarise(result);
  const statuses = ["failed", "passed", "not run", "crashed"].map((k) => [k, s.outcomes[k]]);
  const ruleLink = (x) => views.rule(x.code);
  return el(
    "section",
    { "aria-labelledby": "summary-title" },
    el("h2", { id: "summary-title" }, `Summary: ${result.year}${result.la ? `, ${result.la}` : ""}`),
    el(
      "dl",
      { class: "figures" },
      el("dt", {}, "Children in the Header"), el("dd", { id: "count-children" }, s.children === null ? "no Header supplied" : s.children),
      el("dt", {}, "Errors (DfE rules)"), el("dd", { id: "count-error" }, s.errors),
      el("dt", {}, "Errors per child"), el("dd", { id: "errors-per-child" }, ratio(s.errorsPerChild)),
      el("dt", {}, "Children with at least one error"), el("dd", { id: "children-with-errors" }, s.childrenWithErrors),
      el("dt", {}, "Queries (please check)"), el("dd", {}, s.queries),
      el("dt", {}, "Problems reading the files"), el("dd", {}, `${plural(s.loadErrors, "error")}, ${plural(s.loadWarnings, "warning")}`),
      el("dt", {}, "Children with any finding"), el("dd", {}, s.childrenWithFindings),
      ...statuses.flatMap(([k, n]) => [el("dt", {}, `Rules ${k}`), el("dd", {}, n)]),
    ),
    ...(s.fixFirst.length
      ? [
          el("h3", { id: "fix-first-title" }, "Fix first: errors reading the files and stage 1 errors, most rows first"),
          el("p", { class: "note" }, "Stage 2 rules read values that stage 1 checks: fix these first, and some stage 2 findings may go."),
          el(
            "div",
            { id: "fix-first" },
            table(
              [["code", "Code", ruleLink], ["message", "Problem"], ["rows", "Rows"], ["children", "Children"]],
              s.fixFirst,
              { caption: `Fix first (${s.fixFirst.length})` },
            ),
          ),
        ]
      : []),
    ...(s.fixLater.length
      ? [
          el("h3", {}, s.fixFirst.length ? "Then: the other failing rules" : "Failing rules, most rows first"),
          el(
            "div",
            { id: "fix-later" },
            table(
              [["code", "Code", ruleLink], ["message", "Message"], ["severity", "Severity"], ["rows", "Rows"], ["children", "Children"]],
              s.fixLater,
              { caption: `Then (${s.fixLater.length})` },
            ),
          ),
        ]
      : []),
    ...["crashed", "not run"].flatMap((status) => {
      const these = result.outcomes.filter((o) => o.status === status);
      if (!these.length) return [];
      const title = status === "crashed" ? "Rules that crashed (their results cannot be trusted)" : "Rules not run, and what they need";
      return [
        el("h3", {}, title),
        table([["rule", "Rule", (o) => views.rule(o.rule)], ["detail", "Why"], ["message", "Message"]], these, { caption: title }),
      ];
    }),
    el("h3", {}, "Files read"),
    table(
      [["period", "Period"], ["table", "Table"], ["file", "File"], ["rows", "Rows"]],
      result.sources,
      { caption: "Files read" },
    ),
  );
}

/** The tables a rule concerns: those it declares, and those its findings are in (a LOAD check's). */
function tablesOfRules(result) {
  const out = new Map(result.outcomes.map((o) => [o.rule, new Set(o.tables || [])]));
  for (const f of result.findings) if (f.table && out.has(f.rule)) out.get(f.rule).add(f.table);
  return out;
}

function select(id, label, options, value, onchange) {
  const s = el("select", { id, onchange: (e) => onchange(e.target.value) }, options.map(([v, text]) => el("option", { value: v, selected: v === value }, text)));
  return el("div", { class: "picker" }, el("label", { for: id }, label), s);
}

function ruleList(result, views, filter) {
  const tablesOf = tablesOfRules(result);
  // every table that has a finding or a rule, in the model's order (Header, Episodes …), then any other by name
  const named = new Set([...tablesOf.values()].flatMap((s) => [...s]));
  const order = [...new Set([...(result.tables || []).filter((t) => named.has(t)), ...[...named].sort()])];
  const all = result.outcomes.map((o) => ({ ...o, outcome: outcomeText(o) }));
  const holder = el("div", {});
  const shown = el("p", { id: "rules-shown", class: "note", role: "status", "aria-live": "polite" });
  const apply = () => {
    const rows = all.filter(
      (o) =>
        (!filter.table || tablesOf.get(o.rule).has(filter.table)) &&
        (!filter.severity || o.severity === filter.severity) &&
        (!filter.failed || o.status === "failed"),
    );
    shown.textContent = `Showing ${rows.length} of ${all.length} rules.`;
    holder.replaceChildren(
      table(
        [["rule", "Rule", (o) => views.rule(o.rule)], ["stage", "Stage"], ["severity", "Severity"], ["outcome", "Outcome"], ["message", "Message"]],
        rows,
        { caption: "Rule outcomes" },
      ),
    );
  };
  const failedOnly = el("input", {
    type: "checkbox",
    id: "rules-failed",
    checked: filter.failed,
    onchange: (e) => {
      filter.failed = e.target.checked;
      apply();
    },
  });
  const controls = el(
    "form",
    { class: "filters", "aria-label": "Filter the rules", onsubmit: (e) => e.preventDefault() },
    select("rules-table", "Table", [["", "All tables"], ...order.map((t) => [t, t])], filter.table, (v) => {
      filter.table = v;
      apply();
    }),
    select(
      "rules-severity",
      "Severity",
      [["", "All severities"], ["error", "Error"], ["warning", "Warning"], ["query", "Query"]],
      filter.severity,
      (v) => {
        filter.severity = v;
        apply();
      },
    ),
    el("div", { class: "check" }, failedOnly, el("label", { for: "rules-failed" }, "Failed only")),
  );
  apply();
  return el(
    "section",
    { "aria-labelledby": "rules-title" },
    el("h2", { id: "rules-title" }, "Every rule and its outcome"),
    el("p", { class: "note" }, "Passed, failed, not run (and what it needs) or crashed: “no errors” and “never ran” never look alike."),
    controls,
    shown,
    holder,
  );
}

function childView(result, views, child) {
  const known = [...new Set(result.findings.filter((f) => f.child).map((f) => f.child))].sort();
  const chosen = child ?? known[0] ?? "";
  const input = el("input", { id: "child-id", list: "child-ids", value: chosen, autocomplete: "off" });
  const list = el("datalist", { id: "child-ids" }, known.slice(0, 2000).map((c) => el("option", { value: c })));
  const form = el(
    "form",
    { class: "inline", onsubmit: (e) => { e.preventDefault(); views.child(input.value.trim()); } },
    el("label", { for: "child-id" }, "Child (CHILD id)"), input, list, el("button", { type: "submit" }, "Show"),
  );
  const rows = result.findings.filter((f) => f.child === chosen);
  return el(
    "section",
    { "aria-labelledby": "child-title" },
    el("h2", { id: "child-title" }, chosen ? `Child ${chosen}` : "Child record"),
    form,
    chosen ? table(FINDING_COLUMNS(views), rows, { caption: `Findings for child ${chosen}` }) : el("p", {}, "No child has a finding."),
  );
}

function ruleView(result, views, code) {
  const outcome = result.outcomes.find((o) => o.rule === code) || result.outcomes.find((o) => o.status === "failed") || result.outcomes[0];
  if (!outcome) return el("p", {}, "No rules ran.");
  const rows = result.findings.filter((f) => f.rule === outcome.rule);
  const facts = [
    ["Stage", outcome.stage],
    ["Severity", outcome.severity],
    ["Outcome", outcomeText(outcome)],
    ["Fields", (outcome.fields || []).join(", ")],
    ["Tables", (outcome.tables || []).join(", ")],
    ["What to do", outcome.advice],
  ].filter(([, v]) => v !== undefined && v !== null && v !== "");
  return el(
    "section",
    { "aria-labelledby": "rule-title" },
    el("h2", { id: "rule-title" }, `Rule ${outcome.rule}${outcome.variant ? ` (${outcome.variant})` : ""}`),
    el("p", { class: "message" }, outcome.message),
    el("dl", { class: "figures" }, facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    outcome.sql
      ? el("details", {}, el("summary", {}, "The rule's query (DuckDB SQL: the rows it returns fail)"), el("pre", { class: "sql", tabindex: "0" }, outcome.sql))
      : null,
    rows.length ? table(FINDING_COLUMNS(views), rows, { caption: `Findings of rule ${outcome.rule}` }) : el("p", {}, "No findings."),
  );
}
