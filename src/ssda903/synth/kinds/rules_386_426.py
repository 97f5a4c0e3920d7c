"""Error kinds for the reason-ceased, legal-status and postcode rules 386-426.

Each kind makes one realistic slip an LA makes in the Episodes or Header tables (a reason ceased
that does not fit the child's age or placement, a legal status left unchanged, a postcode typed
wrongly) and names the rule that reports it.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE, add_years, age_on
from ssda903.synth._edit import days, text_of
from ssda903.synth._places import INSIDE
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


SHORT_BREAKS = ["V3", "V4"]
#: Short breaks and care leavers of 17 are a few in a hundred children: their kinds are chosen more often.
WEIGHT_RARE = 3.0


def _last_episode(e: Edit) -> np.ndarray:
    """Whether each episode is its child's last (the generator writes a child's episodes in date order)."""
    child = e.table("Episodes").child
    last = np.ones(len(child), bool)
    if len(child) > 1:
        last[:-1] = child[1:] != child[:-1]
    return last


def _short_breaks_only(e: Edit, children: np.ndarray) -> np.ndarray:
    """Whether each of ``children`` has episodes, all of them short breaks (V3 or V4)."""
    ep = e.table("Episodes")
    looked_after = ep.child[~np.isin(ep.cols["LS"], SHORT_BREAKS)]
    return np.isin(children, ep.child) & ~np.isin(children, looked_after)


@kind("x1_when_care_ended", rules=("388",))
def _x1_at_the_end(e: Edit) -> np.ndarray:
    """The child's last episode, which ended care, given X1 (new episode begins) as its reason."""
    rec = e.col("Episodes", "REC")
    rows = e.pick("Episodes", _last_episode(e) & (rec != "") & (rec != "X1"))
    return e.set("Episodes", rows, "REC", "X1")


@kind("care_leaver_dob_a_year_late", rules=("391",), weight=WEIGHT_RARE)
def _oc3_dob_a_year_late(e: Edit) -> np.ndarray:
    """A care leaver of 17 whose OC3 date of birth was keyed a year late, making them 16."""
    if not e.has("OC3"):
        return _none()
    dob = days(e.col("OC3", "DOB"))
    age = np.where(dob != NONE, age_on(dob, e.end), -1)
    rows = e.pick("OC3", (age == 17) & (e.col("OC3", "IN_TOUCH") != ""))
    return e.set("OC3", rows, "DOB", text_of(add_years(dob[rows], 1)))


@kind("mother_blank_for_girl_in_care", rules=("393",))
def _mother_blank(e: Edit) -> np.ndarray:
    """A girl looked after (not only on short breaks) whose MOTHER item was left blank."""
    h = e.table("Header")
    rows = e.pick("Header", (h.cols["MOTHER"] != "") & ~_short_breaks_only(e, h.child))
    return e.set("Header", rows, "MOTHER", "")


@kind("home_postcode_on_short_break", rules=("398",), weight=WEIGHT_RARE)
def _home_postcode_on_short_break(e: Edit) -> np.ndarray:
    """The child's home postcode filled in on a short-break episode."""
    ep = e.table("Episodes")
    rows = e.pick("Episodes", np.isin(ep.cols["LS"], SHORT_BREAKS) & (ep.cols["HOME_POST"] == ""))
    return e.set("Episodes", rows, "HOME_POST", e.rng.choice(INSIDE, len(rows)).astype(object))


@kind("mother_given_for_short_breaks_only", rules=("399",), weight=WEIGHT_RARE)
def _mother_on_short_breaks(e: Edit) -> np.ndarray:
    """A girl seen only on short breaks given a MOTHER value of 0."""
    h = e.table("Header")
    girl = np.isin(h.cols["SEX"], ["2", "F"])
    rows = e.pick("Header", girl & (h.cols["MOTHER"] == "") & _short_breaks_only(e, h.child))
    return e.set("Header", rows, "MOTHER", "0")


@kind("placement_postcode_on_short_break", rules=("420",), weight=WEIGHT_RARE)
def _placement_postcode_on_short_break(e: Edit) -> np.ndarray:
    """The short-break carer's postcode recorded as the placement postcode."""
    ep = e.table("Episodes")
    rows = e.pick("Episodes", np.isin(ep.cols["LS"], SHORT_BREAKS) & (ep.cols["PL_POST"] == ""))
    return e.set("Episodes", rows, "PL_POST", e.rng.choice(INSIDE, len(rows)).astype(object))


@kind("single_and_series_short_breaks", rules=("426",), weight=WEIGHT_RARE)
def _v3_and_v4(e: Edit) -> np.ndarray:
    """One of a child's several single short breaks (V3) recorded as part of a series (V4)."""
    ep = e.table("Episodes")
    v3 = ep.cols["LS"] == "V3"
    kids, counts = np.unique(ep.child[v3], return_counts=True)
    rows = e.pick("Episodes", v3 & np.isin(ep.child, kids[counts >= 2]))
    return e.set("Episodes", rows, "LS", "V4")


def _looked_after_non_uasc(e: Edit) -> np.ndarray:
    """Episodes other than short breaks of children who are not UASC (whose postcodes the DfE expects)."""
    ep = e.table("Episodes")
    return ~np.isin(ep.cols["LS"], SHORT_BREAKS) & ~e.world.uasc[ep.child]


@kind("home_postcode_left_blank", rules=("392a",))
def _home_postcode_blank(e: Edit) -> np.ndarray:
    """The home postcode left blank, so no distance can be worked out."""
    rows = e.pick("Episodes", _looked_after_non_uasc(e) & (e.col("Episodes", "HOME_POST") != ""))
    return e.set("Episodes", rows, "HOME_POST", "")


@kind("placement_postcode_left_blank", rules=("392b",))
def _placement_postcode_blank(e: Edit) -> np.ndarray:
    """The placement postcode left blank (the carer's address not yet on the system)."""
    rows = e.pick("Episodes", _looked_after_non_uasc(e) & (e.col("Episodes", "PL_POST") != ""))
    return e.set("Episodes", rows, "PL_POST", "")


@kind("postcode_cut_short", rules=("392c",))
def _postcode_cut_short(e: Edit) -> np.ndarray:
    """A home postcode missing its last letter (no real postcode ends in a digit and one letter)."""
    home = e.col("Episodes", "HOME_POST")
    rows = e.pick("Episodes", home != "")
    return e.set("Episodes", rows, "HOME_POST", np.array([p[:-1] for p in home[rows]], dtype=object))


@kind("home_postcode_as_placement_postcode", rules=("392d",))
def _home_as_placement(e: Edit) -> np.ndarray:
    """The child's home postcode copied into the placement postcode of a placement away from home."""
    ep = e.table("Episodes")
    home = ep.cols["HOME_POST"]
    ok = (home != "") & (ep.cols["PL_POST"] != home) & (ep.cols["PLACE"] != "P1")
    rows = e.pick("Episodes", ok)
    return e.set("Episodes", rows, "PL_POST", home[rows])


@kind("home_postcode_for_uasc", rules=("406",), weight=WEIGHT_RARE)
def _uasc_home_postcode(e: Edit) -> np.ndarray:
    """An unaccompanied asylum-seeking child given a home postcode (their first placement's), giving a distance."""
    ep = e.table("Episodes")
    ok = e.world.uasc[ep.child] & (ep.cols["HOME_POST"] == "") & (ep.cols["PL_POST"] != "")
    rows = e.pick("Episodes", ok)
    return e.set("Episodes", rows, "HOME_POST", e.rng.choice(INSIDE, len(rows)).astype(object))
