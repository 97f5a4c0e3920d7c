"""Error kinds for the missing-incident and adoption-decision rules (554-576).

Each kind makes one realistic slip an LA makes in the Missing or PlacedAdoption tables and names
the rule that reports it.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind


@kind("missing_type_blank_on_open_incident", rules=("565",), weight=1.5)
def _type_blank_open(e: Edit) -> np.ndarray:
    """The type of an incident (M or A) left blank while its start date is given, and no end date."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    rows = e.pick("Missing", (e.col("Missing", "MIS_START") != "") & (e.col("Missing", "MISSING") != ""))
    e.set("Missing", rows, "MIS_END", "")
    return e.set("Missing", rows, "MISSING", "")


@kind("missing_type_blank_on_closed_incident", rules=("566",), weight=1.5)
def _type_blank_closed(e: Edit) -> np.ndarray:
    """The type of a closed incident left blank while its end date is given."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    ok = (e.col("Missing", "MIS_END") != "") & (e.col("Missing", "MISSING") != "")
    rows = e.pick("Missing", ok)
    return e.set("Missing", rows, "MISSING", "")


@kind("missing_started_after_year_end", rules=("570",), weight=1.5)
def _started_after_year(e: Edit) -> np.ndarray:
    """An incident of next April keyed into this year's return, still open."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    rows = e.pick("Missing", e.col("Missing", "MIS_START") != "")
    new = e.end + e.rng.integers(1, 20, len(rows))
    e.set("Missing", rows, "MIS_END", "")
    return e.set("Missing", rows, "MIS_START", text_of(new))


@kind("missing_ended_after_year_end", rules=("571",), weight=1.5)
def _ended_after_year(e: Edit) -> np.ndarray:
    """An incident open at 31 March given the end date it had when the return was made."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    start = days(e.col("Missing", "MIS_START"))
    ok = (e.col("Missing", "MIS_END") != "") & (start >= e.start) & (start <= e.end)
    rows = e.pick("Missing", ok)
    new = e.end + e.rng.integers(1, 20, len(rows))
    return e.set("Missing", rows, "MIS_END", text_of(new))


@kind("missing_incident_inside_another", rules=("574",), weight=1.5)
def _incident_overlaps(e: Edit) -> np.ndarray:
    """A child's next incident keyed with the start date of the one before, which lasted a day or more."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    child = e.table("Missing").child
    start = days(e.col("Missing", "MIS_START"))
    end = days(e.col("Missing", "MIS_END"))
    ok = np.zeros(len(child), bool)
    if len(child) > 1:
        ok[1:] = (child[1:] == child[:-1]) & (start[:-1] >= 0) & (end[:-1] > start[:-1]) & (start[1:] > start[:-1])
    rows = e.pick("Missing", ok)
    return e.set("Missing", rows, "MIS_START", e.col("Missing", "MIS_START")[rows - 1].copy())


@kind("missing_left_open_after_placement_ended", rules=("575",), weight=1.5)
def _left_open(e: Edit) -> np.ndarray:
    """An incident from a placement that has since ended, its end date never keyed."""
    if not e.has("Missing") or not e.has("Episodes"):
        return np.zeros(0, np.int64)
    mchild = e.table("Missing").child
    start = days(e.col("Missing", "MIS_START"))
    ep = e.table("Episodes")
    decom, dec = days(e.col("Episodes", "DECOM")), days(e.col("Episodes", "DEC"))
    ok = np.zeros(len(mchild), bool)
    for i in np.flatnonzero(np.isin(mchild, e.children) & (e.col("Missing", "MIS_END") != "") & (start >= 0)):
        mine = (ep.child == mchild[i]) & (decom >= 0) & (dec >= 0)
        ok[i] = bool(np.any(mine & (decom <= start[i]) & (start[i] < dec)))
    rows = e.pick("Missing", ok)
    return e.set("Missing", rows, "MIS_END", "")


def _first_order(e: Edit) -> tuple[np.ndarray, np.ndarray]:
    """For each PlacedAdoption row: the row of the child's first E1 episode (-1 when none) and its start."""
    ep = e.table("Episodes")
    decom = days(e.col("Episodes", "DECOM"))
    e1 = np.flatnonzero((e.col("Episodes", "LS") == "E1") & (decom >= 0))
    pa_child = e.table("PlacedAdoption").child
    row = np.full(len(pa_child), -1, np.int64)
    when = np.full(len(pa_child), -1, np.int64)
    for i, c in enumerate(pa_child):
        mine = e1[ep.child[e1] == c]
        if len(mine):
            first = mine[np.argmin(decom[mine])]
            row[i], when[i] = first, decom[first]
    return row, when


def _decision_after_order(e: Edit, order_code: str) -> np.ndarray:
    if not e.has("PlacedAdoption") or not e.has("Episodes"):
        return np.zeros(0, np.int64)
    pa_child = e.table("PlacedAdoption").child
    ok = np.isin(pa_child, e.children) & (e.col("PlacedAdoption", "DATE_PLACED_CEASED") == "")
    if not ok.any():
        return np.zeros(0, np.int64)
    ep_row, when = _first_order(e)
    rows = e.pick("PlacedAdoption", ok & (when >= 0))
    new = when[rows] + e.rng.integers(1, 30, len(rows))
    if order_code != "E1":
        e.set("Episodes", ep_row[rows], "LS", order_code)
    return e.set("PlacedAdoption", rows, "DATE_PLACED", text_of(new))


@kind("adoption_decision_after_placement_order", rules=("554",), weight=1.5)
def _decision_after_placement_order(e: Edit) -> np.ndarray:
    """The decision to place for adoption keyed as the day the panel met after the placement order."""
    return _decision_after_order(e, "E1")


@kind("adoption_decision_after_freeing_order", rules=("556",), weight=1.5)
def _decision_after_freeing_order(e: Edit) -> np.ndarray:
    """An order recorded under the old freeing-order code D1, the decision dated after it."""
    return _decision_after_order(e, "D1")


def _decision_rows_with_episode(e: Edit, decision_ok: np.ndarray, episode_ok: np.ndarray) -> np.ndarray:
    """PlacedAdoption rows where ``decision_ok`` holds, of a chosen child with an episode where ``episode_ok`` holds."""
    ep_child = e.table("Episodes").child[episode_ok]
    pa_child = e.table("PlacedAdoption").child
    return e.pick("PlacedAdoption", decision_ok & np.isin(pa_child, ep_child))


@kind("adoption_breakdown_without_reversal", rules=("557",), weight=1.5)
def _breakdown_without_reversal(e: Edit) -> np.ndarray:
    """A child placed for adoption who went home instead (E4A), the decision never recorded as reversed."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    rows = e.pick("Episodes", np.isin(e.col("Episodes", "REC"), ["E11", "E12"]))
    return e.set("Episodes", rows, "REC", "E4A")


@kind("adoption_decision_ceased_on_adoption", rules=("558",), weight=1.5)
def _ceased_on_adoption(e: Edit) -> np.ndarray:
    """An adopted child's decision closed with the adoption date, as if the plan had been reversed."""
    if not e.has("PlacedAdoption") or not e.has("Episodes"):
        return np.zeros(0, np.int64)
    adopted = np.isin(e.col("Episodes", "REC"), ["E11", "E12"])
    rows = _decision_rows_with_episode(e, e.col("PlacedAdoption", "DATE_PLACED_CEASED") == "", adopted)
    ep = e.table("Episodes")
    pa_child = e.table("PlacedAdoption").child
    dec = e.col("Episodes", "DEC")
    new = np.array([dec[np.flatnonzero(adopted & (ep.child == pa_child[r]))[0]] for r in rows], dtype=object)
    return e.set("PlacedAdoption", rows, "DATE_PLACED_CEASED", new)


@kind("freeing_order_without_decision", rules=("555",))
def _freeing_order_without_decision(e: Edit) -> np.ndarray:
    """A care order keyed as a freeing order (D1) for a child with no adoption decision."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    decided = e.table("PlacedAdoption").child if e.has("PlacedAdoption") else np.zeros(0, np.int64)
    ep_child = e.table("Episodes").child
    rows = e.pick("Episodes", (e.col("Episodes", "LS") == "C2") & ~np.isin(ep_child, decided))
    return e.set("Episodes", rows, "LS", "D1")


@kind("adoption_decision_backdated", rules=("559",), needs_previous=True)
def _decision_backdated(e: Edit) -> np.ndarray:
    """This year's decision keyed with a date before 1 April, so last year's return never had it."""
    if not e.has("PlacedAdoption"):
        return np.zeros(0, np.int64)
    placed = days(e.col("PlacedAdoption", "DATE_PLACED"))
    rows = e.pick("PlacedAdoption", (placed >= e.start) & (e.col("PlacedAdoption", "DATE_PLACED_CEASED") == ""))
    new = e.start - e.rng.integers(1, 30, len(rows))
    return e.set("PlacedAdoption", rows, "DATE_PLACED", text_of(new))


@kind("adoption_decision_date_changed", rules=("560",), needs_previous=True)
def _decision_date_changed(e: Edit) -> np.ndarray:
    """Last year's standing decision keyed this year a few days out."""
    if not e.has("PlacedAdoption"):
        return np.zeros(0, np.int64)
    placed = days(e.col("PlacedAdoption", "DATE_PLACED"))
    ok = (placed >= 0) & (placed < e.start) & (e.col("PlacedAdoption", "DATE_PLACED_CEASED") == "")
    rows = e.pick("PlacedAdoption", ok)
    new = placed[rows] - e.rng.integers(1, 10, len(rows))
    return e.set("PlacedAdoption", rows, "DATE_PLACED", text_of(new))


@kind("continuing_episode_start_changed", rules=("562",), needs_previous=True)
def _continuing_episode_moved(e: Edit) -> np.ndarray:
    """An episode open at 1 April keyed with a start date a few days out from last year's."""
    if not e.has("Episodes"):
        return np.zeros(0, np.int64)
    decom = days(e.col("Episodes", "DECOM"))
    rows = e.pick("Episodes", (decom >= 0) & (decom < e.start - 10))
    new = decom[rows] + e.rng.integers(1, 5, len(rows))
    return e.set("Episodes", rows, "DECOM", text_of(new))


@kind("reversed_decision_without_date", rules=("563",), weight=1.5)
def _reversal_without_decision_date(e: Edit) -> np.ndarray:
    """A reversed decision whose own date was never keyed."""
    if not e.has("PlacedAdoption"):
        return np.zeros(0, np.int64)
    rows = e.pick("PlacedAdoption", e.col("PlacedAdoption", "DATE_PLACED_CEASED") != "")
    return e.set("PlacedAdoption", rows, "DATE_PLACED", "")
