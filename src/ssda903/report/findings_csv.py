"""The findings CSV: the contract other tools rely on (see DESIGN, "Output contract").

The first five columns keep their meaning: ``rule,period,table,row,child``;
``row`` is the 0-based data row of the table's source file. More follow so the
file can be worked from alone, without the workbook:

``severity``  ``error``, ``query`` or ``warning``
``stage``     1 or 2 (load problems are stage 1)
``file``      the file as given (a zip member as ``archive.zip!member.csv``)
``line``      the line in that file (or the sheet row of a workbook)
``column``    the field the finding is about: a load problem's own column; for a rule, its
              first declared field that is a column of the row's table
``value``     the text typed in that cell, exactly (blank when the cell is blank)
``message``   the DfE message of the rule; for a load problem, what was wrong
``after_stage1``  for a stage 2 finding whose inputs failed stage 1, the codes that failed on
              them (``102;LOAD18``): fix those first, this one may then go. Blank otherwise.

One line per finding: a rule gives one line per failing row, a load problem one
per cell (two bad dates on one row are two lines, each with its column). Sorted
by rule, period, table, row. A problem with a whole file or column (LOAD03
column missing, LOAD20 required table missing, LOAD01 file cannot be read …) has
``row`` and ``child`` empty, and ``table`` empty too when the file could not be
matched to a table; such lines come first within their rule, period and table.
Filter ``row`` non-empty to keep row findings only.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ssda903.engine import FINDING_COLUMNS
from ssda903.sqltext import quote

if TYPE_CHECKING:
    import pandas as pd

    from ssda903.engine import Result

#: the findings CSV's columns: the contract's five, then enough to work from the file alone
HEADER = FINDING_COLUMNS[:13]


def _sorted_sql(relation: str) -> str:
    return f"SELECT {', '.join(quote(c) for c in HEADER)} FROM {relation} ORDER BY sort_key"


def findings_table(result: Result) -> pd.DataFrame:
    """The CSV's rows as a DataFrame: one per finding, sorted; file-level lines have no row."""
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
