"""Error kinds for rules 521-553 (placement providers, adoption decisions, OC2 outcome items)."""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE, age_on
from ssda903.synth._edit import cat, days, text_of
from ssda903.synth.kinds._registry import Edit, kind


def _provider(e: Edit, places: list[str], provider: str, *, other: bool = False) -> np.ndarray:
    """Give one episode per child (with a placement in ``places``, or outside it) ``provider``."""
    place = e.col("Episodes", "PLACE")
    given = e.col("Episodes", "PLACE_PROVIDER") != ""
    inside = np.isin(place, places)
    rows = e.pick("Episodes", given & (~inside if other else inside) & (place != ""))
    return e.set("Episodes", rows, "PLACE_PROVIDER", provider)


@kind("other_la_provides_parents_health_or_custody", rules=("528",), weight=0.3)
def _other_la_provision(e: Edit) -> np.ndarray:
    """Another LA recorded as providing a placement with parents, in hospital or in custody."""
    return _provider(e, ["P1", "R2", "R5"], "PR2")


@kind("voluntary_provider_with_parents", rules=("531",), weight=0.3)
def _voluntary_with_parents(e: Edit) -> np.ndarray:
    """A placement with parents recorded as provided by a voluntary body."""
    return _provider(e, ["P1"], "PR5")


@kind("parents_provide_another_placement", rules=("550",), weight=0.3)
def _parents_provide_other(e: Edit) -> np.ndarray:
    """Provider PR0 (parents) kept on after the child moved from home to another placement."""
    return _provider(e, ["P1", "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"], "PR0", other=True)


ADOPTION_PLACES = ["A3", "A4", "A5", "A6"]


def _first_adoption_placement(e: Edit, children: np.ndarray) -> np.ndarray:
    """Per child, the day the first episode placed for adoption began (NONE when there is none)."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    mask = np.isin(ep.cols["PLACE"], ADOPTION_PLACES) & (decom != NONE)
    first: dict[int, int] = {}
    for c, d in zip(ep.child[mask].tolist(), decom[mask].tolist(), strict=True):
        first[c] = min(first.get(c, d), d)
    return np.array([first.get(c, NONE) for c in children.tolist()], dtype=np.int64)


@kind("adoption_decision_after_placing", rules=("521",), weight=0.3)
def _decision_after_placing(e: Edit) -> np.ndarray:
    """AD1's decision date typed as a date after the child was already placed for adoption."""
    if not (e.has("AD1") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    rows = e.pick("AD1", e.col("AD1", "DATE_INT") != "")
    placed = _first_adoption_placement(e, e.table("AD1").child[rows])
    rows, placed = rows[placed != NONE], placed[placed != NONE]
    new = text_of(placed + e.rng.integers(1, 40, len(rows)))
    return e.set("AD1", rows, "DATE_INT", new)


@kind("adoption_decision_reversed_before_made", rules=("522",), weight=0.3)
def _reversed_before_made(e: Edit) -> np.ndarray:
    """The date a decision was reversed typed before the date it was made."""
    if not e.has("PlacedAdoption"):
        return np.zeros(0, np.int64)
    ceased = e.col("PlacedAdoption", "DATE_PLACED_CEASED")
    rows = e.pick("PlacedAdoption", ceased != "")
    made = days(e.col("PlacedAdoption", "DATE_PLACED")[rows])
    rows, made = rows[made != NONE], made[made != NONE]
    return e.set("PlacedAdoption", rows, "DATE_PLACED_CEASED", text_of(made - e.rng.integers(1, 60, len(rows))))


@kind("adoption_decision_date_is_match_date", rules=("523",), weight=0.3)
def _decision_is_match_date(e: Edit) -> np.ndarray:
    """AD1's decision date typed as the date the child was matched with the adopters."""
    if not e.has("AD1"):
        return np.zeros(0, np.int64)
    match = e.col("AD1", "DATE_MATCH")
    rows = e.pick("AD1", (match != "") & (match != e.col("AD1", "DATE_INT")) & (e.col("AD1", "DATE_INT") != ""))
    return e.set("AD1", rows, "DATE_INT", match[rows])


@kind("married_couple_coded_same_gender", rules=("524",), weight=0.3)
def _married_couple_same_gender(e: Edit) -> np.ndarray:
    """A married man and woman recorded with the legal status of a same-gender married couple."""
    if not e.has("AD1"):
        return np.zeros(0, np.int64)
    rows = e.pick("AD1", (e.col("AD1", "SEX_ADOPTR") == "MF") & (e.col("AD1", "LS_ADOPTR") == "L11"))
    return e.set("AD1", rows, "LS_ADOPTR", "L12")


@kind("adopted_after_decision_reversed", rules=("525",), weight=0.3)
def _adopted_after_reversal(e: Edit) -> np.ndarray:
    """An adopted child's decision to place for adoption recorded as reversed."""
    if not (e.has("AD1") and e.has("PlacedAdoption")):
        return np.zeros(0, np.int64)
    pa = e.table("PlacedAdoption")
    adopted = np.isin(pa.child, e.table("AD1").child)
    rows = e.pick("PlacedAdoption", adopted & (pa.cols["DATE_PLACED_CEASED"] == "") & (pa.cols["DATE_PLACED"] != ""))
    made = days(pa.cols["DATE_PLACED"][rows])
    rows, made = rows[made != NONE], made[made != NONE]
    ceased = np.minimum(made + e.rng.integers(30, 120, len(rows)), e.end)
    e.set("PlacedAdoption", rows, "REASON_PLACED_CEASED", "RD1")
    return e.set("PlacedAdoption", rows, "DATE_PLACED_CEASED", text_of(np.maximum(ceased, made)))


@kind("placement_provider_left_blank", rules=("526",), weight=0.5)
def _provider_blank(e: Edit) -> np.ndarray:
    """No placement provider recorded for a placement that has one."""
    rows = e.pick("Episodes", e.col("Episodes", "PLACE_PROVIDER") != "")
    return e.set("Episodes", rows, "PLACE_PROVIDER", "")


HEALTH_ITEMS = ["IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE"]


def _oc2_age(e: Edit, rows: np.ndarray) -> np.ndarray:
    """Age on 31 March of the child on each OC2 row (-1 when the date of birth is unreadable)."""
    dob = days(e.col("OC2", "DOB")[rows])
    return np.where(dob == NONE, -1, age_on(dob, e.end))


@kind("conviction_given_under_10", rules=("542",), weight=0.3)
def _conviction_under_10(e: Edit) -> np.ndarray:
    """Conviction information recorded as "no" for a child below the age of criminal responsibility."""
    if not e.has("OC2"):
        return np.zeros(0, np.int64)
    rows = e.pick("OC2", (e.col("OC2", "CONVICTED") == "") & (e.col("OC2", "DOB") != ""))
    rows = rows[(_oc2_age(e, rows) >= 0) & (_oc2_age(e, rows) < 10)]
    return e.set("OC2", rows, "CONVICTED", "0")


@kind("conviction_left_blank", rules=("543",), weight=0.3)
def _conviction_blank(e: Edit) -> np.ndarray:
    """Conviction information left blank for a child aged 10 or over in care all year."""
    if not e.has("OC2"):
        return np.zeros(0, np.int64)
    rows = e.pick("OC2", e.col("OC2", "CONVICTED") != "")
    return e.set("OC2", rows, "CONVICTED", "")


def _health_item_blank(e: Edit, given: str) -> np.ndarray:
    """One of the four health outcome items left blank on a row where ``given`` is completed."""
    if not e.has("OC2"):
        return np.zeros(0, np.int64)
    rows = e.pick("OC2", e.col("OC2", given) != "")
    which = e.rng.integers(0, len(HEALTH_ITEMS), len(rows))
    return cat([e.set("OC2", rows[which == i], item, "") for i, item in enumerate(HEALTH_ITEMS)])


@kind("health_item_blank_with_conviction", rules=("544",), weight=0.3)
def _health_blank_convicted(e: Edit) -> np.ndarray:
    return _health_item_blank(e, "CONVICTED")


@kind("health_check_left_blank", rules=("545",), weight=0.3)
def _health_check_blank(e: Edit) -> np.ndarray:
    """Health surveillance checks left blank for a child under 5 in care all year."""
    if not e.has("OC2"):
        return np.zeros(0, np.int64)
    rows = e.pick("OC2", e.col("OC2", "HEALTH_CHECK") != "")
    return e.set("OC2", rows, "HEALTH_CHECK", "")


@kind("health_check_given_at_5_or_over", rules=("546",), weight=0.3)
def _health_check_over_5(e: Edit) -> np.ndarray:
    """Health surveillance checks recorded for a child of 5 or over (they are asked only under 5)."""
    if not e.has("OC2"):
        return np.zeros(0, np.int64)
    rows = e.pick("OC2", (e.col("OC2", "HEALTH_CHECK") == "") & (e.col("OC2", "DOB") != ""))
    rows = rows[_oc2_age(e, rows) >= 5]
    return e.set("OC2", rows, "HEALTH_CHECK", "1")


@kind("health_item_blank_with_health_check", rules=("547",), weight=0.3)
def _health_blank_checked(e: Edit) -> np.ndarray:
    return _health_item_blank(e, "HEALTH_CHECK")


@kind("adoption_decision_date_not_recorded", rules=("551",), weight=0.3)
def _decision_not_recorded(e: Edit) -> np.ndarray:
    """The date of the decision to place for adoption left blank for a child placed for adoption."""
    if not (e.has("PlacedAdoption") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    ep = e.table("Episodes")
    placed = ep.child[np.isin(ep.cols["PLACE"], ADOPTION_PLACES)]
    pa = e.table("PlacedAdoption")
    rows = e.pick("PlacedAdoption", np.isin(pa.child, placed) & (pa.cols["DATE_PLACED"] != ""))
    rows = rows[np.bincount(pa.child)[pa.child[rows]] == 1]  # the child's only decision
    return e.set("PlacedAdoption", rows, "DATE_PLACED", "")


@kind("adoption_decision_after_placement", rules=("552",), weight=0.3)
def _decision_after_placement(e: Edit) -> np.ndarray:
    """The decision to place for adoption dated after the child was placed (the placement order's date)."""
    if not (e.has("PlacedAdoption") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    pa = e.table("PlacedAdoption")
    rows = e.pick("PlacedAdoption", pa.cols["DATE_PLACED"] != "")
    rows = rows[np.bincount(pa.child)[pa.child[rows]] == 1]  # a child with one decision
    placed = _first_adoption_placement(e, pa.child[rows])
    rows, placed = rows[placed != NONE], placed[placed != NONE]
    return e.set("PlacedAdoption", rows, "DATE_PLACED", text_of(placed + e.rng.integers(1, 30, len(rows))))


@kind("adoption_decision_reversed_under_placement_order", rules=("553",), weight=0.3)
def _reversed_under_order(e: Edit) -> np.ndarray:
    """A decision recorded as reversed while the child's placement order is still in force."""
    if not (e.has("PlacedAdoption") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    ep = e.table("Episodes")
    under_order = ep.child[(ep.cols["LS"] == "E1") & (ep.cols["DEC"] == "")]
    pa = e.table("PlacedAdoption")
    mask = np.isin(pa.child, under_order) & (pa.cols["DATE_PLACED_CEASED"] == "") & (pa.cols["DATE_PLACED"] != "")
    rows = e.pick("PlacedAdoption", mask)
    rows = rows[np.bincount(pa.child)[pa.child[rows]] == 1]
    made = days(pa.cols["DATE_PLACED"][rows])
    rows, made = rows[made != NONE], made[made != NONE]
    ceased = np.maximum(np.minimum(made + e.rng.integers(30, 120, len(rows)), e.end), made)
    e.set("PlacedAdoption", rows, "REASON_PLACED_CEASED", "RD1")
    return e.set("PlacedAdoption", rows, "DATE_PLACED_CEASED", text_of(ceased))
