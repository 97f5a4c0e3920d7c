"""PL_DISTANCE, PL_LA and PL_LOCATION, derived from each episode's two postcodes.

The DfE does not collect these three items; it works them out from HOME_POST and PL_POST
and rules then check them. We do the same with the ONS postcode table shipped in
``data/postcodes.parquet`` (see ``data/README.md``):

* ``PL_LA``: where the placement is. England: the ONS code of the upper-tier local
  authority (the children's services authority, e.g. ``E10000016`` Kent); ``WAL``,
  ``SCO``, ``NIR`` for Wales, Scotland and Northern Ireland; ``NUK`` for the Channel
  Islands and the Isle of Man (our reading of the DfE's "not UK"). Blank when PL_POST is
  blank or not a known postcode.
* ``PL_LOCATION``: ``IN`` when PL_LA is the responsible LA (``Dataset.la``, also under an
  older or newer code of the same authority), else ``OUT``. Blank when PL_LA is blank or
  the LA code was not given.
* ``PL_DISTANCE``: straight-line miles between the two postcodes' grid references,
  ``sqrt(dE² + dN²) / 1000 / 1.6093`` rounded to 0.1 as in the DfE guidance. Blank when
  either postcode is blank (nothing was recorded: rule 392a asks for it); 999.9 when both
  are given but a distance cannot be computed (unknown postcode, no grid reference,
  Northern Ireland or outside the UK).

Only the postcodes in the return are read from the file (a filtered Parquet scan), so
the cost grows with the return, not with the 2.6 million postcodes.
"""

from __future__ import annotations

import csv
from contextlib import ExitStack
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ssda903.sqltext import literal as _literal
from ssda903.steps import Step

if TYPE_CHECKING:
    import duckdb


#: The looked-up rows of the postcode table, kept for the life of the connection.
LOOKUP = "ref_postcodes"
#: a table, not a temporary one: the rules that read it may run on other connections
LOOKUP_DDL = f"CREATE TABLE IF NOT EXISTS {LOOKUP} (pcd BIGINT, la VARCHAR, e INTEGER, n INTEGER)"

_files = ExitStack()


@cache
def data_file(name: str) -> Path:
    """A file of ``ssda903/reference/data`` as a real path (extracted once if the package is zipped)."""
    return Path(_files.enter_context(resources.as_file(resources.files("ssda903.reference").joinpath("data", name))))


@cache
def authorities() -> dict[str, dict[str, str]]:
    """``authorities.csv`` by code."""
    with open(data_file("authorities.csv"), encoding="utf-8", newline="") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def same_authority(code: str) -> list[str]:
    """The codes one children's services authority has had: itself, its successors, its predecessors."""
    code = code.strip().upper()
    if not code:
        return []
    table = authorities()
    out = {code}
    out.update(table.get(code, {}).get("replaced_by", "").split())
    out.update(c for c, r in table.items() if code in r["replaced_by"].split())
    return sorted(out)


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """The table of looked-up postcodes (the macros it uses are in ssda903/sql/postcodes.sql)."""
    con.execute(LOOKUP_DDL)


def look_up(con: duckdb.DuckDBPyConnection, keys_sql: str) -> None:
    """Add to ``ref_postcodes`` the rows for the postcodes ``keys_sql`` selects (one column of postcode keys)."""
    # No `n IS NOT NULL` here: DuckDB would push it below the DISTINCT and work out the number of
    # every row's postcode, not of each postcode once (0.26 s at 250,000 children); a NULL number
    # is left out by NOT IN, or matches no row of the file
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _wanted AS "
        f"SELECT DISTINCT n AS k FROM (SELECT postcode_number(k) AS n FROM (SELECT DISTINCT k FROM ({keys_sql}) AS w(k))) "
        f"WHERE n NOT IN (SELECT pcd FROM {LOOKUP})"
    )
    row = con.execute("SELECT count(k) FROM _wanted").fetchall()[0]
    if row and row[0]:
        path = _literal(str(data_file("postcodes.parquet")))
        con.execute(
            f"INSERT INTO {LOOKUP} SELECT pcd, la, e, n FROM read_parquet({path}) WHERE pcd IN (SELECT k FROM _wanted)"
        )
    con.execute("DROP TABLE _wanted")


#: the two postcodes of an episode
POSTS = ("HOME_POST", "PL_POST")

#: the name of the chain of steps that works out one year's postcode items (``.format(period)``)
CHAIN = "postcodes.{}"

#: the view of the shipped postcode file the steps read (each driver points it at its own copy)
REFERENCE_VIEW = "reference_postcodes"


def point_at_postcodes(con: duckdb.DuckDBPyConnection) -> None:
    """The view the steps read the postcode file through, here the package's own copy."""
    path = _literal(str(data_file("postcodes.parquet")))
    con.execute(f"CREATE OR REPLACE VIEW {REFERENCE_VIEW} AS SELECT * FROM read_parquet({path})")


def la_settings_sql() -> str:
    """The LA's variables from ``run_settings``: ``la_code`` and ``own_la_codes`` (every code the
    authority has had: itself, its successors and its predecessors; empty when no LA is known)."""
    links = sorted(
        {(code, other) for code, row in authorities().items() for other in row["replaced_by"].split()}
        | {(other, code) for code, row in authorities().items() for other in row["replaced_by"].split()}
    )
    pairs = ", ".join(f"({_literal(a)}, {_literal(b)})" for a, b in links)
    la = "(SELECT upper(trim(coalesce(max(la), ''))) FROM run_settings)"
    return (
        f"SET VARIABLE la_code = (SELECT coalesce(max(la), '') FROM run_settings);\n"
        f"SET VARIABLE own_la_codes = (\n"
        f"    SELECT CASE WHEN {la} = '' THEN []::VARCHAR[]\n"
        f"           ELSE list_sort(list_distinct(list_concat([{la}], coalesce(list(l.other), [])))) END\n"
        f"    FROM (VALUES {pairs}) l(code, other) WHERE l.code = {la}\n"
        f")"
    )


def postcode_steps() -> list[Step]:
    """The steps that fill PL_DISTANCE, PL_LA and PL_LOCATION in ``main.Episodes`` and
    ``previous.Episodes`` (those supplied: the others are empty)."""
    # A file may carry its own PL_LOCATION (kept as given, as an extra column): rule 411 compares it
    # with the one worked out here, so the raw tables always have the column, blank when not given.
    steps = [
        Step(f"ALTER TABLE {raw}.Episodes ADD COLUMN IF NOT EXISTS PL_LOCATION VARCHAR")
        for raw in ("raw", "raw_previous")
    ]
    steps.append(Step(LOOKUP_DDL))
    # the rows of the postcode table for every postcode given in either year: one read of the file
    given = " UNION ".join(f"SELECT {c} FROM {schema}.Episodes" for schema in ("main", "previous") for c in POSTS)
    steps.append(
        Step(
            f"INSERT INTO {LOOKUP} SELECT pcd, la, e, n FROM {REFERENCE_VIEW} WHERE pcd IN ("
            f"SELECT postcode_number(postcode_key(x)) FROM ({given}) AS g(x) WHERE x IS NOT NULL"
            f") AND pcd NOT IN (SELECT pcd FROM {LOOKUP})"
        )
    )
    located = "len(coalesce(getvariable('own_la_codes'), [])) > 0"
    for schema, period in (("main", "current"), ("previous", "previous")):
        # Each postcode given is worked out once, however many episodes give it (the macros are
        # dear: they expand their argument several times). Each year is a chain of its own: the
        # temporary tables belong to the connection that runs it.
        steps.append(
            Step(
                f"""
                CREATE OR REPLACE TEMP TABLE _given_postcodes AS
                WITH given AS (SELECT HOME_POST AS x FROM {schema}.Episodes UNION SELECT PL_POST FROM {schema}.Episodes),
                keyed AS (SELECT x, postcode_key(x) AS k FROM given WHERE x IS NOT NULL)
                SELECT x, k, postcode_number(k) AS number FROM keyed;
                CREATE OR REPLACE TEMP TABLE _places AS
                SELECT g.x, l.e, l.n, placement_la(g.k, l.la) AS pl_la
                FROM _given_postcodes g LEFT JOIN {LOOKUP} l ON l.pcd = g.number;
                CREATE OR REPLACE TEMP TABLE _derived AS
                SELECT ep._id, p.pl_la,
                       CASE WHEN p.pl_la IS NULL OR NOT {located} THEN NULL
                            WHEN is_own_la(p.pl_la) THEN 'IN' ELSE 'OUT' END AS pl_location,
                       CASE WHEN ep.HOME_POST IS NULL OR ep.PL_POST IS NULL THEN NULL
                            WHEN h.e IS NULL OR h.n IS NULL OR p.e IS NULL OR p.n IS NULL THEN 999.9
                            ELSE least(999.9, round(sqrt(((h.e - p.e)::DOUBLE) ** 2 + ((h.n - p.n)::DOUBLE) ** 2)
                                                    / 1000 / 1.6093, 1))
                       END AS pl_distance
                FROM {schema}.Episodes ep
                LEFT JOIN _places h ON h.x = ep.HOME_POST
                LEFT JOIN _places p ON p.x = ep.PL_POST;
                UPDATE {schema}.Episodes AS ep
                SET PL_LA = d.pl_la, PL_LOCATION = d.pl_location, PL_DISTANCE = d.pl_distance
                FROM _derived AS d
                WHERE ep._id = d._id;
                DROP TABLE _derived;
                DROP TABLE _places;
                DROP TABLE _given_postcodes
                """,
                when=((period, "Episodes"),),
                chain=CHAIN.format(period),
            )
        )
    return steps
