"""The views comparing LAs (issue 11): my position, eliminated elsewhere, who fixed it, the heatmap.

Every view reads, for one collection year, each LA's latest submission (its latest ``final`` one
when it has any, else its latest ``draft``), among the LAs of a peer group (``?group=``: every
LA, my region, my statistical neighbours or my case management system; see
:mod:`ssda903.hub.groups`). Another LA is named only where it chose to be: in *who fixed it*,
beside the note it wrote and its role mailbox. Elsewhere the position view gives other LAs only
as anonymous points (children to the nearest 100, rate) for a funnel plot, sorted by size; the
eliminated view gives only shares and counts of LAs; the heatmap gives rows labelled "another
LA", sorted by what they hold, with banded cells. With fewer than :data:`MIN_OTHERS` other LAs
in the group a view says so instead of showing their figures.

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

from ssda903.hub import groups, notes
from ssda903.hub.app import Me, _factory
from ssda903.hub.groups import Group
from ssda903.hub.tables import Submission
from ssda903.model.years import CollectionYear, YearError
from ssda903.reference.authority import AuthorityError, authority

#: fewer other LAs than this for the year, and their figures are not shown
MIN_OTHERS = 3
Z95 = 1.959963984540054
Z998 = 3.090232306167813
APPROXIMATION = (
    "suppressed counts read as estimates: a band is its midpoint ('1-9' as 5, '10-49' as 29.5, "
    "'50-99' as 74.5, '100-499' as 299.5, '500+' as 500), a count rounded to 5 as itself"
)
RAN = ("passed", "failed")
NOT_SHOWN = f"not shown: fewer than {MIN_OTHERS} other LAs (in this group) submitted for this year"


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
            "note": NOT_SHOWN,
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
            "note": NOT_SHOWN,
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


def _earlier(session: Session, year: str, current: dict[str, Submission]) -> dict[str, list[Submission]]:
    """Each LA's submissions for ``year`` before the one the views use (its earlier versions)."""
    out: dict[str, list[Submission]] = {}
    if not current:
        return out
    query = select(Submission).where(Submission.collection_year == year, Submission.la.in_(list(current)))
    for sub in session.scalars(query.order_by(Submission.id)):
        if sub.id < current[sub.la].id:
            out.setdefault(sub.la, []).append(sub)
    return out


def _outcome(sub: Submission, rule: str) -> str | None:
    entry = sub.profile.get("rules", {}).get(rule)
    return entry.get("outcome") if isinstance(entry, dict) else None


def _name(la: str) -> str:
    try:
        return authority(la).name
    except AuthorityError:  # a code the reference table has since dropped: still show something true
        return la


def who_fixed_it(session: Session, mine: Submission, others: list[Submission]) -> dict[str, Any]:
    """For each rule I fail, the other LAs that had it (in an earlier submission of this year, or
    last year) and have it no more: named, with their notes and mailbox, when they wrote a note on
    it; otherwise only counted."""
    if len(others) < MIN_OTHERS:
        return {"shown": False, "other_las": len(others), "note": NOT_SHOWN}
    failing = sorted(code for code in mine.profile.get("rules", {}) if _outcome(mine, code) == "failed")
    current = {o.la: o for o in others}
    earlier = _earlier(session, mine.collection_year, current)
    last_year = str(CollectionYear.parse(mine.collection_year).previous())
    before = latest(session, last_year)
    fixers: dict[str, dict[str, str]] = {}  # rule -> LA -> when it had the rule
    for code in failing:
        for la, sub in current.items():
            if _outcome(sub, code) != "passed":
                continue
            if any(_outcome(e, code) == "failed" for e in earlier.get(la, [])):
                fixers.setdefault(code, {})[la] = "in an earlier submission this year"
            elif la in before and _outcome(before[la], code) == "failed":
                fixers.setdefault(code, {})[la] = f"last year ({last_year})"
    written = notes.of_las(session, {la for f in fixers.values() for la in f}, set(fixers))
    told = groups.infos(session, sorted({la for (la, _) in written}))
    rules: list[dict[str, Any]] = []
    for code, fixed in fixers.items():
        named = [
            {
                "la": la,
                "name": _name(la),
                "had_it": when,
                "mailbox": told[la].mailbox,
                "notes": [notes.shown(n) for n in written[(la, code)][:3]],
            }
            for la, when in sorted(fixed.items(), key=lambda item: _name(item[0]))
            if (la, code) in written
        ]
        rules.append(
            {"rule": code, "fixed_at": len(fixed), "named": named, "fixed_without_note": len(fixed) - len(named)}
        )
    rules.sort(key=lambda r: (-len(r["named"]), -r["fixed_at"], r["rule"]))
    return {
        "shown": True,
        "other_las": len(others),
        "rules": rules,
        "means": "LAs that failed a rule you fail, in an earlier submission this year or in their return of "
        f"{last_year}, and pass it now; an LA is named only beside a note it wrote on that rule",
    }


#: a heatmap cell: failing rows per 100 children, banded (upper ends exclusive)
BANDS = ((1.0, "<1"), (5.0, "1-5"), (20.0, "5-20"), (math.inf, "20+"))
LEGEND = {
    "none": "ran and found nothing",
    "<1": "under 1 failing row per 100 children",
    "1-5": "1 to under 5 per 100 children",
    "5-20": "5 to under 20 per 100 children",
    "20+": "20 or more per 100 children",
    "failed": "failed (the LA's number of children is not known)",
    "not run": "did not run (or not in the profile)",
    "crashed": "crashed",
}


def cell(profile: dict[str, Any], rule: str) -> str:
    """The band of one rule at one LA: ``none``, a band of failing rows per 100 children, ``not run``
    or ``crashed``, so a rule that never ran never looks like one that found nothing."""
    entry = profile.get("rules", {}).get(rule)
    outcome = entry.get("outcome") if isinstance(entry, dict) else None
    if outcome == "passed":
        return "none"
    if outcome == "crashed":
        return "crashed"
    if outcome != "failed" or not isinstance(entry, dict):
        return "not run"
    children, rows = count(profile.get("children")), count(entry.get("rows"))
    if not children or rows is None:
        return "failed"
    rate = 100 * rows / children
    return next(label for upper, label in BANDS if rate < upper)


def heatmap(mine: Submission, others: list[Submission], label: str) -> dict[str, Any]:
    """LAs by rules, each cell banded; my row first (pinned), the others anonymous, sorted by their cells."""
    if len(others) < MIN_OTHERS:
        return {"shown": False, "other_las": len(others), "note": NOT_SHOWN}
    everyone = [mine, *others]
    failing: dict[str, int] = {}
    for sub in everyone:
        for code in sub.profile.get("rules", {}):
            if _outcome(sub, code) == "failed":
                failing[code] = failing.get(code, 0) + 1
    columns = sorted(failing, key=lambda c: (-failing[c], c))
    severity = {
        label: i for i, label in enumerate(["20+", "5-20", "1-5", "<1", "failed", "crashed", "not run", "none"])
    }

    def cells(sub: Submission) -> list[str]:
        return [cell(sub.profile, c) for c in columns]

    # sorted by what the rows hold (most failing first), so the order says nothing of who submitted when
    theirs = sorted((cells(o) for o in others), key=lambda row: [severity[c] for c in row])
    return {
        "shown": True,
        "other_las": len(others),
        "rules": [{"rule": c, "failing_las": failing[c]} for c in columns],
        "rows": [
            {"label": label, "mine": True, "cells": cells(mine)},
            *({"label": "another LA", "mine": False, "cells": row} for row in theirs),
        ],
        "bands": LEGEND,
        "columns_sorted_by": "how many LAs in the group fail the rule, most first",
    }


def compare(session: Session, la: str, year: str, group: Group = "all") -> dict[str, Any]:
    """The comparison of ``la`` with the other LAs of its ``group`` for ``year`` (every view)."""
    chosen = latest(session, year)
    mine = chosen.pop(la, None)
    if mine is None:
        raise HTTPException(404, f"your LA has no submission for {year}")
    known = groups.infos(session, [la, *chosen])
    me = known.pop(la)
    in_group, means = groups.members(me, known, group)
    others = [sub for other, sub in chosen.items() if other in in_group]
    return {
        "la": la,
        "name": _name(la),
        "collection_year": year,
        "used": {
            "submission": mine.id,
            "stage": mine.stage,
            "rule": "each LA's latest final submission for the year, else its latest draft",
        },
        "group": {"name": group, "means": means, "other_las": len(others)},
        "approximation": APPROXIMATION,
        "position": position(mine, others),
        "eliminated_elsewhere": eliminated_elsewhere(mine, others),
        "who_fixed_it": who_fixed_it(session, mine, others),
        "heatmap": heatmap(mine, others, f"your LA ({_name(la)})"),
    }


router = APIRouter(prefix="/api")


@router.get("/compare")
def compare_view(
    person: Me, request: Request, year: str = Query(max_length=20), group: Group = "all"
) -> dict[str, Any]:
    """Every view comparing my LA with the other LAs of a peer group, for one collection year."""
    try:
        canonical = str(CollectionYear.parse(year))
    except YearError as e:
        raise HTTPException(422, str(e)) from None
    with _factory(request)() as session:
        return compare(session, person.la, canonical, group)
