"""A year's 903 tables as views of a simulated World, as text ready to write.

``year_tables`` cuts the World's time line at one collection year's dates:
episodes open at any time in the year (DEC, REC and reason for placement
change left blank when the episode was still open at 31 March), the children
in care or reported as care leavers that year, and every other table that
follows from them. Codes that changed between years are written in the
year's own coding (SEX 1/2 before 2024/25, H5 before K3, Z1 before Z11-Z14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ssda903.model import load_model
from ssda903.synth import _weights as W
from ssda903.synth._codes import Picker
from ssda903.synth._dates import NONE, OPEN, add_years, age_on, day, text, ymd
from ssda903.synth._world import (
    KIND_CLA,
    KIND_RESPITE,
    LEAVER,
    REGISTRATION_DAY,
    Frame,
    World,
    group_starts,
    ui,
)

#: Independent-living placements (P2) had to end before supported accommodation was regulated.
P2_LAST_DAY = REGISTRATION_DAY - 1


@dataclass
class Rows:
    """One table's rows for a chunk: text columns, and the chunk position of each row's child."""

    child: np.ndarray
    cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.child)

    def take(self, keep: np.ndarray) -> Rows:
        return Rows(self.child[keep], {k: v[keep] for k, v in self.cols.items()})


_TWO_DIGITS = np.array([f"{i:02d}" for i in range(13)], dtype=object)


def _blank(n: int) -> np.ndarray:
    return np.full(n, "", dtype=object)


def _when(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.where(mask, values, "").astype(object)


def _hash01(key: np.ndarray, salt: int) -> np.ndarray:
    """A stable pseudo-random number in [0, 1) per key, the same in every year's view."""
    x = (key.astype(np.uint64) * np.uint64(2654435761) + np.uint64(salt * 97531)) % np.uint64(1_000_003)
    return x.astype(np.float64) / 1_000_003


class YearView:
    """Builds one collection year's tables from a World."""

    def __init__(self, frame: Frame, simulator_la_number: str):
        self.f = frame
        self.model = load_model()
        self.pk = Picker(frame.model_year)
        self.la_number = simulator_la_number
        self.tables = {t.name for t in self.model.tables(frame.model_year)}
        self.sex_mf = self.pk.valid("Header", "SEX", "M")
        self.k3 = self.pk.valid("Episodes", "PLACE", "K3")
        self.z1x = self.pk.valid("Episodes", "PLACE", "Z11")
        self.p2 = self.pk.valid("Episodes", "PLACE", "P2")

    def columns(self, table: str) -> list[str]:
        return self.model.columns(table, self.f.model_year)

    # ------------------------------------------------------------------ helpers
    def _sex(self, sex: np.ndarray) -> np.ndarray:
        if self.sex_mf:
            return sex
        return np.where(sex == "M", "1", np.where(sex == "F", "2", sex)).astype(object)

    def _place_and_urn(self, w: World, eidx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Placement type and URN in the year's coding.

        Supported accommodation (K3 from 2024/25) was H5 before, and before 28 October 2023 an
        H5 placement needed no Ofsted URN; some children were in independent living (P2), which
        has no URN and had to end by then. "Other" placements were Z1 before Z11-Z14.
        """
        ep = w.episodes
        spell = ep["spell"][eidx]
        place = w.spells["place"][spell].copy()
        urn = w.spells["urn"][spell].copy()
        if not self.k3:
            supported = place == "K3"
            place[supported] = "H5"
            dec = ep["dec"][eidx]
            if self.p2:
                k3_eps = w.spells["place"][ep["spell"]] == "K3"
                last_day = np.full(w.n, NONE, np.int64)
                np.maximum.at(last_day, ep["child"][k3_eps], ep["dec"][k3_eps])
                child = ep["child"][eidx]
                early = (last_day[child] <= P2_LAST_DAY) & (_hash01(w.gidx[child], 3) < 0.4)
                place[supported & early] = "P2"
            unregistered = supported & ((dec <= REGISTRATION_DAY) | (self.f.end < REGISTRATION_DAY))
            urn[unregistered] = ""
        if not self.z1x:
            place[np.char.startswith(place.astype(str), "Z1")] = "Z1"
        return place, urn

    # ------------------------------------------------------------------ tables
    def build(self, w: World, rng: np.random.Generator) -> tuple[dict[str, Rows], dict[str, np.ndarray]]:
        """The year's tables, and the Header's XML-only items (UASC flag, DUC) per Header row."""
        f = self.f
        ep = w.episodes
        in_view = (ep["decom"] <= f.end) & ((ep["dec"] >= f.start) | (ep["dec"] == OPEN))
        eidx = np.flatnonzero(in_view)
        e_child = ep["child"][eidx]
        has_ep = np.zeros(w.n, bool)
        has_ep[e_child] = True
        non_respite_ep = np.zeros(w.n, bool)
        non_respite_ep[e_child[ep["ls"][eidx] != "V3"]] = True

        # care leavers reported this year: out of care before the year, 17th-21st birthday in it
        offset = f.year.start_year - w.cur.year.start_year
        b_view = w.leave_birthday + offset
        oc3 = (w.track == LEAVER) & (b_view >= 17) & (b_view <= 21) & (w.end < f.start) & ~has_ep
        in_header = has_ep | oc3
        hidx = np.flatnonzero(in_header)

        out: dict[str, Rows] = {}
        out["Episodes"] = self._episodes(w, eidx)
        out["Header"] = self._header(w, hidx, non_respite_ep, e_child, eidx)
        out["UASC"] = self._uasc(w, hidx, has_ep)
        out["Reviews"] = self._reviews(w, rng)
        out["Missing"] = self._missing(w)
        out["OC2"] = self._oc2(w, rng)
        out["OC3"] = self._oc3(w, np.flatnonzero(oc3), b_view, rng)
        out["AD1"] = self._ad1(w, rng)
        out["PlacedAdoption"] = self._placed(w, has_ep, rng)
        out["PrevPerm"] = self._prevperm(w, eidx, rng)
        if "SWEpisodes" in self.tables:
            out["SWEpisodes"] = self._sw(w)
        if "DoLo" in self.tables:
            out["DoLo"] = self._dolo(w)
        uasc_rows = out["UASC"]
        flag = np.isin(hidx, uasc_rows.child)
        duc = _blank(len(hidx))
        if len(uasc_rows):
            duc[np.searchsorted(hidx, uasc_rows.child)] = uasc_rows.cols["DUC"]
        extras = {"UASC": np.where(flag, "1", "0").astype(object), "DUC": duc}
        return {k: v for k, v in out.items() if k in self.tables}, extras

    def _episodes(self, w: World, eidx: np.ndarray) -> Rows:
        f = self.f
        ep = w.episodes
        sp = w.spells
        child = ep["child"][eidx]
        spell = ep["spell"][eidx]
        dec = ep["dec"][eidx]
        open_now = dec > f.end
        place, urn = self._place_and_urn(w, eidx)
        cols = {
            "CHILD": w.gidx_text[child],
            "DECOM": text(ep["decom"][eidx]),
            "RNE": ep["rne"][eidx],
            "LS": ep["ls"][eidx],
            "CIN": w.cin[child],
            "PLACE": place,
            "PLACE_PROVIDER": sp["provider"][spell],
            "DEC": text(np.where(open_now, NONE, dec)),
            "REC": _when(~open_now, ep["rec"][eidx]),
            "REASON_PLACE_CHANGE": _when(~open_now, ep["rpc"][eidx]),
            "HOME_POST": w.home[child],
            "PL_POST": sp["post"][spell],
            "URN": urn,
        }
        return Rows(child, cols)

    def _header(
        self,
        w: World,
        hidx: np.ndarray,
        non_respite_ep: np.ndarray,
        e_child: np.ndarray,
        eidx: np.ndarray,
    ) -> Rows:
        f = self.f
        dob = w.dob[hidx]
        # UPN: unknown-UPN codes where the DfE expects them. From one year to the next a child's
        # UPN only changes as rule 208 allows: from UN1 to anything, or from UN2-UN5 to a real UPN.
        school_age_from = day(date(f.year.start_year - 1, 8, 31))
        pre_school = add_years(dob, 4) > school_age_from
        h = _hash01(w.gidx[hidx], 1)
        upn = w.upn[hidx].copy()
        # the children educated outside England (UN3, UN5 once of school age) are UN1 before that,
        # never a real UPN that would later turn into a code
        upn[pre_school & ((h < 0.75) | (h > 0.99))] = "UN1"
        upn[~pre_school & (h > 0.99)] = "UN3"
        upn[~pre_school & (h > 0.995)] = "UN5"
        upn[w.uasc[hidx] & (h < 0.7)] = "UN2"
        latest = np.full(w.n, NONE, np.int64)
        np.maximum.at(latest, e_child, w.episodes["decom"][eidx])
        last_week = latest[hidx] >= day(date(f.year.start_year + 1, 3, 24))
        # UN4 (UPN not yet known) only stands in for a real UPN, which the next return then gives
        real = np.char.str_len(upn.astype(str)) == 13
        upn[real & last_week & ~pre_school & (w.start[hidx] >= f.end - 6) & (h < 0.5)] = "UN4"
        # MOTHER: for girls looked after in the year other than on short breaks (393); not for care leavers (628)
        girl = (w.sex[hidx] == "F") & non_respite_ep[hidx]
        mum = girl & (w.mc_dob[hidx] != NONE) & (w.mc_dob[hidx] <= f.end)
        cols = {
            "CHILD": w.gidx_text[hidx],
            "SEX": self._sex(w.sex[hidx]),
            "DOB": text(dob),
            "ETHNIC": w.ethnic[hidx],
            "UPN": upn,
            "MOTHER": _when(girl, np.where(mum, "1", "0")),
            "MC_DOB": text(np.where(mum, w.mc_dob[hidx], NONE)),
        }
        return Rows(hidx, cols)

    def _uasc(self, w: World, hidx: np.ndarray, has_ep: np.ndarray) -> Rows:
        u = hidx[w.uasc[hidx] & has_ep[hidx]]
        b18 = add_years(w.dob[u], 18)
        cols = {
            "CHILD": w.gidx_text[u],
            "SEX": self._sex(w.sex[u]),
            "DOB": text(w.dob[u]),
            # UASC status ends on the 18th birthday; the DfE expects that date in every year (205A-B)
            "DUC": text(b18),
        }
        return Rows(u, cols)

    def _reviews(self, w: World, rng: np.random.Generator) -> Rows:
        f = self.f
        rv = w.reviews
        m = (rv["date"] >= f.start) & (rv["date"] <= f.end)
        child, when = rv["child"][m], rv["date"][m]
        code = self.pk.pick(rng, "Reviews", "REVIEW_CODE", W.REVIEW_CODE, len(child))
        code[age_on(w.dob[child], when) < 4] = "PN0"
        cols = {"CHILD": w.gidx_text[child], "DOB": text(w.dob[child]), "REVIEW": text(when), "REVIEW_CODE": code}
        return Rows(child, cols)

    def _missing(self, w: World) -> Rows:
        f = self.f
        mi = w.missing
        m = (mi["start"] >= f.start) & (mi["start"] <= f.end)
        child = mi["child"][m]
        end = mi["end"][m]
        cols = {
            "CHILD": w.gidx_text[child],
            "DOB": text(w.dob[child]),
            "MISSING": mi["kind"][m],
            "MIS_START": text(mi["start"][m]),
            "MIS_END": text(np.where(end > f.end, NONE, end)),
        }
        return Rows(child, cols)

    def _oc2(self, w: World, rng: np.random.Generator) -> Rows:
        """Children looked after throughout the year; the items asked depend on age (rules 186-189, 542-546)."""
        f = self.f
        cohort = (w.kind != KIND_RESPITE) & (w.start <= f.start) & ((w.end == OPEN) | (w.end >= f.end))
        c = np.flatnonzero(cohort)
        n = len(c)
        dob = w.dob[c]
        b4, b5, b10, b17 = (add_years(dob, k) for k in (4, 5, 10, 17))
        # SDQ for ages 4-16; SDQ1 ("under 4 or over 16 when assessed") only at the edges of that range (157)
        sdq = (b4 <= f.end) & (b17 >= f.start)
        core = (b4 <= f.start) & (b17 > f.end)
        r = rng.random((n, 8))
        score = np.clip(np.round(rng.normal(14, 7, n)), 0, 40).astype(np.int64).astype(str).astype(object)
        has_score = sdq & (r[:, 0] < np.where(core, 0.78, 0.5))
        reason = self.pk.pick(rng, "OC2", "SDQ_REASON", W.SDQ_REASON, n)
        reason[~core] = "SDQ1"
        flag = np.array(["0", "1"], dtype=object)
        misuse = (age_on(dob, f.end) >= 11) & (r[:, 5] < 0.06)
        received = misuse & (r[:, 6] < 0.6)
        cols = {
            "CHILD": w.gidx_text[c],
            "DOB": text(dob),
            "SDQ_SCORE": _when(has_score, score),
            "SDQ_REASON": _when(sdq & ~has_score, reason),
            "CONVICTED": _when(b10 <= f.end, flag[(r[:, 1] < 0.04).astype(int)]),
            "HEALTH_CHECK": _when(b5 > f.end, flag[(r[:, 2] < 0.9).astype(int)]),
            "IMMUNISATIONS": flag[(r[:, 3] < 0.86).astype(int)],
            "TEETH_CHECK": flag[(r[:, 4] < 0.84).astype(int)],
            "HEALTH_ASSESSMENT": flag[(r[:, 7] < 0.9).astype(int)],
            "SUBSTANCE_MISUSE": flag[misuse.astype(int)],
            "INTERVENTION_RECEIVED": _when(misuse, flag[received.astype(int)]),
            "INTERVENTION_OFFERED": _when(misuse & ~received, flag[(r[:, 0] < 0.7).astype(int)]),
        }
        return Rows(c, cols)

    def _oc3(self, w: World, c: np.ndarray, b_view: np.ndarray, rng: np.random.Generator) -> Rows:
        n = len(c)
        pk = self.pk
        touch = pk.pick(rng, "OC3", "IN_TOUCH", {k: v for k, v in W.IN_TOUCH.items() if k != "DIED"}, n)
        touch[_hash01(w.gidx[c], 5) < W.IN_TOUCH["DIED"]] = "DIED"  # once reported died, always (348)
        activ = pk.pick(rng, "OC3", "ACTIV", W.ACTIV, n)
        accom = pk.pick(rng, "OC3", "ACCOM", W.ACCOM, n)
        age = b_view[c]
        # not with former foster carers around the 17th birthday (3001), no foyer for anyone not yet 18
        # on 1 April (347): those turning 17 or 18 in the year
        bad17 = ((age == 17) & np.isin(accom, ["Z1", "Z2", "T1", "T2"])) | ((age == 18) & np.isin(accom, ["T1", "T2"]))
        accom[bad17] = pk.pick(rng, "OC3", "ACCOM", {"D1": 0.5, "B1": 0.3, "E1": 0.2}, int(bad17.sum()))
        activ[(age < 18) & np.isin(activ, ["F1", "P1"])] = "F2"
        not_in_touch = touch != "YES"
        activ[not_in_touch] = "0"
        accom[not_in_touch] = "0"
        cols = {"CHILD": w.gidx_text[c], "DOB": text(w.dob[c]), "IN_TOUCH": touch, "ACTIV": activ, "ACCOM": accom}
        return Rows(c, cols)

    def _ad1(self, w: World, rng: np.random.Generator) -> Rows:
        f = self.f
        adopted = np.isin(w.rec, ["E11", "E12"]) & (w.end >= f.start) & (w.end <= f.end)
        c = np.flatnonzero(adopted)
        n = len(c)
        pk = self.pk
        couple = rng.random(n) < 0.86
        sex = _blank(n)
        sex[couple] = pk.pick(rng, "AD1", "SEX_ADOPTR", W.SEX_ADOPTR_COUPLE, int(couple.sum()))
        sex[~couple] = pk.pick(rng, "AD1", "SEX_ADOPTR", W.SEX_ADOPTR_SINGLE, int((~couple).sum()))
        ls = np.full(n, "L0", dtype=object)
        mf = sex == "MF"
        same = np.isin(sex, ["MM", "FF"])
        ls[mf] = pk.pick(rng, "AD1", "LS_ADOPTR", W.LS_ADOPTR_MF, int(mf.sum()))
        ls[same] = pk.pick(rng, "AD1", "LS_ADOPTR", W.LS_ADOPTR_SAME, int(same.sum()))
        cols = {
            "CHILD": w.gidx_text[c],
            "DOB": text(w.dob[c]),
            "DATE_INT": text(w.decision[c]),
            "DATE_MATCH": text(w.match[c]),
            "FOSTER_CARE": np.where(w.foster_adopt[c], "1", "0").astype(object),
            "NB_ADOPTR": np.where(couple, "2", "1").astype(object),
            "SEX_ADOPTR": sex,
            "LS_ADOPTR": ls,
        }
        return Rows(c, cols)

    def _placed(self, w: World, has_ep: np.ndarray, rng: np.random.Generator) -> Rows:
        f = self.f
        dc = w.decision_ceased
        m = (w.decision != NONE) & (w.decision <= f.end) & has_ep & ~((dc != NONE) & (dc < f.start))
        c = np.flatnonzero(m)
        ceased = (dc[c] != NONE) & (dc[c] <= f.end)
        reason = self.pk.pick(rng, "PlacedAdoption", "REASON_PLACED_CEASED", W.REASON_PLACED_CEASED, len(c))
        cols = {
            "CHILD": w.gidx_text[c],
            "DOB": text(w.dob[c]),
            "DATE_PLACED": text(w.decision[c]),
            "DATE_PLACED_CEASED": text(np.where(ceased, dc[c], NONE)),
            "REASON_PLACED_CEASED": _when(ceased, reason),
        }
        return Rows(c, cols)

    def _prevperm(self, w: World, eidx: np.ndarray, rng: np.random.Generator) -> Rows:
        """Previous permanence for every child who started to be looked after in the year (630)."""
        f = self.f
        ep = w.episodes
        s = eidx[(ep["rne"][eidx] == "S") & (ep["decom"][eidx] >= f.start)]
        child = ep["child"][s]
        first = group_starts(child)
        c, started = child[first], ep["decom"][s][first]
        n = len(c)
        pk = self.pk
        perm = pk.pick(rng, "PrevPerm", "PREV_PERM", W.PREV_PERM, n)
        lo = add_years(w.dob[c], 1)
        hi = started - 400  # a year or more before, so a date with unknown day or month is still before (632)
        perm[(hi <= lo) | (w.kind[c] != KIND_CLA)] = "Z1"
        order = np.isin(perm, ["P1", "P2", "P3"])
        when = ui(rng, lo, hi)
        y, m_, _d = ymd(when)
        style = rng.random(n)
        full = text(when)
        partial = np.where(
            style < 0.6,
            full,
            np.where(style < 0.9, "ZZ/" + _TWO_DIGITS[m_] + "/" + y.astype(str), "ZZ/ZZ/" + y.astype(str)),
        ).astype(object)
        r = rng.random(n)
        abroad = pk.pick(rng, "PrevPerm", "LA_PERM", {"WAL": 0.5, "SCO": 0.3, "NIR": 0.2}, n)
        la = np.where(r < 0.6, self.la_number, np.where(r < 0.96, self._other_la(rng, n), abroad)).astype(object)
        cols = {
            "CHILD": w.gidx_text[c],
            "DOB": text(w.dob[c]),
            "PREV_PERM": perm,
            "LA_PERM": _when(order, la),
            "DATE_PERM": _when(order, partial),
        }
        return Rows(c, cols)

    def _other_la(self, rng: np.random.Generator, n: int) -> np.ndarray:
        codes = np.array([c for c in self.pk.codes("PrevPerm", "LA_PERM") if c.isdigit()], dtype=object)
        return codes[rng.integers(0, len(codes), n)]

    def _sw(self, w: World) -> Rows:
        """Social worker episodes for children looked after at 31 March (not on short breaks)."""
        f = self.f
        in_care = (w.kind != KIND_RESPITE) & (w.start <= f.end) & ((w.end == OPEN) | (w.end > f.end))
        window = add_years(np.array([f.start]), -1)[0] if f.year.start_year >= 2024 else f.start
        sw = w.sw
        m = in_care[sw["child"]] & (sw["decom"] <= f.end) & ((sw["dec"] >= window) | (sw["dec"] == OPEN))
        child = sw["child"][m]
        dec = sw["dec"][m]
        cols = {
            "CHILD": w.gidx_text[child],
            "DOB": text(w.dob[child]),
            "SW_ID": sw["id"][m],
            "SW_DECOM": text(sw["decom"][m]),
            "SW_DEC": text(np.where(dec > f.end, NONE, dec)),
            "SW_REASON": sw["reason"][m],
        }
        return Rows(child, cols)

    def _dolo(self, w: World) -> Rows:
        f = self.f
        d = w.dolo
        if not d:
            return Rows(np.zeros(0, np.int64), {c: _blank(0) for c in self.columns("DoLo")})
        m = (d["start"] <= f.end) & ((d["end"] >= f.start) | (d["end"] == OPEN))
        child, end = d["child"][m], d["end"][m]
        cols = {
            "CHILD": w.gidx_text[child],
            "DOB": text(w.dob[child]),
            "DOLO_START": text(d["start"][m]),
            "DOLO_END": text(np.where(end > f.end, NONE, end)),
        }
        return Rows(child, cols)
