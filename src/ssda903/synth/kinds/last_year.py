"""Error kinds that carry last year's return into this year's wrongly (561, 576).

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
