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


@kind("dob_after_year_end", rules=("301",), weight=0.2)
def _dob_after_year_end(e: Edit) -> np.ndarray:
    """A date of birth typed a year or more too late, past 31 March."""
    dob = days(e.col("Header", "DOB"))
    rows = e.pick("Header", dob != NONE)
    new = np.maximum(add_years(dob[rows], 10), e.end + 1 + e.rng.integers(0, 200, len(rows)))
    return e.set("Header", rows, "DOB", text_of(new))


@kind("episode_before_birth", rules=("302",), weight=0.3)
def _episode_before_birth(e: Edit) -> np.ndarray:
    """A baby's date of birth entered a few days after the day care began."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    first = _first_of_child(ep.child) & (decom != NONE)
    h = _header_of(e, "Episodes")
    dob = days(e.col("Header", "DOB"))
    young = (h >= 0) & (decom - dob[np.maximum(h, 0)] < 365)
    rows = e.pick("Episodes", first & young & (decom + 30 <= e.end))
    hrows = h[rows]
    new = decom[rows] + e.rng.integers(1, 30, len(rows))
    return e.set("Header", hrows, "DOB", text_of(new))


@kind("uasc_ceased_after_18", rules=("304",))
def _uasc_ceased_after_18(e: Edit) -> np.ndarray:
    """UASC status recorded as ceasing some weeks after the 18th birthday."""
    if not e.has("UASC"):
        return np.zeros(0, np.int64)
    dob = days(e.col("UASC", "DOB"))
    late = add_years(np.where(dob == NONE, 0, dob), 18) + 20
    rows = e.pick("UASC", (dob != NONE) & (late >= e.start) & (late <= e.end))
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
    rows = e.pick("AD1", ok)
    return e.set("AD1", rows, "DATE_MATCH", text_of(decom[rows] + e.rng.integers(1, 15, len(rows))))


@kind("decision_after_matching", rules=("333",))
def _decision_after_matching(e: Edit) -> np.ndarray:
    """The should-be-placed decision dated after the match (the two dates swapped)."""
    if not e.has("AD1"):
        return np.zeros(0, np.int64)
    intd = days(e.col("AD1", "DATE_INT"))
    match = days(e.col("AD1", "DATE_MATCH"))
    rows = e.pick("AD1", (intd != NONE) & (match != NONE) & (intd < match))
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
    rows = e.pick("AD1", (decom != NONE) & (days(e.col("AD1", "DATE_INT")) != NONE))
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
    rows = e.pick("AD1", (ep_row >= 0) & ((with_carer & (fc == "1")) | (not_with & (fc == "0"))))
    return e.set("AD1", rows, "FOSTER_CARE", np.where(fc[rows] == "1", "0", "1"))


@kind("adoption_by_carer_after_residential", rules=("336",))
def _adoption_after_residential(e: Edit) -> np.ndarray:
    """The foster placement before a placement for adoption with the foster carer coded as a children's home."""
    ep = e.table("Episodes")
    place = ep.cols["PLACE"]
    before = np.zeros(len(ep), bool)
    if len(ep) > 1:
        before[:-1] = (ep.child[1:] == ep.child[:-1]) & np.isin(place[1:], ["A3", "A5"])
    rows = e.pick("Episodes", before & np.isin(place, FOSTER))
    return e.set("Episodes", rows, "PLACE", "K2")
