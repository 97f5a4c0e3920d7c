"""Recognising a table by its column headers, and mapping headers to model columns.

Case, spaces, underscores and column order do not matter; the XML spellings
(CHILDID, PL) are accepted as aliases. Shared by every tabular reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ssda903.problems import LoadProblem
from ssda903.model import load_model

ALIASES = {"CHILDID": "CHILD", "PL": "PLACE"}


def normalise_header(name: object) -> str:
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").strip().strip('"').strip()
    text = re.sub(r"[\s\-]+", "_", text).upper()
    return ALIASES.get(text, text)


@dataclass
class ColumnMatch:
    """How one file's header maps onto a 903 table."""

    table: str | None
    #: model column -> index of the source column (None when missing)
    columns: dict[str, int | None] = field(default_factory=dict)
    #: original header -> index, for columns the model does not know
    extras: dict[str, int] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)


def match_columns(headers: list[str], *, file: str, period: str, line: int = 1, table_hint: str | None = None) -> ColumnMatch:
    """Find the table ``headers`` belong to and where each of its columns is.

    ``table_hint`` (e.g. a sheet or frame named after a table) wins when it names
    a known table.
    """
    model = load_model()
    normal = [normalise_header(h) for h in headers]
    known = {t.name.upper(): t.name for t in model.all_tables}
    table = known.get(normalise_header(table_hint).replace("_", "")) if table_hint else None
    if table is None:
        found = model.find_table_by_columns({n for n in normal if n})
        if found is None:
            shown = ", ".join(h for h in headers if str(h).strip()) or "(no column names)"
            return ColumnMatch(
                None,
                problems=[
                    LoadProblem(
                        "LOAD02",
                        f"The header row ({shown}) does not match the columns of any 903 table.",
                        file=file,
                        line=line,
                        period=period,
                    )
                ],
            )
        table = found[0].name
    t = model.table(table)
    wanted = [c for c in t.columns.values() if not c.derived]
    match = ColumnMatch(table)
    seen: dict[str, int] = {}
    for i, (orig, name) in enumerate(zip(headers, normal, strict=True)):
        if not name:
            match.extras[f"(unnamed column {i + 1})"] = i
            continue
        if name in seen:
            match.problems.append(
                LoadProblem("LOAD05", f"{name} is column {seen[name] + 1} and again column {i + 1}; the first is used.",
                            file=file, line=line, column=name, table=table, period=period)
            )
            continue
        seen[name] = i
        if name not in t.columns:
            match.extras[str(orig).strip()] = i
            match.problems.append(
                LoadProblem("LOAD04", f"{str(orig).strip()!r} is not a column of {table}.",
                            file=file, line=line, column=str(orig).strip(), table=table, period=period)
            )
    for col in wanted:
        idx = seen.get(col.name)
        match.columns[col.name] = idx
        if idx is None and not col.xml_only:
            match.problems.append(
                LoadProblem("LOAD03", f"{table} needs a {col.name} column; every {col.name} is treated as blank.",
                            file=file, line=line, column=col.name, table=table, period=period)
            )
    # An unnamed column that is entirely empty is an artefact of re-saving in Excel; readers drop it.
    return match
