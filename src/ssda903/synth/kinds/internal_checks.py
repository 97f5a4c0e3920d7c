"""Errors the DfE's internal checks report: tables that disagree with the Header (INT01-INT21)."""

from __future__ import annotations

import numpy as np

from ssda903.synth._edit import days, text_of
from ssda903.synth.kinds._registry import Edit, kind

#: table -> (the INT rule for a child missing from the Header, the INT rule for a different DOB)
CHILD_TABLES: dict[str, tuple[str, str]] = {
    "AD1": ("INT01", "INT11"),
    "PlacedAdoption": ("INT02", "INT12"),
    "Episodes": ("INT03", ""),
    "Missing": ("INT04", "INT13"),
    "OC2": ("INT05", "INT14"),
    "OC3": ("INT06", "INT15"),
    "PrevPerm": ("INT07", "INT16"),
    "Reviews": ("INT08", "INT17"),
    "UASC": ("INT09", "INT18"),
}


def _one_table(e: Edit, table: str) -> np.ndarray:
    """The chosen children's rows of ``table`` (one each), or none when the chunk has no such table."""
    if not e.has(table):
        return np.zeros(0, np.int64)
    return e.pick(table, np.ones(len(e.table(table)), bool))


def _mistype_child(table: str) -> None:
    @kind(f"child_mistyped_in_{table}", rules=(CHILD_TABLES[table][0],), weight=0.1)
    def mistype(e: Edit) -> np.ndarray:
        """The child's identifier typed with an extra letter on one row of the table (all its rows for one-row tables)."""
        rows = _one_table(e, table)
        # every row of the child, so that no other rule sees a child in two halves
        rows = np.flatnonzero(np.isin(e.table(table).child, e.table(table).child[rows]))
        return e.set(table, rows, "CHILD", e.col(table, "CHILD")[rows] + "X")


def _shift_dob(table: str) -> None:
    @kind(f"dob_differs_in_{table}", rules=(CHILD_TABLES[table][1],), weight=0.1)
    def shift(e: Edit) -> np.ndarray:
        """The date of birth in the table a few days off the Header's (a typing slip in one place)."""
        rows = _one_table(e, table)
        rows = rows[e.col(table, "DOB")[rows] != ""]
        new = text_of(days(e.col(table, "DOB")[rows]) + e.rng.integers(1, 10, len(rows)))
        return e.set(table, rows, "DOB", new)


for _table, (_child_rule, _dob_rule) in CHILD_TABLES.items():
    _mistype_child(_table)
    if _dob_rule:
        _shift_dob(_table)


@kind("uasc_sex_differs", rules=("INT21",), weight=0.1)
def _uasc_sex(e: Edit) -> np.ndarray:
    """The sex in the UASC table the other way round from the Header's."""
    rows = _one_table(e, "UASC")
    sex = e.col("UASC", "SEX")[rows]
    swap = {"M": "F", "F": "M", "1": "2", "2": "1"}
    keep = np.isin(sex, list(swap))
    rows = rows[keep]
    return e.set("UASC", rows, "SEX", np.array([swap[s] for s in sex[keep].tolist()], dtype=object))


def _repeat_child(table: str, rule: str) -> None:
    @kind(f"child_twice_in_{table}", rules=(rule,), weight=0.1, adds_rows=True)
    def repeat(e: Edit) -> np.ndarray:
        """The child's one row of the table given twice (a record exported twice)."""
        return e.repeat_rows(table, _one_table(e, table))


for _table, _rule in {"AD1": "INT31", "OC2": "INT33", "OC3": "INT34", "PrevPerm": "INT35", "UASC": "INT36"}.items():
    _repeat_child(_table, _rule)
