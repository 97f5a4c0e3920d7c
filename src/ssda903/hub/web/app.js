// The hub's views page. It holds no data: it asks for the person's token (kept in sessionStorage,
// so it is gone when the tab closes), calls the hub's own /api routes with it, and draws what they
// answer. Text is only ever set with textContent, never as HTML, so nothing a hub returns (a note
// another LA wrote) can run as script; the Content-Security-Policy forbids inline script anyway.
"use strict";

const TOKEN_KEY = "ssda903-hub-token";
const SVG = "http://www.w3.org/2000/svg"; // the SVG namespace name, not a request to any host
const Z95 = 1.959963984540054;
const Z998 = 3.090232306167813;
const BAND_CLASS = {
  none: "band-none", "<1": "band-lt1", "1-5": "band-1-5", "5-20": "band-5-20", "20+": "band-20",
  failed: "band-failed", "not run": "band-notrun", crashed: "band-crashed",
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function status(message, isError = false) {
  $("status").textContent = message;
  $("status").classList.toggle("error", isError);
}

// ------------------------------------------------------------------ talking to the hub
async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    ...options,
    headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` },
    credentials: "omit",
    cache: "no-store",
  });
  let body = {};
  try { body = await response.json(); } catch { body = { detail: response.statusText }; }
  if (response.status === 401) {
    signOut("The hub did not accept the token (unknown, expired or revoked). Sign in again.");
    throw new Error("signed out");
  }
  return { status: response.status, body };
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $("signin").hidden = false;
  $("controls").hidden = true;
  $("views").hidden = true;
  $("who").hidden = true;
  status(message || "Signed out.", Boolean(message));
  $("token").focus();
}

async function signIn() {
  const me = await api("/api/me");
  if (me.status !== 200) { status(`The hub answered ${me.status}.`, true); return; }
  $("who").textContent = `Signed in as ${me.body.email} (${me.body.la}); the token expires on ${me.body.expires}.`;
  $("who").hidden = false;
  const mine = await api("/api/profiles");
  const years = [...new Set((mine.body.submissions || []).map((s) => s.collection_year))].sort().reverse();
  const select = $("year");
  select.replaceChildren(...years.map((y) => el("option", { value: y, text: y })));
  $("signin").hidden = true;
  $("controls").hidden = false;
  if (!years.length) {
    status("Your LA has sent no profile yet (ssda903 submit): there is nothing to compare.");
    return;
  }
  await show();
}

async function show() {
  const year = $("year").value;
  const group = $("group").value;
  status(`Loading ${year}…`);
  const answer = await api(`/api/compare?year=${encodeURIComponent(year)}&group=${encodeURIComponent(group)}`);
  if (answer.status !== 200) {
    status(`The hub answered ${answer.status}: ${answer.body.detail || ""}`, true);
    return;
  }
  const body = answer.body;
  $("views").hidden = false;
  $("used").textContent = `${body.name} (${body.la}), ${body.collection_year}: your submission ${body.used.submission} `
    + `(${body.used.stage}). Compared with ${body.group.means}: ${body.group.other_las} other LA(s).`;
  drawPosition(body.position);
  drawEliminated(body.eliminated_elsewhere);
  drawFixed(body.who_fixed_it, body.eliminated_elsewhere);
  drawHeatmap(body.heatmap);
  $("approximation").textContent = `${body.approximation.charAt(0).toUpperCase()}${body.approximation.slice(1)}.`;
  status(`Showing ${body.collection_year}, compared with ${body.group.means}.`);
}

function sentence(text) {
  return text ? text[0].toUpperCase() + text.slice(1) + (text.endsWith(".") ? "" : ".") : "";
}

function notShown(container, view) {
  container.replaceChildren(el("p", { text: sentence(view.note) || "Not shown." }));
}

// ------------------------------------------------------------------ my position: a funnel plot
function drawPosition(view) {
  const text = $("position-text");
  const figure = $("funnel-figure");
  if (!view.mine) { text.textContent = view.note; figure.hidden = true; return; }
  const m = view.mine;
  let said = `${m.rate} children with an error per 100 children (95% interval ${m.ci95[0]} to ${m.ci95[1]}).`;
  if (!view.shown) {
    text.textContent = `${said} ${sentence(view.note)}`;
    figure.hidden = true;
    return;
  }
  const beyond = view.beyond_998 ? ", and outside the 99.8% limits too" : "";
  said += ` Across ${view.other_las} other LAs and yours the rate is ${view.pooled_rate} per 100; `
    + `you are ${view.band} the 95% limits at your size${beyond}.`;
  text.textContent = said;
  figure.hidden = false;
  $("funnel").replaceChildren(funnelSvg(view));
  $("funnel-table").replaceChildren(funnelTable(view));
}

function limitsAt(pooled, n) {
  const p = pooled / 100;
  const sd = Math.sqrt((p * (1 - p)) / Math.max(n, 1));
  const clip = (x) => Math.min(100, Math.max(0, 100 * x));
  return { lo95: clip(p - Z95 * sd), hi95: clip(p + Z95 * sd), lo998: clip(p - Z998 * sd), hi998: clip(p + Z998 * sd) };
}

function funnelSvg(view) {
  const W = 720, H = 420, left = 56, right = 16, top = 16, bottom = 48;
  const sizes = [view.mine.children, ...view.points.map((p) => p.children)];
  const maxN = Math.max(...sizes) * 1.1;
  const minN = Math.max(10, Math.min(...sizes) * 0.5);
  const rates = [view.mine.rate, ...view.points.map((p) => p.rate), limitsAt(view.pooled_rate, minN).hi998];
  const maxY = Math.min(100, Math.max(...rates) * 1.1 || 1);
  const x = (n) => left + ((n) / maxN) * (W - left - right);
  const y = (r) => H - bottom - (r / maxY) * (H - top - bottom);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "funnel-title funnel-desc" });
  root.append(svg("title", { id: "funnel-title" }, "Funnel plot of children with an error per 100 children"));
  root.append(svg("desc", { id: "funnel-desc" },
    `Your LA: ${view.mine.rate} per 100 with ${view.mine.children} children, ${view.band} the 95% limits. `
    + `${view.points.length} other LAs shown as dots.`));
  // axes and ticks
  root.append(svg("line", { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: "axis" }));
  root.append(svg("line", { x1: left, y1: top, x2: left, y2: H - bottom, class: "axis" }));
  const yStep = niceStep(maxY), xStep = niceStep(maxN);
  for (let r = 0; r <= maxY + 1e-9; r += yStep) {
    root.append(svg("text", { x: left - 6, y: y(r) + 4, "text-anchor": "end", class: "tick" }, String(+r.toFixed(2))));
  }
  for (let n = 0; n <= maxN; n += xStep) {
    root.append(svg("text", { x: x(n), y: H - bottom + 18, "text-anchor": "middle", class: "tick" }, String(n)));
  }
  root.append(svg("text", { x: (W + left) / 2, y: H - 8, "text-anchor": "middle", class: "tick" }, "children"));
  root.append(svg("text", { x: 14, y: (H - bottom) / 2, transform: `rotate(-90 14 ${(H - bottom) / 2})`,
    "text-anchor": "middle", class: "tick" }, "with an error per 100"));
  // the limits, drawn from the pooled rate at many sizes so the funnel is a smooth curve
  const steps = 80;
  const ns = Array.from({ length: steps + 1 }, (_, i) => minN + ((maxN - minN) * i) / steps);
  const line = (key, cls) => svg("polyline", {
    class: cls, points: ns.map((n) => `${x(n).toFixed(1)},${y(Math.min(maxY, limitsAt(view.pooled_rate, n)[key])).toFixed(1)}`).join(" "),
  });
  root.append(line("lo998", "limit998"), line("hi998", "limit998"), line("lo95", "limit95"), line("hi95", "limit95"));
  root.append(svg("line", { x1: x(minN), x2: x(maxN), y1: y(view.pooled_rate), y2: y(view.pooled_rate), class: "pooled" }));
  for (const p of view.points) {
    const dot = svg("circle", { cx: x(p.children), cy: y(p.rate), r: 4, class: "other" });
    dot.append(svg("title", {}, `another LA: about ${p.children} children, ${p.rate} per 100`));
    root.append(dot);
  }
  const mx = x(view.mine.children), my = y(view.mine.rate);
  const me = svg("polygon", { points: `${mx},${my - 8} ${mx + 8},${my} ${mx},${my + 8} ${mx - 8},${my}`, class: "mine" });
  me.append(svg("title", {}, `your LA: ${view.mine.children} children, ${view.mine.rate} per 100`));
  root.append(me, svg("text", { x: mx + 11, y: my - 9, class: "mine-label" }, "your LA"));
  return root;
}

// a round tick step giving about four ticks up to ``max`` (1, 2 or 5 times a power of ten)
function niceStep(max) {
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

function funnelTable(view) {
  const rows = [
    { who: "your LA", n: view.mine.children, rate: view.mine.rate },
    ...view.points.map((p) => ({ who: "another LA", n: p.children, rate: p.rate })),
  ];
  return table(
    "Children and rate per 100 of each LA in the plot",
    ["LA", "Children", "With an error per 100", "95% limits at this size"],
    rows.map((r) => {
      const l = limitsAt(view.pooled_rate, r.n);
      return [r.who, String(r.n), String(r.rate), `${l.lo95.toFixed(2)} to ${l.hi95.toFixed(2)}`];
    }),
    [false, true, true, true],
  );
}

function table(caption, headers, rows, numeric = []) {
  const t = el("table", {}, el("caption", { text: caption }));
  t.append(el("thead", {}, el("tr", {}, ...headers.map((h, i) => el("th", { scope: "col", class: numeric[i] ? "num" : "", text: h })))));
  t.append(el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c, i) =>
    i === 0 ? el("th", { scope: "row", text: c }) : el("td", { class: numeric[i] ? "num" : "", text: c }))))));
  return t;
}

// ------------------------------------------------------------------ eliminated elsewhere
function drawEliminated(view) {
  const box = $("eliminated-body");
  if (!view.shown) { notShown(box, view); return; }
  if (!view.rules.length) { box.replaceChildren(el("p", { text: "No rule you fail ran at enough other LAs to compare." })); return; }
  const rows = view.rules.map((r) => [r.rule, String(r.my_rows_per_100_children), String(r.ran_at),
    String(r.found_nothing_at), `${Math.round(100 * r.share_found_nothing)}%`, String(r.score)]);
  box.replaceChildren(table("Rules you fail, most worth fixing first",
    ["Rule", "Your failing rows per 100 children", "Ran at (other LAs)", "Found nothing at", "Share", "Score"],
    rows, [false, true, true, true, true, true]));
  if (view.left_out) box.append(el("p", { class: "hint", text: `${view.left_out} rule(s) you fail are left out: ${view.left_out_means}.` }));
}

// ------------------------------------------------------------------ who fixed it, and my note
function drawFixed(view, eliminated) {
  const box = $("fixed-body");
  const rules = (eliminated.rules || []).map((r) => r.rule);
  $("note-rules").replaceChildren(...rules.map((r) => el("option", { value: r })));
  if (!view.shown) { notShown(box, view); return; }
  if (!view.rules.length) { box.replaceChildren(el("p", { text: "No other LA in this group has fixed an error you have (yet)." })); return; }
  const parts = [];
  for (const r of view.rules) {
    parts.push(el("h3", { text: `Rule ${r.rule}: fixed at ${r.fixed_at} other LA(s)` }));
    for (const la of r.named) {
      const who = el("p", {}, el("strong", { text: `${la.name} (${la.la})` }), ` had it ${la.had_it}. `);
      if (la.mailbox) who.append("Ask: ", el("a", { href: `mailto:${la.mailbox}`, text: la.mailbox }));
      else who.append("No role mailbox set.");
      const block = el("div", { class: "la-fixed" }, who);
      for (const n of la.notes) block.append(el("blockquote", { text: n.text }), el("p", { class: "hint", text: `Note on ${n.collection_year}, written ${n.written}.` }));
      parts.push(block);
    }
    if (r.fixed_without_note) parts.push(el("p", { class: "hint", text: `${r.fixed_without_note} other LA(s) fixed it without writing a note.` }));
  }
  box.replaceChildren(...parts);
}

async function addNote(event) {
  event.preventDefault();
  const result = $("note-result");
  const body = { year: $("year").value, rule: $("note-rule").value.trim(), text: $("note-text").value };
  const answer = await api("/api/notes", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (answer.status === 201) {
    result.replaceChildren(el("p", { text: `Your note on rule ${answer.body.rule} is saved; other LAs see it where you fixed that rule.` }));
    $("note-text").value = "";
    return;
  }
  const problems = answer.body.problems || [answer.body.detail || `the hub answered ${answer.status}`];
  result.replaceChildren(el("p", { class: "problems", text: "The note was not saved:" }),
    el("ul", { class: "problems" }, ...problems.map((p) => el("li", { text: p }))));
}

// ------------------------------------------------------------------ the heatmap
function drawHeatmap(view) {
  const box = $("heatmap-body");
  const legend = $("heatmap-legend");
  if (!view.shown) { notShown(box, view); legend.replaceChildren(); return; }
  legend.replaceChildren(el("ul", { class: "legend", "aria-label": "Bands" },
    ...Object.entries(view.bands).map(([band, means]) => el("li", { class: BAND_CLASS[band] || "", text: `${band}: ${means}` }))));
  if (!view.rules.length) { box.replaceChildren(el("p", { text: "No LA in this group fails any rule." })); return; }
  const t = el("table", { class: "heat" }, el("caption", { text: `${view.rows.length} LAs by the ${view.rules.length} rules any of them fails` }));
  t.append(el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "LA" }),
    ...view.rules.map((r) => el("th", { scope: "col", title: `fails at ${r.failing_las} LA(s)`, text: r.rule })))));
  t.append(el("tbody", {}, ...view.rows.map((row) => el("tr", { class: row.mine ? "mine" : "" },
    el("th", { scope: "row", text: row.label }),
    ...row.cells.map((c) => el("td", { class: BAND_CLASS[c] || "", text: c === "none" ? "0" : c }))))));
  box.replaceChildren(t);
}

// ------------------------------------------------------------------ wiring
document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    signIn().catch((e) => { if (e.message !== "signed out") status(`Could not reach the hub: ${e.message}`, true); });
  });
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    show().catch((e) => { if (e.message !== "signed out") status(`Could not reach the hub: ${e.message}`, true); });
  });
  $("signout").addEventListener("click", () => signOut());
  $("note-form").addEventListener("submit", (event) => {
    addNote(event).catch((e) => { if (e.message !== "signed out") status(`Could not reach the hub: ${e.message}`, true); });
  });
  if (sessionStorage.getItem(TOKEN_KEY)) {
    signIn().catch((e) => { if (e.message !== "signed out") status(`Could not reach the hub: ${e.message}`, true); });
  }
});
