"""The typed tables the rules read, and every value checked once: SQL generated from the model.

:func:`finish` turns a Dataset's raw text tables into ``main.<Table>`` and
``previous.<Table>``: dates as DATE, codes tidied and upper-cased, numbers typed, blanks
NULL. The SQL comes from the model alone (:func:`typed_table_sql`,
:func:`value_checks_sql`), with the macros of the SQL vocabulary (:mod:`ssda903.sql`), so a
browser page running DuckDB-WASM can type and check a return with exactly the same text.

Each value is checked against what it was read as, and every difference is a located
finding in ``cell_problems`` (one row per cell), never a silent change:

* LOAD07 not a date, LOAD08 not a whole number, LOAD09 not a code of the year's list,
  LOAD18 a required value left blank (errors: the value could not be used as given);
* LOAD15 a date written in another form (ISO, Excel's date-time, spaces around it) and
  LOAD21 any other value read after tidying (spaces around it, lower case): warnings that
  say what it was read as. A code in the wrong case or with spaces is also an error of the
  DfE rule for that item (its rule file lists the column under ``exact_codes``), and the
  LOAD21 gives way to it;
* LOAD22 text in a file converted from Windows-1252 (accents and symbols may differ from
  what was meant);
* LOAD23 a row blank in every column: kept and located, but not typed, so no rule fires on it.
"""

from __future__ import annotations

from ssda903 import reference
from ssda903.dataset import PERIODS, RAW_SCHEMA, TYPED_SCHEMA, Dataset
from ssda903.model import CollectionYear, Column, Table, load_model
from ssda903.problems import LoadProblem
from ssda903.repeats import check_repeats
from ssda903.sql import TYPED_EXPR, setup_sql, vocabulary_sql
from ssda903.sqltext import literal, quote

__all__ = ["finish", "typed_table_sql", "value_checks_sql"]

SQL_TYPE = {"decimal": "DOUBLE", "code": "VARCHAR", "id": "VARCHAR", "int": "INTEGER", "date": "DATE"}

CELL_PROBLEMS_DDL = (
    "CREATE OR REPLACE TABLE cell_problems (code VARCHAR, period VARCHAR, tbl VARCHAR, _id BIGINT, "
    "field VARCHAR, value VARCHAR, expected VARCHAR)"
)


def _data_columns(table: Table) -> list[Column]:
    return [c for c in table.columns.values() if not c.derived]


def _holds_values(table: Table) -> str:
    """SQL true when a raw row holds a value in at least one of the table's columns."""
    joined = "concat(" + ", ".join(quote(c.name) for c in _data_columns(table)) + ")"
    # one call per row, not a macro per column: anything but spaces, tabs, line ends and NBSP
    return f"regexp_matches({joined}, '[^\\s\\x{{00A0}}]')"


def typed_table_sql(period: str, table: Table) -> str:
    """``CREATE TABLE`` of one typed table from its raw text table.

    A row blank in every column (Excel leaves them at the end of a sheet saved as CSV) is not
    typed, so no rule fires on it; it is one LOAD23 finding instead (:func:`empty_rows_sql`).
    """
    typed = ", ".join(
        [f"{TYPED_EXPR[c.kind].format(c=quote(c.name))} AS {quote(c.name)}" for c in _data_columns(table)]
        + [f"NULL::{SQL_TYPE[c.kind]} AS {quote(c.name)}" for c in table.columns.values() if c.derived]
    )
    raw = f"{RAW_SCHEMA[period]}.{quote(table.name)}"
    return (
        f"CREATE OR REPLACE TABLE {TYPED_SCHEMA[period]}.{quote(table.name)} AS "
        f"SELECT _id, {typed} FROM {raw} WHERE {_holds_values(table)}"
    )


def empty_rows_sql(period: str, table: Table) -> str:
    """LOAD23 for each row blank in every column: kept in the raw table, located, not validated."""
    raw = f"{RAW_SCHEMA[period]}.{quote(table.name)}"
    return (
        f"INSERT INTO cell_problems SELECT 'LOAD23', '{period}', '{table.name}', _id, NULL, NULL, NULL "
        f"FROM {raw} WHERE NOT ({_holds_values(table)})"
    )


def empty_table_sql(period: str, table: Table) -> str:
    """An empty typed table of the same shape (for a table nobody supplied), planning no expression."""
    shape = ", ".join(f"{quote(c.name)} {SQL_TYPE[c.kind]}" for c in table.columns.values() if c.kind in SQL_TYPE)
    return f"CREATE OR REPLACE TABLE {TYPED_SCHEMA[period]}.{quote(table.name)} (_id BIGINT, {shape})"


def value_checks_sql(
    period: str,
    table: Table,
    year: CollectionYear,
    *,
    files_with: dict[str, list[str]] | None = None,
    converted_files: list[str] | None = None,
    copied: dict[str, list[str]] | None = None,
) -> str | None:
    """One ``INSERT INTO cell_problems`` with every value check of one table (None when it has none).

    ``files_with`` maps a column to the files that carried it (a required value is only
    "left blank" in a file that has the column; a missing column is LOAD03, once);
    ``converted_files`` are the files read from Windows-1252; ``copied`` maps a column to
    the files whose reader copied it from another element (checked where it was written). ``expected`` holds what the
    value should be (LOAD07-09, 18) or what it was read as (LOAD15, 21); the message is
    ``cell_message(...)`` of the vocabulary.
    """
    model = load_model()
    files_with = files_with or {}
    checks: list[tuple[str, str, str, str]] = []  # (condition, code, field, expected SQL)
    copied = copied or {}
    for c in _data_columns(table):
        # the text given (r_) and the value read (t_) of each column, side by side in one joined row
        r, t = quote(f"r_{c.name}"), quote(f"t_{c.name}")
        given = f"blank_to_null({r}) IS NOT NULL"
        first = len(checks)
        if c.kind == "date":
            checks.append((f"{given} AND {t} IS NULL", "LOAD07", c.name, "'a date (DD/MM/YYYY)'"))
            dfe = f"strftime({t}, '%d/%m/%Y')"
            checks.append((f"{t} IS NOT NULL AND {r} <> {dfe}", "LOAD15", c.name, dfe))
        elif c.kind == "int":
            checks.append((f"{given} AND {t} IS NULL", "LOAD08", c.name, "'a whole number'"))
            checks.append(
                (f"{t} IS NOT NULL AND {r} <> CAST({t} AS VARCHAR)", "LOAD21", c.name, f"CAST({t} AS VARCHAR)")
            )
        elif c.kind in ("code", "id"):
            if c.kind == "code" and c.codes:
                codes = ", ".join(literal(x.upper()) for x in model.codes(table.name, c.name, year))
                # a column with a pattern (UPN) takes a value of that form or one of its codes
                form = f" AND NOT regexp_full_match({t}, {literal(c.pattern.strip('^$'))})" if c.pattern else ""
                expected = literal(f"a {c.name} code of {year}")
                checks.append((f"{t} IS NOT NULL AND {t} NOT IN ({codes}){form}", "LOAD09", c.name, expected))
            checks.append((f"{t} IS NOT NULL AND {r} <> {t}", "LOAD21", c.name, t))
        files = files_with.get(c.name) or []
        if c.blank == "no" and files:
            in_files = ", ".join(literal(f) for f in files)
            checks.append((f"NOT ({given}) AND _file IN ({in_files})", "LOAD18", c.name, "'a value'"))
        if converted_files:
            in_files = ", ".join(literal(f) for f in converted_files)
            cond = f"_file IN ({in_files}) AND regexp_matches({r}, '[^\\x00-\\x7F]')"
            checks.append((cond, "LOAD22", c.name, r))
        # a value the reader copied (XML: CHILD, DOB, SEX from HEADER) is checked once, where it was written
        if copied.get(c.name):
            outside = f" AND _file NOT IN ({', '.join(literal(f) for f in copied[c.name])})"
            checks[first:] = [(cond + outside, code, fld, exp) for cond, code, fld, exp in checks[first:]]
    if not checks:
        return None
    raw = f"{RAW_SCHEMA[period]}.{quote(table.name)}"
    typed = f"{TYPED_SCHEMA[period]}.{quote(table.name)}"
    columns = ", ".join(
        f"r.{quote(c.name)} AS {quote('r_' + c.name)}, t.{quote(c.name)} AS {quote('t_' + c.name)}"
        for c in _data_columns(table)
    )
    # the raw and typed tables are joined once; then one cheap filtered scan per check (nearly every
    # cell passes every check, so this beats building a list of problems on every row)
    selects = " UNION ALL ".join(
        f"SELECT '{code}', '{period}', '{table.name}', _id, '{field}', {quote('r_' + field)}, "
        f"CAST({expected} AS VARCHAR) FROM given_and_read WHERE {cond}"
        for cond, code, field, expected in checks
    )
    return (
        f"INSERT INTO cell_problems WITH given_and_read AS MATERIALIZED (\n"
        f"    SELECT r._id, r._file, {columns} FROM {raw} r JOIN {typed} t USING (_id)\n) {selects}"
    )


def finish(ds: Dataset) -> Dataset:
    """Build the typed tables of ``ds`` and check every value once. Idempotent.

    On a Dataset typed before (and cleared since), only the tables supplied now or last time
    are rebuilt: the others are already empty.
    """
    if ds.finished:
        return ds
    model = load_model()
    con = ds.con
    setup = (ds.year, ds.la)
    first = ds.typed_setup is None
    statements: list[str] = []
    if ds.typed_setup != setup:
        statements.append(setup_sql(ds.year, ds.la, reference.same_authority(ds.la or "")))
    statements.append(CELL_PROBLEMS_DDL)
    supplied = {(s.period, s.table) for s in ds.sources}
    converted = sorted({p.file for p in ds.problems if p.code == "LOAD13"})
    unions = []
    for period in PERIODS:
        year = ds.year_of(period)
        for table in model.all_tables:
            key = (period, table.name)
            if first or key in supplied or key in ds.typed_tables:
                statements.append(ds.raw_ddl(period, table.name))
                if key in supplied:
                    statements.append(typed_table_sql(period, table))
                    statements.append(empty_rows_sql(period, table))
                else:  # nobody supplied it: an empty table of the same shape
                    statements.append(empty_table_sql(period, table))
            if key not in supplied:
                continue
            raw = f"{RAW_SCHEMA[period]}.{quote(table.name)}"
            unions.append(
                f"SELECT _id, '{period}' AS period, '{table.name}' AS tbl, _file, _row, _line, "
                f"blank_to_null(CHILD) AS child FROM {raw}"
            )
            sources = [s for s in ds.sources if (s.period, s.table) == key]
            if table.validity.covers(year):
                files_with = {c: [s.file for s in sources if c in s.columns] for c in table.columns}
                check = value_checks_sql(
                    period,
                    table,
                    year,
                    files_with=files_with,
                    converted_files=[f for f in converted if any(s.file == f for s in sources)],
                    copied={c: [s.file for s in sources if c in s.copied] for c in table.columns},
                )
                if check:
                    statements.append(check)
            elif not any(p.code == "LOAD12" and (p.period, p.table) == key for p in ds.problems):
                ds.add_problem(  # said once, however often the Dataset is typed
                    LoadProblem(
                        "LOAD12",
                        f"{table.name} is not collected in {year}; its rows are not validated.",
                        file=", ".join(s.file for s in sources),
                        table=table.name,
                        period=period,
                    )
                )
    if first or supplied != ds.typed_tables:
        # every row the user gave, with where it came from (the tables nobody supplied are empty)
        unions = unions or [
            "SELECT NULL::BIGINT AS _id, NULL AS period, NULL AS tbl, NULL AS _file, NULL::BIGINT AS _row, "
            "NULL::BIGINT AS _line, NULL AS child WHERE false"
        ]
        statements.append("CREATE OR REPLACE VIEW all_rows AS " + " UNION ALL ".join(unions))
    if first:  # the DfE expressions are table macros over the typed tables: they can exist now
        statements.append(vocabulary_sql("expressions"))
    con.execute(";\n".join(statements))
    check_repeats(ds)  # rows repeating one already given (LOAD19)
    ds.typed_setup = setup
    ds.typed_tables = supplied
    if ("current", "Episodes") in supplied or ("previous", "Episodes") in supplied:
        reference.derive(ds)
    ds.finished = True
    return ds
