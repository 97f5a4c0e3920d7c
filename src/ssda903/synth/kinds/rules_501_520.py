"""Error kinds for rules 501-520: the episode carried over from last year, category of need, adopters.

An episode open at the end of last year comes back as this year's first episode; the slips here
are the ones a case system makes when it re-keys that episode instead of carrying it over (a new
start date, a new period of care, the legal status or placement as it stands today). The adoption
kinds give the adopters' sexes and legal status that disagree, as when one item is updated and not
the other.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE
from ssda903.synth._edit import days, text_of
from ssda903.synth._places import HOME_LA, POSTCODES
from ssda903.synth.kinds._registry import Edit, kind

_NOTHING = np.zeros(0, np.int64)


def _first_rows(e: Edit) -> np.ndarray:
    """Per episode row: whether it is the child's first (the generator writes a child's episodes
    together, in order of start date)."""
    child = e.table("Episodes").child
    first = np.ones(len(child), bool)
    if len(child) > 1:
        first[1:] = child[1:] != child[:-1]
    return first


def _carried_over(e: Edit) -> np.ndarray:
    """Per episode row: the child's first episode this year, begun last year and open at its end."""
    if not e.has("Episodes"):
        return np.zeros(0, bool)
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    dec = days(ep.cols["DEC"])
    return _first_rows(e) & (decom != NONE) & (decom < e.start) & ((dec == NONE) | (dec >= e.start))


def _recode(e: Edit, column: str, mapping: dict[str, str]) -> np.ndarray:
    """On the carried-over episode, ``column`` changed by ``mapping`` (rows with another value left alone)."""
    ok = _carried_over(e)
    if not ok.any():
        return _NOTHING
    values = e.col("Episodes", column)
    rows = e.pick("Episodes", ok & np.isin(values, list(mapping)))
    return e.set("Episodes", rows, column, np.array([mapping[v] for v in values[rows]], dtype=object))


@kind("carried_over_start_rekeyed", rules=("502",))
def _start_rekeyed(e: Edit) -> np.ndarray:
    """The carried-over episode's start date keyed again from the placement papers, a few days out."""
    ok = _carried_over(e)
    if not ok.any():
        return _NOTHING
    rows = e.pick("Episodes", ok)
    decom = days(e.col("Episodes", "DECOM"))[rows]
    return e.set("Episodes", rows, "DECOM", text_of(decom - e.rng.integers(1, 28, len(rows))))


@kind("carried_over_as_new_period", rules=("503A",))
def _as_new_period(e: Edit) -> np.ndarray:
    """The carried-over episode re-entered as the start of a new period of care (RNE S)."""
    return _recode(e, "RNE", {"P": "S", "L": "S", "T": "S", "U": "S", "B": "S"})


@kind("carried_over_legal_status_as_now", rules=("503B",))
def _legal_status_as_now(e: Edit) -> np.ndarray:
    """The carried-over episode given the legal status the child has now (interim to full order)."""
    return _recode(e, "LS", {"C1": "C2", "C2": "C1", "V2": "C2", "E1": "C2"})


@kind("carried_over_category_recoded", rules=("503C",))
def _category_recoded(e: Edit) -> np.ndarray:
    """The carried-over episode's category of need updated at a review."""
    return _recode(e, "CIN", {f"N{k}": f"N{k % 8 + 1}" for k in range(1, 9)})


@kind("carried_over_placement_recoded", rules=("503D",))
def _placement_recoded(e: Edit) -> np.ndarray:
    """The carried-over foster placement given another foster placement type (e.g. U4 for U3)."""
    return _recode(e, "PLACE", {"U1": "U2", "U2": "U1", "U3": "U4", "U4": "U3", "U5": "U6", "U6": "U5"})


@kind("carried_over_provider_recoded", rules=("503E",))
def _provider_recoded(e: Edit) -> np.ndarray:
    """The carried-over placement's provider recorded as the agency that now pays for it."""
    return _recode(e, "PLACE_PROVIDER", {"PR1": "PR4", "PR4": "PR1", "PR2": "PR3", "PR3": "PR2", "PR5": "PR4"})


@kind("carried_over_urn_of_another_setting", rules=("503F",))
def _urn_of_another_setting(e: Edit) -> np.ndarray:
    """The carried-over placement given the Ofsted URN of another of the provider's settings."""
    ok = _carried_over(e)
    if not ok.any():
        return _NOTHING
    urn = e.col("Episodes", "URN")
    real = (urn != "") & (urn != "XXXXXXX")
    rows = e.pick("Episodes", ok & real)
    others = np.unique(urn[real])
    if len(rows) == 0 or len(others) < 2:
        return _NOTHING
    new = others[e.rng.integers(0, len(others), len(rows))]
    same = new == urn[rows]
    new[same] = others[(np.searchsorted(others, new[same]) + 1) % len(others)]
    return e.set("Episodes", rows, "URN", new.astype(object))


_LA_OF = dict(POSTCODES)
_INSIDE = np.array(sorted(p for p, la in POSTCODES if la == HOME_LA), dtype=object)
_LONDON_OUTSIDE = np.array(sorted(p for p, la in POSTCODES if la != HOME_LA and la.startswith("E09")), dtype=object)


def _placement_moved(e: Edit) -> np.ndarray:
    """The carried-over placement's postcode changed to the carers' new address, across the LA's
    border: a placement inside the LA moved to another London borough, one outside moved inside."""
    ok = _carried_over(e)
    if not ok.any() or len(_INSIDE) == 0 or len(_LONDON_OUTSIDE) == 0:
        return _NOTHING
    post = e.col("Episodes", "PL_POST")
    known = np.array([p in _LA_OF for p in post], dtype=bool)
    rows = e.pick("Episodes", ok & known)
    inside = np.array([_LA_OF[p] == HOME_LA for p in post[rows]], dtype=bool)
    new = np.where(
        inside,
        _LONDON_OUTSIDE[e.rng.integers(0, len(_LONDON_OUTSIDE), len(rows))],
        _INSIDE[e.rng.integers(0, len(_INSIDE), len(rows))],
    )
    return e.set("Episodes", rows, "PL_POST", new.astype(object))


@kind("carried_over_placed_at_home_postcode", rules=("503G",))
def _placed_at_home_postcode(e: Edit) -> np.ndarray:
    """The carried-over placement's postcode overwritten with the child's home postcode (distance 0)."""
    ok = _carried_over(e)
    if not ok.any():
        return _NOTHING
    home = e.col("Episodes", "HOME_POST")
    post = e.col("Episodes", "PL_POST")
    # another postcode sector: postcodes of one sector (TW9 2JR, TW9 2LP) can lie under 0.1 mile apart
    known = np.array(
        [h in _LA_OF and p in _LA_OF and h[:-2] != p[:-2] for h, p in zip(home, post, strict=True)], dtype=bool
    )
    rows = e.pick("Episodes", ok & known)
    return e.set("Episodes", rows, "PL_POST", home[rows])


@kind("carried_over_placement_la_changed", rules=("503H",))
def _placement_la_changed(e: Edit) -> np.ndarray:
    return _placement_moved(e)


@kind("carried_over_location_changed", rules=("503J",))
def _location_changed(e: Edit) -> np.ndarray:
    return _placement_moved(e)


@kind("category_changed_mid_period", rules=("504",))
def _category_changed_mid_period(e: Edit) -> np.ndarray:
    """A change of placement recorded with the category of need as reassessed, not the period's."""
    if not e.has("Episodes"):
        return _NOTHING
    ep = e.table("Episodes")
    first = _first_rows(e)
    prev_rec = np.concatenate([[""], ep.cols["REC"][:-1]]).astype(object)
    prev_dec = np.concatenate([[""], ep.cols["DEC"][:-1]]).astype(object)
    cin = ep.cols["CIN"]
    ok = ~first & (prev_rec == "X1") & (prev_dec == ep.cols["DECOM"]) & np.isin(cin, [f"N{k}" for k in range(1, 9)])
    rows = e.pick("Episodes", ok)
    return e.set("Episodes", rows, "CIN", np.array([f"N{int(c[1]) % 8 + 1}" for c in cin[rows]], dtype=object))


def _adopters(e: Edit, column: str, when: dict[str, list[str]], new: str) -> np.ndarray:
    """AD1 rows matching every ``when`` condition get ``new`` in ``column``."""
    if not e.has("AD1"):
        return _NOTHING
    ad = e.table("AD1")
    ok = np.ones(len(ad.child), bool)
    for col, values in when.items():
        ok &= np.isin(ad.cols[col], values)
    return e.set("AD1", e.pick_rare("AD1", ok), column, new)


@kind("couple_recorded_as_one_adopter", rules=("511",))
def _couple_as_one(e: Edit) -> np.ndarray:
    """Two adopters, but only the adopter who signed the papers recorded in their sexes (F1)."""
    return _adopters(e, "SEX_ADOPTR", {"NB_ADOPTR": ["2"], "SEX_ADOPTR": ["MF", "FF"]}, "F1")


@kind("couple_given_single_legal_status", rules=("514",))
def _couple_as_single_status(e: Edit) -> np.ndarray:
    """A couple adopting given the single adopter's legal status (L0)."""
    return _adopters(e, "LS_ADOPTR", {"SEX_ADOPTR": ["MF", "MM", "FF"]}, "L0")


@kind("same_gender_couple_as_l3", rules=("517",))
def _same_gender_as_l3(e: Edit) -> np.ndarray:
    """An unmarried same-gender couple given the unmarried different-gender status (L3 for L4)."""
    return _adopters(e, "LS_ADOPTR", {"LS_ADOPTR": ["L4"]}, "L3")


@kind("different_gender_couple_as_l4", rules=("518",))
def _different_gender_as_l4(e: Edit) -> np.ndarray:
    """An unmarried different-gender couple given the unmarried same-gender status (L4 for L3)."""
    return _adopters(e, "LS_ADOPTR", {"LS_ADOPTR": ["L3"]}, "L4")


@kind("single_adopter_as_civil_partners", rules=("519",))
def _single_as_civil_partners(e: Edit) -> np.ndarray:
    """A single adopter given the civil partnership status (L2 for L0)."""
    return _adopters(e, "LS_ADOPTR", {"LS_ADOPTR": ["L0"]}, "L2")


@kind("same_gender_married_as_l11", rules=("520",))
def _same_gender_married_as_l11(e: Edit) -> np.ndarray:
    """A same-gender married couple given the different-gender married status (L11 for L12)."""
    return _adopters(e, "LS_ADOPTR", {"LS_ADOPTR": ["L12"]}, "L11")


@kind("staying_put_from_a_childrens_home", rules=("516",))
def _staying_put_from_home(e: Edit) -> np.ndarray:
    """A young person staying put with former foster carers whose last episode is coded as the
    children's home they moved from (K2 for a foster placement)."""
    if not e.has("Episodes"):
        return _NOTHING
    ep = e.table("Episodes")
    rows = e.pick_rare("Episodes", np.isin(ep.cols["REC"], ["E45", "E46"]))
    return e.set("Episodes", rows, "PLACE", "K2")
