"""What every report shares: the ReportData they all read, and small formatting helpers.

Imports run one way: ``details`` (builds a ReportData) and ``overview`` (the
summary numbers) both import from here, and ``details`` imports ``overview``;
nothing here imports either of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ssda903.problems import KINDS, LoadProblem

if TYPE_CHECKING:
    import pandas as pd

    from ssda903.engine import Result
    from ssda903.rules import Rule

PERIOD_LABEL = {"current": "this year", "previous": "previous year"}


def code_key(code: str) -> tuple[int, int, str]:
    """Sort DfE codes numerically (101 < 1000 < 503D is wrong; 101 < 503D < 1000 is right), LOAD codes last."""
    m = re.match(r"(\d+)", code)
    if code.upper().startswith("LOAD"):
        return (2, int(re.sub(r"\D", "", code) or 0), code)
    return (0, int(m.group(1)), code) if m else (1, 0, code)


def is_load_code(code: str) -> bool:
    return code in KINDS


def plural(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1 child``, ``3 children``."""
    many = {"child": "children", "query": "queries"}.get(noun, noun + "s")
    return f"{n:,} {noun if n == 1 else many}"


def pylist(series: pd.Series) -> list[Any]:
    """A column as plain Python values, missing as None (fast: no per-value pandas calls).

    Numeric columns come back as int, so a line number never shows as ``3.0``.
    """
    import pandas as pd  # only the reports that need pandas import it (not the terminal summary)

    values = series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]  # the stubs omit na_value=None
    if pd.api.types.is_numeric_dtype(series.dtype):
        return [None if v is None else int(v) for v in values]
    return values


def columns(df: pd.DataFrame, *names: str) -> list[list[Any]]:
    return [pylist(df[n]) for n in names]


def ddmmyyyy(d: Any) -> str:
    return d.strftime("%d/%m/%Y") if d is not None else ""


@dataclass
class ReportData:
    """A Result made ready for writing: findings with messages and values, and the summary."""

    result: Result
    #: the engine's findings (see ``engine.FINDING_COLUMNS``) plus ``values``
    #: (dict field → text as typed, or None for a finding on no row)
    findings: pd.DataFrame
    messages: dict[str, str]
    rules: dict[str, Rule]
    #: the load problems that are not on a row of a table (a whole file or column)
    file_problems: list[LoadProblem]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def dataset(self) -> Any:
        return self.result.dataset

    def rule_fields(self, code: str) -> list[str]:
        r = self.rules.get(code)
        if r is not None:
            return list(r.fields)
        rows = self.findings.loc[self.findings["rule"] == code, "fields"].dropna()
        seen: list[str] = []
        for v in rows.unique():
            for f in str(v).split(","):
                if f and f not in seen:
                    seen.append(f)
        return seen
