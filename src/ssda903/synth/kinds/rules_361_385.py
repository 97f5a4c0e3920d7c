"""Error kinds for the episode-length, temporary placement and short break rules (361-385).

Each kind is a slip an LA really makes when keying episodes: an emergency legal status left on
the next episode, a short break keyed as a move, a long hospital stay coded as a temporary
placement, a child returning from a temporary placement recorded as a move to the same carer, a
placement code one line away in the list, an end date keyed a month late.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE
from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, KindFn, kind

TEMPORARY = ("T0", "T1", "T2", "T3", "T4")


def _same_child_next(child: np.ndarray) -> np.ndarray:
    """True where the next row is the same child's (rows are a child's episodes in date order)."""
    out = np.zeros(len(child), bool)
    if len(child) > 1:
        out[:-1] = child[1:] == child[:-1]
    return out


def _same_child_prev(child: np.ndarray) -> np.ndarray:
    out = np.zeros(len(child), bool)
    if len(child) > 1:
        out[1:] = child[1:] == child[:-1]
    return out


def _shift(values: np.ndarray, by: int, fill: object) -> np.ndarray:
    """values[i + by] at row i (fill where that row does not exist)."""
    out = np.full(len(values), fill, dtype=values.dtype)
    if by > 0 and len(values) > by:
        out[:-by] = values[by:]
    elif by < 0 and len(values) > -by:
        out[-by:] = values[:by]
    return out


def _age_at(e: Edit, ep_child: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years between each episode's child's date of birth and ``on`` (-1 when unknown)."""
    head = e.table("Header")
    dob = days(head.cols["DOB"])
    first: dict[int, int] = {}
    for c, d in zip(head.child.tolist(), dob.tolist(), strict=True):
        first.setdefault(c, d)
    born = np.array([first.get(c, NONE) for c in ep_child.tolist()], dtype=np.int64)
    # rounded up by two days, so a child within days of a birthday is never taken as younger
    years = np.floor((on - born + 2) / 365.2425).astype(np.int64)
    return np.where((born == NONE) | (on == NONE), -1, years)


# ---- 361-364: an emergency legal status carried on to the next episode --------------------------

EMERGENCY = {"361": ("L1", 3), "362": ("L2", 21), "363": ("L3", 7), "364": ("J2", 21)}


def _status_left_on(status: str, max_days: int) -> KindFn:
    def inject(e: Edit) -> np.ndarray:
        ep = e.table("Episodes")
        child, ls = ep.child, ep.cols["LS"]
        decom, dec = days(ep.cols["DECOM"]), days(ep.cols["DEC"])
        nxt = _same_child_next(child)
        next_decom = _shift(decom, 1, NONE)
        next_ls = _shift(ls, 1, "")
        next_end = np.where(_shift(dec, 1, NONE) == NONE, e.end, _shift(dec, 1, NONE))
        # the status's episode is followed on its end day by one under another status, long enough
        # that the emergency status would then have lasted too long
        ok = (ls == status) & nxt & (dec == next_decom) & (dec != NONE) & (next_ls != status)
        ok &= (next_end - decom > max_days) & (decom != NONE)
        rows = e.pick("Episodes", ok)
        return e.set("Episodes", rows + 1, "LS", status)

    return inject


for _code, (_status, _days) in EMERGENCY.items():
    kind(f"emergency_status_{_status.lower()}_not_updated", rules=(_code,), weight=0.4)(_status_left_on(_status, _days))

#: rule: (the neighbouring statuses that last longer, the status keyed instead)
NEIGHBOUR = {"363": (("L2",), "L3"), "364": (("J1", "J3"), "J2")}


def _neighbour_status_keyed(longer: tuple[str, ...], keyed: str, max_days: int) -> KindFn:
    def inject(e: Edit) -> np.ndarray:
        ep = e.table("Episodes")
        decom, dec = days(ep.cols["DECOM"]), days(ep.cols["DEC"])
        length = np.where(dec == NONE, e.end, dec) - decom
        # a lone episode (no neighbour already under the keyed status), longer than that status allows
        alone = (_shift(ep.cols["LS"], 1, "") != keyed) & (_shift(ep.cols["LS"], -1, "") != keyed)
        ok = np.isin(ep.cols["LS"], longer) & (decom != NONE) & (length > max_days) & alone
        rows = e.pick("Episodes", ok)
        return e.set("Episodes", rows, "LS", keyed)

    return inject


for _code, (_longer, _keyed) in NEIGHBOUR.items():
    kind(f"status_keyed_as_{_keyed.lower()}", rules=(_code,), weight=0.4)(
        _neighbour_status_keyed(_longer, _keyed, EMERGENCY[_code][1])
    )


# ---- 365-367: short breaks ------------------------------------------------------------------------


@kind("short_break_end_keyed_late", rules=("365",))
def _short_break_too_long(e: Edit) -> np.ndarray:
    ep = e.table("Episodes")
    decom, dec = days(ep.cols["DECOM"]), days(ep.cols["DEC"])
    next_decom = np.where(_same_child_next(ep.child), _shift(decom, 1, NONE), e.end + 1)
    room = np.minimum(next_decom - 1, e.end) - decom
    ok = (ep.cols["LS"] == "V3") & (dec != NONE) & (decom != NONE) & (room >= 19) & (room < 60)
    rows = e.pick("Episodes", ok)
    new = decom[rows] + 18 + e.rng.integers(0, room[rows] - 17)
    return e.set("Episodes", rows, "DEC", text_of(new))


@kind("short_break_keyed_as_move", rules=("366",))
def _short_break_as_move(e: Edit) -> np.ndarray:
    ep = e.table("Episodes")
    rows = e.pick("Episodes", (ep.cols["LS"] == "V3") & (ep.cols["RNE"] == "S"))
    return e.set("Episodes", rows, "RNE", "P")


@kind("short_break_end_keyed_months_late", rules=("367",))
def _short_breaks_over_the_year_limit(e: Edit) -> np.ndarray:
    """A break's end date keyed months late, before the child's next break (so it is also one long
    break, rule 365)."""
    ep = e.table("Episodes")
    decom, dec = days(ep.cols["DECOM"]), days(ep.cols["DEC"])
    start = np.maximum(decom, e.start)
    next_decom = np.where(_same_child_next(ep.child), _shift(decom, 1, NONE), e.end + 1)
    room = np.minimum(next_decom - 1, e.end) - start
    ok = (ep.cols["LS"] == "V3") & (dec != NONE) & (decom != NONE) & (room >= 90)
    rows = e.pick("Episodes", ok)
    new = start[rows] + e.rng.integers(80, 90, len(rows))
    return e.set("Episodes", rows, "DEC", text_of(new))


# ---- 370, 372-374: a placement code for older children given to a younger one ---------------------

#: rule: (the code keyed, the code meant, the age the keyed code needs)
YOUNG = {
    "370": ("P2", ("H5", "K2"), 15),
    "372": ("R5", ("K1", "K2"), 10),
    "373": ("S1", ("K2", "U3", "U6"), 4),
    "374": ("P3", ("P1",), 14),
}


def _placement_for_older_children(wrong: str, meant: tuple[str, ...], min_age: int) -> KindFn:
    def inject(e: Edit) -> np.ndarray:
        ep = e.table("Episodes")
        decom = days(ep.cols["DECOM"])
        age = _age_at(e, ep.child, decom)
        ok = np.isin(ep.cols["PLACE"], meant) & (age >= 0) & (age < min_age) & (ep.cols["LS"] != "V3")
        rows = e.pick("Episodes", ok)
        return e.set("Episodes", rows, "PLACE", wrong)

    return inject


for _code, (_wrong, _meant, _age) in YOUNG.items():
    kind(f"young_child_coded_{_wrong.lower()}", rules=(_code,), weight=0.3)(
        _placement_for_older_children(_wrong, _meant, _age)
    )


# ---- 375, 376, 379: a long stay coded as a temporary placement --------------------------------------

#: rule: (the temporary code, the placements such a stay really is, the longest it may last)
LONG_STAY = {
    "375": ("T1", ("R2", "K2", "U4", "U6"), 42),
    "376": ("T3", ("U3", "U4", "U6"), 21),
    "379": ("T4", ("U3", "U6", "K2"), 7),
}


def _long_stay_coded_temporary(code: str, meant: tuple[str, ...], max_days: int) -> KindFn:
    def inject(e: Edit) -> np.ndarray:
        ep = e.table("Episodes")
        decom, dec = days(ep.cols["DECOM"]), days(ep.cols["DEC"])
        length = np.where(dec == NONE, e.end, dec) - decom
        ok = np.isin(ep.cols["PLACE"], meant) & (ep.cols["RNE"] == "P") & (ep.cols["REC"] == "X1")
        ok &= (decom != NONE) & (length > max_days) & (length < 4 * max_days + 30) & (ep.cols["LS"] != "V3")
        rows = e.pick("Episodes", ok)
        return e.set("Episodes", rows, "PLACE", code)

    return inject


for _code, (_temp, _meant, _days) in LONG_STAY.items():
    kind(f"long_stay_coded_{_temp.lower()}", rules=(_code,), weight=0.4)(
        _long_stay_coded_temporary(_temp, _meant, _days)
    )


def _three_short_stays(e: Edit) -> dict[int, list[int]]:
    """For chosen children with three short stays away from the usual carers within a year: their rows."""
    ep = e.table("Episodes")
    decom, dec = days(ep.cols["DECOM"]), days(ep.cols["DEC"])
    stay = np.isin(ep.cols["PLACE"], (*TEMPORARY, "U3", "U4", "U6")) & (ep.cols["RNE"] == "P")
    short = stay & (ep.cols["REC"] == "X1") & (dec != NONE) & (dec - decom <= 21) & (decom != NONE)
    rows = np.flatnonzero(short & np.isin(ep.child, e.children))
    out: dict[int, list[int]] = {}
    for i, r in enumerate(rows.tolist()):
        c = int(ep.child[r])
        if c in out:
            continue
        group = [q for q in rows[i:].tolist() if ep.child[q] == c and decom[q] < decom[r] + 365]
        if len(group) >= 3:
            out[c] = group
    return out


@kind(
    "every_temporary_stay_coded_holiday",
    rules=("377",),
    weight=0.3,
    eligible=lambda e: np.array(sorted(_three_short_stays(e)), dtype=np.int64),
)
def _holidays(e: Edit) -> np.ndarray:
    """A child with three short stays away from the usual carers within a year, all keyed as holiday
    placements (T3)."""
    hit = [e.set("Episodes", np.array(group), "PLACE", "T3") for group in _three_short_stays(e).values()]
    return np.concatenate(hit) if hit else np.zeros(0, np.int64)


# ---- 378, 380-385 -------------------------------------------------------------------------------------


@kind("placed_with_parents_under_section_20", rules=("378",))
def _with_parents_section_20(e: Edit) -> np.ndarray:
    ep = e.table("Episodes")
    rows = e.pick("Episodes", (ep.cols["PLACE"] == "P1") & (ep.cols["LS"] == "C2"))
    return e.set("Episodes", rows, "LS", "V2")


@kind("temporary_placement_keyed_as_new_period", rules=("380",))
def _temporary_starts_care(e: Edit) -> np.ndarray:
    ep = e.table("Episodes")
    rows = e.pick("Episodes", np.isin(ep.cols["PLACE"], TEMPORARY) & (ep.cols["RNE"] == "P"))
    return e.set("Episodes", rows, "RNE", "S")


@kind("left_care_from_hospital_coded_temporary", rules=("381",))
def _temporary_ends_care(e: Edit) -> np.ndarray:
    """A child who left care while in hospital, the stay coded T1 rather than the usual placement."""
    ep = e.table("Episodes")
    rec = ep.cols["REC"]
    ok = (rec != "") & (rec != "X1") & (ep.cols["LS"] != "V3") & ~np.isin(ep.cols["PLACE"], TEMPORARY)
    ok &= ep.cols["RNE"] == "P"  # moved there during care
    rows = e.pick("Episodes", ok)
    return e.set("Episodes", rows, "PLACE", "T1")


@kind("short_break_coded_temporary", rules=("382",))
def _short_break_temporary(e: Edit) -> np.ndarray:
    ep = e.table("Episodes")
    rows = e.pick("Episodes", ep.cols["LS"] == "V3")
    return e.set("Episodes", rows, "PLACE", "T4")


@kind("return_from_temporary_keyed_same_carer_move", rules=("383",))
def _return_keyed_as_same_carer(e: Edit) -> np.ndarray:
    """The return to the usual carers after a temporary placement keyed as a move to the same carer (T)."""
    ep = e.table("Episodes")
    place = ep.cols["PLACE"]
    prev = _same_child_prev(ep.child)
    two_back = prev & _shift(prev, -1, False)
    ok = two_back & np.isin(_shift(place, -1, ""), TEMPORARY) & (ep.cols["RNE"] == "P")
    rows = e.pick("Episodes", ok)
    return e.set("Episodes", rows, "RNE", "T")


@kind("short_break_coded_long_term_fostering", rules=("384",))
def _short_break_long_term(e: Edit) -> np.ndarray:
    ep = e.table("Episodes")
    place = ep.cols["PLACE"]
    rows = e.pick("Episodes", (ep.cols["LS"] == "V3") & np.isin(place, ["U3", "U6"]))
    new = np.where(place[rows] == "U3", "U1", "U4")
    return e.set("Episodes", rows, "PLACE", new)


@kind("end_date_keyed_a_month_late", rules=("385",))
def _ends_after_year_end(e: Edit) -> np.ndarray:
    """The last episode, ended in March, keyed with April as the month (after the year's end)."""
    ep = e.table("Episodes")
    dec = days(ep.cols["DEC"])
    last = ~_same_child_next(ep.child)
    text = ep.cols["DEC"].astype(str)
    ok = last & (dec != NONE) & (dec > e.end - 31) & (dec <= e.end) & (np.char.find(text, "/03/") == 2)
    ok &= np.array([t[:2] != "31" for t in text.tolist()], dtype=bool)  # April has no 31st
    rows = e.pick("Episodes", ok)
    new = np.array([t[:3] + "04" + t[5:] for t in ep.cols["DEC"][rows].tolist()], dtype=object)
    return e.set("Episodes", rows, "DEC", new)
