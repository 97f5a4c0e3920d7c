"""Realistic errors, injected into about a given share of children, and the manifest saying where.

Each chosen child gets one kind of error (a wrong code, an impossible date, a
blank mandatory item, overlapping or gapped episodes, an end before a start, a
missing reason ceased, a provider that cannot run that placement, a URN where
none belongs, a duplicated child, OC2 data for a child not looked after all
year, sex or date of birth changed since last year, …). A smaller share of
other children get formatting slips that are read as meant for the other rules
but still reported (lower-case or padded codes fail the item's DfE code rule,
since the DfE compares codes exactly; ISO dates are LOAD15); the manifest marks
those ``tolerated=yes``.

Every changed cell is one manifest row: ``child, table, row, column, kind,
rule, original, injected, tolerated`` where ``row`` is the 0-based data row in
that table's file (after any added rows) and ``rule`` is the code (DfE or
LOAD) that reports it. An added row has an empty ``column``.

An error is only injected where the rule that reports it exists for the year:
each target names its rule, or a short list of them in order of preference
(the DfE rule, then the load check that reports the same cell until the DfE
rule is written); a target none of whose rules exists is skipped, so the
manifest never lists an error that nothing reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ssda903.model import CollectionYear
from ssda903.problems import KINDS as LOAD_CODES
from ssda903.rules import rules_for_year
from ssda903.synth._dates import iso_text
from ssda903.synth._edit import Ctx, cat, days, has_letters, non_blank, sl, text_of
from ssda903.synth._tables import Rows, YearView
from ssda903.synth._world import World
from ssda903.synth.kinds import KINDS, Edit

MANIFEST_COLUMNS = ["child", "table", "row", "column", "kind", "rule", "original", "injected", "tolerated"]

Cell = tuple[str, str]  # (table, column)
#: The codes that may report an injected change, most wanted first (the DfE rule, then a load check).
Rules = tuple[str, ...]

#: Per code column, the rule that reports a wrong code, and plausible wrong values (those valid in the
#: year are dropped).
BAD_CODES: dict[Cell, tuple[Rules, list[str]]] = {
    ("Header", "SEX"): (("101",), ["1", "2", "M", "F", "0", "9", "X"]),
    ("Header", "ETHNIC"): (("103",), ["WBR", "BRIT", "MIXD", "OTHR", "ASIA"]),
    ("Episodes", "LS"): (("144",), ["C3", "V1", "E2", "J4", "L4"]),
    ("Episodes", "PLACE"): (("146",), ["H5", "P2", "Z1", "U7", "K4", "T5", "A1"]),
    ("Episodes", "RNE"): (("143",), ["X", "N", "C", "R"]),
    ("Episodes", "CIN"): (("145",), ["N9", "N0", "N10"]),
    ("Episodes", "REC"): (("149",), ["E1", "E10", "E4", "X2", "E43"]),
    ("Episodes", "PLACE_PROVIDER"): (("178",), ["PR6", "PR9", "P4"]),
    ("Episodes", "REASON_PLACE_CHANGE"): (("1009", "LOAD09"), ["CARE", "PLAN", "OTHERS"]),
    ("Reviews", "REVIEW_CODE"): (("167",), ["PN8", "PN9", "PN"]),
    ("Missing", "MISSING"): (("1006", "LOAD09"), ["X", "U", "AM"]),
    ("OC3", "IN_TOUCH"): (("131",), ["Y", "N", "MAYBE"]),
    ("OC3", "ACCOM"): (("133",), ["Z3", "A1", "S1", "X1"]),
}
#: Date cells, and the rule that reports one that is not a date.
DATE_TARGETS: dict[Cell, Rules] = {
    ("Header", "DOB"): ("102",),
    ("Episodes", "DECOM"): ("141",),
    ("Episodes", "DEC"): ("147",),
    ("Reviews", "REVIEW"): ("166",),
    ("Missing", "MIS_START"): ("1004", "LOAD07"),
    ("Missing", "MIS_END"): ("1005", "LOAD07"),
}
#: Cells the DfE requires, and the rule that reports one left blank (LOAD18 where no DfE rule does).
MANDATORY_TARGETS: dict[Cell, Rules] = {
    ("Header", "ETHNIC"): ("103",),
    ("Header", "UPN"): ("442", "LOAD18"),
    ("Header", "SEX"): ("101",),
    ("Header", "DOB"): ("102",),
    ("Episodes", "DECOM"): ("LOAD18",),
    ("Episodes", "RNE"): ("LOAD18",),
    ("Episodes", "LS"): ("LOAD18",),
    ("Episodes", "CIN"): ("LOAD18",),
    ("Episodes", "PLACE"): ("LOAD18",),
    ("Reviews", "REVIEW_CODE"): ("167",),
    ("Missing", "MIS_START"): ("564", "1004", "LOAD18"),
    ("OC3", "IN_TOUCH"): ("131",),
}
#: Code cells given in lower case or padded (read as meant), and the rule for a code in the wrong case:
#: the DfE compares codes exactly, so that is the column's own code rule.
CASE_TARGETS: dict[Cell, Rules] = {
    ("Episodes", "LS"): ("144",),
    ("Episodes", "PLACE"): ("146",),
    ("Episodes", "CIN"): ("145",),
    ("Header", "ETHNIC"): ("103",),
    ("Reviews", "REVIEW_CODE"): ("167",),
    ("Missing", "MISSING"): ("1006",),
}
#: A date in another form than DD/MM/YYYY is read, and reported per cell as LOAD15. A code with stray
#: spaces or in lower case fails the item's own DfE rule (CASE_TARGETS): the DfE compares codes exactly.
ISO_DATE_RULES: Rules = ("LOAD15",)
IMPOSSIBLE_DAYS = ["31/02", "30/02", "31/04", "31/06", "31/09", "31/11", "32/01", "00/05", "15/13"]
FOSTER_OR_ADOPTION = ["U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6"]
TEMPORARY = ["T0", "T1", "T2", "T3", "T4"]
#: Wrong placement providers: (placements, the provider that cannot run them, the rule that says so).
WRONG_PROVIDERS: list[tuple[list[str], str, Rules]] = [
    (TEMPORARY, "PR1", ("213",)),  # a temporary placement has no provider
    (["P1"], "PR4", ("530",)),
    (["R2", "R5"], "PR1", ("527",)),
    ([*FOSTER_OR_ADOPTION, "K1", "K2"], "PR3", ("529",)),
]
#: The rules for the other kinds of error (one rule each).
KIND_RULES: dict[str, Rules] = {
    "overlapping_episodes": ("501",),
    "gap_between_episodes": ("433",),
    "ceased_before_started": ("356",),
    "missing_reason_ceased": ("148",),
    "missing_urn": ("218",),
    "urn_not_allowed": ("222",),
    "missing_ended_before_started": ("567",),
    "mother_blank": ("165",),
    "invalid_upn": ("168",),
    "duplicate_child": ("INT32", "LOAD19"),
    "oc2_not_eligible": ("190",),
    "sex_changed": ("202",),
    "dob_changed": ("203",),
}
#: A review code for the wrong age: PN0 given at 4 or over (440), another code under 4 (441).
REVIEW_AGE_RULES: tuple[Rules, Rules] = (("440",), ("441",))


def reporting_codes(year: CollectionYear) -> frozenset[str]:
    """Every code that can report a problem in ``year``: the year's DfE rules and the load checks."""
    return frozenset(r.code for r in rules_for_year(year)) | frozenset(LOAD_CODES)


Kind = Callable[[Ctx, np.ndarray, World], np.ndarray]


class Injector:
    """Injects errors into one year's tables, a chunk at a time.

    ``codes`` are the rule and load codes that exist for the year (by default the year's rule
    set and every load check); an error whose rule is not among them is never injected.
    """

    def __init__(self, view: YearView, *, has_previous: bool, codes: Iterable[str] | None = None):
        self.view = view
        self.has_previous = has_previous
        self.codes = frozenset(codes) if codes is not None else reporting_codes(view.f.year)
        pk = view.pk
        self.bad: dict[Cell, tuple[str, list[str]]] = {}
        for cell, (rules, values) in BAD_CODES.items():
            rule = self.rule(rules)
            wrong = [c for c in values if not pk.valid(cell[0], cell[1], c)]
            if rule and wrong:
                self.bad[cell] = (rule, wrong)
        self.dates = self._reported(DATE_TARGETS)
        self.mandatory = self._reported(MANDATORY_TARGETS)
        self.case = self._reported(CASE_TARGETS)
        self.providers = [(places, new, rule) for places, new, rules in WRONG_PROVIDERS if (rule := self.rule(rules))]
        self.review_age = tuple(self.rule(r) for r in REVIEW_AGE_RULES)
        candidates: list[tuple[str, Kind, float, bool]] = [
            ("invalid_code", self._invalid_code, 3.0, bool(self.bad)),
            ("impossible_date", self._impossible_date, 2.0, bool(self.dates)),
            ("blank_mandatory", self._blank_mandatory, 2.0, bool(self.mandatory)),
            ("overlapping_episodes", self._overlap, 1.5, True),
            ("gap_between_episodes", self._gap, 1.5, True),
            ("ceased_before_started", self._dec_before_decom, 1.0, True),
            ("missing_reason_ceased", self._missing_rec, 1.0, True),
            ("wrong_provider_for_placement", self._wrong_provider, 1.0, bool(self.providers)),
            ("missing_urn", self._missing_urn, 0.7, True),
            ("urn_not_allowed", self._urn_not_allowed, 0.5, True),
            ("review_code_wrong_for_age", self._review_age, 0.7, any(self.review_age)),
            ("missing_ended_before_started", self._missing_end, 0.5, True),
            ("mother_blank", self._mother_blank, 0.5, True),
            ("invalid_upn", self._bad_upn, 0.7, True),
            ("duplicate_child", self._duplicate, 0.5, True),
            ("oc2_not_eligible", self._oc2_ineligible, 0.5, True),
            ("sex_changed", self._sex_changed, 0.5, has_previous),
            ("dob_changed", self._dob_changed, 0.5, has_previous),
        ]
        self.kinds = [
            (name, fn, weight)
            for name, fn, weight, possible in candidates
            if possible and (name not in KIND_RULES or self.rule(KIND_RULES[name]))
        ]
        self.eligible: dict[int, Kind] = {}  # kind position -> which children it could change
        for k in KINDS.values():  # the kinds registered in synth/kinds/
            if (rule := self.rule(k.rules)) and (has_previous or not k.needs_previous):
                if k.eligible is not None:
                    self.eligible[len(self.kinds)] = self._registered(k.eligible, k.name, rule)
                self.kinds.append((k.name, self._registered(k.fn, k.name, rule), k.weight))
        noise: list[tuple[str, Kind, bool]] = [
            ("lowercase_code", self._lowercase, bool(self.case)),
            ("padded_code", self._padded, bool(self.case)),
            ("iso_date", self._iso_date, bool(self.rule(ISO_DATE_RULES))),
        ]
        self.noise = [(name, fn) for name, fn, possible in noise if possible]

    def rule(self, rules: Rules) -> str:
        """The first of ``rules`` that exists for the year, or "" when none does."""
        return next((r for r in rules if r in self.codes), "")

    def _registered(self, fn: Callable[[Edit], np.ndarray], name: str, rule: str) -> Kind:
        return lambda ctx, children, w: fn(Edit(ctx, children, w, self.view, name, rule))

    def _reported(self, targets: dict[Cell, Rules]) -> dict[Cell, str]:
        return {cell: rule for cell, rules in targets.items() if (rule := self.rule(rules))}

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
        err_children = children[r < rate] if self.kinds else children[:0]
        noise_children = children[(r >= rate) & (r < rate * 1.25)]
        choice = np.zeros(0, np.int64)
        if self.kinds:
            weights = np.array([k[2] for k in self.kinds])
            choice = rng.choice(len(self.kinds), size=len(err_children), p=weights / weights.sum())
            self._prefer_eligible(ctx, err_children, choice, w, rng)
        # row insertions first, so every later row number is final
        done: list[np.ndarray] = []
        adds_rows = {"duplicate_child", "oc2_not_eligible"} | {k.name for k in KINDS.values() if k.adds_rows}
        order = sorted(range(len(self.kinds)), key=lambda i: self.kinds[i][0] not in adds_rows)
        for i in order:
            mine = err_children[choice == i]
            if len(mine):
                done.append(self.kinds[i][1](ctx, mine, w))
        hit = np.unique(np.concatenate(done)) if done else np.zeros(0, np.int64)
        leftover = np.setdiff1d(err_children, hit)
        if len(leftover) and self.bad:  # children the chosen kind could not change: a wrong code instead
            hit = np.union1d(hit, self._invalid_code(ctx, leftover, w))
        n_noise = 0
        if self.noise:
            choice_n = rng.integers(0, len(self.noise), len(noise_children))
            noisy = [self.noise[i][1](ctx, noise_children[choice_n == i], w) for i in range(len(self.noise))]
            n_noise = len(np.unique(np.concatenate(noisy)))
        return ctx.tables, ctx.extras, ctx.edits, len(hit), n_noise

    def _prefer_eligible(
        self, ctx: Ctx, children: np.ndarray, choice: np.ndarray, w: World, rng: np.random.Generator
    ) -> None:
        """Give each kind with an ``eligible`` test its share of ``children`` among those it could change.

        Swaps choices in place, so every kind keeps its count; a child once given such a kind
        keeps it, and the kinds with the fewest such children choose first. Children it could not change that cannot be swapped stay with it (and get a
        wrong code instead, as any child a kind cannot change).
        """
        fixed = np.zeros(len(children), bool)
        present = set(choice.tolist())
        can = {
            i: np.isin(children, eligible(ctx, children, w)) for i, eligible in self.eligible.items() if i in present
        }
        for i in sorted(can, key=lambda i: int(can[i].sum())):  # the rarest situation first
            mine = np.flatnonzero((choice == i) & ~fixed)
            able = can[i] & ~fixed
            own = mine[able[mine]]
            others = rng.permutation(np.flatnonzero(able & (choice != i)))
            gain = others[: len(mine) - len(own)]
            give = mine[~able[mine]][: len(gain)]
            choice[give] = choice[gain]
            choice[gain] = i
            fixed[own] = True
            fixed[gain] = True

    # ------------------------------------------------------------------ kinds
    def _spread(
        self,
        ctx: Ctx,
        children: np.ndarray,
        targets: list[Cell],
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

    def _invalid_code(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, list(self.bad), non_blank):
            rule, wrong = self.bad[(table, column)]
            bad = np.array(wrong, dtype=object)
            new = bad[ctx.rng.integers(0, len(bad), len(rows))]
            hit.append(ctx.set(table, rows, column, new, "invalid_code", rule))
        return cat(hit)

    def _impossible_date(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, list(self.dates), non_blank):
            year = sl(ctx.tables[table].cols[column][rows].astype("U10"), 6, 10).astype(object)
            day = np.array(IMPOSSIBLE_DAYS, dtype=object)[ctx.rng.integers(0, len(IMPOSSIBLE_DAYS), len(rows))]
            rule = self.dates[(table, column)]
            hit.append(ctx.set(table, rows, column, day + "/" + year, "impossible_date", rule))
        return cat(hit)

    def _blank_mandatory(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, list(self.mandatory), non_blank):
            if (table, column) == ("Header", "UPN"):
                # a UPN is required only of a child with an episode that is not a short break (442)
                ep = ctx.tables["Episodes"]
                in_care = np.unique(ep.child[~np.isin(ep.cols["LS"], ["V3", "V4"])])
                rows = rows[np.isin(ctx.tables["Header"].child[rows], in_care)]
            blank = np.full(len(rows), "", object)
            hit.append(ctx.set(table, rows, column, blank, "blank_mandatory", self.mandatory[(table, column)]))
        return cat(hit)

    def _episode_pairs(self, ctx: Ctx) -> tuple[Rows, np.ndarray, np.ndarray]:
        ep = ctx.tables["Episodes"]
        has_next = np.zeros(len(ep), bool)
        if len(ep) > 1:
            has_next[:-1] = ep.child[1:] == ep.child[:-1]
        return ep, has_next, ep.cols["DEC"] != ""

    def _set_kind(self, ctx: Ctx, table: str, rows: np.ndarray, column: str, new: np.ndarray, kind: str) -> np.ndarray:
        return ctx.set(table, rows, column, new, kind, self.rule(KIND_RULES[kind]))

    def _overlap(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, has_next, closed = self._episode_pairs(ctx)
        rows = ctx.pick_rows("Episodes", has_next & closed, children)
        nxt = days(ep.cols["DECOM"][np.minimum(rows + 1, len(ep) - 1)])
        new = nxt + ctx.rng.integers(3, 31, len(rows))
        return self._set_kind(ctx, "Episodes", rows, "DEC", text_of(new), "overlapping_episodes")

    def _gap(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, has_next, closed = self._episode_pairs(ctx)
        has_prev = np.zeros(len(ep), bool)
        has_prev[1:] = has_next[:-1]
        decom = days(ep.cols["DECOM"])
        end = np.where(closed, days(np.where(closed, ep.cols["DEC"], "01/01/1900")), self.view.f.end + 1)
        room = end - decom - 1
        # only a continuation must start the day the last episode ended (433); a new period may not
        continuation = np.isin(ep.cols["RNE"], ["P", "L", "T", "U", "B"])
        rows = ctx.pick_rows("Episodes", has_prev & continuation & (room >= 3), children)
        k = np.minimum(ctx.rng.integers(2, 21, len(rows)), room[rows] - 1)
        return self._set_kind(ctx, "Episodes", rows, "DECOM", text_of(decom[rows] + k), "gap_between_episodes")

    def _dec_before_decom(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, _, closed = self._episode_pairs(ctx)
        rows = ctx.pick_rows("Episodes", closed, children)
        new = days(ep.cols["DECOM"][rows]) - ctx.rng.integers(1, 41, len(rows))
        return self._set_kind(ctx, "Episodes", rows, "DEC", text_of(new), "ceased_before_started")

    def _missing_rec(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep, _, closed = self._episode_pairs(ctx)
        rows = ctx.pick_rows("Episodes", closed & (ep.cols["REC"] != ""), children)
        return self._set_kind(ctx, "Episodes", rows, "REC", np.full(len(rows), "", object), "missing_reason_ceased")

    def _wrong_provider(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        """A provider that cannot run the placement, only for placements where a written rule says so."""
        ep = ctx.tables["Episodes"]
        place = ep.cols["PLACE"]
        possible = np.zeros(len(ep), bool)
        for places, _, _ in self.providers:
            possible |= np.isin(place, places)
        rows = ctx.pick_rows("Episodes", possible, children)
        hit = []
        for places, new, rule in self.providers:
            mine = rows[np.isin(place[rows], places)]
            values = np.full(len(mine), new, object)
            hit.append(ctx.set("Episodes", mine, "PLACE_PROVIDER", values, "wrong_provider_for_placement", rule))
        return cat(hit)

    def _missing_urn(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        urn = ctx.tables["Episodes"].cols["URN"]
        rows = ctx.pick_rows("Episodes", (urn != "") & (urn != "XXXXXXX"), children)
        return self._set_kind(ctx, "Episodes", rows, "URN", np.full(len(rows), "", object), "missing_urn")

    def _urn_not_allowed(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        ep = ctx.tables["Episodes"]
        rows = ctx.pick_rows("Episodes", np.isin(ep.cols["PLACE"], ["P1", "P3", "R1", "R2", "R5"]), children)
        urn = np.char.add("SC", ctx.rng.integers(100000, 999999, len(rows)).astype(str)).astype(object)
        return self._set_kind(ctx, "Episodes", rows, "URN", urn, "urn_not_allowed")

    def _review_age(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        """PN0 (a child under 4) given at 4 or over (440), or another code given under 4 (441)."""
        rv = ctx.tables["Reviews"]
        under4 = rv.cols["REVIEW_CODE"] == "PN0"  # the generator gives PN0 exactly to children under 4
        to_pn0, to_pn1 = self.review_age
        possible = (~under4 & bool(to_pn0)) | (under4 & bool(to_pn1))
        rows = ctx.pick_rows("Reviews", possible, children)
        hit = []
        for mine, new, rule in ((rows[~under4[rows]], "PN0", to_pn0), (rows[under4[rows]], "PN1", to_pn1)):
            values = np.full(len(mine), new, object)
            hit.append(ctx.set("Reviews", mine, "REVIEW_CODE", values, "review_code_wrong_for_age", rule))
        return cat(hit)

    def _missing_end(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        mi = ctx.tables["Missing"]
        rows = ctx.pick_rows("Missing", mi.cols["MIS_END"] != "", children)
        new = days(mi.cols["MIS_START"][rows]) - ctx.rng.integers(1, 15, len(rows))
        return self._set_kind(ctx, "Missing", rows, "MIS_END", text_of(new), "missing_ended_before_started")

    def _mother_blank(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        h = ctx.tables["Header"]
        rows = ctx.pick_rows("Header", h.cols["MOTHER"] != "", children)
        return self._set_kind(ctx, "Header", rows, "MOTHER", np.full(len(rows), "", object), "mother_blank")

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
        return self._set_kind(ctx, "Header", rows, "UPN", new, "invalid_upn")

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
        rule = self.rule(KIND_RULES["duplicate_child"])
        ctx.record("Header", new_rows, "", blank, copied, "duplicate_child", rule, False)
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
        rule = self.rule(KIND_RULES["oc2_not_eligible"])
        blank, added = np.full(n, "", object), np.full(n, "row added", object)
        ctx.record("OC2", new_rows, "", blank, added, "oc2_not_eligible", rule, False)
        return ctx.tables["OC2"].child[new_rows]

    def _sex_changed(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        """Sex swapped since last year, only where no item check then fails too (it would hide 202).

        A girl becomes a boy only when she has no child (a boy with a child's date of birth fails
        174); a boy becomes a girl only when he is not looked after this year other than on short
        breaks (a looked-after girl with a blank MOTHER fails 165).
        """
        h = ctx.tables["Header"]
        ep = ctx.tables["Episodes"]
        known_last_year = w.start[h.child] <= self.view.f.start  # in care (or leaving care) last year too
        sex = h.cols["SEX"]
        looked_after = np.isin(h.child, ep.child[~np.isin(ep.cols["LS"], ["V3", "V4"])])
        girl_to_boy = np.isin(sex, ["F", "2"]) & (h.cols["MC_DOB"] == "") & (h.cols["MOTHER"] != "1")
        boy_to_girl = np.isin(sex, ["M", "1"]) & ~looked_after
        rows = ctx.pick_rows("Header", known_last_year & (girl_to_boy | boy_to_girl), children)
        swap = {"M": "F", "F": "M", "1": "2", "2": "1"}
        new = np.array([swap[s] for s in sex[rows].tolist()], dtype=object)
        hit = self._set_kind(ctx, "Header", rows, "SEX", new, "sex_changed")
        u = ctx.tables.get("UASC")
        if u is not None and len(u):
            urows = np.flatnonzero(np.isin(u.child, hit))
            pos = np.searchsorted(ctx.tables["Header"].child[rows], u.child[urows])
            self._set_kind(ctx, "UASC", urows, "SEX", new[pos], "sex_changed")
        return hit

    def _dob_changed(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        h = ctx.tables["Header"]
        known_last_year = w.start[h.child] <= self.view.f.start
        rows = ctx.pick_rows("Header", known_last_year & (h.cols["DOB"] != ""), children)
        shift = ctx.rng.integers(1, 41, len(rows)) * np.where(ctx.rng.random(len(rows)) < 0.5, -1, 1)
        new = text_of(days(h.cols["DOB"][rows]) + shift)
        hit = self._set_kind(ctx, "Header", rows, "DOB", new, "dob_changed")
        new_of = dict(zip(h.child[rows].tolist(), new.tolist(), strict=True))
        for name, t in ctx.tables.items():
            if name == "Header" or "DOB" not in t.cols or len(t) == 0:
                continue
            trows = np.flatnonzero(np.isin(t.child, hit))
            if len(trows):
                vals = np.array([new_of[c] for c in t.child[trows].tolist()], dtype=object)
                self._set_kind(ctx, name, trows, "DOB", vals, "dob_changed")
        return hit

    # ------------------------------------------------------------------ codes and dates written otherwise
    def _lowercase(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, list(self.case), has_letters):
            vals = ctx.tables[table].cols[column][rows].astype(str)
            lower = np.char.lower(vals).astype(object)
            hit.append(ctx.set(table, rows, column, lower, "lowercase_code", self.case[(table, column)], True))
        return cat(hit)

    def _padded(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        for table, column, rows in self._spread(ctx, children, list(self.case), non_blank):
            vals = ctx.tables[table].cols[column][rows]
            hit.append(ctx.set(table, rows, column, " " + vals + " ", "padded_code", self.case[(table, column)], True))
        return cat(hit)

    def _iso_date(self, ctx: Ctx, children: np.ndarray, w: World) -> np.ndarray:
        hit = []
        rule = self.rule(ISO_DATE_RULES)
        for table, column, rows in self._spread(ctx, children, list(DATE_TARGETS), non_blank):
            vals = ctx.tables[table].cols[column][rows]
            hit.append(ctx.set(table, rows, column, iso_text(days(vals)), "iso_date", rule, True))
        return cat(hit)
