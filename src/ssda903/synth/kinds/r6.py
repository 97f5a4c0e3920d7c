"""Error kinds for rules 577-635: missing incidents, adoption decisions, motherhood, previous permanence.

Each kind makes the slip an analyst or a case system really makes (an incident left open when
the young person leaves care, a start date keyed a few days out, a motherhood item left over
from last year, a previous permanence row for a child who did not start care) and names the
rule that reports it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssda903.synth._dates import NONE
from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind


def _child_value(child: np.ndarray, of_child: pd.Series) -> np.ndarray:
    """For each row's child, the per-child value in ``of_child`` (NONE when the child has none)."""
    return of_child.reindex(child).fillna(NONE).to_numpy(dtype=np.int64)


def _episode_summary(e: Edit) -> pd.DataFrame:
    """Per child: first DECOM, start of the last period of care, last DEC (NONE when the last episode is open)."""
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    df = pd.DataFrame({"child": ep.child, "decom": decom, "dec": days(ep.cols["DEC"])})
    df["s"] = np.where(ep.cols["RNE"] == "S", decom, NONE)
    df = df.sort_values(["child", "decom"], kind="stable")
    g = df.groupby("child")
    first = g["decom"].min()
    period = g["s"].max().where(lambda x: x != NONE, first)
    return pd.DataFrame({"first": first, "period": period, "dec": g["dec"].last()})


@kind("missing_left_open_after_care", rules=("577",), weight=6)
def _missing_left_open(e: Edit) -> np.ndarray:
    """An incident in the child's last period of care left open although the child left care."""
    if not (e.has("Missing") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    mi = e.table("Missing")
    s = _episode_summary(e)
    start = days(mi.cols["MIS_START"])
    last_dec = _child_value(mi.child, s["dec"])
    period = _child_value(mi.child, s["period"])
    ok = (mi.cols["MIS_END"] != "") & (last_dec != NONE) & (period != NONE) & (start >= period)
    ok &= start != NONE
    rows = e.pick("Missing", ok)
    return e.set("Missing", rows, "MIS_END", "")


@kind("missing_started_after_care", rules=("578",), weight=3)
def _missing_after_care(e: Edit) -> np.ndarray:
    """An incident dated a few days after the child left care (the date keyed from the wrong record)."""
    if not (e.has("Missing") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    mi = e.table("Missing")
    s = _episode_summary(e)
    last_dec = _child_value(mi.child, s["dec"])
    ok = (last_dec != NONE) & (last_dec + 3 <= e.end) & (mi.cols["MIS_END"] != "")
    rows = e.pick("Missing", ok)
    dec = last_dec[rows]
    new_start = np.minimum(dec + e.rng.integers(1, 15, len(rows)), e.end - 1)
    hit = e.set("Missing", rows, "MIS_START", text_of(new_start))
    e.set("Missing", rows, "MIS_END", text_of(new_start + 1))
    return hit


@kind("missing_before_care_began", rules=("581",), weight=3)
def _missing_before_care(e: Edit) -> np.ndarray:
    """An incident dated before the child came into care (an episode of going missing from home)."""
    if not (e.has("Missing") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    mi = e.table("Missing")
    s = _episode_summary(e)
    first = _child_value(mi.child, s["first"])
    dob = days(mi.cols["DOB"])
    ok = (first != NONE) & (first - 40 > e.start) & (dob != NONE) & (first - 40 > dob)
    rows = e.pick("Missing", ok)
    new_start = first[rows] - e.rng.integers(1, 30, len(rows))
    return e.set("Missing", rows, "MIS_START", text_of(new_start))


@kind("missing_start_before_birth", rules=("586",), weight=3)
def _missing_before_birth(e: Edit) -> np.ndarray:
    """A missing start date keyed with the wrong century-decade, before the child was born."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    mi = e.table("Missing")
    dob = days(mi.cols["DOB"])
    rows = e.pick("Missing", (dob != NONE) & (days(mi.cols["MIS_START"]) != NONE))
    new_start = dob[rows] - e.rng.integers(1, 700, len(rows))
    return e.set("Missing", rows, "MIS_START", text_of(new_start))


@kind("missing_at_18_not_e8", rules=("580",), weight=3)
def _missing_at_18(e: Edit) -> np.ndarray:
    """A young person missing when care ended on their 18th birthday, with a reason other than E8."""
    if not (e.has("Missing") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    ep = e.table("Episodes")
    h = e.table("Header")
    dob = pd.Series(days(h.cols["DOB"]), index=h.child)
    dob = dob[~dob.index.duplicated()]
    edob = _child_value(ep.child, dob)
    dec = days(ep.cols["DEC"])
    b18 = np.array([_add_18(d) for d in edob.tolist()], dtype=np.int64)
    at18 = (dec != NONE) & (edob != NONE) & (dec == b18) & (ep.cols["REC"] != "E8") & (ep.cols["REC"] != "")
    mi = e.table("Missing")
    dec18 = pd.Series(dec[at18], index=ep.child[at18])
    dec18 = dec18[~dec18.index.duplicated()]
    mdec = _child_value(mi.child, dec18)
    rows = e.pick("Missing", mdec != NONE)
    end = mdec[rows]
    hit = e.set("Missing", rows, "MIS_START", text_of(end - e.rng.integers(1, 6, len(rows))))
    e.set("Missing", rows, "MIS_END", text_of(end))
    return hit


def _add_18(d: int) -> int:
    if d == NONE:
        return int(NONE)
    t = pd.Timestamp(int(d), unit="D")
    try:
        b = t.replace(year=t.year + 18)
    except ValueError:  # 29 February: the birthday is 28 February, as age_on counts it
        b = t.replace(year=t.year + 18, day=28)
    return int((b - pd.Timestamp(0)).days)
