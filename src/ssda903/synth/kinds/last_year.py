"""Error kinds that carry last year's return into this year's wrongly (348, 561, 576).

They need last year's return, so each is registered with ``needs_previous=True``; they change
this year's tables only (the manifest has no period column).
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._dates import NONE, add_years, text
from ssda903.synth.kinds._registry import Edit, kind

NOTHING = np.zeros(0, np.int64)


def _decision_reversed_last_year(e: Edit) -> np.ndarray:
    """Children looked after this year whose decision to place for adoption ceased last year."""
    if not (e.has("Episodes") and "PlacedAdoption" in e.ctx.tables):
        return NOTHING
    w = e.world
    prev_start = add_years(np.array([e.start]), -1)[0]
    c = np.intersect1d(e.children, e.table("Episodes").child)
    c = c[~np.isin(c, e.table("PlacedAdoption").child)]
    ceased = w.decision_ceased[c]
    return c[(w.decision[c] != NONE) & (ceased != NONE) & (ceased >= prev_start) & (ceased < e.start)]


@kind(
    "reversed_adoption_decision_carried_over",
    rules=("561",),
    weight=0.3,
    needs_previous=True,
    adds_rows=True,
    eligible=_decision_reversed_last_year,
)
def _reversed_decision_kept(e: Edit) -> np.ndarray:
    """A decision to place for adoption that was reversed last year given again this year, without its end.

    Last year's return gave the decision with the date it ceased; this year's copies the
    decision across as if it still stood.
    """
    c = _decision_reversed_last_year(e)
    if len(c) == 0:
        return NOTHING
    h = e.table("Header")
    hrow = np.searchsorted(h.child, c)
    values = {"CHILD": h.cols["CHILD"][hrow], "DOB": h.cols["DOB"][hrow], "DATE_PLACED": text(e.world.decision[c])}
    return e.add_rows("PlacedAdoption", c, values)


def _died_last_year(e: Edit) -> np.ndarray:
    """Care leavers reported as died both last year and this year (once died, always died)."""
    if not e.has("OC3"):
        return NOTHING
    w = e.world
    oc3 = e.table("OC3")
    c = oc3.child[(oc3.cols["IN_TOUCH"] == "DIED") & np.isin(oc3.child, e.children)]
    # in last year's OC3 too: out of care before last year, 17th-21st birthday in it
    b_last = w.leave_birthday[c] + (e.view.f.year.start_year - w.cur.year.start_year) - 1
    prev_start = add_years(np.array([e.start]), -1)[0]
    return c[(b_last >= 17) & (b_last <= 21) & (w.end[c] < prev_start)]


@kind("care_leaver_death_not_carried_over", rules=("348",), weight=0.1, needs_previous=True, eligible=_died_last_year)
def _death_forgotten(e: Edit) -> np.ndarray:
    """A care leaver reported last year as having died, recorded this year as not in touch."""
    oc3 = e.table("OC3")
    rows = e.pick("OC3", np.isin(oc3.child, _died_last_year(e)))
    return e.set("OC3", rows, "IN_TOUCH", "NO")
