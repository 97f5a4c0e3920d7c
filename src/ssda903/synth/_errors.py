"""Realistic errors, injected into about a given share of children, and the manifest saying where.

Each chosen child gets one kind of error (a wrong code, an impossible date, a
blank mandatory item, overlapping or gapped episodes, an end before a start, a
missing reason ceased, a provider that cannot run that placement, a URN where
none belongs, a duplicated child, OC2 data for a child not looked after all
year, sex or date of birth changed since last year, …). A smaller share of
other children get changes our validator tolerates (lower-case or padded
codes, ISO dates); the manifest marks those ``tolerated=yes``.

Every changed cell is one manifest row: ``child, table, row, column, kind,
original, injected, tolerated`` where ``row`` is the 0-based data row in that
table's file (after any added rows). An added row has an empty ``column``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ssda903.synth._dates import NONE, iso_text, text
from ssda903.synth._tables import Rows, YearView
from ssda903.synth._world import World, group_starts

MANIFEST_COLUMNS = ["child", "table", "row", "column", "kind", "original", "injected", "tolerated"]

#: Plausible wrong values per code column; those that happen to be valid in the year are dropped.
BAD_CODES = {
    ("Header", "SEX"): ["1", "2", "M", "F", "0", "9", "X"],
    ("Header", "ETHNIC"): ["WBR", "BRIT", "MIXD", "OTHR", "ASIA"],
    ("Episodes", "LS"): ["C3", "V1", "E2", "J4", "L4"],
    ("Episodes", "PLACE"): ["H5", "P2", "Z1", "U7", "K4", "T5", "A1"],
    ("Episodes", "RNE"): ["X", "N", "C", "R"],
    ("Episodes", "CIN"): ["N9", "N0", "N10"],
    ("Episodes", "REC"): ["E1", "E10", "E4", "X2", "E43"],
    ("Episodes", "PLACE_PROVIDER"): ["PR6", "PR9", "P4"],
    ("Episodes", "REASON_PLACE_CHANGE"): ["CARE", "PLAN", "OTHERS"],
    ("Reviews", "REVIEW_CODE"): ["PN8", "PN9", "PN"],
    ("Missing", "MISSING"): ["X", "U", "AM"],
    ("OC3", "IN_TOUCH"): ["Y", "N", "MAYBE"],
    ("OC3", "ACCOM"): ["Z3", "A1", "S1", "X1"],
}
DATE_TARGETS = [
    ("Header", "DOB"),
    ("Episodes", "DECOM"),
    ("Episodes", "DEC"),
    ("Reviews", "REVIEW"),
    ("Missing", "MIS_START"),
]
MANDATORY_TARGETS = [
    ("Header", "ETHNIC"),
    ("Header", "UPN"),
    ("Header", "SEX"),
    ("Header", "DOB"),
    ("Episodes", "DECOM"),
    ("Episodes", "RNE"),
    ("Episodes", "LS"),
    ("Episodes", "CIN"),
    ("Episodes", "PLACE"),
    ("Reviews", "REVIEW_CODE"),
    ("Missing", "MIS_START"),
    ("OC3", "IN_TOUCH"),
]
CASE_TARGETS = [
    ("Episodes", "LS"),
    ("Episodes", "PLACE"),
    ("Episodes", "CIN"),
    ("Header", "ETHNIC"),
    ("Reviews", "REVIEW_CODE"),
]
IMPOSSIBLE_DAYS = ["31/02", "30/02", "31/04", "31/06", "31/09", "31/11", "32/01", "00/05", "15/13"]
FOSTER_OR_ADOPTION = ["U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6"]


@dataclass
class Ctx:
    tables: dict[str, Rows]
    extras: dict[str, np.ndarray]
    rng: np.random.Generator
    offsets: dict[str, int]
    edits: list[list[object]] = field(default_factory=list)

    def record(
        self,
        table: str,
        rows: np.ndarray,
        column: str,
        original: np.ndarray,
        new: np.ndarray,
        kind: str,
        tolerated: bool,
    ) -> None:
        child = self.tables[table].cols["CHILD"][rows]
        base = self.offsets.get(table, 0)
        flag = "yes" if tolerated else "no"
        self.edits.extend(
            [c, table, base + int(r), column, kind, o, v, flag]
            for c, r, o, v in zip(child.tolist(), rows.tolist(), original.tolist(), new.tolist(), strict=True)
        )

    def set(
        self, table: str, rows: np.ndarray, column: str, new: np.ndarray, kind: str, tolerated: bool = False
    ) -> np.ndarray:
        """Change cells; returns the chunk positions of the children actually changed."""
        col = self.tables[table].cols[column]
        new = np.asarray(new, dtype=object)
        changed = col[rows] != new
        rows, new = rows[changed], new[changed]
        self.record(table, rows, column, col[rows], new, kind, tolerated)
        col[rows] = new
        return self.tables[table].child[rows]

    def pick_rows(self, table: str, mask: np.ndarray, children: np.ndarray) -> np.ndarray:
        """One random row per child among the rows where ``mask`` holds (children without one get none)."""
        t = self.tables.get(table)
        if t is None or len(t) == 0 or len(children) == 0:
            return np.zeros(0, np.int64)
        cand = np.flatnonzero(mask & np.isin(t.child, children))
        if len(cand) == 0:
            return cand
        order = np.lexsort((self.rng.random(len(cand)), t.child[cand]))
        cand = cand[order]
        return cand[group_starts(t.child[cand])]


class Injector:
    """Injects errors into one year's tables, a chunk at a time."""

    def __init__(self, view: YearView, *, has_previous: bool):
        self.view = view
        self.has_previous = has_previous
        pk = view.pk
        self.bad = {k: [c for c in v if not pk.valid(k[0], k[1], c)] for k, v in BAD_CODES.items()}
        kinds: list[tuple[str, Callable[[Ctx, np.ndarray, World], np.ndarray], float]] = [
            ("invalid_code", self._invalid_code, 3.0),
            ("impossible_date", self._impossible_date, 2.0),
            ("blank_mandatory", self._blank_mandatory, 2.0),
            ("overlapping_episodes", self._overlap, 1.5),
            ("gap_between_episodes", self._gap, 1.5),
            ("ceased_before_started", self._dec_before_decom, 1.0),
            ("missing_reason_ceased", self._missing_rec, 1.0),
            ("wrong_provider_for_placement", self._wrong_provider, 1.0),
            ("missing_urn", self._missing_urn, 0.7),
            ("urn_not_allowed", self._urn_not_allowed, 0.5),
            ("review_code_wrong_for_age", self._review_age, 0.7),
            ("missing_ended_before_started", self._missing_end, 0.5),
            ("mother_blank", self._mother_blank, 0.5),
            ("invalid_upn", self._bad_upn, 0.7),
            ("duplicate_child", self._duplicate, 0.5),
            ("oc2_not_eligible", self._oc2_ineligible, 0.5),
        ]
        if has_previous:
            kinds += [("sex_changed", self._sex_changed, 0.5), ("dob_changed", self._dob_changed, 0.5)]
        self.kinds = kinds
        self.noise: list[tuple[str, Callable[[Ctx, np.ndarray, World], np.ndarray]]] = [
            ("lowercase_code", self._lowercase),
            ("padded_code", self._padded),
            ("iso_date", self._iso_date),
        ]

    # ------------------------------------------------------------------ driver
    def inject(
        self,
        w: World,
        tables: dict[str, Rows],
        extras: dict[str, np.ndarray],
        rate: float,
        rng: np.random.Generator,
        offsets: dict[str, int],
    ) -> tuple[dict[str, Rows], dict[str, np.ndarray], list[list[object]], int, int]:
        """Returns the changed tables, the manifest rows, and how many children got errors and noise."""
        ctx = Ctx(tables, extras, rng, offsets)
        children = np.unique(tables["Header"].child)
        r = rng.random(len(children))
        err_children = children[r < rate]
        noise_children = children[(r >= rate) & (r < rate * 1.25)]
        weights = np.array([k[2] for k in self.kinds])
        choice = rng.choice(len(self.kinds), size=len(err_children), p=weights / weights.sum())
        # row insertions first, so every later row number is final
        done: list[np.ndarray] = []
        order = sorted(
            range(len(self.kinds)), key=lambda i: self.kinds[i][0] not in ("duplicate_child", "oc2_not_eligible")
        )
        for i in order:
            mine = err_children[choice == i]
            if len(mine):
                done.append(self.kinds[i][1](ctx, mine, w))
        hit = np.unique(np.concatenate(done)) if done else np.zeros(0, np.int64)
        leftover = np.setdiff1d(err_children, hit)
        if len(leftover):  # children with nothing the chosen kind could change: a wrong code somewhere instead
            hit = np.union1d(hit, self._invalid_code(ctx, leftover, w))
        choice_n = rng.integers(0, len(self.noise), len(noise_children))
        noisy = [self.noise[i][1](ctx, noise_children[choice_n == i], w) for i in range(len(self.noise))]
        n_noise = len(np.unique(np.concatenate(noisy))) if noisy else 0
        return ctx.tables, ctx.extras, ctx.edits, len(hit), n_noise

    # ------------------------------------------------------------------ kinds
    def _spread(
        self,
        ctx: Ctx,
        children: np.ndarray,
        targets: list[tuple[str, str]],
        mask: Callable[[Ctx, str, str], np.ndarray],
    ) -> list[tuple[str, str, np.ndarray]]:
        """Give each child a random target cell (table, column) it has, trying the others if it has none."""
        out: list[tuple[str, str, np.ndarray]] = []
        todo = children
        start = ctx.rng.integers(0, len(targets), len(children))
        for step in range(len(targets)):
            if len(todo) == 0:
                break
            which = (start[: len(todo)] + step) % len(targets)
            got: list[np.ndarray] = []
            for ti, (table, column) in enumerate(targets):
                mine = todo[which == ti]
                if len(mine) == 0 or table not in ctx.tables:
                    continue
                rows = ctx.pick_rows(table, mask(ctx, table, column), mine)
                if len(rows):
                    out.append((table, column, rows))
                    got.append(ctx.tables[table].child[rows])
            done = np.concatenate(got) if got else np.zeros(0, np.int64)
            keep = ~np.isin(todo, done)
            todo, start = todo[keep], start[: len(keep)][keep]
        return out

    def _invalid_code(
        self, ctx: Ctx, children: np.ndarray, w: World, only: tuple[str, str] | None = None
    ) -> np.ndarray:
        targets = [only] if only else [k for k, v in self.bad.items() if v]
        hit = []
        for table, column, rows in self._spread(ctx, children, targets, _non_blank):
            bad = np.array(self.bad[(table, column)], dtype=object)
            hit.append(ctx.set(table, rows, column, bad[ctx.rng.integers(0, len(bad), len(rows))], "invalid_code"))
        return _cat(hit)

    def _impossible_date(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, DATE_TARGETS, _non_blank):
            year = _sl(ctx.tables[table].cols[column][rows].astype("U10"), 6, 10).astype(object)
            day = np.array(IMPOSSIBLE_DAYS, dtype=object)[ctx.rng.integers(0, len(IMPOSSIBLE_DAYS), len(rows))]
            hit.append(ctx.set(table, rows, column, day + "/" + year, "impossible_date"))
        return _cat(hit)

    def _blank_mandatory(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, MANDATORY_TARGETS, _non_blank):
            hit.append(ctx.set(table, rows, column, np.full(len(rows), "", object), "blank_mandatory"))
        return _cat(hit)

    def _episode_pairs(self, ctx: Ctx) -> tuple[Rows, np.ndarray, np.ndarray]:
        ep = ctx.tables["Episodes"]
        has_next = np.zeros(len(ep), bool)
        if len(ep) > 1:
            has_next[:-1] = ep.child[1:] == ep.child[:-1]
        return ep, has_next, ep.cols["DEC"] != ""

    def _overlap(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, has_next, closed = self._episode_pairs(ctx)
        rows = ctx.pick_rows("Episodes", has_next & closed, children)
        nxt = _days(ep.cols["DECOM"][np.minimum(rows + 1, len(ep) - 1)])
        new = nxt + ctx.rng.integers(3, 31, len(rows))
        return ctx.set("Episodes", rows, "DEC", _text(new), "overlapping_episodes")

    def _gap(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, has_next, closed = self._episode_pairs(ctx)
        has_prev = np.zeros(len(ep), bool)
        has_prev[1:] = has_next[:-1]
        decom = _days(ep.cols["DECOM"])
        end = np.where(closed, _days(np.where(closed, ep.cols["DEC"], "01/01/1900")), self.view.f.end + 1)
        room = end - decom - 1
        rows = ctx.pick_rows("Episodes", has_prev & (room >= 3), children)
        k = np.minimum(ctx.rng.integers(2, 21, len(rows)), room[rows] - 1)
        return ctx.set("Episodes", rows, "DECOM", _text(decom[rows] + k), "gap_between_episodes")

    def _dec_before_decom(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, _, closed = self._episode_pairs(ctx)
        rows = ctx.pick_rows("Episodes", closed, children)
        new = _days(ep.cols["DECOM"][rows]) - ctx.rng.integers(1, 41, len(rows))
        return ctx.set("Episodes", rows, "DEC", _text(new), "ceased_before_started")

    def _missing_rec(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, _, closed = self._episode_pairs(ctx)
        rows = ctx.pick_rows("Episodes", closed & (ep.cols["REC"] != ""), children)
        return ctx.set("Episodes", rows, "REC", np.full(len(rows), "", object), "missing_reason_ceased")

    def _wrong_provider(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep = ctx.tables["Episodes"]
        place = ep.cols["PLACE"]
        rows = ctx.pick_rows("Episodes", np.ones(len(ep), bool), children)
        p = place[rows]
        new = np.select(
            [p == "P1", np.isin(p, FOSTER_OR_ADOPTION) | np.isin(p, ["K1", "K2"]), np.isin(p, ["R2", "R5"])],
            ["PR4", "PR3", "PR1"],
            "PR1",
        ).astype(object)
        new = np.where(ep.cols["PLACE_PROVIDER"][rows] == "PR1", np.where(p == "P1", "PR4", "PR3"), new)
        return ctx.set("Episodes", rows, "PLACE_PROVIDER", new, "wrong_provider_for_placement")

    def _missing_urn(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        urn = ctx.tables["Episodes"].cols["URN"]
        rows = ctx.pick_rows("Episodes", (urn != "") & (urn != "XXXXXXX"), children)
        return ctx.set("Episodes", rows, "URN", np.full(len(rows), "", object), "missing_urn")

    def _urn_not_allowed(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep = ctx.tables["Episodes"]
        rows = ctx.pick_rows("Episodes", np.isin(ep.cols["PLACE"], ["P1", "P3", "R1", "R2", "R5"]), children)
        urn = np.char.add("SC", ctx.rng.integers(100000, 999999, len(rows)).astype(str)).astype(object)
        return ctx.set("Episodes", rows, "URN", urn, "urn_not_allowed")

    def _review_age(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        rv = ctx.tables["Reviews"]
        rows = ctx.pick_rows("Reviews", np.ones(len(rv), bool), children)
        new = np.where(rv.cols["REVIEW_CODE"][rows] == "PN0", "PN1", "PN0").astype(object)
        return ctx.set("Reviews", rows, "REVIEW_CODE", new, "review_code_wrong_for_age")

    def _missing_end(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        mi = ctx.tables["Missing"]
        rows = ctx.pick_rows("Missing", mi.cols["MIS_END"] != "", children)
        new = _days(mi.cols["MIS_START"][rows]) - ctx.rng.integers(1, 15, len(rows))
        return ctx.set("Missing", rows, "MIS_END", _text(new), "missing_ended_before_started")

    def _mother_blank(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        h = ctx.tables["Header"]
        rows = ctx.pick_rows("Header", h.cols["MOTHER"] != "", children)
        return ctx.set("Header", rows, "MOTHER", np.full(len(rows), "", object), "mother_blank")

    def _bad_upn(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        h = ctx.tables["Header"]
        upn = h.cols["UPN"]
        real = np.char.str_len(upn.astype(str)) == 13
        rows = ctx.pick_rows("Header", real, children)
        old = upn[rows]
        how = ctx.rng.integers(0, 3, len(rows))
        new = np.array(
            [
                "I" + u[1:] if k == 0 else (u[:-1] if k == 1 else "UN6")
                for u, k in zip(old.tolist(), how.tolist(), strict=True)
            ],
            dtype=object,
        )
        return ctx.set("Header", rows, "UPN", new, "invalid_upn")

    def _duplicate(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        h = ctx.tables["Header"]
        rows = ctx.pick_rows("Header", np.ones(len(h), bool), children)
        if len(rows) == 0:
            return rows
        order = np.sort(np.concatenate([np.arange(len(h)), rows]), kind="stable")
        ctx.tables["Header"] = h.take(order)
        ctx.extras = {k: v[order] for k, v in ctx.extras.items()}
        new_rows = np.flatnonzero(np.r_[False, order[1:] == order[:-1]])
        blank = np.full(len(new_rows), "", object)
        copied = np.array([f"copy of row {ctx.offsets.get('Header', 0) + int(r) - 1}" for r in new_rows], dtype=object)
        ctx.record("Header", new_rows, "", blank, copied, "duplicate_child", False)
        return ctx.tables["Header"].child[new_rows]

    def _oc2_ineligible(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        oc2 = ctx.tables["OC2"]
        ep = ctx.tables["Episodes"]
        h = ctx.tables["Header"]
        c = children[np.isin(children, ep.child) & ~np.isin(children, oc2.child)]
        if len(c) == 0:
            return c
        hrow = np.searchsorted(h.child, c)  # Header rows are in child order
        n = len(c)
        new_cols = {k: np.full(n, "", object) for k in oc2.cols}
        new_cols["CHILD"] = h.cols["CHILD"][hrow]
        new_cols["DOB"] = h.cols["DOB"][hrow]
        for item in ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT"):
            new_cols[item] = np.full(n, "1", object)
        new_cols["SUBSTANCE_MISUSE"] = np.full(n, "0", object)
        child = np.concatenate([oc2.child, c])
        cols = {k: np.concatenate([v, new_cols[k]]) for k, v in oc2.cols.items()}
        order = np.argsort(child, kind="stable")
        ctx.tables["OC2"] = Rows(child[order], {k: v[order] for k, v in cols.items()})
        new_rows = np.flatnonzero(order >= len(oc2))
        ctx.record(
            "OC2", new_rows, "", np.full(n, "", object), np.full(n, "row added", object), "oc2_not_eligible", False
        )
        return ctx.tables["OC2"].child[new_rows]

    def _sex_changed(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        h = ctx.tables["Header"]
        known_last_year = w.start[h.child] <= self.view.f.start  # in care (or leaving care) last year too
        rows = ctx.pick_rows("Header", known_last_year & np.isin(h.cols["SEX"], ["M", "F", "1", "2"]), children)
        swap = {"M": "F", "F": "M", "1": "2", "2": "1"}
        new = np.array([swap[s] for s in h.cols["SEX"][rows].tolist()], dtype=object)
        hit = ctx.set("Header", rows, "SEX", new, "sex_changed")
        u = ctx.tables.get("UASC")
        if u is not None and len(u):
            urows = np.flatnonzero(np.isin(u.child, hit))
            pos = np.searchsorted(ctx.tables["Header"].child[rows], u.child[urows])
            ctx.set("UASC", urows, "SEX", new[pos], "sex_changed")
        return hit

    def _dob_changed(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        h = ctx.tables["Header"]
        known_last_year = w.start[h.child] <= self.view.f.start
        rows = ctx.pick_rows("Header", known_last_year & (h.cols["DOB"] != ""), children)
        shift = ctx.rng.integers(1, 41, len(rows)) * np.where(ctx.rng.random(len(rows)) < 0.5, -1, 1)
        new = _text(_days(h.cols["DOB"][rows]) + shift)
        hit = ctx.set("Header", rows, "DOB", new, "dob_changed")
        new_of = dict(zip(h.child[rows].tolist(), new.tolist(), strict=True))
        for name, t in ctx.tables.items():
            if name == "Header" or "DOB" not in t.cols or len(t) == 0:
                continue
            trows = np.flatnonzero(np.isin(t.child, hit))
            if len(trows):
                vals = np.array([new_of[c] for c in t.child[trows].tolist()], dtype=object)
                ctx.set(name, trows, "DOB", vals, "dob_changed")
        return hit

    # ------------------------------------------------------------------ tolerated noise
    def _lowercase(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, CASE_TARGETS, _has_letters):
            vals = ctx.tables[table].cols[column][rows]
            hit.append(
                ctx.set(table, rows, column, np.char.lower(vals.astype(str)).astype(object), "lowercase_code", True)
            )
        return _cat(hit)

    def _padded(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, CASE_TARGETS, _non_blank):
            vals = ctx.tables[table].cols[column][rows]
            hit.append(ctx.set(table, rows, column, " " + vals + " ", "padded_code", True))
        return _cat(hit)

    def _iso_date(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, DATE_TARGETS, _non_blank):
            vals = ctx.tables[table].cols[column][rows]
            hit.append(ctx.set(table, rows, column, iso_text(_days(vals)), "iso_date", True))
        return _cat(hit)


# ---------------------------------------------------------------------- helpers
def _non_blank(ctx: Ctx, table: str, column: str) -> np.ndarray:
    return ctx.tables[table].cols[column] != ""


def _has_letters(ctx: Ctx, table: str, column: str) -> np.ndarray:
    vals = ctx.tables[table].cols[column].astype(str)
    return np.char.upper(vals) != np.char.lower(vals)


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _days(values: np.ndarray) -> np.ndarray:
    """Day numbers of DD/MM/YYYY strings; anything else (an error injected earlier) gives NONE."""
    d = pd.to_datetime(pd.Series(np.asarray(values, dtype=object)), format="%d/%m/%Y", errors="coerce")
    out = d.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return np.where(d.isna().to_numpy(), NONE, out)


def _sl(s: np.ndarray, a: int, b: int) -> np.ndarray:
    """Characters ``a`` to ``b`` of each string of a fixed-width ``U10`` array."""
    if len(s) == 0:
        return s
    return np.ascontiguousarray(s.view("U1").reshape(len(s), -1)[:, a:b]).view(f"U{b - a}").ravel()


def _text(days: np.ndarray) -> np.ndarray:
    return text(days)
