"""ssda903: validate, explain, clean and benchmark the SSDA903 children looked after return.

>>> import ssda903
>>> result = ssda903.validate("returns/2024-25/", year="2024/25", previous="returns/2023-24/")
>>> result.findings()        # one row per (rule, failing row)
>>> result.outcomes_frame()  # one row per rule: passed / failed / not run / crashed
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ssda903.engine import Result
    from ssda903.ingest import Inputs
    from ssda903.model import CollectionYear

__all__ = ["__version__", "load", "validate"]


def load(current: Inputs, year: str | int | CollectionYear, previous: Inputs = None, *, la: str | None = None):  # type: ignore[no-untyped-def]
    """Load files, folders, zips or in-memory tables into a Dataset (see ssda903.ingest.load)."""
    from ssda903.ingest import load as _load

    return _load(current, year, previous, la=la)


def validate(
    current: Inputs,
    year: str | int | CollectionYear,
    previous: Inputs = None,
    *,
    la: str | None = None,
    rules: list[str] | None = None,
    providers: Any = None,
    halt_stage2: bool = False,
) -> Result:
    """Validate a return against the year's DfE rules.

    ``current`` and ``previous`` are paths (files, folders, zips) or a mapping of
    table name to a pandas DataFrame / Arrow table. ``la`` is the LA's ONS code;
    ``providers`` an Ofsted provider list (a CSV path, or rows) for the URN rules.
    ``halt_stage2=True`` leaves out stage 2 findings on values that failed stage 1, as the
    DfE portal does (by default they are kept, marked in ``after_stage1``).
    Returns a Result whose ``findings()`` and ``outcomes_frame()`` are DataFrames.
    """
    from ssda903.engine import run
    from ssda903.ingest import load as _load

    ds = _load(current, year, previous, la=la)
    if providers is not None:
        from ssda903.reference import load_providers

        paths = isinstance(providers, (list, tuple)) and all(isinstance(p, (str, os.PathLike)) for p in providers)
        load_providers(ds, *(providers if paths else [providers]))
    return run(ds, rules, halt_stage2=halt_stage2)
