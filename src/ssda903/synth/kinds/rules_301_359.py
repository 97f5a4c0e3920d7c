"""Error kinds for rules 301-359: impossible dates of birth and episode dates, adoption dates and
placements out of order, care leaver items that contradict IN_TOUCH, ages that a legal status or
placement does not allow."""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE, add_years
from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind

ADOPTED = ("E11", "E12")
FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")


def _header_of(e: Edit, table: str) -> np.ndarray:
    """For each row of ``table``, the row of its child's Header (-1 when the child has none)."""
    h = e.table("Header").child
    rows = e.table(table).child
    pos = np.searchsorted(h, rows)
    pos = np.minimum(pos, max(len(h) - 1, 0))
    return np.where((len(h) > 0) & (h[pos] == rows), pos, -1)


def _first_of_child(child: np.ndarray) -> np.ndarray:
    first = np.ones(len(child), bool)
    if len(child) > 1:
        first[1:] = child[1:] != child[:-1]
    return first


def _row_of_child(table_child: np.ndarray, child: np.ndarray) -> np.ndarray:
    """For each value of ``child``, the first row of the (sorted) table with that child, or -1."""
    pos = np.searchsorted(table_child, child)
    pos = np.minimum(pos, max(len(table_child) - 1, 0))
    return np.where((len(table_child) > 0) & (table_child[pos] == child), pos, -1)


def _set_dob(e: Edit, hrows: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Changes the Header DOB of some children, and the copies of it in their other tables."""
    hit = e.set("Header", hrows, "DOB", text_of(new))
    new_of = dict(zip(e.table("Header").child[hrows].tolist(), text_of(new).tolist(), strict=True))
    for name, t in e.ctx.tables.items():
        if name == "Header" or "DOB" not in t.cols or len(t) == 0:
            continue
        rows = np.flatnonzero(np.isin(t.child, hit))
        if len(rows):
            e.set(name, rows, "DOB", np.array([new_of[c] for c in t.child[rows].tolist()], dtype=object))
    return hit


@kind("dob_after_year_end", rules=("301",), weight=0.2)
def _dob_after_year_end(e: Edit) -> np.ndarray:
    """A date of birth typed a year or more too late, past 31 March."""
    dob = days(e.col("Header", "DOB"))
    rows = e.pick("Header", dob != NONE)
    new = np.maximum(add_years(dob[rows], 10), e.end + 1 + e.rng.integers(0, 200, len(rows)))
    return _set_dob(e, rows, new)


@kind("episode_before_birth", rules=("302",), weight=0.3)
def _episode_before_birth(e: Edit) -> np.ndarray:
    """A baby's date of birth entered a few days after the day care began."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    first = _first_of_child(ep.child) & (decom != NONE)
    h = _header_of(e, "Episodes")
    dob = days(e.col("Header", "DOB"))
    young = (h >= 0) & (decom - dob[np.maximum(h, 0)] < 365)
    rows = e.pick_rare("Episodes", first & young & (decom + 30 <= e.end))
    hrows = h[rows]
    new = decom[rows] + e.rng.integers(1, 30, len(rows))
    return _set_dob(e, hrows, new)


@kind("uasc_ceased_after_18", rules=("304",))
def _uasc_ceased_after_18(e: Edit) -> np.ndarray:
    """UASC status recorded as ceasing some weeks after the 18th birthday."""
    if not e.has("UASC"):
        return np.zeros(0, np.int64)
    dob = days(e.col("UASC", "DOB"))
    late = add_years(np.where(dob == NONE, 0, dob), 18) + 20
    rows = e.pick_rare("UASC", (dob != NONE) & (late >= e.start) & (late <= e.end))
    new = np.minimum(late[rows] + e.rng.integers(0, 60, len(rows)), e.end)
    return e.set("UASC", rows, "DUC", text_of(new))


def _adoption_episode(e: Edit) -> np.ndarray:
    """For each AD1 row, the row of its child's episode that ended in adoption (-1 when none)."""
    ep = e.table("Episodes")
    adopted = np.isin(ep.cols["REC"], ADOPTED)
    idx = np.flatnonzero(adopted)
    return np.where((r := _row_of_child(ep.child[idx], e.table("AD1").child)) >= 0, idx[np.maximum(r, 0)], -1)


@kind("matched_after_placement", rules=("331",))
def _matched_after_placement(e: Edit) -> np.ndarray:
    """The date of matching typed as a few days after the child moved in with the adopters."""
    if not e.has("AD1"):
        return np.zeros(0, np.int64)
    ep_row = _adoption_episode(e)
    decom = days(e.col("Episodes", "DECOM"))[np.maximum(ep_row, 0)]
    ok = (ep_row >= 0) & (decom != NONE) & (days(e.col("AD1", "DATE_MATCH")) != NONE)
    rows = e.pick_rare("AD1", ok)
    return e.set("AD1", rows, "DATE_MATCH", text_of(decom[rows] + e.rng.integers(1, 15, len(rows))))


@kind("decision_after_matching", rules=("333",))
def _decision_after_matching(e: Edit) -> np.ndarray:
    """The should-be-placed decision dated after the match (the two dates swapped)."""
    if not e.has("AD1"):
        return np.zeros(0, np.int64)
    intd = days(e.col("AD1", "DATE_INT"))
    match = days(e.col("AD1", "DATE_MATCH"))
    rows = e.pick_rare("AD1", (intd != NONE) & (match != NONE) & (intd < match))
    changed = e.set("AD1", rows, "DATE_INT", text_of(match[rows]))
    e.set("AD1", rows, "DATE_MATCH", text_of(intd[rows]))
    return changed


@kind("decision_before_care", rules=("334",))
def _decision_before_care(e: Edit) -> np.ndarray:
    """The should-be-placed decision dated before the child's latest period of care began."""
    if not e.has("AD1"):
        return np.zeros(0, np.int64)
    ep = e.table("Episodes")
    starts = np.flatnonzero(ep.cols["RNE"] == "S")
    # the latest start per child: episodes are in date order within a child
    last = np.ones(len(starts), bool)
    if len(starts) > 1:
        last[:-1] = ep.child[starts[1:]] != ep.child[starts[:-1]]
    starts = starts[last]
    r = _row_of_child(ep.child[starts], e.table("AD1").child)
    decom = np.where(r >= 0, days(ep.cols["DECOM"])[starts[np.maximum(r, 0)]], NONE)
    rows = e.pick_rare("AD1", (decom != NONE) & (days(e.col("AD1", "DATE_INT")) != NONE))
    return e.set("AD1", rows, "DATE_INT", text_of(decom[rows] - e.rng.integers(1, 90, len(rows))))


@kind("foster_care_contradicts_placement", rules=("335",))
def _foster_care_flipped(e: Edit) -> np.ndarray:
    """FOSTER_CARE saying the opposite of the placement the child was adopted from."""
    if not e.has("AD1"):
        return np.zeros(0, np.int64)
    ep_row = _adoption_episode(e)
    place = e.col("Episodes", "PLACE")[np.maximum(ep_row, 0)]
    with_carer = np.isin(place, ["A3", "A5"])
    not_with = np.isin(place, ["A4", "A6"])
    fc = e.col("AD1", "FOSTER_CARE")
    rows = e.pick_rare("AD1", (ep_row >= 0) & ((with_carer & (fc == "1")) | (not_with & (fc == "0"))))
    return e.set("AD1", rows, "FOSTER_CARE", np.where(fc[rows] == "1", "0", "1"))


@kind("foster_placement_coded_a5", rules=("336",))
def _foster_placement_coded_a5(e: Edit) -> np.ndarray:
    """A move from a children's home (or another non-foster setting) to foster carers coded as A5,
    placed for adoption with the current foster carer, though the child had no foster carer before."""
    ep = e.table("Episodes")
    place = ep.cols["PLACE"]
    after_other = np.zeros(len(ep), bool)
    if len(ep) > 1:
        same = ep.child[1:] == ep.child[:-1]
        after_other[1:] = same & ~np.isin(place[:-1], [*FOSTER, "A3", "A4", "A5", "A6"]) & (place[:-1] != "")
    rows = e.pick_rare("Episodes", after_other & np.isin(place, FOSTER))
    return e.set("Episodes", rows, "PLACE", "A5")


@kind("returned_home_with_activity", rules=("344",))
def _returned_home_with_activity(e: Edit) -> np.ndarray:
    """A care leaver recorded as returned home, with the activity and accommodation still filled in."""
    if not e.has("OC3"):
        return np.zeros(0, np.int64)
    o = e.table("OC3").cols
    rows = e.pick("OC3", (o["IN_TOUCH"] == "YES") & (o["ACTIV"] != "0") & (o["ACTIV"] != ""))
    return e.set("OC3", rows, "IN_TOUCH", "RHOM")


@kind("in_touch_activity_zero", rules=("345",))
def _in_touch_activity_zero(e: Edit) -> np.ndarray:
    """A care leaver the LA is in touch with, with activity or accommodation coded 0."""
    if not e.has("OC3"):
        return np.zeros(0, np.int64)
    o = e.table("OC3").cols
    rows = e.pick("OC3", o["IN_TOUCH"] == "YES")
    column = "ACTIV" if e.rng.random() < 0.5 else "ACCOM"
    return e.set("OC3", rows, column, "0")


@kind("foyer_under_18", rules=("347",))
def _foyer_under_18(e: Edit) -> np.ndarray:
    """A care leaver not yet 18 at the start of the year recorded as living in a Foyer."""
    if not e.has("OC3"):
        return np.zeros(0, np.int64)
    o = e.table("OC3").cols
    dob = days(o["DOB"])
    young = (dob != NONE) & (add_years(np.where(dob == NONE, 0, dob), 18) > e.start)
    rows = e.pick_rare("OC3", young & (o["IN_TOUCH"] == "YES") & (o["ACCOM"] != "0") & (o["ACCOM"] != ""))
    return e.set("OC3", rows, "ACCOM", np.where(e.rng.random(len(rows)) < 0.7, "T1", "T2"))


@kind("dob_decade_typo_over_25", rules=("351",), weight=0.2)
def _dob_over_25(e: Edit) -> np.ndarray:
    """A date of birth typed two decades too early (1984 for 2004), making the child over 25."""
    dob = days(e.col("Header", "DOB"))
    old = add_years(np.where(dob == NONE, 0, dob), -20)
    rows = e.pick("Header", (dob != NONE) & (add_years(old, 25) < e.start))
    return _set_dob(e, rows, old[rows])


@kind("started_care_at_18", rules=("352",), weight=0.3)
def _started_care_at_18(e: Edit) -> np.ndarray:
    """A date of birth a year too early for a 17-year-old starting care, so care starts at 18."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    h = _header_of(e, "Episodes")
    dob = days(e.col("Header", "DOB"))[np.maximum(h, 0)]
    ok = (h >= 0) & (decom != NONE) & (dob != NONE) & (ep.cols["RNE"] == "S") & (decom >= e.start)
    older = add_years(np.where(dob == NONE, 0, dob), -1)
    rows = e.pick_rare("Episodes", ok & (add_years(older, 18) <= decom) & (add_years(dob, 18) > decom))
    return _set_dob(e, h[rows], older[rows])


@kind("episode_before_1991", rules=("353",), weight=0.2)
def _episode_before_1991(e: Edit) -> np.ndarray:
    """The start of an episode before the year read from a two-digit year as the wrong century (1918 for 2018)."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    early = add_years(np.where(decom == NONE, 0, decom), -100)
    rows = e.pick("Episodes", (decom != NONE) & (decom < e.start))
    return e.set("Episodes", rows, "DECOM", text_of(early[rows]))


@kind("episode_starts_after_year_end", rules=("354",), weight=0.3)
def _episode_after_year_end(e: Edit) -> np.ndarray:
    """A planned move after 31 March entered as an episode in the return."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    rows = e.pick("Episodes", (ep.cols["DEC"] == "") & (decom != NONE) & (decom >= e.start))
    return e.set("Episodes", rows, "DECOM", text_of(e.end + e.rng.integers(1, 30, len(rows))))


@kind("episode_ends_the_day_it_began", rules=("355",))
def _same_day_episode(e: Edit) -> np.ndarray:
    """An episode that started in the year ending on its first day."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    rows = e.pick("Episodes", (ep.cols["DEC"] != "") & (decom != NONE) & (decom >= e.start))
    return e.set("Episodes", rows, "DEC", ep.cols["DECOM"][rows])


@kind("first_episode_not_s", rules=("357",))
def _first_episode_not_s(e: Edit) -> np.ndarray:
    """A child's first episode, begun in the year, coded as a placement change (P) instead of S."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    first = _first_of_child(ep.child)
    rows = e.pick("Episodes", first & (ep.cols["RNE"] == "S") & (decom != NONE) & (decom >= e.start))
    return e.set("Episodes", rows, "RNE", "P")


@kind("youth_justice_under_10", rules=("358",))
def _youth_justice_under_10(e: Edit) -> np.ndarray:
    """A remand legal status (J2) recorded for a child of 8 or 9."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    h = _header_of(e, "Episodes")
    dob = days(e.col("Header", "DOB"))[np.maximum(h, 0)]
    young = (h >= 0) & (decom != NONE) & (dob != NONE)
    young &= (add_years(dob, 8) <= decom) & (add_years(dob, 10) > decom)
    rows = e.pick_rare("Episodes", young & np.isin(ep.cols["LS"], ["C1", "C2"]))
    return e.set("Episodes", rows, "LS", "J2")


@kind("episode_left_open_past_18", rules=("359",))
def _episode_left_open_past_18(e: Edit) -> np.ndarray:
    """Leaving care on the 18th birthday not recorded: the last episode left open past the birthday."""
    ep = e.table("Episodes")
    last = np.ones(len(ep), bool)
    if len(ep) > 1:
        last[:-1] = ep.child[1:] != ep.child[:-1]
    h = _header_of(e, "Episodes")
    dob = days(e.col("Header", "DOB"))[np.maximum(h, 0)]
    dec = days(ep.cols["DEC"])
    eighteen = add_years(np.where(dob == NONE, 0, dob), 18)
    ok = last & (h >= 0) & (dob != NONE) & (dec != NONE) & (dec >= eighteen) & (eighteen < e.end)
    ok &= ~((ep.cols["LS"] == "V2") & (ep.cols["PLACE"] == "K2"))
    rows = e.pick_rare("Episodes", ok)
    hit = e.set("Episodes", rows, "DEC", "")
    e.set("Episodes", rows, "REC", "")
    return hit
