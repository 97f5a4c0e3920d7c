"""Error kinds for the reason-ceased, legal-status and postcode rules 386-426.

Each kind makes one realistic slip an LA makes in the Episodes or Header tables (a reason ceased
that does not fit the child's age or placement, a legal status left unchanged, a postcode typed
wrongly) and names the rule that reports it.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE, age_on
from ssda903.synth._edit import days
from ssda903.synth.kinds._registry import Edit, kind

ADOPTION_PLACES = ["A3", "A4", "A5", "A6"]


def _none() -> np.ndarray:
    return np.zeros(0, np.int64)


def _age_at_end(e: Edit) -> tuple[np.ndarray, np.ndarray]:
    """Each episode's child's age on its end date, and whether it ended care (a DEC, a reason not X1)."""
    ep = e.table("Episodes")
    dec = days(ep.cols["DEC"])
    dob = e.world.dob[ep.child]
    ended = (dec != NONE) & (dob != NONE) & (ep.cols["REC"] != "") & (ep.cols["REC"] != "X1")
    return np.where(ended, age_on(dob, np.where(ended, dec, 0)), -1), ended


@kind("adopted_as_an_adult", rules=("386",))
def _adopted_at_18(e: Edit) -> np.ndarray:
    """A young person leaving care at 18 or over from an adoptive placement recorded as adopted."""
    age, ended = _age_at_end(e)
    rows = e.pick("Episodes", ended & (age >= 18))
    return e.set("Episodes", rows, "REC", "E11")


@kind("independent_living_under_14", rules=("387",))
def _independent_under_14(e: Edit) -> np.ndarray:
    """A child under 14 leaving care recorded as moved to independent living (E5 for E4A)."""
    age, ended = _age_at_end(e)
    rows = e.pick("Episodes", ended & (age >= 0) & (age < 14))
    return e.set("Episodes", rows, "REC", "E5")


@kind("adult_services_under_16", rules=("389",))
def _adult_services_under_16(e: Edit) -> np.ndarray:
    """A child under 16 leaving care recorded as transferred to adult social care (E7)."""
    age, ended = _age_at_end(e)
    rows = e.pick("Episodes", ended & (age >= 0) & (age < 16))
    return e.set("Episodes", rows, "REC", "E7")


@kind("adopted_from_foster_care", rules=("390",))
def _adopted_from_foster_care(e: Edit) -> np.ndarray:
    """A child adopted by their foster carers without the placement being recorded as for adoption."""
    age, ended = _age_at_end(e)
    place = e.col("Episodes", "PLACE")
    ok = ended & (age >= 0) & (age < 18) & np.isin(place, ["U1", "U2", "U3", "U4", "U5", "U6"])
    rows = e.pick("Episodes", ok)
    return e.set("Episodes", rows, "REC", "E12")


@kind("special_guardianship_at_18", rules=("407",))
def _sgo_at_18(e: Edit) -> np.ndarray:
    """A young person leaving care at 18 or over recorded as leaving under a special guardianship order."""
    age, ended = _age_at_end(e)
    rows = e.pick("Episodes", ended & (age >= 18))
    return e.set("Episodes", rows, "REC", "E45")


@kind("placement_order_not_recorded", rules=("408",))
def _no_placement_order(e: Edit) -> np.ndarray:
    """A placement for adoption under a placement order whose legal status was left as the care order."""
    ep = e.table("Episodes")
    rows = e.pick("Episodes", np.isin(ep.cols["PLACE"], ["A5", "A6"]) & (ep.cols["LS"] == "E1"))
    return e.set("Episodes", rows, "LS", "C2")
