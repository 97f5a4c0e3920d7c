"""The findings CSV: the contract other tools rely on (see DESIGN, "Output contract").

Header ``rule,period,table,row,child``; one line per failing (rule, row);
``row`` is the 0-based data row of the table's source file; sorted by rule,
period, table, row.

Load problems travel in the same file under their LOAD codes. A value problem
(LOAD07 a date that is not a date …) has its row like any rule. A problem with a
whole file or column (LOAD03 column missing, LOAD04 extra column, LOAD01 file
cannot be read …) has no row: its line has ``row`` and ``child`` empty, and
``table`` empty too when the file could not be matched to a table. Such a line
comes first within its rule, period and table, and appears once however many
columns or files it concerns. Filter ``row`` non-empty to keep row findings only.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ssda903.engine import Result

HEADER = ["rule", "period", "table", "row", "child"]


def _sorted_sql(relation: str) -> str:
    return f"""
        SELECT rule, period, "table", row, child FROM (
            SELECT DISTINCT ON (rule, period, "table", row) rule, period, "table", row, child FROM {relation}
        )
        ORDER BY rule, period, "table" NULLS FIRST, row NULLS FIRST
    """


def findings_table(result: Result) -> pd.DataFrame:
    """The contract's rows: one per (rule, period, table, row), sorted; file-level lines have no row."""
    return result.dataset.con.execute(_sorted_sql("findings")).df()


def write_findings_csv(result: Result, path: str | os.PathLike[str]) -> int:
    """Write the findings CSV; returns the number of lines written (header excluded)."""
    target = os.fspath(path)
    open(target, "w").close()  # an unwritable path fails here, as an OSError like every other writer's
    # straight from the engine's findings table: no round trip through Python objects
    n = result.dataset.con.execute(
        f"COPY ({_sorted_sql('findings')}) TO '{target.replace(chr(39), chr(39) * 2)}' "
        "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', NEW_LINE '\\n')"
    ).fetchall()
    return int(n[0][0]) if n else 0
