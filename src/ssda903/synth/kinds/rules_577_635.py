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


@kind("missing_left_open_after_care", rules=("577",))
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


@kind("missing_started_after_care", rules=("578",))
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
    return np.union1d(hit, e.set("Missing", rows, "MIS_END", text_of(new_start + 1)))


@kind("missing_before_care_began", rules=("581",))
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


@kind("missing_start_before_birth", rules=("586",))
def _missing_before_birth(e: Edit) -> np.ndarray:
    """A missing start date keyed with the wrong century-decade, before the child was born."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    mi = e.table("Missing")
    dob = days(mi.cols["DOB"])
    rows = e.pick("Missing", (dob != NONE) & (days(mi.cols["MIS_START"]) != NONE))
    new_start = dob[rows] - e.rng.integers(1, 700, len(rows))
    return e.set("Missing", rows, "MIS_START", text_of(new_start))


@kind("missing_at_18_not_e8", rules=("580",))
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
    return np.union1d(hit, e.set("Missing", rows, "MIS_END", text_of(end)))


def _add_18(d: int) -> int:
    if d == NONE:
        return int(NONE)
    t = pd.Timestamp(int(d), unit="D")
    try:
        b = t.replace(year=t.year + 18)
    except ValueError:  # 29 February: the birthday is 28 February, as age_on counts it
        b = t.replace(year=t.year + 18, day=28)
    return int((b - pd.Timestamp(0)).days)


def _append(e: Edit, table: str, child: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
    """Adds rows at the end of the chunk's ``table`` (so no row number already in the manifest moves)."""
    t = e.table(table)
    n0, n = len(t), len(child)
    blank = np.full(n, "", object)
    cols = {k: np.concatenate([v, np.asarray(values.get(k, blank), dtype=object)]) for k, v in t.cols.items()}
    e.ctx.tables[table] = type(t)(np.concatenate([t.child, child]), cols)
    rows = np.arange(n0, n0 + n)
    e.ctx.record(table, rows, "", blank, np.full(n, "row added", object), e.kind, e.rule, False)
    return child


def _rows_of(e: Edit, table: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[rows].copy() for k, v in e.table(table).cols.items()}


@kind("adoption_decision_before_last_ceased", rules=("579",))
def _decision_overlaps(e: Edit) -> np.ndarray:
    """A second decision dated while the first was still in force (its revocation keyed late or not at all)."""
    if not e.has("PlacedAdoption"):
        return np.zeros(0, np.int64)
    pa = e.table("PlacedAdoption")
    placed, ceased = days(pa.cols["DATE_PLACED"]), days(pa.cols["DATE_PLACED_CEASED"])
    upper = np.where(ceased != NONE, ceased - 1, np.minimum(placed + 60, e.end))
    rows = e.pick("PlacedAdoption", (placed != NONE) & (upper > placed))
    new = _rows_of(e, "PlacedAdoption", rows)
    span = upper[rows] - placed[rows]
    new["DATE_PLACED"] = text_of(placed[rows] + 1 + (e.rng.random(len(rows)) * span).astype(np.int64) % span)
    new["DATE_PLACED_CEASED"] = np.full(len(rows), "", object)
    new["REASON_PLACED_CEASED"] = np.full(len(rows), "", object)
    return _append(e, "PlacedAdoption", pa.child[rows], new)


@kind("adoption_decision_not_revoked", rules=("583",))
def _decision_not_revoked(e: Edit) -> np.ndarray:
    """An earlier decision carried in the case system with no revocation, beside the current one."""
    if not e.has("PlacedAdoption"):
        return np.zeros(0, np.int64)
    pa = e.table("PlacedAdoption")
    placed = days(pa.cols["DATE_PLACED"])
    rows = e.pick("PlacedAdoption", placed != NONE)
    new = _rows_of(e, "PlacedAdoption", rows)
    new["DATE_PLACED"] = text_of(placed[rows] - e.rng.integers(30, 300, len(rows)))
    new["DATE_PLACED_CEASED"] = np.full(len(rows), "", object)
    new["REASON_PLACED_CEASED"] = np.full(len(rows), "", object)
    return _append(e, "PlacedAdoption", pa.child[rows], new)


@kind("revoked_decision_repeated", rules=("584",), needs_previous=True)
def _revoked_repeated(e: Edit) -> np.ndarray:
    """Last year's revoked decision sent again this year, as if it were a new one."""
    if not (e.has("PlacedAdoption") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    w = e.world
    ep = e.table("Episodes")
    decom = days(ep.cols["DECOM"])
    in_care_at_start = np.unique(ep.child[(decom != NONE) & (decom < e.start - 30)])
    c = e.children[np.isin(e.children, in_care_at_start) & ~np.isin(e.children, e.table("PlacedAdoption").child)]
    dc, dp = w.decision_ceased[c], w.decision[c]
    c = c[(dp != NONE) & (dc != NONE) & (dc < e.start - 30) & (dc >= e.start - 330) & (dp < dc)]
    if len(c) == 0:
        return c
    n = len(c)
    new = {
        "CHILD": w.gidx_text[c],
        "DOB": text_of(w.dob[c]),
        "DATE_PLACED": text_of(w.decision[c]),
        "DATE_PLACED_CEASED": text_of(w.decision_ceased[c]),
        "REASON_PLACED_CEASED": np.full(n, "RD1", object),
    }
    return _append(e, "PlacedAdoption", c, new)


def _adoption_dec(e: Edit) -> pd.Series:
    ep = e.table("Episodes")
    adopted = np.isin(ep.cols["REC"], ["E11", "E12"])
    dec = pd.Series(days(ep.cols["DEC"])[adopted], index=ep.child[adopted])
    return dec[~dec.index.duplicated()]


@kind("matched_on_adoption_day", rules=("582",))
def _matched_on_adoption_day(e: Edit) -> np.ndarray:
    """The date matched keyed as the date of the adoption order."""
    if not (e.has("AD1") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    ad = e.table("AD1")
    dec = _child_value(ad.child, _adoption_dec(e))
    rows = e.pick("AD1", dec != NONE)
    return e.set("AD1", rows, "DATE_MATCH", text_of(dec[rows]))


@kind("adoption_details_incomplete", rules=("601",))
def _adoption_details_incomplete(e: Edit) -> np.ndarray:
    """One adoption detail not yet entered for a child adopted in the year."""
    if not (e.has("AD1") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    ad = e.table("AD1")
    dec = _child_value(ad.child, _adoption_dec(e))
    rows = e.pick("AD1", (dec >= e.start) & (dec <= e.end))
    items = np.array(["DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"], dtype=object)
    which = items[e.rng.integers(0, len(items), len(rows))]
    hit = [e.set("AD1", rows[which == item], str(item), "") for item in items]
    return np.concatenate(hit) if hit else np.zeros(0, np.int64)


@kind("adoption_details_before_adoption", rules=("602",))
def _adoption_details_early(e: Edit) -> np.ndarray:
    """Adoption details entered for a child whose adoption order is not made yet."""
    if not (e.has("Episodes") and "AD1" in e.ctx.tables):
        return np.zeros(0, np.int64)
    ep = e.table("Episodes")
    adopted = ep.child[np.isin(ep.cols["REC"], ["E11", "E12"])]
    c = e.children[np.isin(e.children, ep.child) & ~np.isin(e.children, adopted)]
    c = c[~np.isin(c, e.table("AD1").child)]
    if len(c) == 0:
        return c
    w, n = e.world, len(c)
    new = {
        "CHILD": w.gidx_text[c],
        "DOB": text_of(w.dob[c]),
        "DATE_INT": text_of(np.full(n, e.start + 20)),
        "DATE_MATCH": text_of(np.full(n, e.start + 120)),
        "FOSTER_CARE": np.full(n, "0", object),
        "NB_ADOPTR": np.full(n, "2", object),
        "SEX_ADOPTR": np.full(n, "MF", object),
        "LS_ADOPTR": np.full(n, "L11", object),
    }
    return _append(e, "AD1", c, new)


def _header_episodes(e: Edit) -> tuple[np.ndarray, np.ndarray]:
    """Per Header row: whether the child has an episode, and the first DECOM (NONE without one)."""
    h, ep = e.table("Header"), e.table("Episodes")
    decom = pd.Series(days(ep.cols["DECOM"]), index=ep.child).groupby(level=0).min()
    first = _child_value(h.child, decom)
    return np.isin(h.child, ep.child), first


@kind("mother_blank_after_leaving_care", rules=("607",))
def _mother_blank_leaver(e: Edit) -> np.ndarray:
    """MOTHER not recorded for a young woman who left care in the year."""
    h, ep = e.table("Header"), e.table("Episodes")
    dec = days(ep.cols["DEC"])
    left = (
        (dec >= e.start) & (dec <= e.end) & ~np.isin(ep.cols["REC"], ["X1", ""]) & ~np.isin(ep.cols["LS"], ["V3", "V4"])
    )
    rows = e.pick(
        "Header", np.isin(h.child, ep.child[left]) & np.isin(h.cols["SEX"], ["F", "2"]) & (h.cols["MOTHER"] != "")
    )
    return e.set("Header", rows, "MOTHER", "")


@kind("mother_without_child_dob", rules=("611",))
def _mother_without_child_dob(e: Edit) -> np.ndarray:
    """A mother whose first child's date of birth was not entered."""
    h = e.table("Header")
    rows = e.pick("Header", (h.cols["MOTHER"] == "1") & (h.cols["MC_DOB"] != ""))
    return e.set("Header", rows, "MC_DOB", "")


@kind("mother_flag_zero_with_child_dob", rules=("612",))
def _mother_flag_zero(e: Edit) -> np.ndarray:
    """MOTHER keyed 0 for a young woman whose first child's date of birth is recorded."""
    h = e.table("Header")
    rows = e.pick("Header", (h.cols["MOTHER"] == "1") & (h.cols["MC_DOB"] != ""))
    return e.set("Header", rows, "MOTHER", "0")


@kind("mother_flag_for_young_girl", rules=("620",))
def _mother_too_young(e: Edit) -> np.ndarray:
    """MOTHER ticked by mistake for a girl under 11."""
    h = e.table("Header")
    dob = days(h.cols["DOB"])
    young = (dob != NONE) & (dob > e.start - 11 * 366)
    rows = e.pick("Header", young & (h.cols["MOTHER"] == "0"))
    return e.set("Header", rows, "MOTHER", "1")


@kind("mother_dob_as_child_dob", rules=("621",))
def _child_dob_is_mothers(e: Edit) -> np.ndarray:
    """The mother's own date of birth keyed as her first child's."""
    h = e.table("Header")
    rows = e.pick("Header", (h.cols["MOTHER"] == "1") & (h.cols["MC_DOB"] != "") & (h.cols["DOB"] != ""))
    return e.set("Header", rows, "MC_DOB", h.cols["DOB"][rows])


@kind("child_dob_changed_since_last_year", rules=("624",), needs_previous=True)
def _child_dob_changed(e: Edit) -> np.ndarray:
    """The first child's date of birth keyed differently from last year's return."""
    h = e.table("Header")
    _, first = _header_episodes(e)
    mc = days(h.cols["MC_DOB"])
    known = (mc != NONE) & (mc < e.start - 30) & (first != NONE) & (first < e.start - 30) & (h.cols["MOTHER"] == "1")
    rows = e.pick("Header", known)
    return e.set("Header", rows, "MC_DOB", text_of(mc[rows] - e.rng.integers(1, 30, len(rows))))


@kind("child_dob_after_year_end", rules=("625",))
def _child_dob_future(e: Edit) -> np.ndarray:
    """The baby's expected date of birth entered as its date of birth."""
    h = e.table("Header")
    rows = e.pick("Header", (h.cols["MOTHER"] == "1") & (h.cols["MC_DOB"] != ""))
    return e.set("Header", rows, "MC_DOB", text_of(e.end + e.rng.integers(1, 90, len(rows))))


@kind("mother_with_older_child_new_this_year", rules=("626",), needs_previous=True)
def _mother_new_with_old_child(e: Edit) -> np.ndarray:
    """A young woman recorded as not a mother last year now shown with a child born before the year."""
    h = e.table("Header")
    _, first = _header_episodes(e)
    dob = days(h.cols["DOB"])
    girl = np.isin(h.cols["SEX"], ["F", "2"]) & (h.cols["MOTHER"] == "0") & (dob != NONE) & (dob < e.start - 15 * 366)
    rows = e.pick("Header", girl & (first != NONE) & (first < e.start - 400))
    hit = e.set("Header", rows, "MOTHER", "1")
    return np.union1d(hit, e.set("Header", rows, "MC_DOB", text_of(e.start - e.rng.integers(1, 60, len(rows)))))


@kind("mother_given_for_care_leaver", rules=("628",))
def _mother_for_care_leaver(e: Edit) -> np.ndarray:
    """MOTHER filled in for a care leaver who was not looked after in the year."""
    if not e.has("OC3"):
        return np.zeros(0, np.int64)
    h = e.table("Header")
    has_ep, _ = _header_episodes(e)
    rows = e.pick("Header", ~has_ep & np.isin(h.child, e.table("OC3").child) & (h.cols["MOTHER"] == ""))
    return e.set("Header", rows, "MOTHER", "0")


def _order_rows(e: Edit) -> np.ndarray:
    pp = e.table("PrevPerm")
    return np.isin(pp.cols["PREV_PERM"], ["P1", "P2", "P3"])


@kind("previous_permanence_incomplete", rules=("630",))
def _prevperm_incomplete(e: Edit) -> np.ndarray:
    """The order recorded, but not the LA that arranged it or its date."""
    if not e.has("PrevPerm"):
        return np.zeros(0, np.int64)
    rows = e.pick("PrevPerm", _order_rows(e) & (e.col("PrevPerm", "LA_PERM") != ""))
    column = np.where(e.rng.random(len(rows)) < 0.5, "LA_PERM", "DATE_PERM")
    hit = [e.set("PrevPerm", rows[column == c], c, "") for c in ("LA_PERM", "DATE_PERM")]
    return np.concatenate(hit)


@kind("previous_permanence_invalid_code", rules=("631",))
def _prevperm_bad_code(e: Edit) -> np.ndarray:
    """A previous permanence code from another list (the old codes, or a placement code)."""
    if not e.has("PrevPerm"):
        return np.zeros(0, np.int64)
    rows = e.pick("PrevPerm", e.col("PrevPerm", "PREV_PERM") != "")
    bad = np.array(["P5", "Z2", "P0", "A1"], dtype=object)
    return e.set("PrevPerm", rows, "PREV_PERM", bad[e.rng.integers(0, len(bad), len(rows))])


@kind("previous_permanence_date_invalid", rules=("632",))
def _prevperm_bad_date(e: Edit) -> np.ndarray:
    """The order's date written month and year only, or dated the day care began."""
    if not (e.has("PrevPerm") and e.has("Episodes")):
        return np.zeros(0, np.int64)
    pp, ep = e.table("PrevPerm"), e.table("Episodes")
    starts = (ep.cols["RNE"] == "S") & (days(ep.cols["DECOM"]) != NONE)
    latest = pd.Series(days(ep.cols["DECOM"])[starts], index=ep.child[starts]).groupby(level=0).max()
    began = _child_value(pp.child, latest)
    rows = e.pick("PrevPerm", _order_rows(e) & (began != NONE))
    short = e.rng.random(len(rows)) < 0.5
    dates = np.asarray(text_of(began[rows]), dtype=object)
    new = np.where(short, [d[3:] for d in dates.tolist()], dates).astype(object)
    return e.set("PrevPerm", rows, "DATE_PERM", new)


@kind("previous_permanence_la_ons_code", rules=("633",))
def _prevperm_bad_la(e: Edit) -> np.ndarray:
    """The LA's ONS code, or a made-up number, given instead of its DfE three-digit number."""
    if not e.has("PrevPerm"):
        return np.zeros(0, np.int64)
    rows = e.pick("PrevPerm", e.col("PrevPerm", "LA_PERM") != "")
    bad = np.array(["E09000027", "100", "ENG", "0"], dtype=object)
    return e.set("PrevPerm", rows, "LA_PERM", bad[e.rng.integers(0, len(bad), len(rows))])


#: 1 April 2016 as a day number: previous permanence is collected for children who started care from then (634).
PERMANENCE_FROM = int((pd.Timestamp("2016-04-01") - pd.Timestamp(0)).days)


@kind("previous_permanence_before_2016", rules=("634",))
def _prevperm_long_in_care(e: Edit) -> np.ndarray:
    """A previous permanence row sent for a child in care since before April 2016."""
    if not (e.has("Episodes") and "PrevPerm" in e.ctx.tables):
        return np.zeros(0, np.int64)
    ep = e.table("Episodes")
    cut = PERMANENCE_FROM
    latest = pd.Series(days(ep.cols["DECOM"]), index=ep.child).groupby(level=0).max()
    c = e.children[np.isin(e.children, ep.child) & ~np.isin(e.children, e.table("PrevPerm").child)]
    c = c[(_child_value(c, latest) != NONE) & (_child_value(c, latest) < cut)]
    if len(c) == 0:
        return c
    w = e.world
    new = {"CHILD": w.gidx_text[c], "DOB": text_of(w.dob[c]), "PREV_PERM": np.full(len(c), "Z1", object)}
    return _append(e, "PrevPerm", c, new)


@kind("previous_permanence_z1_with_order", rules=("635",))
def _prevperm_z1_with_order(e: Edit) -> np.ndarray:
    """Z1 (no previous order) keyed over an order whose LA and date are still recorded."""
    if not e.has("PrevPerm"):
        return np.zeros(0, np.int64)
    pp = e.table("PrevPerm")
    rows = e.pick("PrevPerm", _order_rows(e) & ((pp.cols["LA_PERM"] != "") | (pp.cols["DATE_PERM"] != "")))
    return e.set("PrevPerm", rows, "PREV_PERM", "Z1")
