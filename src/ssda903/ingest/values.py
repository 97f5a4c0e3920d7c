"""Turning typed cell values (from Excel, pandas, Arrow or Python) into the text the Dataset keeps.

The raw tables hold text only. A value that arrives typed is written the way an
analyst would have typed it in a UK spreadsheet, so the typed views parse it
and a report shows something recognisable:

* a date: ``DD/MM/YYYY``; a date-time with a time of day: ``DD/MM/YYYY HH:MM:SS``
  (midnight is dropped, which is how Excel stores a plain date);
* a whole number held as a float (Excel keeps every number as a float):
  ``1.0`` → ``"1"``; other floats with Excel's 15 significant digits;
* text exactly as given (``"01"`` stays ``"01"``); empty text and missing
  values (None, NaN, NaT, pandas NA) → None.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any


def cell_text(value: Any) -> str | None:
    """The text form of one cell; never raises."""
    try:
        return _cell_text(value)
    except Exception:  # a value type nobody foresaw: keep what Python can print
        try:
            return str(value)
        except Exception:
            return None


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return value or None
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if _is_missing(value):
            return None
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
        return (
            f"{value.day:02d}/{value.month:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"
        )
    if isinstance(value, dt.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace") or None
    if isinstance(value, str):  # a str subclass (numpy.str_)
        return str(value) or None
    if _is_missing(value):
        return None
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalars
        return _cell_text(value.item())
    if hasattr(value, "to_pydatetime"):
        return _cell_text(value.to_pydatetime())
    return str(value)


def _is_missing(value: Any) -> bool:
    """NaT, pandas NA and friends: values that compare unequal to everything."""
    try:
        return bool(value != value)
    except Exception:
        return type(value).__name__ in {"NAType", "NaTType"}


def texts(values: Iterable[Any]) -> list[str | None]:
    """``cell_text`` over a column, with a fast path for plain text."""
    return [(v or None) if type(v) is str else cell_text(v) for v in values]
