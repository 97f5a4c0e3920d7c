"""The first two views comparing LAs (issue 11): my position, and errors eliminated elsewhere.

Both read, for one collection year, each LA's latest submission (its latest ``final`` one when
it has any, else its latest ``draft``). Another LA is never named: the position view gives other
LAs only as anonymous points (children, rate) for a funnel plot, sorted by size; the eliminated
view gives only shares and counts of LAs. With fewer than :data:`MIN_OTHERS` other LAs a view
says so instead of showing their figures.

Counts in profiles are suppressed on the LA's machine: a band (``"1-9"`` …) is read as its
midpoint (``"500+"`` as 500, its lower end), a rounded count as itself. The answer names this
approximation, so a reader knows the rates are estimates.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ssda903.hub.app import Me, _factory
from ssda903.hub.tables import Submission
from ssda903.model.years import CollectionYear, YearError

#: fewer other LAs than this for the year, and their figures are not shown
MIN_OTHERS = 3
Z95 = 1.959963984540054
Z998 = 3.090232306167813
APPROXIMATION = (
    "suppressed counts read as estimates: a band is its midpoint ('1-9' as 5, '10-49' as 29.5, "
    "'50-99' as 74.5, '100-499' as 299.5, '500+' as 500), a count rounded to 5 as itself"
)
RAN = ("passed", "failed")


def count(value: Any) -> float | None:
    """A suppressed count as a number: a band's midpoint (``"500+"``: 500), a number as itself."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text.endswith("+") and text[:-1].isdigit():
        return float(text[:-1])
    lo, sep, hi = text.partition("-")
    if sep and lo.isdigit() and hi.isdigit():
        return (int(lo) + int(hi)) / 2
    return float(text) if text.isdigit() else None


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``successes / n``."""
    if n <= 0:
        return (0.0, 1.0)
    p = min(max(successes / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def latest(session: Session, year: str) -> dict[str, Submission]:
    """Each LA's submission for ``year`` the views use: its latest final one, else its latest draft."""
    chosen: dict[str, Submission] = {}
    rows = session.scalars(select(Submission).where(Submission.collection_year == year).order_by(Submission.id))
    for sub in rows:
        have = chosen.get(sub.la)
        if have is None or sub.stage == "final" or have.stage != "final":
            chosen[sub.la] = sub
    return chosen


#: Another LA's number of children is shown to the nearest this many.
SIZE_STEP = 100


def _coarse(n: float) -> float:
    """Another LA's size to the nearest SIZE_STEP children (at least SIZE_STEP)."""
    return float(max(SIZE_STEP, SIZE_STEP * math.floor(n / SIZE_STEP + 0.5)))


def _rate(profile: dict[str, Any]) -> tuple[float, float] | None:
    children, with_error = count(profile.get("children")), count(profile.get("children_with_error"))
    if not children or with_error is None:
        return None
    return children, min(with_error, children)


def _pct(x: float) -> float:
    return round(100 * x, 2)


def position(mine: Submission, others: list[Submission]) -> dict[str, Any]:
    """Children with an error per 100 children, mine and the other LAs', with funnel limits."""
    me = _rate(mine.profile)
    if me is None:
        return {"shown": False, "note": "your profile gives no number of children"}
    children, errors = me
    lo, hi = wilson(errors, children)
    view: dict[str, Any] = {
        "mine": {
            "children": children,
            "children_with_error": errors,
            "rate": _pct(errors / children),
            "ci95": [_pct(lo), _pct(hi)],
        },
        "other_las": len(others),
    }
    if len(others) < MIN_OTHERS:
        return {
            **view,
            "shown": False,
            "note": f"fewer than {MIN_OTHERS} other LAs submitted for this year: their figures are not shown",
        }
    pairs = [r for r in (_rate(o.profile) for o in others) if r is not None]
    # sorted by size, so the order says nothing of who submitted when; another LA's size is shown
    # only to the nearest SIZE_STEP children, which is enough for a funnel plot and names no LA
    points = sorted(
        ({"children": _coarse(n), "rate": _pct(e / n)} for n, e in pairs), key=lambda p: (p["children"], p["rate"])
    )
    pooled = (errors + sum(e for _, e in pairs)) / (children + sum(n for n, _ in pairs))

    def limits(n: float) -> dict[str, Any]:
        n = max(n, 1.0)
        sd = math.sqrt(pooled * (1 - pooled) / n)
        return {
            "children": n,
            "lower95": _pct(max(0.0, pooled - Z95 * sd)),
            "upper95": _pct(min(1.0, pooled + Z95 * sd)),
            "lower998": _pct(max(0.0, pooled - Z998 * sd)),
            "upper998": _pct(min(1.0, pooled + Z998 * sd)),
        }

    sizes = sorted({children, *(_coarse(n) for n, _ in pairs)})
    at_me = limits(children)
    rate = _pct(errors / children)
    band = "above" if rate > at_me["upper95"] else "below" if rate < at_me["lower95"] else "within"
    beyond = rate > at_me["upper998"] or rate < at_me["lower998"]
    return {
        **view,
        "shown": True,
        "pooled_rate": _pct(pooled),
        "points": points,
        "funnel": [limits(n) for n in sizes],
        "band": band,
        "beyond_998": beyond,
        "band_means": "within, above or below the 95% limits around the pooled rate at your size "
        "(beyond_998: outside the 99.8% limits too)",
    }


def eliminated_elsewhere(mine: Submission, others: list[Submission]) -> dict[str, Any]:
    """For each rule I fail, the share of other LAs where it ran and found nothing."""
    if len(others) < MIN_OTHERS:
        return {
            "shown": False,
            "other_las": len(others),
            "note": f"fewer than {MIN_OTHERS} other LAs submitted for this year: their figures are not shown",
        }
    children = count(mine.profile.get("children")) or 0.0
    rules: list[dict[str, Any]] = []
    left_out = 0
    for code, mine_rule in sorted(mine.profile.get("rules", {}).items()):
        if mine_rule.get("outcome") != "failed":
            continue
        outcomes = [o.profile.get("rules", {}).get(code, {}).get("outcome") for o in others]
        ran = sum(1 for o in outcomes if o in RAN)
        if ran < MIN_OTHERS:
            left_out += 1
            continue
        clean = sum(1 for o in outcomes if o == "passed")
        rows = count(mine_rule.get("rows")) or 0.0
        per_100 = 100 * rows / children if children else 0.0
        share = clean / ran
        rules.append(
            {
                "rule": code,
                "my_rows": rows,
                "my_rows_per_100_children": round(per_100, 2),
                "ran_at": ran,
                "found_nothing_at": clean,
                "share_found_nothing": round(share, 3),
                "score": round(per_100 * share, 3),
            }
        )
    rules.sort(key=lambda r: (-r["score"], r["rule"]))
    return {
        "shown": True,
        "other_las": len(others),
        "rules": rules,
        "left_out": left_out,
        "left_out_means": f"rules you fail that ran at fewer than {MIN_OTHERS} other LAs",
        "sorted_by": "your failing rows per 100 children times the share of other LAs where it ran and found nothing",
    }


def compare(session: Session, la: str, year: str) -> dict[str, Any]:
    """The comparison of ``la`` with the other LAs for ``year`` (both views)."""
    chosen = latest(session, year)
    mine = chosen.pop(la, None)
    if mine is None:
        raise HTTPException(404, f"your LA has no submission for {year}")
    others = list(chosen.values())
    return {
        "la": la,
        "collection_year": year,
        "used": {
            "submission": mine.id,
            "stage": mine.stage,
            "rule": "each LA's latest final submission for the year, else its latest draft",
        },
        "approximation": APPROXIMATION,
        "position": position(mine, others),
        "eliminated_elsewhere": eliminated_elsewhere(mine, others),
    }


router = APIRouter(prefix="/api")


@router.get("/compare")
def compare_view(person: Me, request: Request, year: str = Query(max_length=20)) -> dict[str, Any]:
    """My position and the errors other LAs have eliminated, for one collection year."""
    try:
        canonical = str(CollectionYear.parse(year))
    except YearError as e:
        raise HTTPException(422, str(e)) from None
    with _factory(request)() as session:
        return compare(session, person.la, canonical)
