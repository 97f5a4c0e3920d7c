"""Picking codes from the model's code lists with realistic weights.

Weights name codes (a generator has to say which codes are common), but the
lists themselves come from the model: a weighted code that is not valid in the
year is dropped, and a weighted code the model has never heard of is a bug
(raised at once, so a typo cannot silently shift the mix).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import numpy as np

from ssda903.model import CollectionYear, load_model


@cache
def _all_codes(table: str, column: str) -> frozenset[str]:
    return frozenset(c.code for c in load_model().table(table).column(column).codes)


@cache
def _valid(table: str, column: str, year: CollectionYear) -> frozenset[str]:
    return frozenset(load_model().codes(table, column, year))


class Picker:
    """Weighted draws of codes valid for one collection year."""

    def __init__(self, year: CollectionYear):
        self.year = year
        self._cache: dict[tuple[str, str, tuple[tuple[str, float], ...]], tuple[np.ndarray, np.ndarray]] = {}

    def valid(self, table: str, column: str, code: str) -> bool:
        return code in _valid(table, column, self.year)

    def codes(self, table: str, column: str) -> list[str]:
        return load_model().codes(table, column, self.year)

    def _prepared(self, table: str, column: str, weights: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        key = (table, column, tuple(sorted(weights.items())))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        known = _all_codes(table, column)
        unknown = [c for c in weights if c not in known]
        if unknown:
            raise ValueError(f"{table}.{column} has no code(s) {unknown}; the model lists {sorted(known)}")
        valid = _valid(table, column, self.year)
        items = [(c, w) for c, w in weights.items() if c in valid and w > 0]
        if not items:
            raise ValueError(f"none of {sorted(weights)} is a valid {table}.{column} code in {self.year}")
        codes = np.array([c for c, _ in items], dtype=object)
        cum = np.cumsum([w for _, w in items], dtype=float)
        cum /= cum[-1]
        self._cache[key] = (codes, cum)
        return codes, cum

    def pick(
        self, rng: np.random.Generator, table: str, column: str, weights: Mapping[str, float], n: int
    ) -> np.ndarray:
        """``n`` codes (object array) drawn with the given relative weights."""
        codes, cum = self._prepared(table, column, weights)
        idx = np.searchsorted(cum, rng.random(n), side="right")
        return codes[np.minimum(idx, len(codes) - 1)]


def weighted(rng: np.random.Generator, values: list[object], weights: list[float], n: int) -> np.ndarray:
    """``n`` draws from ``values`` (not codes: e.g. track names, ages) with relative weights."""
    cum = np.cumsum(np.asarray(weights, dtype=float))
    cum /= cum[-1]
    idx = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(values) - 1)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr[idx]
