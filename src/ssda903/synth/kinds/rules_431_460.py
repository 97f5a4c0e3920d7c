"""Error kinds for rules 431-460 (episode sequences, reason for new episode, review codes, UPN, distance)."""

from __future__ import annotations

import numpy as np

from ssda903.synth._edit import days
from ssda903.synth.kinds._registry import Edit, kind


def _neighbours(e: Edit) -> tuple[np.ndarray, np.ndarray]:
    """Per episode row: whether the child's previous row, and next row, is the same child's episode.

    The generator writes a child's episodes together, in order of start date.
    """
    child = e.table("Episodes").child
    has_prev = np.zeros(len(child), bool)
    has_next = np.zeros(len(child), bool)
    if len(child) > 1:
        same = child[1:] == child[:-1]
        has_prev[1:] = same
        has_next[:-1] = same
    return has_prev, has_next


def _previous(values: np.ndarray) -> np.ndarray:
    """Each row's previous row's value ('' for the first row)."""
    out = np.full(len(values), "", object)
    out[1:] = values[:-1]
    return out


@kind("new_period_on_the_day_care_ended", rules=("431",), weight=0.3)
def _restart_same_day(e: Edit) -> np.ndarray:
    """A continuation after an X1 end recorded as a new period of care (RNE S) on the same day."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    has_prev, _ = _neighbours(e)
    rne = e.col("Episodes", "RNE")
    prev_dec = _previous(e.col("Episodes", "DEC"))
    ok = has_prev & np.isin(rne, ["P", "L", "T", "U", "B"]) & (prev_dec == e.col("Episodes", "DECOM"))
    return e.set("Episodes", e.pick("Episodes", ok), "RNE", "S")


@kind("change_code_after_leaving_care", rules=("432",), weight=1.5)
def _change_after_leaving(e: Edit) -> np.ndarray:
    """A child who left care and came back recorded as a placement change (RNE P) instead of S."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    has_prev, _ = _neighbours(e)
    prev_rec = _previous(e.col("Episodes", "REC"))
    ok = has_prev & (prev_rec != "") & (prev_rec != "X1") & (e.col("Episodes", "RNE") == "S")
    return e.set("Episodes", e.pick("Episodes", ok), "RNE", "P")


def _recode(e: Edit, old: str, new: str) -> np.ndarray:
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    has_prev, _ = _neighbours(e)
    ok = has_prev & (e.col("Episodes", "RNE") == old)
    return e.set("Episodes", e.pick("Episodes", ok), "RNE", new)


@kind("placement_move_coded_as_legal_change", rules=("434",), weight=0.3)
def _move_as_legal(e: Edit) -> np.ndarray:
    """A change of placement given the reason 'change of legal status only' (RNE L for P)."""
    return _recode(e, "P", "L")


@kind("legal_change_coded_as_placement_move", rules=("435",), weight=0.8)
def _legal_as_move(e: Edit) -> np.ndarray:
    """A change of legal status given the reason 'change of placement only' (RNE P for L)."""
    return _recode(e, "L", "P")


@kind("legal_change_hidden_in_a_move", rules=("435",), weight=0.5)
def _legal_in_move(e: Edit) -> np.ndarray:
    """A care order made on the day of a move (C1 to C2) while the reason still says 'placement only'."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    has_prev, _ = _neighbours(e)
    prev_ls = _previous(e.col("Episodes", "LS"))
    ok = has_prev & np.isin(e.col("Episodes", "RNE"), ["P", "T"]) & (prev_ls == "C1")
    ok &= e.col("Episodes", "LS") == "C1"
    return e.set("Episodes", e.pick("Episodes", ok), "LS", "C2")


@kind("legal_change_coded_as_both", rules=("436",), weight=0.3)
def _legal_as_both(e: Edit) -> np.ndarray:
    """A change of legal status only given the reason 'both changed' (RNE B for L)."""
    return _recode(e, "L", "B")


@kind("final_reason_then_back_in_care", rules=("437",), weight=0.5)
def _final_then_more(e: Edit) -> np.ndarray:
    """A period ended as 'age assessed 18 or over' (E15), but the young person came back into care."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    _, has_next = _neighbours(e)
    rec = e.col("Episodes", "REC")
    ok = has_next & (rec != "")
    return e.set("Episodes", e.pick("Episodes", ok), "REC", "E15")


@kind("participation_code_for_a_toddler", rules=("441",), weight=0.4)
def _pn_for_toddler(e: Edit) -> np.ndarray:
    """A review of a child under 4 given a participation code for older children (PN4)."""
    if not e.has("Reviews"):
        return np.zeros(0, np.int64)
    rows = e.pick("Reviews", e.col("Reviews", "REVIEW_CODE") == "PN0")
    return e.set("Reviews", rows, "REVIEW_CODE", "PN4")


@kind("sibling_upn_copied", rules=("444",), weight=0.4)
def _shared_upn(e: Edit) -> np.ndarray:
    """A child given another child's UPN (a sibling's, copied from the wrong record)."""
    upn = e.col("Header", "UPN")
    real = (upn != "") & ~np.char.startswith(upn.astype(str), "UN")
    rows = e.pick("Header", real)
    donors = np.flatnonzero(real & ~np.isin(e.table("Header").child, e.children))
    if len(rows) == 0 or len(donors) == 0:
        return np.zeros(0, np.int64)
    return e.set("Header", rows, "UPN", upn[e.rng.choice(donors, len(rows))])


def _freeing_order(e: Edit, *, still_open: bool) -> np.ndarray:
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    ls = e.col("Episodes", "LS")
    open_now = e.col("Episodes", "DEC") == ""
    rows = e.pick("Episodes", np.isin(ls, ["E1", "C2"]) & (open_now == still_open))
    return e.set("Episodes", rows, "LS", "D1")


@kind("placement_order_coded_as_freeing_order", rules=("445",), weight=0.6)
def _freeing_closed(e: Edit) -> np.ndarray:
    """A placement or care order (E1, C2) recorded with the old freeing-order code D1, on an ended episode."""
    return _freeing_order(e, still_open=False)


@kind("open_placement_order_coded_as_freeing_order", rules=("451",), weight=0.6)
def _freeing_open(e: Edit) -> np.ndarray:
    """A placement or care order (E1, C2) recorded with the old freeing-order code D1, on the open episode."""
    return _freeing_order(e, still_open=True)


@kind("placement_order_start_year_mistyped", rules=("446",), weight=1.0)
def _e1_year_typo(e: Edit) -> np.ndarray:
    """The start of a placement-order episode keyed in the wrong century-and-decade (1996 for 2026)."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    decom = e.col("Episodes", "DECOM").astype(str)
    ok = (e.col("Episodes", "LS") == "E1") & (np.char.str_len(decom) == 10)
    rows = e.pick("Episodes", ok)
    new = [d[:-4] + str(int(d[-4:]) - 30) if d[-4:].isdigit() else d for d in decom[rows]]
    return e.set("Episodes", rows, "DECOM", np.array(new, dtype=object))


def _carried_over(e: Edit) -> np.ndarray:
    """Each child's first episode of the year when it started before 1 April (last year's open one)."""
    has_prev, _ = _neighbours(e)
    return ~has_prev & (days(e.col("Episodes", "DECOM")) < e.start)


#: Real postcodes of placements in other authorities (Manchester, Birmingham, Leeds, Bristol).
_ELSEWHERE = np.array(["M1 1AE", "B1 1BB", "LS1 1UR", "BS1 4DJ"], dtype=object)


def _area(postcode: object) -> str:
    """The letters a postcode starts with (its postcode area: 'B' of 'B12 0SH', 'LS' of 'LS1 1UR')."""
    text = str(postcode).strip().upper()
    return text[: len(text) - len(text.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]


def _elsewhere(e: Edit, original: np.ndarray) -> np.ndarray:
    """For each postcode, one of ``_ELSEWHERE`` in another postcode area (so another authority)."""
    out = np.empty(len(original), dtype=object)
    for i, postcode in enumerate(original):
        options = [p for p in _ELSEWHERE if _area(p) != _area(postcode)]
        out[i] = options[int(e.rng.integers(0, len(options)))]
    return out


@kind("carried_over_placement_postcode_changed", rules=("452", "453"), weight=0.4, needs_previous=True)
def _carried_postcode(e: Edit) -> np.ndarray:
    """Last year's open placement given this year with the provider's office postcode, in another LA."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    rows = e.pick("Episodes", _carried_over(e) & (e.col("Episodes", "PL_POST") != ""))
    return e.set("Episodes", rows, "PL_POST", _elsewhere(e, e.col("Episodes", "PL_POST")[rows]))


@kind("carried_over_home_postcode_changed", rules=("453",), weight=0.4, needs_previous=True)
def _carried_home(e: Edit) -> np.ndarray:
    """Last year's open placement given this year with the family's new home postcode, so its distance moves."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    home = e.col("Episodes", "HOME_POST")
    rows = e.pick("Episodes", _carried_over(e) & (home != "") & (e.col("Episodes", "PL_POST") != ""))
    return e.set("Episodes", rows, "HOME_POST", _elsewhere(e, home[rows]))


#: Real postcodes more than 350 miles from any English LA (Lerwick, Kirkwall).
_FAR_NORTH = np.array(["ZE1 0AA", "KW15 1NX"], dtype=object)


@kind("placement_postcode_in_the_far_north", rules=("454",), weight=0.4)
def _far_placement(e: Edit) -> np.ndarray:
    """A placement postcode mistyped into Shetland or Orkney (ZE/KW for an English postcode)."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    child = e.table("Episodes").child
    uasc = e.table("UASC").child if e.has("UASC") else np.zeros(0, np.int64)
    ok = (e.col("Episodes", "HOME_POST") != "") & (e.col("Episodes", "PL_POST") != "") & ~np.isin(child, uasc)
    rows = e.pick("Episodes", ok)
    return e.set("Episodes", rows, "PL_POST", e.rng.choice(_FAR_NORTH, len(rows)))


@kind("staying_put_before_18", rules=("460",), weight=0.4)
def _staying_put_early(e: Edit) -> np.ndarray:
    """A 17-year-old who moved on (E5, E6, E8) recorded as staying put with the carers (E17)."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    header = e.table("Header")
    dob = np.full(int(max(header.child.max(initial=0), e.table("Episodes").child.max(initial=0))) + 1, -(10**9))
    dob[header.child] = days(header.cols["DOB"])
    child = e.table("Episodes").child
    dec = days(e.col("Episodes", "DEC"))
    under_18 = (dec - dob[child]) < 17 * 365  # comfortably under 18 on the day care ended
    ok = np.isin(e.col("Episodes", "REC"), ["E5", "E6", "E8", "E4A", "E13"]) & under_18 & (dob[child] > 0)
    return e.set("Episodes", e.pick("Episodes", ok), "REC", "E17")
