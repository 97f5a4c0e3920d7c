"""Error kinds for the DoLo rules 700-710 and the social worker episode rules (SW01-SW19)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ssda903.synth._dates import NONE
from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind

NOTHING = np.zeros(0, np.int64)
SHORT_MONTHS = np.array(["04", "06", "09", "11"], dtype=object)


def _not_a_day(e: Edit, values: np.ndarray) -> np.ndarray:
    """The 31st of a 30-day month in the same year: a date as typed that is not a real day."""
    year = np.array([v[-4:] if len(v) == 10 else "2026" for v in values.tolist()], dtype=object)
    month = SHORT_MONTHS[e.rng.integers(0, len(SHORT_MONTHS), len(values))]
    return np.array([f"31/{m}/{y}" for m, y in zip(month.tolist(), year.tolist(), strict=True)], dtype=object)


def _ordered(e: Edit, table: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of ``table`` in order of child then ``column``'s date, and those dates."""
    t = e.table(table)
    d = days(t.cols[column])
    order = np.lexsort((np.arange(len(d)), d, t.child))
    return order, d[order]


def _latest_rows(e: Edit, table: str, column: str) -> np.ndarray:
    """A mask of each child's row with the latest ``column`` date."""
    order, _ = _ordered(e, table, column)
    child = e.table(table).child[order]
    last = np.r_[child[1:] != child[:-1], True]
    mask = np.zeros(len(child), dtype=bool)
    mask[order[last]] = True
    return mask


# --- DoLo (2026/27) --------------------------------------------------------------------------


def _has_dolo(e: Edit) -> np.ndarray:
    """An ``eligible`` test: the children with a DoLO (few have one: the DoLo kinds take them first)."""
    return np.intersect1d(e.table("DoLo").child, e.children) if e.has("DoLo") else NOTHING


@kind("dolo_start_not_a_date", rules=("700",), weight=0.06, eligible=_has_dolo)
def _dolo_start_not_a_date(e: Edit) -> np.ndarray:
    """A DoLO's start date typed as a day the month does not have."""
    if not e.has("DoLo"):
        return NOTHING
    rows = e.pick("DoLo", e.col("DoLo", "DOLO_START") != "")
    return e.set("DoLo", rows, "DOLO_START", _not_a_day(e, e.col("DoLo", "DOLO_START")[rows]))


@kind("dolo_end_not_a_date", rules=("701",), weight=0.06, eligible=_has_dolo)
def _dolo_end_not_a_date(e: Edit) -> np.ndarray:
    """A DoLO's end date typed as a day the month does not have."""
    if not e.has("DoLo"):
        return NOTHING
    rows = e.pick("DoLo", e.col("DoLo", "DOLO_END") != "")
    return e.set("DoLo", rows, "DOLO_END", _not_a_day(e, e.col("DoLo", "DOLO_END")[rows]))


@kind("dolo_ends_before_it_starts", rules=("702",), weight=0.06, eligible=_has_dolo)
def _dolo_ends_before_start(e: Edit) -> np.ndarray:
    """A DoLO's end date typed a few days before its start (start and end swapped round)."""
    if not e.has("DoLo"):
        return NOTHING
    start = days(e.col("DoLo", "DOLO_START"))
    ok = (e.col("DoLo", "DOLO_END") != "") & (start != NONE) & (start - 30 >= e.start)
    rows = e.pick("DoLo", ok)
    return e.set("DoLo", rows, "DOLO_END", text_of(start[rows] - e.rng.integers(1, 30, len(rows))))


@kind("dolo_starts_after_the_year", rules=("703",), weight=0.06, eligible=_has_dolo)
def _dolo_starts_late(e: Edit) -> np.ndarray:
    """An open DoLO whose start date was typed with next year's date."""
    if not e.has("DoLo"):
        return NOTHING
    rows = e.pick("DoLo", e.col("DoLo", "DOLO_END") == "")
    return e.set("DoLo", rows, "DOLO_START", text_of(e.end + e.rng.integers(1, 60, len(rows))))


@kind("dolo_ends_after_the_year", rules=("704",), weight=0.06, eligible=_has_dolo)
def _dolo_ends_late(e: Edit) -> np.ndarray:
    """A DoLO given the date it is planned to end, after 31 March, as its end date."""
    if not e.has("DoLo"):
        return NOTHING
    rows = e.pick("DoLo", e.col("DoLo", "DOLO_END") != "")
    return e.set("DoLo", rows, "DOLO_END", text_of(e.end + e.rng.integers(1, 60, len(rows))))


@kind("dolo_given_twice", rules=("705",), weight=0.06, adds_rows=True, eligible=_has_dolo)
def _dolo_twice(e: Edit) -> np.ndarray:
    """A DoLO exported twice."""
    if not e.has("DoLo"):
        return NOTHING
    return e.repeat_rows("DoLo", e.pick("DoLo", np.ones(len(e.table("DoLo")), dtype=bool)))


def _ended_dolo_after_care(e: Edit) -> np.ndarray:
    """A mask of the DoLO rows with an end date whose child is no longer looked after."""
    if not (e.has("DoLo") and e.has("Episodes")):
        return np.zeros(len(e.table("DoLo")) if "DoLo" in e.ctx.tables else 0, dtype=bool)
    ep = e.table("Episodes")
    still_in_care = np.unique(ep.child[ep.cols["DEC"] == ""])
    return (e.col("DoLo", "DOLO_END") != "") & ~np.isin(e.table("DoLo").child, still_in_care)


def _open_dolo(e: Edit) -> np.ndarray:
    """A mask of the open DoLO rows with a date of birth."""
    if not e.has("DoLo"):
        return np.zeros(len(e.table("DoLo")) if "DoLo" in e.ctx.tables else 0, dtype=bool)
    return (e.col("DoLo", "DOLO_END") == "") & (e.col("DoLo", "DOB") != "")


def _children_where(mask: Callable[[Edit], np.ndarray], table: str) -> Callable[[Edit], np.ndarray]:
    """An ``eligible`` test: the children with a row of ``table`` where ``mask`` holds."""

    def eligible(e: Edit) -> np.ndarray:
        return e.table(table).child[mask(e)] if e.has(table) else NOTHING

    return eligible


@kind(
    "dolo_left_open_after_care",
    rules=("707",),
    weight=0.06,
    eligible=_children_where(_ended_dolo_after_care, "DoLo"),
)
def _dolo_open_after_care(e: Edit) -> np.ndarray:
    """A DoLO left without its end date after the child stopped being looked after."""
    rows = e.pick("DoLo", _ended_dolo_after_care(e))
    return e.set("DoLo", rows, "DOLO_END", "")


@kind("dolo_start_is_birth_date", rules=("708",), weight=0.06, eligible=_children_where(_open_dolo, "DoLo"))
def _dolo_on_birth(e: Edit) -> np.ndarray:
    """An open DoLO whose start date was typed as the child's date of birth."""
    rows = e.pick("DoLo", _open_dolo(e))
    return e.set("DoLo", rows, "DOLO_START", e.col("DoLo", "DOB")[rows])


def _episode_during_dolo(e: Edit) -> np.ndarray:
    """For chosen children, one episode overlapping a DoLO that has ended."""
    if not (e.has("DoLo") and e.has("Episodes")):
        return NOTHING
    dl = e.table("DoLo")
    rows = e.pick("DoLo", dl.cols["DOLO_END"] != "")
    ep = e.table("Episodes")
    decom, dec = days(ep.cols["DECOM"]), days(ep.cols["DEC"])
    dec = np.where(ep.cols["DEC"] == "", np.iinfo(np.int64).max, dec)
    found = []
    for r in rows.tolist():
        start, end = days(dl.cols["DOLO_START"][[r]])[0], days(dl.cols["DOLO_END"][[r]])[0]
        if NONE in (start, end):
            continue
        hit = np.flatnonzero((ep.child == dl.child[r]) & (decom != NONE) & (decom <= end) & (dec >= start))
        if len(hit):
            found.append(hit[0])
    return np.array(found, dtype=np.int64)


@kind("dolo_in_residential_care_home", rules=("709",), weight=0.06, eligible=_has_dolo)
def _dolo_unexpected_place(e: Edit) -> np.ndarray:
    """The placement during a DoLO recorded as a residential care home (R1), not a children's home."""
    return e.set("Episodes", _episode_during_dolo(e), "PLACE", "R1")


@kind("dolo_in_secure_home", rules=("710",), weight=0.06, eligible=_has_dolo)
def _dolo_secure(e: Edit) -> np.ndarray:
    """The placement during a DoLO recorded as a secure children's home (K1)."""
    return e.set("Episodes", _episode_during_dolo(e), "PLACE", "K1")


# --- Social worker episodes (2023/24 onwards) ------------------------------------------------


def _sw(e: Edit, mask: np.ndarray | None = None) -> np.ndarray:
    if not e.has("SWEpisodes"):
        return NOTHING
    t = e.table("SWEpisodes")
    return e.pick("SWEpisodes", np.ones(len(t), dtype=bool) if mask is None else mask)


@kind("sw_id_blank", rules=("SW03STG1", "SW01bSTG1", "SW02STG1"), weight=0.3)
def _sw_id_blank(e: Edit) -> np.ndarray:
    """A social worker episode (begun since April 2023) with no social worker ID."""
    if not e.has("SWEpisodes"):
        return NOTHING
    recent = days(e.col("SWEpisodes", "SW_DECOM")) >= days(np.array(["01/04/2023"], dtype=object))[0]
    return e.set("SWEpisodes", _sw(e, recent), "SW_ID", "")


@kind("sw_early_episode_id_blank", rules=("SW01aSTG1", "SW02STG1"), weight=0.3)
def _sw_early_id_blank(e: Edit) -> np.ndarray:
    """A social worker episode begun before April 2023 exported without the social worker's ID."""
    if not e.has("SWEpisodes"):
        return NOTHING
    start = days(e.col("SWEpisodes", "SW_DECOM"))
    early = (start != NONE) & (start < days(np.array(["01/04/2023"], dtype=object))[0])
    return e.set("SWEpisodes", _sw(e, early), "SW_ID", "")


@kind("sw_id_without_prefix", rules=("SW02STG1",), weight=0.3)
def _sw_id_prefix(e: Edit) -> np.ndarray:
    """A social worker ID given as the bare staff number, without its SW prefix."""
    rows = _sw(e)
    if not len(rows):
        return NOTHING
    ids = e.col("SWEpisodes", "SW_ID")[rows]
    keep = np.array([len(i) > 4 for i in ids.tolist()], dtype=bool)
    rows, ids = rows[keep], ids[keep]
    return e.set("SWEpisodes", rows, "SW_ID", np.array([i[2:] for i in ids.tolist()], dtype=object))


@kind("sw_start_not_a_date", rules=("SW04STG1",), weight=0.3)
def _sw_start_bad(e: Edit) -> np.ndarray:
    """A social worker episode's start date typed as a day the month does not have."""
    rows = _sw(e)
    return e.set("SWEpisodes", rows, "SW_DECOM", _not_a_day(e, e.col("SWEpisodes", "SW_DECOM")[rows]))


@kind("sw_end_not_a_date", rules=("SW05STG1",), weight=0.3)
def _sw_end_bad(e: Edit) -> np.ndarray:
    """A social worker episode's end date typed as a day the month does not have."""
    if not e.has("SWEpisodes"):
        return NOTHING
    rows = _sw(e, e.col("SWEpisodes", "SW_DEC") != "")
    return e.set("SWEpisodes", rows, "SW_DEC", _not_a_day(e, e.col("SWEpisodes", "SW_DEC")[rows]))


@kind("sw_starts_after_the_year", rules=("SW06STG2",), weight=0.3)
def _sw_starts_late(e: Edit) -> np.ndarray:
    """The current social worker's start date typed with the next year."""
    if not e.has("SWEpisodes"):
        return NOTHING
    rows = _sw(e, _latest_rows(e, "SWEpisodes", "SW_DECOM") & (e.col("SWEpisodes", "SW_DEC") == ""))
    return e.set("SWEpisodes", rows, "SW_DECOM", text_of(e.end + e.rng.integers(1, 60, len(rows))))


@kind("sw_ends_after_the_year", rules=("SW07STG2",), weight=0.3)
def _sw_ends_late(e: Edit) -> np.ndarray:
    """A social worker episode given an end date after 31 March (a planned hand-over)."""
    if not e.has("SWEpisodes"):
        return NOTHING
    rows = _sw(e, e.col("SWEpisodes", "SW_DEC") != "")
    return e.set("SWEpisodes", rows, "SW_DEC", text_of(e.end + e.rng.integers(1, 60, len(rows))))


def _earlier_left_open(e: Edit) -> np.ndarray:
    if not e.has("SWEpisodes"):
        return NOTHING
    ok = ~_latest_rows(e, "SWEpisodes", "SW_DECOM") & (e.col("SWEpisodes", "SW_DEC") != "")
    return e.set("SWEpisodes", _sw(e, ok), "SW_DEC", "")


@kind("sw_earlier_episode_left_open", rules=("SW08STG2",), weight=0.3)
def _sw_left_open(e: Edit) -> np.ndarray:
    """An earlier social worker's episode never closed when the next social worker took over."""
    return _earlier_left_open(e)


@kind("sw_earlier_episode_end_blank", rules=("SW14STG2",), weight=0.3)
def _sw_end_blank(e: Edit) -> np.ndarray:
    """An earlier social worker episode exported with its end date blank."""
    return _earlier_left_open(e)


@kind("sw_ends_on_the_day_it_began", rules=("SW09STG2",), weight=0.3)
def _sw_same_day(e: Edit) -> np.ndarray:
    """A social worker episode ending on the day it began (a change recorded twice)."""
    if not e.has("SWEpisodes"):
        return NOTHING
    ok = (e.col("SWEpisodes", "SW_DEC") != "") & (e.col("SWEpisodes", "SW_DECOM") != "")
    rows = _sw(e, ok)
    return e.set("SWEpisodes", rows, "SW_DEC", e.col("SWEpisodes", "SW_DECOM")[rows])


def _following(e: Edit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per chosen child, one social worker episode after the first: its row, and the previous one's dates."""
    if not e.has("SWEpisodes"):
        return NOTHING, NOTHING, NOTHING
    order, start = _ordered(e, "SWEpisodes", "SW_DECOM")
    t = e.table("SWEpisodes")
    child = t.child[order]
    end = days(t.cols["SW_DEC"])[order]
    has_prev = np.r_[False, child[1:] == child[:-1]]
    prev_start = np.r_[NONE, start[:-1]]
    prev_end = np.r_[NONE, end[:-1]]
    ok = has_prev & (start != NONE) & (prev_end != NONE) & (prev_start != NONE) & (prev_end - prev_start > 40)
    mask = np.zeros(len(t), dtype=bool)
    mask[order[ok]] = True
    rows = e.pick("SWEpisodes", mask)
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    at = position[rows]
    return rows, prev_start[at], prev_end[at]


@kind("sw_starts_weeks_before_the_last_ended", rules=("SW10STG2",), weight=0.3)
def _sw_early_start(e: Edit) -> np.ndarray:
    """A new social worker's start date typed weeks before the previous one left."""
    rows, prev_start, prev_end = _following(e)
    new = np.maximum(prev_end - e.rng.integers(10, 30, len(rows)), prev_start + 1)
    keep = new < prev_end - 7
    rows = rows[keep]
    e.set("SWEpisodes", rows, "SW_REASON", "LEFTRL")
    return e.set("SWEpisodes", rows, "SW_DECOM", text_of(new[keep]))


@kind("sw_starts_weeks_after_the_last_ended", rules=("SW10aSTG2",), weight=0.3)
def _sw_gap(e: Edit) -> np.ndarray:
    """A new social worker's start date typed weeks after the previous one left."""
    rows, _, prev_end = _following(e)
    own_end = days(e.col("SWEpisodes", "SW_DEC")[rows]) if len(rows) else NOTHING
    new = prev_end + e.rng.integers(10, 30, len(rows))
    keep = np.where(own_end == NONE, new < e.end - 7, new < own_end - 3)
    rows = rows[keep]
    e.set("SWEpisodes", rows, "SW_REASON", "LEFTRL")
    return e.set("SWEpisodes", rows, "SW_DECOM", text_of(new[keep]))


@kind("sw_first_contact_while_previous_open", rules=("SW10bSTG2",), weight=0.3)
def _sw_fconta_overlap(e: Edit) -> np.ndarray:
    """A hand-over recorded with reason first contact (FCONTA) though the previous social worker was still allocated."""
    rows, _, prev_end = _following(e)
    e.set("SWEpisodes", rows, "SW_DECOM", text_of(prev_end))
    return e.set("SWEpisodes", rows, "SW_REASON", "FCONTA")


@kind("sw_current_episode_ended_in_late_march", rules=("SW11bSTG2",), weight=0.3)
def _sw_late_march(e: Edit) -> np.ndarray:
    """The current social worker left in the last days of March and no successor was recorded."""
    if not e.has("SWEpisodes"):
        return NOTHING
    start = days(e.col("SWEpisodes", "SW_DECOM"))
    ok = _latest_rows(e, "SWEpisodes", "SW_DECOM") & (e.col("SWEpisodes", "SW_DEC") == "")
    rows = _sw(e, ok & (start != NONE) & (start < e.end - 10))
    return e.set("SWEpisodes", rows, "SW_DEC", text_of(e.end - e.rng.integers(0, 5, len(rows))))


def _closed_current(e: Edit) -> np.ndarray:
    if not e.has("SWEpisodes"):
        return NOTHING
    start = days(e.col("SWEpisodes", "SW_DECOM"))
    ok = _latest_rows(e, "SWEpisodes", "SW_DECOM") & (e.col("SWEpisodes", "SW_DEC") == "")
    rows = _sw(e, ok & (start != NONE) & (start < e.end - 70))
    return e.set("SWEpisodes", rows, "SW_DEC", text_of(e.end - e.rng.integers(10, 60, len(rows))))


@kind("sw_current_episode_closed_early", rules=("SW11aSTG2",), weight=0.3)
def _sw_closed_early(e: Edit) -> np.ndarray:
    """The current social worker's episode closed weeks before 31 March with no successor recorded."""
    return _closed_current(e)


@kind("sw_no_episode_open_at_31_march", rules=("SW17STG2",), weight=0.3)
def _sw_none_open(e: Edit) -> np.ndarray:
    """The child's latest social worker episode given an end date, leaving none open at 31 March."""
    return _closed_current(e)


@kind("sw_reason_blank", rules=("SW03STG1", "SW01bSTG1", "SW13STG1"), weight=0.3)
def _sw_reason_blank(e: Edit) -> np.ndarray:
    """A social worker episode begun since April 2023 with no reason for the change."""
    if not e.has("SWEpisodes"):
        return NOTHING
    recent = days(e.col("SWEpisodes", "SW_DECOM")) >= days(np.array(["01/04/2023"], dtype=object))[0]
    return e.set("SWEpisodes", _sw(e, recent & (e.col("SWEpisodes", "SW_REASON") != "")), "SW_REASON", "")


@kind("sw_reason_not_a_code", rules=("SW13STG1",), weight=0.3)
def _sw_reason_bad(e: Edit) -> np.ndarray:
    """A reason for the change typed as the system's own wording rather than the DfE code."""
    if not e.has("SWEpisodes"):
        return NOTHING
    rows = _sw(e, e.col("SWEpisodes", "SW_REASON") != "")
    words = np.array(["LEAVER", "SICK", "MOVED", "TRANSFER"], dtype=object)
    return e.set("SWEpisodes", rows, "SW_REASON", words[e.rng.integers(0, len(words), len(rows))])


@kind("sw_no_reason_given_for_child", rules=("SW01STG1",), weight=0.3)
def _sw_no_reason_for_child(e: Edit) -> np.ndarray:
    """None of a child's social worker episodes gives a reason (the item not exported)."""
    if not e.has("SWEpisodes"):
        return NOTHING
    t = e.table("SWEpisodes")
    picked = e.pick("SWEpisodes", np.ones(len(t), dtype=bool))
    rows = np.flatnonzero(np.isin(t.child, t.child[picked]) & (t.cols["SW_REASON"] != ""))
    return e.set("SWEpisodes", rows, "SW_REASON", "")


@kind("sw_ends_before_it_began", rules=("SW18STG2",), weight=0.3)
def _sw_end_before_start(e: Edit) -> np.ndarray:
    """A social worker episode's end date typed before its start date."""
    if not e.has("SWEpisodes"):
        return NOTHING
    start = days(e.col("SWEpisodes", "SW_DECOM"))
    ok = (e.col("SWEpisodes", "SW_DEC") != "") & (start != NONE) & (start - 30 > e.start - 360)
    rows = _sw(e, ok)
    return e.set("SWEpisodes", rows, "SW_DEC", text_of(start[rows] - e.rng.integers(1, 30, len(rows))))


@kind("sw_episode_given_twice", rules=("SW19STG2",), weight=0.3, adds_rows=True)
def _sw_twice(e: Edit) -> np.ndarray:
    """A social worker episode exported twice."""
    if not e.has("SWEpisodes"):
        return NOTHING
    return e.repeat_rows("SWEpisodes", _sw(e))


def _sw_single_before_care(e: Edit) -> dict[int, tuple[int, int]]:
    """Children looked after at 31 March whose one social worker episode began before their latest
    start of care and is still open: that row and the day that care began."""
    if not (e.has("SWEpisodes") and e.has("Episodes")):
        return {}
    ep = e.table("Episodes")
    mine = np.isin(ep.child, e.children) & ~np.isin(ep.cols["LS"], ["V3", "V4"])
    at_end = set(ep.child[mine & (ep.cols["DEC"] == "")].tolist())
    decom = days(ep.cols["DECOM"])
    began: dict[int, int] = {}
    starts = mine & (ep.cols["RNE"] == "S")
    for c, d in zip(ep.child[starts].tolist(), decom[starts].tolist(), strict=True):
        if c in at_end and d != NONE:
            began[c] = max(began.get(c, d), d)
    sw = e.table("SWEpisodes")
    rows = np.flatnonzero(np.isin(sw.child, list(began)))
    counts = dict(zip(*np.unique(sw.child[rows], return_counts=True), strict=True))
    sw_decom = days(sw.cols["SW_DECOM"])
    out: dict[int, tuple[int, int]] = {}
    for r in rows.tolist():
        c = int(sw.child[r])
        if counts[c] == 1 and sw.cols["SW_DEC"][r] == "" and sw_decom[r] != NONE and sw_decom[r] < began[c] - 1:
            out[c] = (r, began[c])
    return out


@kind(
    "sw_episode_closed_when_care_began",
    rules=("SW12STG2",),
    weight=0.1,
    eligible=lambda e: np.array(sorted(_sw_single_before_care(e)), dtype=np.int64),
)
def _sw_closed_at_care(e: Edit) -> np.ndarray:
    """The social worker who carried on when the child came into care recorded as leaving the day before."""
    found = _sw_single_before_care(e)
    if not found:
        return NOTHING
    rows = np.array([r for r, _ in found.values()], dtype=np.int64)
    return e.set("SWEpisodes", rows, "SW_DEC", text_of(np.array([d - 1 for _, d in found.values()], dtype=np.int64)))
