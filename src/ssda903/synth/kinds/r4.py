"""Error kinds for rules 431-460 (episode sequences, reason for new episode, review codes, UPN, distance)."""

from __future__ import annotations

import numpy as np

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
