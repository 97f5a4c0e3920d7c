"""Rows that repeat one already given (LOAD19), found by SQL over the raw tables of both periods.

The DfE return holds each child once in Header and in the tables a child has at most one row
of (the XML schema gives HEADER once per CHILD and PERMANENCE, OC2, the UASC, AD1 and OC3
items at most once), and each review once (a child's review is known by its date). A second
row with the same key is reported on that row, naming the line of the first, and is still
loaded: nothing the user gave is merged or dropped.

Repeats a DfE rule already reports are left to that rule, so one repeat is one finding: a
child given twice in this year's Header, AD1, OC2, OC3, PrevPerm or UASC is the DfE's INT31-36
(``LEFT_TO_INT``), and the tables with many rows per child have their own rules (``LEFT_TO_DFE``).
Last year's return is not validated, so its repeats are always LOAD19, as are repeated reviews.

A DfE XML file copies the child's CHILD from HEADER into every other table
(``Source.copied``): two CHILD elements for one child repeat its OC2, Reviews … as well, but
that is one mistake, reported once on the repeated Header row. Rows whose CHILD is such a copy
repeat only when they come from the same CHILD element.
"""

from __future__ import annotations

from ssda903.dataset import RAW_SCHEMA
from ssda903.model import load_model
from ssda903.sql import TYPED_EXPR
from ssda903.sqltext import literal, quote

#: table -> the columns that identify one of its rows, for the tables the DfE holds once per key
KEYS: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD",),
    "UASC": ("CHILD",),
    "OC2": ("CHILD",),
    "OC3": ("CHILD",),
    "AD1": ("CHILD",),
    "PrevPerm": ("CHILD",),
    "Reviews": ("CHILD", "REVIEW"),
}

#: tables whose repeated children in this year's return a DfE internal check (INT31-36) reports
LEFT_TO_INT: dict[str, str] = {
    "AD1": "INT31",
    "Header": "INT32",
    "OC2": "INT33",
    "OC3": "INT34",
    "PrevPerm": "INT35",
    "UASC": "INT36",
}

#: tables whose repeated rows (same child and start date) a DfE rule reports: not reported here too
LEFT_TO_DFE: dict[str, str] = {
    "Episodes": "501",  # a new episode has started before the end date of the previous episode
    "Missing": "574",  # missing periods must not overlap, nor start while the previous one is open
    "PlacedAdoption": "579",  # decisions to place for adoption must not overlap
    "SWEpisodes": "SW19STG2",  # two social worker episodes starting on the same date
    "DoLo": "705",  # a DoLO cannot start while the previous one is open
}

WHY = {"Reviews": "the DfE return holds each review once"}


def repeats_sql(period: str, table: str) -> str | None:
    """``INSERT INTO file_problems`` a LOAD19 for every row of the raw ``table`` repeating the key of an
    earlier row (None for a table reported otherwise: :data:`LEFT_TO_INT`, :data:`LEFT_TO_DFE`)."""
    if table not in KEYS or (period == "current" and table in LEFT_TO_INT):
        return None
    return _repeats_sql(period, table, KEYS[table])


def _repeats_sql(period: str, table: str, key: tuple[str, ...]) -> str:
    """``INSERT INTO file_problems`` the repeated rows of one table: where each is, its key as given, and
    where the first is."""
    columns = load_model().table(table).columns
    raw = f"{RAW_SCHEMA[period]}.{quote(table)}"
    # the key as the rules read it (a CHILD with spaces around it is the same child)
    keys = ", ".join(f"{TYPED_EXPR[columns[c].kind].format(c=f't.{quote(c)}')} AS k{i}" for i, c in enumerate(key))
    given = ", ".join(f"t.{quote(c)} AS g{i}" for i, c in enumerate(key))
    k = ", ".join(f"k{i}" for i in range(len(key)))
    known = " AND ".join(f"k{i} IS NOT NULL" for i in range(len(key)))
    # rows whose CHILD the XML reader copied from HEADER belong to the CHILD element of the HEADER before them
    copies = (
        f"SELECT file FROM sources WHERE period = {literal(period)} AND tbl = {literal(table)} "
        "AND list_contains(copied, 'CHILD')"
    )
    owner, asof = "NULL::BIGINT", ""
    if table != "Header":
        owner = f"CASE WHEN t._file IN ({copies}) THEN h._id END"
        asof = (
            f"ASOF LEFT JOIN (SELECT _file, _line, _id FROM {RAW_SCHEMA[period]}.Header) h "
            "ON t._file = h._file AND t._line >= h._line"
        )
    what = {"Reviews": "'A review of CHILD ' || g.child || ' on ' || coalesce(g.g1, '')"}.get(
        table, "'CHILD ' || g.child"
    )
    why = literal(WHY.get(table, f"the DfE return holds each child once in {table}"))
    value = " || ',' || ".join(f"coalesce(g.g{i}, '')" for i in range(len(key)))
    return f"""
        INSERT INTO file_problems (rule, period, tbl, row, child, file, line, "column", value, message)
        WITH keyed AS MATERIALIZED (
            SELECT _id, _file, _row, _line, blank_to_null(CHILD) AS child, {given}, {keys}
            FROM {raw} t
        ),
        -- most keys are given once: only the rows of keys given more than once are looked at further
        twice AS (SELECT {k} FROM keyed WHERE {known} GROUP BY ALL HAVING count(*) > 1),
        repeated AS (SELECT * FROM keyed SEMI JOIN twice USING ({k})),
        owned AS MATERIALIZED (SELECT t.*, {owner} AS owner FROM repeated t {asof}),
        grouped AS (
            SELECT *,
                   first_value(_id) OVER (PARTITION BY {k}, _file, owner ORDER BY _id) AS group_first,
                   first_value(_id) OVER (PARTITION BY {k} ORDER BY _id) AS key_first,
                   first_value(_file) OVER (PARTITION BY {k} ORDER BY _id) AS key_first_file
            FROM owned
        )
        SELECT 'LOAD19', {literal(period)}, {literal(table)}, g._row, g.child, g._file, g._line,
               {literal(",".join(key))}, {value},
               {what} || ' is already on line ' || CAST(f._line AS VARCHAR) || ' of '
                   || regexp_extract(f._file, '[^/]*$') || '; ' || {why} || '. Keep one of the rows.'
        FROM grouped g
        JOIN owned f ON f._id = CASE WHEN g._id <> g.group_first THEN g.group_first ELSE g.key_first END
        -- a repeat within one file (or one CHILD element), or of a row from another file; rows of
        -- two CHILD elements of one XML file repeat because the child does: its Header row says so
        WHERE g._id <> g.group_first
           OR (g._id <> g.key_first AND (g.owner IS NULL OR g._file <> g.key_first_file))
        ORDER BY g._id
    """
