"""Error kinds for the care leaver and whole-return rules (3001, EPI, NoE, 1000-1016).

The generator gives no care leaver an episode this year (they left care before it), so the
errors of rules 1000, 1001, 1007, 1010, 1011 and 1016 add an OC3 row for a child looked after
this year, the kind of child whose care leaver information the DfE does not ask for.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE, OPEN, add_years, age_on
from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind

NOTHING = np.zeros(0, np.int64)


@kind("seventeen_with_former_foster_carers", rules=("3001",), weight=2.0)
def _staying_put_at_17(e: Edit) -> np.ndarray:
    """A 17-year-old care leaver recorded as living with former foster carers (staying put starts at 18)."""
    if not e.has("OC3"):
        return NOTHING
    oc3 = e.table("OC3")
    dob = days(oc3.cols["DOB"])
    seventeen = add_years(dob, 17)
    rows = e.pick("OC3", (dob != NONE) & (seventeen >= e.start) & (seventeen <= e.end) & (oc3.cols["ACCOM"] != ""))
    return e.set("OC3", rows, "ACCOM", "Z1")


@kind("adoption_decision_before_care", rules=("1003",), weight=2.0)
def _decision_before_care(e: Edit) -> np.ndarray:
    """The decision to place for adoption dated before the period of care began this year."""
    if not (e.has("PlacedAdoption") and e.has("Episodes")):
        return NOTHING
    ep = e.table("Episodes")
    starts = ep.cols["RNE"] == "S"
    first_start: dict[int, int] = {}
    for c, d in zip(ep.child[starts].tolist(), days(ep.cols["DECOM"][starts]).tolist(), strict=True):
        first_start.setdefault(c, d)
    pa = e.table("PlacedAdoption")
    rows = e.pick("PlacedAdoption", np.isin(pa.child, list(first_start)) & (pa.cols["DATE_PLACED"] != ""))
    started = np.array([first_start[c] for c in pa.child[rows].tolist()], dtype=np.int64)
    keep = started != NONE
    new = started[keep] - e.rng.integers(1, 30, int(keep.sum()))
    return e.set("PlacedAdoption", rows[keep], "DATE_PLACED", text_of(new))


@kind("urn_mistyped", rules=("1008",), weight=0.3)
def _urn_typo(e: Edit) -> np.ndarray:
    """A placement's Ofsted URN with its last two digits swapped into a number Ofsted does not list."""
    urn = e.col("Episodes", "URN")
    real = (urn != "") & (urn != "XXXXXXX") & (np.char.str_len(urn.astype(str)) >= 7)
    rows = e.pick("Episodes", real)
    old = urn[rows].astype(str)
    new = np.array([u[:-2] + ("9" if u[-1] != "9" else "8") + "0" for u in old.tolist()], dtype=object)
    return e.set("Episodes", rows, "URN", new)


@kind("review_filed_against_care_leaver", rules=("1012",), weight=0.3)
def _review_of_care_leaver(e: Edit) -> np.ndarray:
    """A review recorded against a care leaver (no episode this year) instead of the child reviewed."""
    if not (e.has("Reviews") and e.has("OC3")):
        return NOTHING
    in_care = set(e.table("Episodes").child.tolist())
    oc3 = e.table("OC3")
    leavers = np.array([i for i, c in enumerate(oc3.child.tolist()) if c not in in_care], dtype=np.int64)
    if len(leavers) == 0:
        return NOTHING
    rows = e.pick("Reviews", np.ones(len(e.table("Reviews")), bool))
    target = leavers[e.rng.integers(0, len(leavers), len(rows))]
    # filed in full against the other young person (the DOB first: the manifest names the child reviewed)
    e.set("Reviews", rows, "DOB", oc3.cols["DOB"][target])
    return e.set("Reviews", rows, "CHILD", oc3.cols["CHILD"][target])


@kind("own_provision_outside_the_la", rules=("1015",), weight=1.0)
def _own_provision_elsewhere(e: Edit) -> np.ndarray:
    """A children's home run by another provider, outside the LA, recorded as the LA's own provision."""
    ep = e.table("Episodes")
    homes = np.isin(ep.cols["PLACE"], ["K2"]) & np.isin(ep.cols["PLACE_PROVIDER"], ["PR4", "PR5"])
    # every home postcode lies in the LA: a placement in none of their postcode districts lies outside it
    home_districts = {p.split(" ")[0] for p in ep.cols["HOME_POST"].tolist()}
    far = np.array([p != "" and p.split(" ")[0] not in home_districts for p in ep.cols["PL_POST"].tolist()], bool)
    rows = e.pick("Episodes", homes & far & ~np.isin(ep.cols["LS"], ["V3", "V4"]))
    return e.set("Episodes", rows, "PLACE_PROVIDER", "PR1")


@kind("episodes_under_another_child", rules=("EPI",), weight=0.2)
def _episodes_lost(e: Edit) -> np.ndarray:
    """Every episode of a child recorded under a mistyped identifier: the child has none of their own."""
    ep = e.table("Episodes")
    has_oc3 = e.table("OC3").child if e.has("OC3") else NOTHING
    rows = e.pick("Episodes", ~np.isin(ep.child, has_oc3))
    rows = np.flatnonzero(np.isin(ep.child, ep.child[rows]))
    return e.set("Episodes", rows, "CHILD", ep.cols["CHILD"][rows] + "A")


@kind("care_start_typed_a_year_early", rules=("NoE",), weight=0.3, needs_previous=True)
def _started_a_year_early(e: Edit) -> np.ndarray:
    """The first episode of a child who came into care this year dated a year too early."""
    ep = e.table("Episodes")
    first = np.r_[True, ep.child[1:] != ep.child[:-1]] if len(ep) else np.zeros(0, bool)
    decom = days(ep.cols["DECOM"])
    # only children first looked after this year: they are in no earlier return
    new_to_care = first & (ep.cols["RNE"] == "S") & (decom > e.start + 7) & (e.world.start[ep.child] > e.start)
    rows = e.pick("Episodes", new_to_care)
    return e.set("Episodes", rows, "DECOM", text_of(add_years(decom[rows], -1)))


# ---------------------------------------------------------------------------------------------
# Care leaver information given for a young person it is not asked of (1000-1016): an OC3 row
# added for a child looked after this year, or a care leaver's rows that no longer match their
# episodes. Each adds rows, so each is registered with adds_rows=True.


def _header_dob(e: Edit, children: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each child's date of birth as written in the Header (text) and as a day number."""
    h = e.table("Header")
    rows = np.searchsorted(h.child, children)
    dob = h.cols["DOB"][rows]
    return dob, days(dob)


def _episode_spans(e: Edit) -> dict[int, list[tuple[int, int, str]]]:
    """For each chosen child with episodes: (DECOM, DEC or OPEN, REC) of each episode, in order."""
    ep = e.table("Episodes")
    mine = np.flatnonzero(np.isin(ep.child, e.children))
    decom, dec = days(ep.cols["DECOM"][mine]), days(ep.cols["DEC"][mine])
    dec = np.where(ep.cols["DEC"][mine] == "", OPEN, dec)
    out: dict[int, list[tuple[int, int, str]]] = {}
    for c, a, b, r in zip(
        ep.child[mine].tolist(), decom.tolist(), dec.tolist(), ep.cols["REC"][mine].tolist(), strict=True
    ):
        out.setdefault(c, []).append((a, b, r))
    return out


def _without_oc3(e: Edit, children: list[int]) -> np.ndarray:
    has = e.table("OC3").child if e.has("OC3") else NOTHING
    return np.array(sorted(set(children) - set(has.tolist())), dtype=np.int64)


def _candidates(e: Edit) -> tuple[np.ndarray, dict[int, list[tuple[int, int, str]]]]:
    """The chosen children who have episodes and no OC3 row, and the spans of their episodes."""
    if not e.has("Episodes"):
        return NOTHING, {}
    spans = _episode_spans(e)
    return _without_oc3(e, list(spans)), spans


def _add_oc3(e: Edit, children: np.ndarray, touch: str = "YES") -> np.ndarray:
    """An OC3 row for each child, with the Header's DOB and plausible answers."""
    n = len(children)
    if n == 0 or "OC3" not in e.ctx.tables:
        return NOTHING
    dob, _ = _header_dob(e, children)
    if touch == "YES":
        activ = e.view.pk.pick(e.rng, "OC3", "ACTIV", {"F2": 0.5, "G4": 0.2, "P2": 0.3}, n)
        accom = e.view.pk.pick(e.rng, "OC3", "ACCOM", {"D1": 0.5, "B1": 0.3, "E1": 0.2}, n)
    else:
        activ = accom = np.full(n, "0", object)
    values = {"CHILD": e.table("Header").cols["CHILD"][np.searchsorted(e.table("Header").child, children)]}
    values |= {"DOB": dob, "IN_TOUCH": np.full(n, touch, object), "ACTIV": activ, "ACCOM": accom}
    return e.add_rows("OC3", children, values)


def _birthday_this_year(e: Edit, children: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Age at 31 March and the birthday on which the young person reached it."""
    _, dob = _header_dob(e, children)
    age = np.where(dob == NONE, -1, age_on(dob, e.end))
    return age, add_years(dob, np.maximum(age, 0))


def _in_care_at_birthday(e: Edit) -> np.ndarray:
    """17- and 18-year-olds looked after on that birthday, with no OC3 row."""
    c, spans = _candidates(e)
    age, bday = _birthday_this_year(e, c)
    keep = [
        i
        for i, child in enumerate(c.tolist())
        if age[i] in (17, 18) and any(a <= bday[i] < b for a, b, _ in spans[child])
    ]
    return c[keep]


@kind(
    "care_leaver_info_while_in_care_at_birthday",
    rules=("1007",),
    weight=0.5,
    adds_rows=True,
    eligible=_in_care_at_birthday,
)
def _oc3_still_in_care(e: Edit) -> np.ndarray:
    """Care leaver information completed for a 17- or 18-year-old still looked after on that birthday."""
    return _add_oc3(e, _in_care_at_birthday(e))


def _left_after_birthday(e: Edit) -> np.ndarray:
    """17- and 18-year-olds who left care this year after that birthday, with no OC3 row."""
    c, spans = _candidates(e)
    age, bday = _birthday_this_year(e, c)
    keep = [i for i, child in enumerate(c.tolist()) if age[i] in (17, 18) and bday[i] <= spans[child][-1][1] < OPEN]
    return c[keep]


@kind(
    "care_leaver_info_after_leaving_after_birthday",
    rules=("1016",),
    weight=0.5,
    adds_rows=True,
    eligible=_left_after_birthday,
)
def _oc3_left_after_birthday(e: Edit) -> np.ndarray:
    """Care leaver information completed for a young person who left care this year after turning 17 or 18."""
    return _add_oc3(e, _left_after_birthday(e))


def _transferred(e: Edit) -> np.ndarray:
    """Children whose last episode ended in a transfer to another LA (E3), with no OC3 row."""
    c, spans = _candidates(e)
    return c[[i for i, child in enumerate(c.tolist()) if max(spans[child])[2] == "E3"]]


@kind("care_leaver_info_after_transfer", rules=("1011",), weight=0.3, adds_rows=True, eligible=_transferred)
def _oc3_transferred(e: Edit) -> np.ndarray:
    """Care leaver information completed for a young person whose care was transferred to another LA."""
    return _add_oc3(e, _transferred(e))


def _left_at_16_or_17(e: Edit) -> np.ndarray:
    """Children who left care this year aged 16 or 17, with no OC3 row."""
    c, spans = _candidates(e)
    _, dob = _header_dob(e, c)
    ends = np.array([spans[child][-1][1] for child in c.tolist()], dtype=np.int64)
    age = np.where((dob == NONE) | (ends >= OPEN), -1, age_on(dob, np.minimum(ends, e.end)))
    return c[(age >= 16) & (age <= 17) & (ends >= e.start)]


@kind("care_leaver_info_for_child_who_died", rules=("1000",), weight=0.2, adds_rows=True, eligible=_left_at_16_or_17)
def _oc3_died(e: Edit) -> np.ndarray:
    """A 16- or 17-year-old who died in care this year recorded as a care leaver who died.

    Deaths in care are too rare in the generated data to pick from, so the child's last episode
    (ended this year) is given reason E2 too; both changes are this one error's manifest lines.
    """
    added = _add_oc3(e, _left_at_16_or_17(e), touch="DIED")
    ep = e.table("Episodes")
    last = np.flatnonzero(np.isin(ep.child, added) & np.r_[ep.child[1:] != ep.child[:-1], True])
    e.set("Episodes", last, "REC", "E2")
    return added


def _left_before_16(e: Edit) -> np.ndarray:
    """Children first looked after this year who left at 14 or 15, with no OC3 row."""
    c, spans = _candidates(e)
    _, dob = _header_dob(e, c)
    ends = np.array([spans[child][-1][1] for child in c.tolist()], dtype=np.int64)
    # first looked after this year: an episode open at 31 March last year has no end date in
    # last year's return, which the rule reads as care after the 16th birthday
    began = np.array([spans[child][0][0] >= e.start for child in c.tolist()], dtype=bool)
    left = (dob != NONE) & (ends < OPEN) & began
    age = np.where(left, age_on(dob, np.where(left, ends, 0)), -1)
    return c[(age >= 14) & (age <= 15)]


@kind(
    "care_leaver_info_for_child_who_left_before_16",
    rules=("1001",),
    weight=0.3,
    adds_rows=True,
    eligible=_left_before_16,
)
def _oc3_not_relevant(e: Edit) -> np.ndarray:
    """Care leaver information completed for a young person who left care at 14 or 15 (not a relevant child)."""
    return _add_oc3(e, _left_before_16(e))


def _oc3_rows_at_17(e: Edit) -> np.ndarray:
    """OC3 rows of care leavers whose 16th birthday was last year or later, with no episode this year."""
    if not e.has("OC3"):
        return np.zeros(0, bool)
    oc3 = e.table("OC3")
    dob = days(oc3.cols["DOB"])
    recent = (dob != NONE) & (add_years(dob, 16) >= add_years(np.array([e.start]), -1)[0])
    in_care = e.table("Episodes").child if e.has("Episodes") else NOTHING
    return recent & ~np.isin(oc3.child, in_care)


def _leavers_at_17(e: Edit) -> np.ndarray:
    return e.table("OC3").child[_oc3_rows_at_17(e)] if e.has("OC3") else NOTHING


@kind("care_leaver_id_mistyped", rules=("1002",), weight=0.3, eligible=_leavers_at_17)
def _oc3_id_typo(e: Edit) -> np.ndarray:
    """A care leaver turning 17 recorded under a mistyped identifier, which has no episodes in either year."""
    if not e.has("OC3"):
        return NOTHING
    rows = e.pick("OC3", _oc3_rows_at_17(e))
    oc3 = e.table("OC3")
    return e.set("OC3", rows, "CHILD", oc3.cols["CHILD"][rows] + "A")


def _left_this_year_at_17_or_18(e: Edit) -> np.ndarray:
    """17- and 18-year-olds looked after at 31 March last year who left this year, with no OC3 row."""
    c, spans = _candidates(e)
    age, _ = _birthday_this_year(e, c)
    keep = [
        i
        for i, child in enumerate(c.tolist())
        if age[i] in (17, 18) and spans[child][0][0] < e.start and spans[child][-1][1] < OPEN
    ]
    return c[keep]


@kind(
    "leaver_episodes_filed_elsewhere",
    rules=("1010",),
    weight=0.3,
    adds_rows=True,
    eligible=_left_this_year_at_17_or_18,
)
def _oc3_episodes_elsewhere(e: Edit) -> np.ndarray:
    """A 17- or 18-year-old who left care this year given care leaver information, their episodes under a mistyped ID.

    The young person was looked after at 31 March last year, so this year's return must hold
    their episodes; under another identifier, only the care leaver row is left.
    """
    added = _add_oc3(e, _left_this_year_at_17_or_18(e))
    ep = e.table("Episodes")
    rows = np.flatnonzero(np.isin(ep.child, added))
    e.set("Episodes", rows, "CHILD", ep.cols["CHILD"][rows] + "A")
    return added


@kind("uasc_kept_for_care_leaver", rules=("1014",), weight=0.5, adds_rows=True)
def _uasc_care_leaver(e: Edit) -> np.ndarray:
    """UASC information still given for a young person now reported only as a care leaver."""
    if not (e.has("OC3") and "UASC" in e.ctx.tables):
        return NOTHING
    in_care = e.table("Episodes").child if e.has("Episodes") else NOTHING
    already = e.table("UASC").child
    oc3 = e.table("OC3")
    rows = e.pick("OC3", ~np.isin(oc3.child, in_care) & ~np.isin(oc3.child, already))
    c = np.unique(oc3.child[rows])
    h = e.table("Header")
    hrow = np.searchsorted(h.child, c)
    dob = h.cols["DOB"][hrow]
    duc = text_of(add_years(days(dob), 18))
    values = {"CHILD": h.cols["CHILD"][hrow], "SEX": h.cols["SEX"][hrow], "DOB": dob, "DUC": duc}
    values = {k: v for k, v in values.items() if k in e.table("UASC").cols}
    added = e.add_rows("UASC", c, values)
    # the XML return gives UASC status in the Header: mark it there too
    flagged = np.isin(h.child, added)
    e.ctx.extras["UASC"][flagged] = "1"
    e.ctx.extras["DUC"][flagged] = duc[np.searchsorted(c, h.child[flagged])]
    return added
