"""One chunk of synthetic children and their care histories, as numpy arrays.

Everything that happens to a child is simulated once, on one time line that
runs from before the previous collection year to the end of this one, so that
last year's return and this year's agree by construction: the tables of a
year (``_tables``) are views of this time line cut at that year's dates.

Periods of care are built from two streams of events per child, legal status
changes and placement changes (spells); merging them gives the episodes, and
the kind of change gives the reason for new episode (S, L, P, T, B, U).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ssda903.model import CollectionYear, load_model, supported_years
from ssda903.synth import _places, _providers
from ssda903.synth import _weights as W
from ssda903.synth._codes import Picker, weighted
from ssda903.synth._dates import NONE, OPEN, add_years, age_on, day, no_leap_day

KIND_CLA, KIND_LEAVER, KIND_RESPITE = 0, 1, 2
GENERAL, ADOPTION, REMAND, UASC, LEAVER, RESPITE = range(6)

#: Emergency legal statuses: how long they last (days) and what follows them (rules 361-364).
EMERGENCY = {"L1": (1, 3, "V2|C1"), "L2": (3, 21, "C1"), "L3": (2, 7, "V2"), "J2": (1, 2, "V2"), "J3": (60, 180, "V2")}
FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")
ADOPTION_PLACES = ("A3", "A4", "A5", "A6")
#: Placements that never carry an Ofsted URN (rule 222) besides temporary and "other" ones.
NO_URN = ("P1", "P3", "R1", "R2", "R5")
TEMP_CODES = ("T0", "T1", "T2", "T3", "T4")
YEAR_DAYS = 365.25
#: Supported accommodation had to be registered with Ofsted from this day (Supported Accommodation
#: (England) Regulations 2023): the placement continues with the same carer and now has a URN.
REGISTRATION_DAY = day(date(2023, 10, 28))


@dataclass(frozen=True)
class Frame:
    """The dates of one collection year, and the model year whose tables and codes it uses."""

    year: CollectionYear
    model_year: CollectionYear
    start: int
    end: int

    @classmethod
    def of(cls, year: CollectionYear) -> Frame:
        years = supported_years()
        model_year = max(min(year, years[-1]), years[0])
        return cls(year, model_year, day(year.start), day(year.end))

    def previous(self) -> Frame:
        return Frame.of(CollectionYear(self.year.start_year - 1))


def ui(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int | None = None) -> np.ndarray:
    """Whole numbers drawn uniformly between ``lo`` and ``hi`` inclusive (``hi`` below ``lo`` gives ``lo``)."""
    lo_a = np.asarray(lo, dtype=np.int64)
    hi_a = np.maximum(np.asarray(hi, dtype=np.int64), lo_a)
    shape = np.broadcast(lo_a, hi_a).shape if n is None else (n,)
    return lo_a + (rng.random(shape) * (hi_a - lo_a + 1)).astype(np.int64)


def child_ids(gidx: np.ndarray) -> np.ndarray:
    """Nine-digit child identifiers, unique for the first 900 million children, not in sequence."""
    return (100_000_000 + (gidx * 282475249 + 7) % 900_000_000).astype(str).astype(object)


def code_index(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Position of each value in ``codes`` (-1 when absent), hashed in C by pandas."""
    return pd.Index(codes).get_indexer(values)


def group_starts(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array starts a new run."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[1:] = keys[1:] != keys[:-1]
    return out


def rank_in_group(keys: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within each run of equal (sorted) keys."""
    starts = group_starts(keys)
    idx = np.arange(len(keys))
    first = np.maximum.accumulate(np.where(starts, idx, 0))
    return idx - first


def next_in_group(keys: np.ndarray, values: np.ndarray, fill: object) -> np.ndarray:
    """The value on the next row of the same run, or ``fill`` on a run's last row."""
    out = np.empty_like(values)
    if len(values):
        out[:-1] = values[1:]
        out[-1] = fill
        last = np.ones(len(keys), dtype=bool)
        last[:-1] = keys[1:] != keys[:-1]
        out[last] = fill
    return out


def prev_in_group(keys: np.ndarray, values: np.ndarray, fill: object) -> np.ndarray:
    out = np.empty_like(values)
    if len(values):
        out[1:] = values[:-1]
        out[0] = fill
        out[group_starts(keys)] = fill
    return out


@dataclass
class World:
    """A chunk of children: child-level arrays plus their episodes, spells and events."""

    cur: Frame
    first_index: int
    # child level (length n)
    gidx: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    gidx_text: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    track: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    dob: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sex: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    ethnic: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    uasc: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    cin: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    home: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rec: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    upn: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    mc_dob: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    leave_birthday: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # adoption (child level; NONE where it does not apply)
    decision: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    decision_ceased: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    match: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    placed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    foster_adopt: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    placement_order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # row-level tables: dicts of equal-length arrays, sorted by child then date
    spells: dict[str, np.ndarray] = field(default_factory=dict)
    episodes: dict[str, np.ndarray] = field(default_factory=dict)
    reviews: dict[str, np.ndarray] = field(default_factory=dict)
    missing: dict[str, np.ndarray] = field(default_factory=dict)
    sw: dict[str, np.ndarray] = field(default_factory=dict)
    dolo: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.gidx)


class Simulator:
    """Builds Worlds for one collection year and local authority."""

    def __init__(self, year: CollectionYear, la: str):
        self.cur = Frame.of(year)
        self.prev = self.cur.previous()
        self.la = la
        # canonical codes are drawn from the latest year; views map them back (K3->H5, Z1x->Z1)
        self.canon = Picker(supported_years()[-1])
        self.picker = Picker(self.cur.model_year)
        model = load_model()
        la_numbers = [c for c in model.codes("PrevPerm", "LA_PERM", self.cur.model_year) if c.isdigit()]
        self.la_numbers = np.array(la_numbers, dtype=object)
        h = zlib.crc32(la.encode())
        self.home_la_number = la_numbers[h % len(la_numbers)]
        self.settings = _providers.Settings.of(la)
        # social worker episodes go back one year before the previous year's window (2024/25 rules)
        self.sw_from = self.prev.start - 400

    # ------------------------------------------------------------------ children
    def build(self, n: int, first_index: int, rng: np.random.Generator, *, dolo: bool) -> World:
        cur = self.cur
        w = World(cur=cur, first_index=first_index)
        w.gidx = np.arange(first_index, first_index + n, dtype=np.int64)
        w.gidx_text = child_ids(w.gidx)
        w.kind = weighted(rng, [KIND_CLA, KIND_LEAVER, KIND_RESPITE], [0.775, 0.205, 0.02], n).astype(np.int8)
        w.track = np.full(n, GENERAL, np.int8)
        w.dob = np.zeros(n, np.int64)
        w.start = np.zeros(n, np.int64)
        w.end = np.full(n, OPEN, np.int64)
        w.rec = np.full(n, "", dtype=object)
        w.uasc = np.zeros(n, bool)
        w.leave_birthday = np.full(n, -1, np.int64)
        for name in ("decision", "decision_ceased", "match", "placed", "mc_dob", "placement_order"):
            setattr(w, name, np.full(n, NONE, np.int64))
        w.foster_adopt = np.zeros(n, bool)
        C0, C1 = cur.start, cur.end

        # --- looked-after children: age, track, start -----------------------
        cla = np.flatnonzero(w.kind == KIND_CLA)
        bands = [(-0.9, 0.0, 0.03), (0.0, 1.0, 0.05), (1, 5, 0.14), (5, 10, 0.18), (10, 16, 0.37), (16, 17.95, 0.23)]
        band = weighted(rng, list(range(len(bands))), [b[2] for b in bands], len(cla)).astype(int)
        lo = np.array([b[0] for b in bands])[band]
        hi = np.array([b[1] for b in bands])[band]
        age = lo + rng.random(len(cla)) * (hi - lo)
        dob = no_leap_day(C0 - np.round(age * YEAR_DAYS).astype(np.int64))
        track = np.full(len(cla), GENERAL, np.int8)
        r = rng.random(len(cla))
        track[(age < 3) & (r < 0.35)] = ADOPTION
        track[(age >= 14) & (r < 0.2)] = UASC
        track[(age >= 11.5) & (age < 17) & (r >= 0.2) & (r < 0.23)] = REMAND
        w.track[cla] = track
        w.dob[cla] = dob
        w.uasc[cla] = track == UASC

        self._general(w, rng, cla[track == GENERAL], band[track == GENERAL])
        self._adoption(w, rng, cla[track == ADOPTION])
        self._remand(w, rng, cla[track == REMAND])
        self._uasc(w, rng, cla[track == UASC])
        self._leavers(w, rng, np.flatnonzero(w.kind == KIND_LEAVER))
        resp = np.flatnonzero(w.kind == KIND_RESPITE)
        w.track[resp] = RESPITE
        w.dob[resp] = no_leap_day(C0 - ui(rng, int(5 * YEAR_DAYS), int(17 * YEAR_DAYS), len(resp)))
        w.start[resp] = self.prev.start  # the series of breaks; episodes are built separately
        w.end[resp] = OPEN

        # --- identity ---------------------------------------------------------
        pk = self.picker
        w.sex = self.canon.pick(rng, "Header", "SEX", W.SEX, n)  # M/F; views write 1/2 before 2024/25
        w.sex[w.uasc] = self.canon.pick(rng, "Header", "SEX", W.SEX_UASC, int(w.uasc.sum()))
        w.ethnic = pk.pick(rng, "Header", "ETHNIC", W.ETHNIC, n)
        w.ethnic[w.uasc] = pk.pick(rng, "Header", "ETHNIC", W.ETHNIC_UASC, int(w.uasc.sum()))
        w.cin = pk.pick(rng, "Episodes", "CIN", W.CIN, n)
        w.cin[w.uasc] = pk.pick(rng, "Episodes", "CIN", W.CIN_UASC, int(w.uasc.sum()))
        w.cin[resp] = pk.pick(rng, "Episodes", "CIN", W.CIN_RESPITE, len(resp))
        home_idx = _places.pick_home(rng, n)
        w.home = np.where(w.uasc | (w.kind == KIND_RESPITE), "", _places.INSIDE[home_idx])
        self._home_idx = home_idx
        w.upn = self._upn(w, rng)
        # --- histories --------------------------------------------------------
        periods = np.flatnonzero(w.kind != KIND_RESPITE)
        self._episodes(w, rng, periods, resp)
        self._reviews(w, rng, periods)
        self._missing(w, rng, periods)
        self._social_workers(w, rng, periods)
        if dolo:
            self._dolo(w, rng)
        # mothers: a few looked-after girls aged 15+ have a child (born while looked after, before 31 March)
        girls = (w.sex == "F") & (w.kind == KIND_CLA) & (age_on(w.dob, C1) >= 15)
        mums = girls & (rng.random(n) < 0.035)
        lo_mc = np.maximum(np.maximum(add_years(w.dob, 14), w.start), C0 - 700)
        hi_mc = np.where(w.end == OPEN, C1, w.end) - 1
        ok = mums & (hi_mc > lo_mc)
        w.mc_dob[ok] = ui(rng, lo_mc[ok], hi_mc[ok])
        return w

    def _general(self, w: World, rng: np.random.Generator, idx: np.ndarray, band: np.ndarray) -> None:
        C0, C1 = self.cur.start, self.cur.end
        dob = w.dob[idx]
        b18 = add_years(dob, 18)
        p_new = np.array([1.0, 0.55, 0.25, 0.2, 0.22, 0.22])[band]
        new = rng.random(len(idx)) < p_new
        lo_new = np.maximum(C0 + 1, dob)
        hi_new = np.minimum(C1 - 1, b18 - 30)
        age_days = C0 - dob
        new &= hi_new >= lo_new
        new |= age_days < 4
        start = np.empty(len(idx), np.int64)
        start[new] = ui(rng, lo_new[new], hi_new[new])
        dur = np.floor(rng.exponential(2.6 * YEAR_DAYS, len(idx))).astype(np.int64)
        dur = np.clip(dur, 1, np.maximum(age_days - 2, 1))
        start[~new] = (C0 - 1 - dur)[~new]
        w.start[idx] = start
        cease = rng.random(len(idx)) < np.where(new, 0.3, 0.15)
        w.end[idx] = np.where(cease, -1, OPEN)  # -1: decided once the legal events are known
        forced = b18 <= C1
        w.end[idx[forced]] = np.where(cease[forced], -b18[forced], b18[forced])  # negative: cease by then

    def _adoption(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> None:
        C0, C1 = self.cur.start, self.cur.end
        k = len(idx)
        t_adopt = ui(rng, C0 + 20, C1 + 330, k)
        t_place = t_adopt - ui(rng, 70, 300, k)
        t_po = t_place - ui(rng, 20, 200, k)
        start = t_po - ui(rng, 150, 500, k)
        late = np.maximum(start - (C1 - 20), 0)  # every child here is looked after in the year
        t_adopt, t_place, t_po, start = t_adopt - late, t_place - late, t_po - late, start - late
        at_birth = rng.random(k) < 0.35
        dob = no_leap_day(start - np.where(at_birth, ui(rng, 0, 7, k), ui(rng, 8, 900, k)))
        w.dob[idx] = dob
        w.start[idx] = start
        reversed_ = rng.random(k) < 0.12
        w.decision[idx] = np.maximum(t_po - ui(rng, 0, 60, k), start + 1)
        rev = np.where(reversed_, w.decision[idx] + ui(rng, 60, 300, k), NONE)
        w.decision_ceased[idx] = rev
        placed = ~reversed_
        w.placed[idx] = np.where(placed, t_place, NONE)
        w.match[idx] = np.where(placed, np.maximum(t_place - ui(rng, 7, 60, k), w.decision[idx]), NONE)
        w.foster_adopt[idx] = placed & (rng.random(k) < 0.2)
        adopted = placed & (t_adopt <= C1 - 1)
        w.end[idx] = np.where(adopted, t_adopt, OPEN)
        w.rec[idx[adopted]] = self.picker.pick(rng, "Episodes", "REC", W.REC_ADOPTED, int(adopted.sum()))
        w.placement_order[idx] = t_po

    def _remand(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> None:
        C0, C1 = self.cur.start, self.cur.end
        k = len(idx)
        start = ui(rng, C0 - 90, C1 - 10, k)
        end = start + ui(rng, 14, 150, k)
        end = np.where(end < C0 + 1, C0 + ui(rng, 1, 30, k), end)
        b18 = add_years(w.dob[idx], 18)
        end = np.minimum(end, b18)
        w.start[idx] = start
        w.end[idx] = np.where(end >= C1, OPEN, end)
        ceased = w.end[idx] != OPEN
        w.rec[idx[ceased]] = self.picker.pick(rng, "Episodes", "REC", W.REC_REMAND, int(ceased.sum()))

    def _uasc(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> None:
        C0, C1 = self.cur.start, self.cur.end
        k = len(idx)
        dob = w.dob[idx]
        b18 = add_years(dob, 18)
        lo = add_years(dob, 13) + 200
        start = np.maximum(lo, C1 - ui(rng, 20, 1000, k))
        start = np.minimum(start, np.minimum(C1 - 20, b18 - 30))
        w.start[idx] = start
        end = np.full(k, OPEN, np.int64)
        early = rng.random(k) < 0.05
        lo_e = np.maximum(start, C0) + 25
        early &= lo_e < np.minimum(C1 - 1, b18 - 1)
        end[early] = ui(rng, lo_e[early], np.minimum(C1 - 1, b18 - 1)[early])
        at18 = (b18 <= C1) & ~early
        end[at18] = b18[at18]
        w.end[idx] = end
        w.rec[idx[early]] = self.picker.pick(rng, "Episodes", "REC", W.REC_UASC_EARLY, int(early.sum()))
        w.rec[idx[at18]] = self.picker.pick(rng, "Episodes", "REC", W.REC_UASC_AT_18, int(at18.sum()))

    def _leavers(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> None:
        """Care leavers: a 17th-21st birthday in the year, out of care before it starts."""
        C0, C1 = self.cur.start, self.cur.end
        k = len(idx)
        w.track[idx] = LEAVER
        b = weighted(rng, [17, 18, 19, 20, 21], [0.06, 0.1, 0.3, 0.27, 0.27], k).astype(np.int64)
        birthday = no_leap_day(ui(rng, np.where(b == 17, C0 + 100, C0), C1))
        dob = add_years(birthday, -b)
        w.dob[idx] = dob
        w.leave_birthday[idx] = b
        b16, b18 = add_years(dob, 16), add_years(dob, 18)
        at18 = (b >= 19) & (rng.random(k) < 0.75)
        hi = np.minimum(b18 - 1, C0 - 1)
        leave = np.where(at18, b18, ui(rng, b16 + 91, hi))
        leave = np.minimum(leave, C0 - 1)
        leave = np.maximum(leave, b16 + 1)
        w.end[idx] = leave
        w.start[idx] = np.maximum(leave - ui(rng, 100, int(4 * YEAR_DAYS), k), add_years(dob, 8))
        w.rec[idx[at18]] = self.picker.pick(rng, "Episodes", "REC", W.REC_LEAVER_AT_18, int(at18.sum()))
        w.rec[idx[~at18]] = self.picker.pick(rng, "Episodes", "REC", W.REC_LEAVER_BEFORE_18, int((~at18).sum()))
        w.uasc[idx] = (b >= 19) & (rng.random(k) < 0.1)  # former UASC: matters for last year's return

    def _upn(self, w: World, rng: np.random.Generator) -> np.ndarray:
        """A real-looking UPN per child (check letter, LA number, school, year, serial), unique in the return."""
        n = w.n
        la_ints = self.la_numbers.astype(np.int64)
        la = np.where(rng.random(n) < 0.8, int(self.home_la_number), la_ints[rng.integers(0, len(la_ints), n)])
        nine = (w.gidx * 282475249 + 12345) % 1_000_000_000
        number = la * 1_000_000_000 + nine
        digits = number[:, None] // (10 ** np.arange(11, -1, -1, dtype=np.int64)) % 10
        check = (digits * np.arange(2, 14)).sum(axis=1) % 23
        letters = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"), dtype=object)
        body = np.char.zfill(number.astype(str), 12).astype(object)
        return letters[check] + body

    # ------------------------------------------------------------------ episodes
    def _legal_events(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Up to four legal statuses per child and the day each begins (OPEN when unused)."""
        k = len(idx)
        ls = np.full((k, 4), "", dtype=object)
        lt = np.full((k, 4), OPEN, np.int64)
        track = w.track[idx]
        start = w.start[idx]
        age_start = age_on(w.dob[idx], start)
        pk = self.picker
        entry = np.empty(k, dtype=object)
        gen = track == GENERAL
        young = gen & (age_start < 10)
        old = gen & (age_start >= 10)
        entry[young] = pk.pick(rng, "Episodes", "LS", W.LS_ENTRY_UNDER_10, int(young.sum()))
        entry[old] = pk.pick(rng, "Episodes", "LS", W.LS_ENTRY_10_PLUS, int(old.sum()))
        for t, weights in ((ADOPTION, W.LS_ENTRY_ADOPTION), (UASC, W.LS_ENTRY_UASC), (LEAVER, W.LS_LEAVER)):
            m = track == t
            entry[m] = pk.pick(rng, "Episodes", "LS", weights, int(m.sum()))
        entry[track == REMAND] = "J1"
        ls[:, 0] = entry
        lt[:, 0] = start
        adoption = track == ADOPTION
        for col in range(1, 4):
            prev, t_prev = ls[:, col - 1], lt[:, col - 1]
            active = t_prev != OPEN
            nxt = np.full(k, "", dtype=object)
            gap = np.zeros(k, np.int64)
            for code, (lo, hi, follow) in EMERGENCY.items():
                m = active & (prev == code)
                if not m.any():
                    continue
                options = follow.split("|")
                nxt[m] = np.array(options, dtype=object)[rng.integers(0, len(options), int(m.sum()))]
                gap[m] = ui(rng, lo, hi, int(m.sum()))
            p_order = np.where(age_start < 10, 0.55, 0.3)
            m = active & ~adoption & (prev == "V2") & (rng.random(k) < p_order) & (track == GENERAL)
            nxt[m], gap[m] = "C1", ui(rng, 30, 300, int(m.sum()))
            m = active & ~adoption & (prev == "C1") & (rng.random(k) < 0.85)
            nxt[m], gap[m] = "C2", ui(rng, 60, 365, int(m.sum()))
            has = nxt != ""
            ls[has, col] = nxt[has]
            lt[has, col] = t_prev[has] + gap[has]
        # adoption: placement order (E1), and C2 where the plan is reversed
        if adoption.any():
            rows = np.flatnonzero(adoption)
            t_po = w.placement_order[idx[rows]]
            col = (lt[rows] != OPEN).sum(axis=1)
            ls[rows, col] = "E1"
            lt[rows, col] = t_po
            rev = w.decision_ceased[idx[rows]]
            has_rev = rev != NONE
            r2 = rows[has_rev]
            ls[r2, col[has_rev] + 1] = "C2"
            lt[r2, col[has_rev] + 1] = np.maximum(rev[has_rev], t_po[has_rev] + 1)
        return ls, lt

    def _episodes(self, w: World, rng: np.random.Generator, idx: np.ndarray, resp: np.ndarray) -> None:
        C0, C1 = self.cur.start, self.cur.end
        ls, lt = self._legal_events(w, rng, idx)
        k = len(idx)
        start = w.start[idx]
        # the day emergency statuses end: no placement move before then
        t_em = np.where(np.isin(ls[:, 0], list(EMERGENCY)), lt[:, 1], start)
        t_em = np.where(t_em == OPEN, start, t_em)
        # ceasing dates still to be drawn (general track)
        end = w.end[idx].copy()
        pending = end < 0
        lo = np.maximum(np.maximum(start, C0), t_em) + 2
        cap = np.where(end < -1, -end, C1 - 1)
        draw = pending & (lo <= np.minimum(cap, C1 - 1))
        end[pending] = np.where(end[pending] < -1, -end[pending], OPEN)
        end[draw] = ui(rng, lo[draw], np.minimum(cap, C1 - 1)[draw])
        w.end[idx] = end
        end_eff = np.where(end == OPEN, C1 + 1, end)

        # ---- placement spells --------------------------------------------
        track = w.track[idx]
        placed = w.placed[idx]
        adopt_now = (track == ADOPTION) & (placed != NONE) & (placed < end_eff)
        upper = np.where(adopt_now, placed - 14, end_eff - 1)
        span = np.maximum(upper - t_em, 0) / YEAR_DAYS
        lam = 0.6 * np.minimum(span, 1) + 0.3 * np.maximum(span - 1, 0)
        lam = np.where(track == REMAND, 0.2 * span, np.where(track == UASC, 0.8 * lam, lam))
        nchg = np.minimum(rng.poisson(lam), 8)
        nchg = np.where(upper > t_em + 1, nchg, 0)
        rows = np.repeat(np.arange(k), nchg)
        t_chg = ui(rng, t_em[rows] + 1, upper[rows])
        # a quarter of legal changes come with a move on the same day (RNE B)
        lr, lc = np.nonzero((lt != OPEN) & (np.arange(4) > 0) & (rng.random(lt.shape) < 0.25))
        with_move = (lt[lr, lc] > t_em[lr]) & (lt[lr, lc] < upper[lr]) & ~np.isin(ls[lr, lc - 1], list(EMERGENCY))
        rows = np.concatenate([rows, lr[with_move]])
        t_chg = np.concatenate([t_chg, lt[lr, lc][with_move]])
        sp_row = np.concatenate([np.arange(k), rows, np.flatnonzero(adopt_now)])
        sp_t = np.concatenate([start, t_chg, placed[adopt_now]])
        sp_adopt = np.concatenate([np.zeros(k + len(rows), bool), np.ones(int(adopt_now.sum()), bool)])
        order = np.lexsort((sp_t, sp_row))
        sp_row, sp_t, sp_adopt = sp_row[order], sp_t[order], sp_adopt[order]
        keep = group_starts(sp_row * (1 << 32) + sp_t)
        sp_row, sp_t, sp_adopt = sp_row[keep], sp_t[keep], sp_adopt[keep]
        sp_child = idx[sp_row]
        rank = rank_in_group(sp_row)
        # legal status on the day each spell starts
        sp_ls = ls[sp_row, (lt[sp_row] <= sp_t[:, None]).sum(axis=1) - 1]
        place = self._pick_places(w, rng, sp_child, sp_t, sp_ls, rank, sp_adopt)
        provider, urn, post = self._spell_attributes(w, rng, sp_child, place)
        same = np.zeros(len(place), bool)
        # same carer, new placement status (U6->U4, U3->U1; fostering carers adopting: A5)
        prev_place = prev_in_group(sp_row, place, "")
        to_long = rank > 0
        to_long &= ((prev_place == "U6") & (rng.random(len(place)) < 0.35)) | (
            (prev_place == "U3") & (rng.random(len(place)) < 0.25)
        )
        to_long &= ~sp_adopt
        place[to_long] = np.where(prev_place[to_long] == "U6", "U4", "U1")
        foster_adopt = sp_adopt & w.foster_adopt[sp_child] & np.isin(prev_place, FOSTER)
        place[sp_adopt] = np.where(foster_adopt[sp_adopt], "A5", "A6")
        same = to_long | foster_adopt
        w.foster_adopt[sp_child[sp_adopt]] = foster_adopt[sp_adopt]
        # adoption placements get their own provider and URN; the same carer keeps provider, URN and postcode
        provider_new, urn_new, _ = self._spell_attributes(w, rng, sp_child, place)
        prev_provider = prev_in_group(sp_row, provider, "")
        prev_urn = prev_in_group(sp_row, urn, "")
        prev_post = prev_in_group(sp_row, post, "")
        provider = np.where(to_long, prev_provider, np.where(sp_adopt, provider_new, provider))
        urn = np.where(to_long, prev_urn, np.where(sp_adopt, urn_new, urn))
        post = np.where(to_long | foster_adopt, prev_post, post)

        # a move is a move: a new placement never repeats the last one exactly (rule 435)
        for _ in range(4):
            twin = (rank > 0) & ~same
            twin &= (place == prev_in_group(sp_row, place, "")) & (provider == prev_in_group(sp_row, provider, ""))
            # supported accommodation before Ofsted registration is written without its URN (see
            # _tables), so two K3 settings at one postcode would read as the same placement there
            twin &= (urn == prev_in_group(sp_row, urn, "")) | (place == "K3")
            twin &= post == prev_in_group(sp_row, post, "")
            if not twin.any():
                break
            # another setting (a URN and its address go together) or, with no URN, another address
            ti = np.flatnonzero(twin & (place != "P1"))
            p_, u_, q_ = self._spell_attributes(w, rng, sp_child[ti], place[ti])
            provider[ti], urn[ti], post[ti] = p_, u_, q_
            back_home = np.flatnonzero(twin & (place == "P1"))
            place[back_home] = "U3"
            p_, u_, q_ = self._spell_attributes(w, rng, sp_child[back_home], place[back_home])
            provider[back_home], urn[back_home], post[back_home] = p_, u_, q_

        # a "same carer" change that changes nothing is no change at all
        idem = same & (place == prev_in_group(sp_row, place, "")) & (urn == prev_in_group(sp_row, urn, ""))
        idem &= (provider == prev_in_group(sp_row, provider, "")) & (post == prev_in_group(sp_row, post, ""))
        if idem.any():
            keep = ~idem
            sp_row, sp_t, place, provider, urn, post, same, sp_adopt = (
                a[keep] for a in (sp_row, sp_t, place, provider, urn, post, same, sp_adopt)
            )
            sp_child = idx[sp_row]

        # supported accommodation open on the registration day: same carer, new (registered) status
        s_end = next_in_group(sp_row, sp_t, -1)
        s_end = np.where(s_end < 0, end_eff[sp_row], s_end)
        reg = np.flatnonzero((place == "K3") & (sp_t < REGISTRATION_DAY) & (s_end > REGISTRATION_DAY))
        if len(reg):
            sp_row = np.concatenate([sp_row, sp_row[reg]])
            sp_t = np.concatenate([sp_t, np.full(len(reg), REGISTRATION_DAY, np.int64)])
            place, provider, urn, post = (np.concatenate([a, a[reg]]) for a in (place, provider, urn, post))
            same = np.concatenate([same, np.ones(len(reg), bool)])
            sp_adopt = np.concatenate([sp_adopt, np.zeros(len(reg), bool)])
            order = np.lexsort((sp_t, sp_row))
            sp_row, sp_t, place, provider, urn, post, same, sp_adopt = (
                a[order] for a in (sp_row, sp_t, place, provider, urn, post, same, sp_adopt)
            )
            sp_child = idx[sp_row]

        # ---- temporary placements (with a return to the same placement) ----
        nxt_t = next_in_group(sp_row, sp_t, -1)
        nxt_t = np.where(nxt_t < 0, end_eff[sp_row], nxt_t)
        length = nxt_t - np.maximum(sp_t, t_em[sp_row])
        cand = (length >= 45) & ~sp_adopt & (track[sp_row] != REMAND) & (rng.random(len(place)) < 0.05)
        ci = np.flatnonzero(cand)
        tcode = weighted(rng, [t[0] for t in W.TEMPORARY], [t[1] for t in W.TEMPORARY], len(ci))
        tcode = np.where((tcode == "T3") & ~np.isin(place[ci], FOSTER), "T4", tcode)
        ti = code_index(tcode, np.array([t[0] for t in W.TEMPORARY], dtype=object))
        tlen = ui(rng, np.array([t[2] for t in W.TEMPORARY])[ti], np.array([t[3] for t in W.TEMPORARY])[ti])
        base = np.maximum(sp_t[ci], t_em[sp_row[ci]])
        ts = base + ui(rng, 7, length[ci] - tlen - 7)
        te = ts + tlen
        tpost = _places.pick_placement(rng, self._home_idx[sp_child[ci]], rng.random(len(ci)) < 0.5)
        n_sp = len(place)
        sp_row = np.concatenate([sp_row, sp_row[ci], sp_row[ci]])
        sp_t = np.concatenate([sp_t, ts, te])
        place = np.concatenate([place, tcode, place[ci]])
        provider = np.concatenate([provider, np.full(len(ci), "", object), provider[ci]])
        urn = np.concatenate([urn, np.full(len(ci), "", object), urn[ci]])
        post = np.concatenate([post, tpost, post[ci]])
        same = np.concatenate([same, np.zeros(2 * len(ci), bool)])
        temp = np.concatenate([np.zeros(n_sp, bool), np.ones(len(ci), bool), np.zeros(len(ci), bool)])
        # legal changes never fall inside a temporary stay (rule 380)
        if len(ci):
            tkey = idx[sp_row[n_sp : n_sp + len(ci)]] * (1 << 32) + ts
            torder = np.argsort(tkey)
            tkey_s, te_s = tkey[torder], te[torder]
            lkey = idx[:, None] * (1 << 32) + lt
            pos = np.searchsorted(tkey_s, lkey, side="right") - 1
            valid = pos >= 0
            posc = np.clip(pos, 0, None)
            same_child = (tkey_s[posc] >> 32) == idx[:, None]
            inside = valid & same_child & (lt <= te_s[posc]) & (lt != OPEN) & (np.arange(4) > 0)
            lt = np.where(inside, te_s[posc] + 1, lt)
        order = np.lexsort((sp_t, sp_row))
        sp_row, sp_t, place, provider, urn, post, same, temp = (
            a[order] for a in (sp_row, sp_t, place, provider, urn, post, same, temp)
        )
        sp_child = idx[sp_row]
        spell_id = np.arange(len(sp_t))

        # ---- respite: short breaks, each its own period of care ----------------
        r_spell0 = len(sp_t)
        r_place = self.canon.pick(rng, "Episodes", "PLACE", W.PLACE_RESPITE, len(resp))
        r_prov, _, _ = self._spell_attributes(w, rng, resp, r_place)
        r_urn = np.full(len(resp), "", dtype=object)  # no placement location for short breaks (rule 214)
        nb = 16
        gaps = ui(rng, 30, 120, len(resp) * nb).reshape(len(resp), nb)
        b_start = self.prev.start + ui(rng, 1, 60, len(resp))[:, None] + np.cumsum(gaps, axis=1) - gaps[:, :1]
        b_len = ui(rng, 1, 6, len(resp) * nb).reshape(len(resp), nb)
        b18r = add_years(w.dob[resp], 18)[:, None]
        b_ok = (b_start + b_len <= C1 - 1) & (b_start + b_len < b18r)
        rr, cc = np.nonzero(b_ok)
        r_child = resp[rr]
        r_decom = b_start[rr, cc]
        r_dec = r_decom + b_len[rr, cc]

        # ---- merge legal and placement events into episodes -----------------
        valid_l = (lt != OPEN) & (lt < end_eff[:, None])
        l_row, l_col = np.nonzero(valid_l)
        ev_child = np.concatenate([idx[l_row], sp_child])
        ev_t = np.concatenate([lt[l_row, l_col], sp_t])
        ev_ls = np.concatenate([ls[l_row, l_col], np.full(len(sp_t), "", object)])
        ev_spell = np.concatenate([np.full(len(l_row), -1, np.int64), spell_id])
        keep = ev_t < end_eff[np.searchsorted(idx, ev_child)]
        ev_child, ev_t, ev_ls, ev_spell = ev_child[keep], ev_t[keep], ev_ls[keep], ev_spell[keep]
        order = np.lexsort((ev_spell, ev_t, ev_child))
        ev_child, ev_t, ev_ls, ev_spell = ev_child[order], ev_t[order], ev_ls[order], ev_spell[order]
        gkey = ev_child * (1 << 32) + ev_t
        gstart = np.flatnonzero(group_starts(gkey))
        g_child, g_t = ev_child[gstart], ev_t[gstart]
        g_spell = np.maximum.reduceat(ev_spell, gstart) if len(gstart) else np.zeros(0, np.int64)
        ls_code = {c: i for i, c in enumerate(self.canon.codes("Episodes", "LS"))}
        ls_codes = np.array(list(ls_code), dtype=object)
        ev_lsi = code_index(ev_ls, ls_codes)
        g_ls = np.maximum.reduceat(ev_lsi, gstart) if len(gstart) else np.zeros(0, np.int64)
        first = group_starts(g_child)
        gi = np.arange(len(g_child))
        ls_f = g_ls[np.maximum.accumulate(np.where(g_ls >= 0, gi, 0))]
        sp_f = g_spell[np.maximum.accumulate(np.where(g_spell >= 0, gi, 0))]
        ls_prev = prev_in_group(g_child, ls_f, -1)
        sp_prev = prev_in_group(g_child, sp_f, -1)
        legal_chg = (ls_f != ls_prev) & ~first
        place_chg = (sp_f != sp_prev) & ~first
        kept = first | legal_chg | place_chg
        g_child, g_t, ls_f, sp_f, legal_chg, place_chg, first = (
            a[kept] for a in (g_child, g_t, ls_f, sp_f, legal_chg, place_chg, first)
        )
        samecarer = same[sp_f]
        rne = np.full(len(g_t), "P", dtype=object)
        rne[place_chg & samecarer] = "T"
        rne[legal_chg & ~place_chg] = "L"
        rne[legal_chg & place_chg] = "B"
        rne[legal_chg & place_chg & samecarer] = "U"
        rne[first] = "S"
        pos = np.searchsorted(idx, g_child)
        dec = next_in_group(g_child, g_t, -1)
        last = dec < 0
        dec = np.where(last, end[pos], dec)
        e_place = place[sp_f]
        # ---- reasons ceased ---------------------------------------------------
        rec = np.where(last, "", "X1").astype(object)
        self._final_rec(w, rng, idx, pos, last, e_place, end)
        rec[last] = w.rec[g_child[last]]
        rec[last & (dec == OPEN)] = ""
        # reason for placement change, on the episode that ends
        nxt_rne = next_in_group(g_child, rne, "")
        nxt_place = next_in_group(g_child, e_place, "")
        is_temp = np.isin(e_place, TEMP_CODES)
        needs = (rec == "X1") & np.isin(nxt_rne, ["P", "B", "T", "U"]) & ~is_temp & ~np.isin(nxt_place, TEMP_CODES)
        rpc = np.full(len(g_t), "", dtype=object)
        rpc[needs] = self.picker.pick(rng, "Episodes", "REASON_PLACE_CHANGE", W.REASON_PLACE_CHANGE, int(needs.sum()))
        rpc[needs & np.isin(nxt_rne, ["T", "U"])] = "PLACE"
        rpc[needs & np.isin(nxt_place, ADOPTION_PLACES)] = "CARPL"
        custody = needs & (nxt_place == "R5") & (age_on(w.dob[g_child], np.maximum(dec, 0)) >= 10)
        rpc[custody] = "CUSTOD"

        # ---- append respite breaks ------------------------------------------
        rs = r_spell0 + np.arange(len(resp))
        w.spells = {
            "child": np.concatenate([sp_child, resp]),
            "t": np.concatenate([sp_t, np.full(len(resp), NONE)]),
            "place": np.concatenate([place, r_place]),
            "provider": np.concatenate([provider, r_prov]),
            "urn": np.concatenate([urn, r_urn]),
            "post": np.concatenate([post, np.full(len(resp), "", object)]),
            "temp": np.concatenate([temp, np.zeros(len(resp), bool)]),
        }
        r_pos = np.searchsorted(resp, r_child)
        ep = {
            "child": np.concatenate([g_child, r_child]),
            "decom": np.concatenate([g_t, r_decom]),
            "dec": np.concatenate([dec, r_dec]),
            "rne": np.concatenate([rne, np.full(len(r_child), "S", object)]),
            "ls": np.concatenate([ls_codes[ls_f], np.full(len(r_child), "V3", object)]),
            "spell": np.concatenate([sp_f, rs[r_pos]]),
            "rec": np.concatenate([rec, np.full(len(r_child), "E4A", object)]),
            "rpc": np.concatenate([rpc, np.full(len(r_child), "", object)]),
        }
        order = np.lexsort((ep["decom"], ep["child"]))
        w.episodes = {k_: v[order] for k_, v in ep.items()}
        w.rec[resp] = "E4A"

    def _pick_places(
        self,
        w: World,
        rng: np.random.Generator,
        child: np.ndarray,
        t: np.ndarray,
        ls_at: np.ndarray,
        rank: np.ndarray,
        adopt: np.ndarray,
    ) -> np.ndarray:
        pk = self.canon
        n = len(child)
        age = age_on(w.dob[child], t)
        band = np.select([age < 1, age < 5, age < 10, age < 16], [0, 1, 2, 3], 4)
        track = w.track[child]
        place = np.full(n, "", dtype=object)
        tables = (W.PLACE_UNDER_1, W.PLACE_1_TO_4, W.PLACE_5_TO_9, W.PLACE_10_TO_15, W.PLACE_16_17)
        general = np.isin(track, [GENERAL, LEAVER])
        for b, weights in enumerate(tables):
            m = general & (band == b)
            place[m] = pk.pick(rng, "Episodes", "PLACE", weights, int(m.sum()))
        for m, weights in (
            ((track == UASC) & (age < 16), W.PLACE_UASC_UNDER_16),
            ((track == UASC) & (age >= 16), W.PLACE_UASC_16_17),
            (track == REMAND, W.PLACE_REMAND),
            (track == ADOPTION, {"U6": 0.5, "U4": 0.15, "U3": 0.15, "U5": 0.15, "U2": 0.05}),
        ):
            place[m] = pk.pick(rng, "Episodes", "PLACE", weights, int(m.sum()))
        # with parents: only under a care order (rule 378)
        p1 = general & np.isin(ls_at, ["C1", "C2"]) & (rng.random(n) < np.array(W.P1_SHARE)[band])
        place[p1] = "P1"
        # a first placement is never long-term fostering
        first = rank == 0
        place[first & (place == "U4")] = "U6"
        place[first & (place == "U1")] = "U3"
        place[adopt] = "A6"
        return place

    def _spell_attributes(
        self, w: World, rng: np.random.Generator, child: np.ndarray, place: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Provider, Ofsted URN and postcode of each placement."""
        n = len(place)
        provider = np.full(n, "", dtype=object)
        for code, weights in W.PROVIDER.items():
            m = place == code
            if m.any():
                provider[m] = self.canon.pick(rng, "Episodes", "PLACE_PROVIDER", weights, int(m.sum()))
        fost = np.isin(place, FOSTER)
        adop = np.isin(place, ADOPTION_PLACES)
        inside_p = np.select([fost | adop, place == "K2", place == "K1"], [0.6, 0.3, 0.1], 0.4)
        inside = rng.random(n) < inside_p
        setting = self.settings.pick(rng, _providers.group_of(place), provider, inside)
        # a child never lives in a setting at their own home postcode (392d): pick again where one does
        for _ in range(10):
            clash = (setting >= 0) & ~fost & ~adop & (place != "P1")
            clash &= self.settings.postcode[np.maximum(setting, 0)] == w.home[child]
            if not clash.any():
                break
            setting[clash] = self.settings.pick(rng, _providers.group_of(place[clash]), provider[clash], inside[clash])
        registered = setting >= 0
        urn = np.where(registered, self.settings.urn[np.maximum(setting, 0)], "")
        urn = np.where(adop & np.isin(provider, ["PR2", "PR5"]) & (rng.random(n) < 0.3), "XXXXXXX", urn)
        # a child lives at the home, school or supported accommodation itself; an agency's carers live anywhere
        lives_there = registered & ~fost & ~adop
        inside = np.where(lives_there, self.settings.inside[np.maximum(setting, 0)], inside)
        post = _places.pick_placement(rng, self._home_idx[child], inside)
        post = np.where(lives_there, self.settings.postcode[np.maximum(setting, 0)], post)
        post = np.where(place == "P1", w.home[child], post)
        no_urn = np.isin(place, NO_URN) | np.isin(place, TEMP_CODES) | np.char.startswith(place.astype(str), "Z1")
        urn = np.where(no_urn, "", urn).astype(object)
        return provider, urn, post.astype(object)

    def _final_rec(
        self,
        w: World,
        rng: np.random.Generator,
        idx: np.ndarray,
        pos: np.ndarray,
        last: np.ndarray,
        e_place: np.ndarray,
        end: np.ndarray,
    ) -> None:
        """Reasons ceased for general-track periods, by age; SGO to former foster carers needs fostering (516)."""
        children = idx[pos[last]]
        final_place = e_place[last]
        ended = (w.end[children] != OPEN) & (w.track[children] == GENERAL)
        children, final_place = children[ended], final_place[ended]
        dec = w.end[children]
        age = age_on(w.dob[children], dec)
        at18 = dec == add_years(w.dob[children], 18)
        pk = self.picker
        rec = np.empty(len(children), dtype=object)
        for m, weights in (
            (at18, W.REC_AT_18),
            (~at18 & (age < 14), W.REC_UNDER_14),
            (~at18 & (age >= 14) & (age < 16), W.REC_14_15),
            (~at18 & (age >= 16), W.REC_16_17),
        ):
            rec[m] = pk.pick(rng, "Episodes", "REC", weights, int(m.sum()))
        not_foster = ~np.isin(final_place, FOSTER)
        rec[not_foster & (rec == "E45")] = "E47"
        rec[not_foster & (rec == "E46")] = "E48"
        w.rec[children] = rec

    # ------------------------------------------------------------------ other tables
    def _reviews(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> None:
        """Statutory reviews: within 20 working days, three months later, then every six months."""
        P0, C1 = self.prev.start, self.cur.end
        start, end = w.start[idx], w.end[idx]
        k = len(idx)
        r1 = start + ui(rng, 10, 28, k)
        r2 = r1 + ui(rng, 80, 95, k)
        step = ui(rng, 170, 185, k)
        k0 = np.maximum(1, np.ceil((P0 - r2) / step)).astype(np.int64)
        cols = [r1, r2] + [r2 + (k0 + j) * step for j in range(5)]
        when = np.stack(cols, axis=1) + ui(rng, -5, 5, k * len(cols)).reshape(k, len(cols))
        lo = np.maximum(P0, start + 1)[:, None]
        hi = np.minimum(C1, np.where(end == OPEN, C1, end - 1))[:, None]
        ok = (when >= lo) & (when <= hi)
        rr, cc = np.nonzero(ok)
        w.reviews = {"child": idx[rr], "date": when[rr, cc]}

    def _missing(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> None:
        P0, P1, C1 = self.prev.start, self.prev.end, self.cur.end
        age = age_on(w.dob[idx], C1)
        p = np.where(age >= 11, np.where(w.uasc[idx], 0.2, 0.15), np.where(age >= 8, 0.02, 0.0))
        who = idx[rng.random(len(idx)) < p]
        lo = np.maximum(P0, w.start[who] + 1)
        hi = np.where(w.end[who] == OPEN, C1, w.end[who] - 2)
        who, lo, hi = who[hi > lo], lo[hi > lo], hi[hi > lo]
        count = np.minimum(1 + rng.poisson(2.5, len(who)), 15)
        rows = np.repeat(np.arange(len(who)), count)
        s = ui(rng, lo[rows], hi[rows])
        order = np.lexsort((s, rows))
        rows, s = rows[order], s[order]
        keep = group_starts(rows * (1 << 32) + s)
        rows, s = rows[keep], s[keep]
        kind = self.picker.pick(rng, "Missing", "MISSING", W.MISSING, len(s))
        dur = np.where(kind == "M", ui(rng, 0, 3, len(s)), ui(rng, 0, 1, len(s)))
        e = s + dur
        nxt = next_in_group(rows, s, OPEN)
        e = np.minimum(e, nxt - 1)
        e = np.minimum(e, hi[rows] + 1)
        e = np.where(s <= P1, np.minimum(e, P1), e)  # never straddle 31 March
        e = np.where(s <= C1, np.minimum(e, C1), e)
        e = np.maximum(e, s)
        child = who[rows]
        last = next_in_group(rows, s, -1) < 0
        # an incident still open at 31 March began in the child's current placement (575, 577)
        last_decom = np.full(w.n, NONE, np.int64)
        np.maximum.at(last_decom, w.episodes["child"], w.episodes["decom"])
        open_ = last & (w.end[child] == OPEN) & (s > P1) & (s > last_decom[child]) & (rng.random(len(s)) < 0.08)
        e = np.where(open_, OPEN, e)
        w.missing = {"child": child, "start": s, "end": e, "kind": kind}

    def _social_workers(self, w: World, rng: np.random.Generator, idx: np.ndarray) -> None:
        """A chain of allocated social workers per child, with a change when the child comes into care (SW12)."""
        C1 = self.cur.end
        start, dob = w.start[idx], w.dob[idx]
        k = len(idx)
        first = self.sw_from - ui(rng, 0, 500, k)
        born_late = first < dob
        first = np.where(born_late, dob + ui(rng, 0, 20, k), first)
        steps = 12
        lens = ui(rng, 120, 700, k * steps).reshape(k, steps)
        chain = first[:, None] + np.concatenate([np.zeros((k, 1), np.int64), np.cumsum(lens, axis=1)[:, :-1]], axis=1)
        care = start + np.minimum(ui(rng, 0, 30, k), np.maximum(C1 - start, 0))
        has_care = care > first + 2
        # a chain boundary within a week of the care change gives way to it
        near = np.abs(chain - care[:, None]) < 7
        chain = np.where(near & has_care[:, None] & (np.arange(steps) > 0), OPEN, chain)
        allb = np.concatenate([chain, np.where(has_care, care, OPEN)[:, None]], axis=1)
        is_care = np.zeros(allb.shape, dtype=bool)
        is_care[:, -1] = True
        rr = np.repeat(np.arange(k), steps + 1)
        t, c = allb.ravel(), is_care.ravel()
        # a child's first social worker hands over from nobody, so the quiet days below do not apply
        # to them, and a baby born in the last days of the year has one by 31 March: otherwise a
        # child looked after at 31 March could have none (SW12)
        first_column = np.zeros(allb.shape, dtype=bool)
        first_column[:, 0] = True
        first_of_chain = first_column.ravel()
        t = np.where(first_of_chain & (t > C1), C1, t)
        # no change of social worker in the last week of either year (SW11b looks for a successor then),
        # nor within two days of the start of either year's reporting window (SW07 is read with a
        # 365.2425-day year by some validators)
        quiet = ((t > C1 - 7) & (t <= C1)) | ((t > self.prev.end - 7) & (t <= self.prev.end))
        for edge in (self.prev.start, int(add_years(np.array([self.prev.start]), -1)[0]), self.cur.start):
            quiet |= np.abs(t - edge) <= 2
        ok = (t <= C1) & (~quiet | first_of_chain)
        rr, t, c = rr[ok], t[ok], c[ok]
        order = np.lexsort((t, rr))
        rr, t, c = rr[order], t[order], c[order]
        short = (t - prev_in_group(rr, t, NONE) < 7) & ~group_starts(rr)
        rr, t, c = rr[~short], t[~short], c[~short]
        nxt = next_in_group(rr, t, OPEN)
        dec = np.where(nxt == OPEN, OPEN, nxt - ui(rng, 0, 1, len(t)))
        reason = self.picker.pick(rng, "SWEpisodes", "SW_REASON", W.SW_REASON, len(t))
        firsts = group_starts(rr)
        reason[c] = "TSPROC"
        reason[firsts & born_late[rr]] = "FCONTA"
        swid = np.char.add("SW", rng.integers(10000, 999999, len(t)).astype(str)).astype(object)
        w.sw = {"child": idx[rr], "decom": t, "dec": dec, "id": swid, "reason": reason}

    def _dolo(self, w: World, rng: np.random.Generator) -> None:
        """Deprivation of liberty orders, each inside one children's home (K2) placement."""
        ep = w.episodes
        sp = w.spells
        place = sp["place"][ep["spell"]]
        age = age_on(w.dob[ep["child"]], ep["decom"])
        dec = np.where(ep["dec"] == OPEN, self.cur.end + 1, ep["dec"])
        cand = (place == "K2") & (age >= 12) & (dec - ep["decom"] > 40) & (dec > self.prev.start)
        cand &= rng.random(len(place)) < 0.15  # about one child in seven in a home (707, 708 need some)
        # one per child at most
        ci = np.flatnonzero(cand)
        ci = ci[group_starts(ep["child"][ci])]
        s = np.maximum(ep["decom"][ci], self.prev.start) + ui(rng, 1, 20, len(ci))
        e = s + ui(rng, 30, 240, len(ci))
        within = e < dec[ci]
        open_ok = (ep["dec"][ci] == OPEN) & (e > self.cur.end)
        ok = (within | open_ok) & (s < dec[ci] - 1) & (s <= self.cur.end)
        ci, s, e = ci[ok], s[ok], e[ok]
        e = np.where(e > self.cur.end, OPEN, e)
        w.dolo = {"child": ep["child"][ci], "start": s, "end": e}
