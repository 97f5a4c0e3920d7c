"""Dates as whole days since 1 January 1970, vectorised with numpy.

The generator keeps every date as an ``int64`` day number so that sorting,
comparing and adding days are plain array arithmetic. Text is produced once,
at the end, through a lookup table of ``DD/MM/YYYY`` strings.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np

EPOCH = date(1970, 1, 1)
#: Day numbers of the lookup table (1 January 1900 to 31 December 2049).
LUT_FIRST = (date(1900, 1, 1) - EPOCH).days
LUT_LAST = (date(2049, 12, 31) - EPOCH).days
#: Marks a date that is not set (an open episode, a blank cell).
NONE = np.int64(-(10**7))
#: Marks "still open after the last day we simulate".
OPEN = np.int64(10**7)


def day(d: date) -> int:
    return (d - EPOCH).days


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day of month of each day number."""
    dt = np.asarray(days, dtype="int64").astype("datetime64[D]")
    months = dt.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (dt - months).astype(np.int64) + 1
    return years, month, dom


def from_ymd(years: np.ndarray, month: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """Day numbers from year, month and day of month (day 29 February of a non-leap year becomes 1 March)."""
    months = (np.asarray(years, dtype=np.int64) - 1970) * 12 + (np.asarray(month, dtype=np.int64) - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + np.asarray(dom, np.int64) - 1


def add_years(days: np.ndarray, k: int | np.ndarray) -> np.ndarray:
    """The same day and month ``k`` years later (birthdays; the generator never uses 29 February)."""
    y, m, d = ymd(days)
    return from_ymd(y + k, m, d)


def age_on(dob: np.ndarray, when: np.ndarray | int) -> np.ndarray:
    """Age in whole years on ``when`` (as the DfE counts it: the birthday itself counts)."""
    by, bm, bd = ymd(dob)
    wy, wm, wd = ymd(np.broadcast_to(np.asarray(when, dtype=np.int64), np.shape(dob)))
    before = (wm < bm) | ((wm == bm) & (wd < bd))
    return wy - by - before.astype(np.int64)


def no_leap_day(days: np.ndarray) -> np.ndarray:
    """Move 29 February to 28 February, so that birthdays never need a convention."""
    _, m, d = ymd(days)
    return np.where((m == 2) & (d == 29), days - 1, days)


@cache
def _lut() -> np.ndarray:
    first = np.datetime64(date(1900, 1, 1), "D")
    iso = np.datetime_as_string(first + np.arange(LUT_LAST - LUT_FIRST + 1), unit="D")
    out = np.empty(len(iso) + 1, dtype=object)
    out[:-1] = [f"{s[8:10]}/{s[5:7]}/{s[0:4]}" for s in iso.tolist()]
    out[-1] = ""
    return out


@cache
def _iso_lut() -> np.ndarray:
    first = np.datetime64(date(1900, 1, 1), "D")
    out = np.empty(LUT_LAST - LUT_FIRST + 2, dtype=object)
    out[:-1] = np.datetime_as_string(first + np.arange(LUT_LAST - LUT_FIRST + 1), unit="D").tolist()
    out[-1] = ""
    return out


def _index(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype=np.int64)
    blank = (d < LUT_FIRST) | (d > LUT_LAST)
    return np.where(blank, LUT_LAST - LUT_FIRST + 1, d - LUT_FIRST)


def text(days: np.ndarray) -> np.ndarray:
    """``DD/MM/YYYY`` strings (object array); days outside 1900-2049 (NONE, OPEN) become blank."""
    return _lut()[_index(days)]


def iso_text(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` strings, for injecting ISO dates."""
    return _iso_lut()[_index(days)]
