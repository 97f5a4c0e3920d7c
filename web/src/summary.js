// The numbers an analyst looks at first, worked out as the command line's summary works them out
// (src/ssda903/report/overview.py): errors per child (DfE rule errors over the children in the
// Header), children with an error, and what to fix first (load errors and stage 1 errors, most
// rows first). The Summary view and the Excel report both read this.

/** Sort key of a rule code as report.common.code_key: numeric DfE codes first (101 < 503D < 1000), then others, LOAD codes last. */
export function codeKey(code) {
  if (code.toUpperCase().startsWith("LOAD")) return [2, Number(code.replace(/\D/g, "") || 0), code];
  const m = code.match(/^(\d+)/);
  return m ? [0, Number(m[1]), code] : [1, 0, code];
}

/** Compare two rule codes in codeKey order. */
export function compareCodes(a, b) {
  const [x, y] = [codeKey(a), codeKey(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/** The load checks (LOAD01 …) are outcomes too, but counted apart from the DfE rules. */
export const isLoad = (code) => code.toUpperCase().startsWith("LOAD");

const distinctChildren = (rows) => new Set(rows.filter((f) => f.child !== null && f.child !== undefined).map((f) => f.child)).size;

function childrenByRule(findings) {
  const out = new Map();
  for (const f of findings) {
    if (f.child === null || f.child === undefined) continue;
    if (!out.has(f.rule)) out.set(f.rule, new Set());
    out.get(f.rule).add(f.child);
  }
  return out;
}

/**
 * The summary of a page result, in overview.compute's terms: children (null without a Header),
 * errors and queries of the DfE rules, errorsPerChild, childrenWithErrors, loadErrors and
 * loadWarnings, fixFirst and fixLater ({code, message, severity, rows, children}), outcome counts.
 */
export function summarise(result) {
  const findings = result.findings;
  const dfe = findings.filter((f) => !isLoad(f.rule));
  const load = findings.filter((f) => isLoad(f.rule));
  const errors = dfe.filter((f) => f.severity === "error").length;
  const children = result.children ?? null;
  const perRule = childrenByRule(findings);
  const count = (code) => (perRule.get(code) || new Set()).size;
  const row = (o) => ({ code: o.rule, message: o.message, severity: o.severity, stage: Number(o.stage), rows: o.count, children: count(o.rule) });
  const byRows = (a, b) => b.rows - a.rows || compareCodes(a.code, b.code);
  const failed = result.outcomes.filter((o) => o.status === "failed");
  const fixFirst = [
    ...failed.filter((o) => isLoad(o.rule) && o.severity === "error"),
    ...failed.filter((o) => !isLoad(o.rule) && Number(o.stage) === 1 && o.severity === "error"),
  ]
    .map(row)
    .sort(byRows);
  const first = new Set(fixFirst.map((x) => x.code));
  const fixLater = failed
    .filter((o) => !isLoad(o.rule) && !first.has(o.rule))
    .map(row)
    .sort(byRows);
  const rules = result.outcomes.filter((o) => !isLoad(o.rule));
  const outcomes = Object.fromEntries(["failed", "crashed", "not run", "passed"].map((s) => [s, rules.filter((o) => o.status === s).length]));
  return {
    children,
    errors,
    queries: dfe.filter((f) => f.severity === "query").length,
    errorsPerChild: children ? Math.round((errors / children) * 1000) / 1000 : null,
    childrenWithErrors: distinctChildren(dfe.filter((f) => f.severity === "error")),
    childrenWithFindings: distinctChildren(findings),
    loadProblems: load.length,
    loadErrors: load.filter((f) => f.severity === "error").length,
    loadWarnings: load.filter((f) => f.severity === "warning").length,
    rulesChecked: rules.length,
    outcomes,
    fixFirst,
    fixLater,
  };
}

/** "1 child", "3 children", "1,234 rows" (report.common.plural). */
export function plural(n, noun) {
  const many = { child: "children", query: "queries" }[noun] || `${noun}s`;
  return `${n.toLocaleString("en-GB")} ${n === 1 ? noun : many}`;
}
