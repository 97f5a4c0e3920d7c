"""Reference data the rules need beyond the return itself (postcodes, LAs, Ofsted providers).

``derive(ds)`` fills the DfE-derived Episodes columns PL_DISTANCE, PL_LA and
PL_LOCATION in the typed tables. Until reference data is wired in they stay blank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ssda903.dataset import Dataset


def derive(ds: Dataset) -> None:
    """Fill derived columns in ``main.Episodes`` and ``previous.Episodes`` (no-op for now)."""
    return None
