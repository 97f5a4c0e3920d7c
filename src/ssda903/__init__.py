"""ssda903: validate, explain, clean and benchmark the SSDA903 children looked after return.

>>> import ssda903
>>> result = ssda903.validate("returns/2024-25/", year="2024/25", previous="returns/2023-24/", la="Croydon")
>>> result.findings()        # one row per (rule, failing row)
>>> result.outcomes_frame()  # one row per rule: passed / failed / not run / crashed

Without ``year`` the collection year is taken from the episode dates; without ``la`` the
responsible LA is guessed from the children's home postcodes; either is said in one line on
the ``ssda903`` logger. Inputs that cannot be used raise :class:`InputError` (a wrong year,
an LA that is not English, last year's files that are this year's).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ssda903.problems import InputError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ssda903.dataset import Dataset
    from ssda903.engine import Result
    from ssda903.ingest import Inputs
    from ssda903.model import CollectionYear

__all__ = ["InputError", "__version__", "load", "validate"]


def load(
    current: Inputs,
    year: str | int | CollectionYear | None = None,
    previous: Inputs = None,
    *,
    la: str | None = None,
    force_year: bool = False,
) -> Dataset:
    """Load files, folders, zips or in-memory tables into a Dataset (see ssda903.ingest.load)."""
    from ssda903.ingest import load as _load

    return _load(current, year, previous, la=la, force_year=force_year)


def validate(
    current: Inputs,
    year: str | int | CollectionYear | None = None,
    previous: Inputs = None,
    *,
    la: str | None = None,
    rules: list[str] | None = None,
    providers: Any = None,
    force_year: bool = False,
    halt_stage2: bool = False,
) -> Result:
    """Validate a return against the year's DfE rules.

    ``current`` and ``previous`` are paths (files, folders, zips) or a mapping of
    table name to a pandas DataFrame / Arrow table. ``year`` is the collection year
    (default: the year of the episode dates); ``force_year=True`` validates as ``year`` even
    when the dates say another. ``la`` is the LA's ONS code or name (default: guessed from
    the home postcodes); ``providers`` an Ofsted provider list (a CSV path, or rows) for the
    URN rules. Returns a Result whose ``findings()`` and ``outcomes_frame()`` are DataFrames.
    ``halt_stage2=True`` leaves out stage 2 findings on values that failed stage 1, as the
    DfE portal does (by default they are kept, marked in ``after_stage1``).
    Raises InputError when the inputs cannot be used.
    """
    from ssda903.engine import run

    ds = load(current, year, previous, la=la, force_year=force_year)
    if providers is not None:
        from ssda903.reference import load_providers

        paths = isinstance(providers, (list, tuple)) and all(isinstance(p, (str, os.PathLike)) for p in providers)
        load_providers(ds, *(providers if paths else [providers]))
    return run(ds, rules, halt_stage2=halt_stage2)
