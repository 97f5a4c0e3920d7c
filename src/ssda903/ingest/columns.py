"""Recognising a table by its column headers, and mapping headers to model columns.

Case, spaces, underscores and column order do not matter; the XML spellings
(CHILDID, PL) are accepted as aliases. Shared by every tabular reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ssda903.model import Table, load_model
from ssda903.problems import LoadProblem

ALIASES = {"CHILDID": "CHILD", "PL": "PLACE"}
#: columns every child-level file repeats; they do not tell tables apart
SHARED = {"CHILD", "DOB", "SEX"}
#: the Dataset's own columns in every raw table (DuckDB names are case-insensitive)
SYSTEM_COLUMNS = {"_id", "_file", "_row", "_line"}


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


def _own_share(table: Table, names: set[str]) -> float:
    own = set(table.csv_columns) - SHARED
    return len(own & names) / len(own) if own else 0.0


def table_named(hint: str | None) -> str | None:
    """The table a sheet, frame or file name names (``"episodes"``, ``"903_UASC_2024"``), if any."""
    if not hint:
        return None
    text = normalise_header(hint).replace("_", "")
    known = {t.name.upper(): t.name for t in load_model().all_tables}
    if text in known:
        return known[text]
    # a longer name holding a table name: the longest table name found wins ("SWEpisodes" over "Episodes")
    inside = [name for key, name in known.items() if key in text]
    return max(inside, key=len) if inside else None


def choose_table(headers: list[str], hint: str | None = None) -> str | None:
    """The table ``headers`` belong to; a ``hint`` (sheet or file name) settles close calls.

    The columns decide. The hinted table is taken instead when the columns match
    it at least half-way, or when they match no table and every 903 column among
    them is one of the hinted table's (a UASC sheet with CHILD, SEX and DOB only).
    """
    model = load_model()
    names = {n for n in (normalise_header(h) for h in headers) if n}
    found = model.find_table_by_columns(names)
    hinted = table_named(hint)
    if hinted is not None:
        t = model.table(hinted)
        known = names & {c for table in model.all_tables for c in table.csv_columns}
        if _own_share(t, names) >= 0.5 or (found is None and known and known <= set(t.csv_columns)):
            return hinted
    return found[0].name if found else None


def match_columns(
    headers: list[str],
    *,
    file: str,
    period: str,
    line: int = 1,
    table: str | None = None,
    hint: str | None = None,
    what: str = "header row",
) -> ColumnMatch:
    """Find the table ``headers`` belong to and where each of its columns is.

    ``table`` names the table outright (a frame given under a table name);
    ``hint`` is a sheet or file name that settles close calls (see choose_table).
    """
    model = load_model()
    normal = [normalise_header(h) for h in headers]
    if table is None:
        table = choose_table(headers, hint)
        if table is None:
            shown = ", ".join(str(h).strip() for h in headers if str(h or "").strip()) or "(no column names)"
            if len(shown) > 300:
                shown = shown[:300] + " …"
            return ColumnMatch(
                None,
                problems=[
                    LoadProblem(
                        "LOAD02",
                        f"The {what} ({shown}) does not match the columns of any 903 table.",
                        file=file,
                        line=line,
                        period=period,
                    )
                ],
            )
    t = model.table(table)
    wanted = [c for c in t.columns.values() if not c.derived]
    own = {c.name for c in wanted}
    match = ColumnMatch(table)
    seen: dict[str, int] = {}
    for i, (orig, name) in enumerate(zip(headers, normal, strict=True)):
        if not name:
            match.extras[f"(unnamed column {i + 1})"] = i
            continue
        if name in seen:
            # the repeat is kept beside the model's columns, so its values still reach the reports
            label = f"{str(orig).replace(chr(0xFEFF), '').strip()} (column {i + 1})"
            match.extras[label] = i
            match.problems.append(
                LoadProblem(
                    "LOAD05",
                    f"{name} is column {seen[name] + 1} and again column {i + 1}; the first is used, "
                    f"and the second is kept as {label!r} but not validated.",
                    file=file,
                    line=line,
                    column=name,
                    table=table,
                    period=period,
                )
            )
            continue
        seen[name] = i
        if name not in own:
            label = str(orig).replace("\ufeff", "").strip()
            if label.lower() in SYSTEM_COLUMNS or label.lower() in {k.lower() for k in match.extras}:
                label = f"{label} (column {i + 1})"
            match.extras[label] = i
            said = f"{label!r} is not a column of {table}; it is kept but not validated."
            if name in t.columns and t.columns[name].derived:  # PL_LA, PL_LOCATION, PL_DISTANCE
                said = f"{label!r} is worked out from the postcodes here, as the DfE does; the value given is kept" + (
                    " and rule 411 reports where it disagrees." if name == "PL_LOCATION" else " but not used."
                )
            match.problems.append(
                LoadProblem(
                    "LOAD04",
                    said,
                    file=file,
                    line=line,
                    column=label,
                    table=table,
                    period=period,
                )
            )
    for col in wanted:
        idx = seen.get(col.name)
        match.columns[col.name] = idx
        if idx is None and not col.xml_only:
            match.problems.append(
                LoadProblem(
                    "LOAD03",
                    f"{table} needs a {col.name} column; every {col.name} is treated as blank.",
                    file=file,
                    line=line,
                    column=col.name,
                    table=table,
                    period=period,
                )
            )
    return match
