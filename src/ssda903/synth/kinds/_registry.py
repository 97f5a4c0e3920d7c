"""The registry of error kinds written outside ``_errors.py``: one decorated function per kind.

A kind is a function that takes an ``Edit`` (the chunk's tables, the children chosen for it,
the rule that reports it) and returns the chunk positions of the children it changed. It is
injected only in years where one of its ``rules`` exists, so the manifest never names a rule
that is not written.

    @kind("adoption_decision_after_placement", rules=("377",))
    def _decision_after_placement(e: Edit) -> np.ndarray:
        ad = e.table("PlacedAdoption")
        rows = e.pick("PlacedAdoption", ad.cols["DATE_PLACED"] != "")
        ...
        return e.set("PlacedAdoption", rows, "DATE_PLACED", new)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ssda903.synth._edit import Ctx
from ssda903.synth._tables import Rows, YearView
from ssda903.synth._world import World


@dataclass
class Edit:
    """What a kind is given: the chunk's tables, the children to change, and the rule to name."""

    ctx: Ctx
    children: np.ndarray
    world: World
    view: YearView
    kind: str
    rule: str

    @property
    def rng(self) -> np.random.Generator:
        return self.ctx.rng

    @property
    def start(self) -> int:
        """The first day of the collection year, as a day number (days since 1970-01-01)."""
        return int(self.view.f.start)

    @property
    def end(self) -> int:
        """The last day of the collection year, as a day number."""
        return int(self.view.f.end)

    def has(self, table: str) -> bool:
        """Whether the year has ``table`` with at least one row in this chunk."""
        t = self.ctx.tables.get(table)
        return t is not None and len(t) > 0

    def table(self, table: str) -> Rows:
        return self.ctx.tables[table]

    def col(self, table: str, column: str) -> np.ndarray:
        return self.ctx.tables[table].cols[column]

    def pick(self, table: str, mask: np.ndarray) -> np.ndarray:
        """One random row per chosen child among the rows of ``table`` where ``mask`` holds."""
        return self.ctx.pick_rows(table, mask, self.children)

    def pick_rare(self, table: str, mask: np.ndarray) -> np.ndarray:
        """Rows for a situation too rare for the chosen children to be in (an adoption, a UASC young
        person about to turn 18): one row each for about a quarter as many children as were chosen,
        taken from any child of the chunk with such a row and no error yet. The chosen children left
        unchanged get another error instead."""
        t = self.ctx.tables[table]
        edited = np.array([row[0] for row in self.ctx.edits], dtype=object)  # one error per child where possible
        candidates = np.unique(t.child[mask & ~np.isin(t.cols["CHILD"], edited)])
        if len(candidates) == 0 or len(self.children) == 0:
            return np.zeros(0, np.int64)
        n = min(len(candidates), -(-len(self.children) // 4))
        return self.ctx.pick_rows(table, mask, self.rng.choice(candidates, n, replace=False))

    def set(self, table: str, rows: np.ndarray, column: str, new: np.ndarray | str) -> np.ndarray:
        """Change cells (one manifest row each); returns the chunk positions of the children changed."""
        values = np.full(len(rows), new, object) if isinstance(new, str) else np.asarray(new, dtype=object)
        return self.ctx.set(table, rows, column, values, self.kind, self.rule)

    def repeat_rows(self, table: str, rows: np.ndarray) -> np.ndarray:
        """Add a copy of each of ``rows`` right after it; only for kinds registered with ``adds_rows=True``.

        Such kinds run before any cell is changed, so every row number in the manifest is final.
        The Header cannot be repeated this way (its rows carry extra per-child values).
        """
        if table == "Header":
            raise ValueError("the Header's rows are repeated by the duplicate_child kind")
        t = self.ctx.tables[table]
        order = np.sort(np.concatenate([np.arange(len(t)), rows]), kind="stable")
        self.ctx.tables[table] = t.take(order)
        new_rows = np.flatnonzero(np.r_[False, order[1:] == order[:-1]])
        self._renumber(table, np.delete(np.arange(len(order)), new_rows))
        base = self.ctx.offsets.get(table, 0)
        copied = np.array([f"copy of row {base + int(r) - 1}" for r in new_rows], dtype=object)
        blank = np.full(len(new_rows), "", object)
        self.ctx.record(table, new_rows, "", blank, copied, self.kind, self.rule, False)
        return self.ctx.tables[table].child[new_rows]

    def add_rows(self, table: str, children: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
        """Add one row per chunk child in ``children`` (other columns blank), placed among the child's rows.

        Only for kinds registered with ``adds_rows=True``; each new row is one manifest line
        ("row added"). Not for the Header (its rows carry extra per-child values).
        """
        if table == "Header":
            raise ValueError("rows are not added to the Header this way")
        t = self.ctx.tables[table]
        n = len(children)
        if n == 0:
            return np.zeros(0, np.int64)
        added = {k: np.full(n, "", object) for k in t.cols}
        for k, v in values.items():
            added[k] = np.asarray(v, dtype=object)
        child = np.concatenate([t.child, children])
        order = np.argsort(child, kind="stable")
        cols = {k: np.concatenate([v, added[k]])[order] for k, v in t.cols.items()}
        self.ctx.tables[table] = Rows(child[order], cols)
        position = np.empty(len(order), np.int64)
        position[order] = np.arange(len(order))
        self._renumber(table, position[: len(t)])
        new_rows = np.sort(position[len(t) :])
        blank, note = np.full(n, "", object), np.full(n, "row added", object)
        self.ctx.record(table, new_rows, "", blank, note, self.kind, self.rule, False)
        return self.ctx.tables[table].child[new_rows]

    def _renumber(self, table: str, new_position: np.ndarray) -> None:
        """Move the manifest lines already written for ``table`` to the rows' new positions."""
        base = self.ctx.offsets.get(table, 0)
        for line in self.ctx.edits:
            if line[1] == table:
                line[2] = base + int(new_position[int(line[2]) - base])  # type: ignore[call-overload]


KindFn = Callable[[Edit], np.ndarray]


@dataclass(frozen=True)
class Kind:
    name: str
    rules: tuple[str, ...]
    fn: KindFn
    weight: float = 0.5
    needs_previous: bool = False
    adds_rows: bool = False
    eligible: KindFn | None = None


KINDS: dict[str, Kind] = {}


def kind(
    name: str,
    rules: tuple[str, ...],
    *,
    weight: float = 0.5,
    needs_previous: bool = False,
    adds_rows: bool = False,
    eligible: KindFn | None = None,
) -> Callable[[KindFn], KindFn]:
    """Registers an error kind reported by the first of ``rules`` that exists in the year.

    ``weight`` is how often it is chosen against the others (most are 0.5-3); ``needs_previous``
    injects it only when last year's return is written; ``adds_rows`` marks a kind that adds rows.
    ``eligible``, for a kind whose situation is rare, returns which of ``e.children`` it could
    change (read only, before any error is injected): the kind keeps its share of the children
    given errors, but takes them among those first, so a rare situation is not left to chance.
    """

    def register(fn: KindFn) -> KindFn:
        if name in KINDS:
            raise ValueError(f"two error kinds are named {name!r}")
        KINDS[name] = Kind(name, tuple(rules), fn, weight, needs_previous, adds_rows, eligible)
        return fn

    return register
