"""Editing a chunk of generated tables: the context an error kind changes, and day-number helpers.

An injected error changes cells (or adds rows) through ``Ctx.set`` / ``Ctx.record``, so that every
change is one manifest row naming the rule that reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ssda903.synth._dates import NONE, text
from ssda903.synth._tables import Rows
from ssda903.synth._world import group_starts


@dataclass
class Ctx:
    tables: dict[str, Rows]
    extras: dict[str, np.ndarray]
    rng: np.random.Generator
    offsets: dict[str, int]
    edits: list[list[object]] = field(default_factory=list)

    def record(
        self,
        table: str,
        rows: np.ndarray,
        column: str,
        original: np.ndarray,
        new: np.ndarray,
        kind: str,
        rule: str,
        tolerated: bool,
    ) -> None:
        child = self.tables[table].cols["CHILD"][rows]
        base = self.offsets.get(table, 0)
        flag = "yes" if tolerated else "no"
        self.edits.extend(
            [c, table, base + int(r), column, kind, rule, o, v, flag]
            for c, r, o, v in zip(child.tolist(), rows.tolist(), original.tolist(), new.tolist(), strict=True)
        )

    def set(
        self,
        table: str,
        rows: np.ndarray,
        column: str,
        new: np.ndarray,
        kind: str,
        rule: str,
        tolerated: bool = False,
    ) -> np.ndarray:
        """Change cells; returns the chunk positions of the children actually changed."""
        col = self.tables[table].cols[column]
        new = np.asarray(new, dtype=object)
        changed = col[rows] != new
        rows, new = rows[changed], new[changed]
        self.record(table, rows, column, col[rows], new, kind, rule, tolerated)
        col[rows] = new
        return self.tables[table].child[rows]

    def pick_rows(self, table: str, mask: np.ndarray, children: np.ndarray) -> np.ndarray:
        """One random row per child among the rows where ``mask`` holds (children without one get none)."""
        t = self.tables.get(table)
        if t is None or len(t) == 0 or len(children) == 0:
            return np.zeros(0, np.int64)
        cand = np.flatnonzero(mask & np.isin(t.child, children))
        if len(cand) == 0:
            return cand
        order = np.lexsort((self.rng.random(len(cand)), t.child[cand]))
        cand = cand[order]
        return cand[group_starts(t.child[cand])]


def non_blank(ctx: Ctx, table: str, column: str) -> np.ndarray:
    return ctx.tables[table].cols[column] != ""


def has_letters(ctx: Ctx, table: str, column: str) -> np.ndarray:
    vals = ctx.tables[table].cols[column].astype(str)
    return np.char.upper(vals) != np.char.lower(vals)


def cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def days(values: np.ndarray) -> np.ndarray:
    """Day numbers of DD/MM/YYYY strings; anything else (an error injected earlier) gives NONE."""
    d = pd.to_datetime(pd.Series(np.asarray(values, dtype=object)), format="%d/%m/%Y", errors="coerce")
    out = d.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return np.where(d.isna().to_numpy(), NONE, out)


def sl(s: np.ndarray, a: int, b: int) -> np.ndarray:
    """Characters ``a`` to ``b`` of each string of a fixed-width ``U10`` array."""
    if len(s) == 0:
        return s
    return np.ascontiguousarray(s.view("U1").reshape(len(s), -1)[:, a:b]).view(f"U{b - a}").ravel()


def text_of(days: np.ndarray) -> np.ndarray:
    return text(days)
