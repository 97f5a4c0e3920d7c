"""Error kinds for the missing-incident and adoption-decision rules (554-576).

Each kind makes one realistic slip an LA makes in the Missing or PlacedAdoption tables and names
the rule that reports it.
"""

from __future__ import annotations

import numpy as np

from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind


@kind("missing_type_blank_on_open_incident", rules=("565",), weight=1.5)
def _type_blank_open(e: Edit) -> np.ndarray:
    """The type of an incident (M or A) left blank while its start date is given, and no end date."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    rows = e.pick("Missing", (e.col("Missing", "MIS_START") != "") & (e.col("Missing", "MISSING") != ""))
    e.set("Missing", rows, "MIS_END", "")
    return e.set("Missing", rows, "MISSING", "")


@kind("missing_type_blank_on_closed_incident", rules=("566",), weight=1.5)
def _type_blank_closed(e: Edit) -> np.ndarray:
    """The type of a closed incident left blank while its end date is given."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    ok = (e.col("Missing", "MIS_END") != "") & (e.col("Missing", "MISSING") != "")
    rows = e.pick("Missing", ok)
    return e.set("Missing", rows, "MISSING", "")


@kind("missing_started_after_year_end", rules=("570",), weight=1.5)
def _started_after_year(e: Edit) -> np.ndarray:
    """An incident of next April keyed into this year's return, still open."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    rows = e.pick("Missing", e.col("Missing", "MIS_START") != "")
    new = e.end + e.rng.integers(1, 20, len(rows))
    e.set("Missing", rows, "MIS_END", "")
    return e.set("Missing", rows, "MIS_START", text_of(new))


@kind("missing_ended_after_year_end", rules=("571",), weight=1.5)
def _ended_after_year(e: Edit) -> np.ndarray:
    """An incident open at 31 March given the end date it had when the return was made."""
    if not e.has("Missing"):
        return np.zeros(0, np.int64)
    start = days(e.col("Missing", "MIS_START"))
    ok = (e.col("Missing", "MIS_END") != "") & (start >= e.start) & (start <= e.end)
    rows = e.pick("Missing", ok)
    new = e.end + e.rng.integers(1, 20, len(rows))
    return e.set("Missing", rows, "MIS_END", text_of(new))
