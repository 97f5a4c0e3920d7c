"""Error kinds for the care leaver and whole-return rules (3001, EPI, NoE, 1003, 1008, 1012, 1015).

The generator gives no care leaver an episode this year (they left care before it), so the
rules about a care leaver's episodes this year (1000, 1007, 1011, 1016) get no kind yet.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE, add_years
from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind

NOTHING = np.zeros(0, np.int64)


@kind("seventeen_with_former_foster_carers", rules=("3001",), weight=2.0)
def _staying_put_at_17(e: Edit) -> np.ndarray:
    """A 17-year-old care leaver recorded as living with former foster carers (staying put starts at 18)."""
    if not e.has("OC3"):
        return NOTHING
    oc3 = e.table("OC3")
    dob = days(oc3.cols["DOB"])
    seventeen = add_years(dob, 17)
    rows = e.pick("OC3", (dob != NONE) & (seventeen >= e.start) & (seventeen <= e.end) & (oc3.cols["ACCOM"] != ""))
    return e.set("OC3", rows, "ACCOM", "Z1")


@kind("adoption_decision_before_care", rules=("1003",), weight=2.0)
def _decision_before_care(e: Edit) -> np.ndarray:
    """The decision to place for adoption dated before the period of care began this year."""
    if not (e.has("PlacedAdoption") and e.has("Episodes")):
        return NOTHING
    ep = e.table("Episodes")
    starts = ep.cols["RNE"] == "S"
    first_start: dict[int, int] = {}
    for c, d in zip(ep.child[starts].tolist(), days(ep.cols["DECOM"][starts]).tolist(), strict=True):
        first_start.setdefault(c, d)
    pa = e.table("PlacedAdoption")
    rows = e.pick("PlacedAdoption", np.isin(pa.child, list(first_start)) & (pa.cols["DATE_PLACED"] != ""))
    started = np.array([first_start[c] for c in pa.child[rows].tolist()], dtype=np.int64)
    keep = started != NONE
    new = started[keep] - e.rng.integers(1, 30, int(keep.sum()))
    return e.set("PlacedAdoption", rows[keep], "DATE_PLACED", text_of(new))


@kind("urn_mistyped", rules=("1008",), weight=0.3)
def _urn_typo(e: Edit) -> np.ndarray:
    """A placement's Ofsted URN with its last two digits swapped into a number Ofsted does not list."""
    urn = e.col("Episodes", "URN")
    real = (urn != "") & (urn != "XXXXXXX") & (np.char.str_len(urn.astype(str)) >= 7)
    rows = e.pick("Episodes", real)
    old = urn[rows].astype(str)
    new = np.array([u[:-2] + ("9" if u[-1] != "9" else "8") + "0" for u in old.tolist()], dtype=object)
    return e.set("Episodes", rows, "URN", new)


@kind("review_filed_against_care_leaver", rules=("1012",), weight=0.3)
def _review_of_care_leaver(e: Edit) -> np.ndarray:
    """A review recorded against a care leaver (no episode this year) instead of the child reviewed."""
    if not (e.has("Reviews") and e.has("OC3")):
        return NOTHING
    in_care = set(e.table("Episodes").child.tolist())
    oc3 = e.table("OC3")
    leavers = np.array([i for i, c in enumerate(oc3.child.tolist()) if c not in in_care], dtype=np.int64)
    if len(leavers) == 0:
        return NOTHING
    rows = e.pick("Reviews", np.ones(len(e.table("Reviews")), bool))
    target = leavers[e.rng.integers(0, len(leavers), len(rows))]
    # filed in full against the other young person (the DOB first: the manifest names the child reviewed)
    e.set("Reviews", rows, "DOB", oc3.cols["DOB"][target])
    return e.set("Reviews", rows, "CHILD", oc3.cols["CHILD"][target])


@kind("own_provision_outside_the_la", rules=("1015",), weight=1.0)
def _own_provision_elsewhere(e: Edit) -> np.ndarray:
    """A children's home run by another provider, outside the LA, recorded as the LA's own provision."""
    ep = e.table("Episodes")
    homes = np.isin(ep.cols["PLACE"], ["K2"]) & np.isin(ep.cols["PLACE_PROVIDER"], ["PR4", "PR5"])
    # every home postcode lies in the LA: a placement in none of their postcode districts lies outside it
    home_districts = {p.split(" ")[0] for p in ep.cols["HOME_POST"].tolist()}
    far = np.array([p != "" and p.split(" ")[0] not in home_districts for p in ep.cols["PL_POST"].tolist()], bool)
    rows = e.pick("Episodes", homes & far & ~np.isin(ep.cols["LS"], ["V3", "V4"]))
    return e.set("Episodes", rows, "PLACE_PROVIDER", "PR1")


@kind("episodes_under_another_child", rules=("EPI",), weight=0.2)
def _episodes_lost(e: Edit) -> np.ndarray:
    """Every episode of a child recorded under a mistyped identifier: the child has none of their own."""
    ep = e.table("Episodes")
    has_oc3 = e.table("OC3").child if e.has("OC3") else NOTHING
    rows = e.pick("Episodes", ~np.isin(ep.child, has_oc3))
    rows = np.flatnonzero(np.isin(ep.child, ep.child[rows]))
    return e.set("Episodes", rows, "CHILD", ep.cols["CHILD"][rows] + "A")


@kind("care_start_typed_a_year_early", rules=("NoE",), weight=0.3, needs_previous=True)
def _started_a_year_early(e: Edit) -> np.ndarray:
    """The first episode of a child who came into care this year dated a year too early."""
    ep = e.table("Episodes")
    first = np.r_[True, ep.child[1:] != ep.child[:-1]] if len(ep) else np.zeros(0, bool)
    decom = days(ep.cols["DECOM"])
    # only children first looked after this year: they are in no earlier return
    new_to_care = first & (ep.cols["RNE"] == "S") & (decom > e.start + 7) & (e.world.start[ep.child] > e.start)
    rows = e.pick("Episodes", new_to_care)
    return e.set("Episodes", rows, "DECOM", text_of(add_years(decom[rows], -1)))
