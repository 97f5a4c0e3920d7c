"""Load problems: everything wrong with the input, as located findings.

Each problem has a code (``LOAD01`` …), a short title and a message that says
what was found and what to do. They travel in the same findings shape as the
DfE rules, so a report shows them beside the rule errors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ssda903.sqltext import literal


@dataclass(frozen=True)
class ProblemKind:
    code: str
    title: str
    severity: str  # "error" stops a file or value being used; "warning" is information
    advice: str


KINDS: dict[str, ProblemKind] = {
    k.code: k
    for k in sorted(
        [
            ProblemKind(
                "LOAD01",
                "File cannot be read",
                "error",
                "Save the file again from the case management system or Excel as CSV (UTF-8), XLSX or DfE XML.",
            ),
            ProblemKind(
                "LOAD02",
                "Columns do not match any 903 table",
                "error",
                "Check the header row: each file must carry the column names of one 903 table.",
            ),
            ProblemKind(
                "LOAD03",
                "Column missing",
                "error",
                "Add the column to the file; until then every value in it is treated as blank.",
            ),
            ProblemKind(
                "LOAD04",
                "Column not part of the 903 table",
                "warning",
                "The column is kept and shown in reports but not validated; remove it before submitting.",
            ),
            ProblemKind(
                "LOAD05", "Column appears more than once", "error", "Remove the repeated column; the first one is used."
            ),
            ProblemKind(
                "LOAD06",
                "More than one file for the same table",
                "warning",
                "Both files are loaded; send one file per table to the DfE.",
            ),
            ProblemKind("LOAD07", "Value is not a date", "error", "Write dates as DD/MM/YYYY, e.g. 05/11/2024."),
            ProblemKind(
                "LOAD08", "Value is not a whole number", "error", "Write the value as a whole number, e.g. 12."
            ),
            ProblemKind(
                "LOAD09",
                "Code not valid for this collection year",
                "error",
                "Use a code from the DfE code list for the year (see `ssda903 rules` and the user guide).",
            ),
            ProblemKind("LOAD10", "File is empty", "error", "The file has no header row; export it again."),
            ProblemKind(
                "LOAD11",
                "XML file is not a 903 return",
                "error",
                "A 903 XML file has the root element EXPSSDA903 with CHILD elements inside.",
            ),
            ProblemKind(
                "LOAD12",
                "Table not collected in this year",
                "warning",
                "The table is ignored for this collection year; check the year you chose.",
            ),
            ProblemKind(
                "LOAD13",
                "File is not UTF-8",
                "warning",
                "The file was read with the encoding named; save it as CSV UTF-8 to be sure of accents and symbols.",
            ),
            ProblemKind(
                "LOAD14",
                "Row has more values than the header has columns",
                "error",
                "Check the row for a stray delimiter or a missing quote; the extra values are kept together but not validated.",
            ),
            ProblemKind(
                "LOAD15",
                "Date given in another form",
                "warning",
                "The date was understood, but the DfE expects DD/MM/YYYY.",
            ),
            ProblemKind(
                "LOAD16",
                "XML element not part of the 903 format",
                "warning",
                "The element was ignored; check the spelling against the DfE XML specification for the year.",
            ),
            ProblemKind(
                "LOAD17",
                "File type does not match its name",
                "warning",
                "The file was read by what it holds; rename it (e.g. .xlsx for a workbook) before sending it on.",
            ),
            ProblemKind(
                "LOAD18",
                "Required value is blank",
                "error",
                "Fill in the value: the DfE requires it on every row of this table.",
            ),
            ProblemKind(
                "LOAD19",
                "Row repeats one already given",
                "error",
                "Keep one row: the DfE return holds each child (or each record) once in this table.",
            ),
            ProblemKind(
                "LOAD20",
                "Table the DfE requires is missing",
                "error",
                "Add the file for this table (with its header row, even when it has no rows): the DfE return needs it.",
            ),
            ProblemKind(
                "LOAD21",
                "Value read after tidying",
                "warning",
                "The value was understood, but write it exactly as the DfE expects (shown in the message).",
            ),
            ProblemKind(
                "LOAD23",
                "Row holds no values",
                "warning",
                "The row is blank in every column (Excel often leaves such rows at the end); it was not validated. "
                "Delete it before sending the return.",
            ),
            ProblemKind(
                "LOAD24",
                "Row above the header row not read",
                "warning",
                "A title or note above the column names is not part of the return; remove it before sending the file.",
            ),
            ProblemKind(
                "LOAD22",
                "Text converted from another encoding",
                "warning",
                "The text was converted to UTF-8; save the file as CSV UTF-8 so accents and symbols reach the DfE intact.",
            ),
        ],
        key=lambda k: k.code,
    )
}


@dataclass(frozen=True)
class LoadProblem:
    """One problem with the input, located as precisely as it can be."""

    code: str
    message: str
    file: str = ""
    line: int | None = None
    column: str = ""
    value: str | None = None
    table: str = ""
    period: str = "current"
    row: int | None = None
    child: str | None = None

    @property
    def kind(self) -> ProblemKind:
        return KINDS[self.code]

    @property
    def severity(self) -> str:
        return self.kind.severity

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["title"] = self.kind.title
        d["severity"] = self.severity
        d["advice"] = self.kind.advice
        return d

    def __str__(self) -> str:
        where = self.file or "input"
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column}"
        return f"{self.code} {self.kind.title}: {where}: {self.message}"


class InputError(Exception):
    """The input cannot be used at all (nothing to validate); the CLI exits with status 2."""


def first_line(e: Exception) -> str:
    """The first line of an error's message (its kind when it has none), for a message or a detail."""
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def load_codes_sql(severity: str | None = None) -> str:
    """The LOAD codes (those of one ``severity`` only, when given) as a list of SQL literals, for
    ``rule IN (...)``."""
    return ", ".join(literal(k.code) for k in KINDS.values() if severity is None or k.severity == severity)
