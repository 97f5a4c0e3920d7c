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

import contextlib
import time
from functools import cache

import duckdb

from ssda903.dataset import PERIODS, RAW_SCHEMA, TYPED_SCHEMA, Dataset
from ssda903.model import CollectionYear, Column, Table, load_model
from ssda903.problems import LoadProblem
from ssda903.reference.postcodes import CHAIN as POSTCODE_CHAIN
from ssda903.reference.postcodes import la_settings_sql, point_at_postcodes, postcode_steps
from ssda903.repeats import repeats_sql
from ssda903.sql import TYPED_HALVES, setup_sql, vocabulary_sql
from ssda903.sqltext import literal, quote
from ssda903.steps import Step, at_hand, insert_rows, problem_row, run_steps

__all__ = ["finish", "load_steps", "typed_table_sql", "value_checks_sql"]

#: columns a reader may copy from another element into every table (the DfE XML gives CHILD, DOB
#: and SEX once, in the child's HEADER): checked where they were written, not where copied
COPIED = ("CHILD", "DOB", "SEX")

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
    # in two halves (TYPED_HALVES): the text tidied once per column inside, then read outside
    tidied = ", ".join(
        f"{TYPED_HALVES[c.kind][0].format(c=quote(c.name))} AS {quote(c.name)}" for c in _data_columns(table)
    )
    typed = ", ".join(
        [f"{TYPED_HALVES[c.kind][1].format(c=quote(c.name))} AS {quote(c.name)}" for c in _data_columns(table)]
        + [f"NULL::{SQL_TYPE[c.kind]} AS {quote(c.name)}" for c in table.columns.values() if c.derived]
    )
    raw = f"{RAW_SCHEMA[period]}.{quote(table.name)}"
    return (
        f"CREATE OR REPLACE TABLE {TYPED_SCHEMA[period]}.{quote(table.name)} AS "
        f"SELECT _id, {typed} FROM (SELECT _id, {tidied} FROM {raw} WHERE {_holds_values(table)})"
    )


def _blank_rows(period: str, table: Table) -> str:
    """The cell problem rows of LOAD23: each row blank in every column."""
    raw = f"{RAW_SCHEMA[period]}.{quote(table.name)}"
    return (
        f"SELECT 'LOAD23', '{period}', '{table.name}', _id, NULL, NULL, NULL "
        f"FROM {raw} WHERE NOT ({_holds_values(table)})"
    )


def empty_rows_sql(period: str, table: Table) -> str:
    """LOAD23 for each row blank in every column: kept in the raw table, located, not validated."""
    return f"INSERT INTO cell_problems {_blank_rows(period, table)}"


def empty_table_sql(period: str, table: Table) -> str:
    """An empty typed table of the same shape (for a table nobody supplied), planning no expression."""
    shape = ", ".join(f"{quote(c.name)} {SQL_TYPE[c.kind]}" for c in table.columns.values() if c.kind in SQL_TYPE)
    return f"CREATE OR REPLACE TABLE {TYPED_SCHEMA[period]}.{quote(table.name)} (_id BIGINT, {shape})"


def value_checks_sql(period: str, table: Table, year: CollectionYear) -> str:
    """One ``INSERT INTO cell_problems`` with every value check of one table, and its blank rows
    (LOAD23, :func:`empty_rows_sql`): a statement costs a small return more than its checks do.

    The checks read what the reader recorded in ``sources``, once per file: a required value is
    only "left blank" in a file that has the column (a missing column is LOAD03, once); a value
    the reader copied from another element (the XML copies CHILD, DOB and SEX from the child's
    HEADER) is checked once, where it was written. LOAD22, for files read from Windows-1252
    (LOAD13), is :func:`converted_text_sql`. ``expected`` holds what the value should be (LOAD07-09,
    18) or what it was read as (LOAD15, 21); the message is ``cell_message(...)`` of the vocabulary.
    """
    model = load_model()
    checks: list[tuple[str, str, str, str]] = []  # (condition, code, field, expected SQL)
    this = f"period = {literal(period)} AND tbl = {literal(table.name)}"
    # what each file says of a column, worked out once per file (not a subquery per check): whether
    # it has the column (``"has CHILD"``) and whether the reader copied it there (``"copied CHILD"``)
    per_file: list[tuple[str, str]] = []  # (name, SQL)
    for c in _data_columns(table):
        # the text given (r_) and the value read (t_) of each column, side by side in one joined row
        r, t = quote(f"r_{c.name}"), quote(f"t_{c.name}")
        # the typed value first: it is NULL for few cells, so tidying the text (the costly part) is
        # done for those few (DuckDB evaluates a condition's terms in the order written)
        given, blank = f"has_text({r})", f"has_text({r}) IS NOT TRUE"
        first = len(checks)
        if c.kind == "date":
            checks.append((f"{t} IS NULL AND {given}", "LOAD07", c.name, "'a date (DD/MM/YYYY)'"))
            # a date read is written as the DfE writes it exactly when its text is two digits, two and
            # four, between slashes (DD/MM/YYYY is tried first, and no other form reads as a date
            # with that shape): a pattern, not a date printed back for every cell
            dfe_form = f"regexp_full_match({r}, '[0-9]{{2}}/[0-9]{{2}}/[0-9]{{4}}')"
            dfe = f"strftime({t}, '%d/%m/%Y')"  # what it was read as, said only where it differs
            checks.append((f"{t} IS NOT NULL AND NOT {dfe_form}", "LOAD15", c.name, dfe))
        elif c.kind == "int":
            checks.append((f"{t} IS NULL AND {given}", "LOAD08", c.name, "'a whole number'"))
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
        if c.blank == "no":
            has = quote(f"has {c.name}")
            per_file.append((has, f"bool_or(list_contains(columns, {literal(c.name)}))"))
            # a code or an id reads as NULL only when blank; a date or a number also when unreadable
            left_blank = f"{t} IS NULL" if c.kind in ("code", "id") else f"{t} IS NULL AND {blank}"
            checks.append((f"{left_blank} AND {has}", "LOAD18", c.name, "'a value'"))
        if c.name in COPIED:
            copied = quote(f"copied {c.name}")
            per_file.append((copied, f"bool_or(list_contains(copied, {literal(c.name)}))"))
            checks[first:] = [(f"{cond} AND {copied} IS NOT TRUE", code, f, e) for cond, code, f, e in checks[first:]]
    if not checks:
        return empty_rows_sql(period, table)
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
    files = ""
    if per_file:
        said = ", ".join(f"{sql} AS {name}" for name, sql in per_file)
        files = f" LEFT JOIN (SELECT file, {said} FROM sources WHERE {this} GROUP BY file) f ON f.file = r._file"
        columns += ", " + ", ".join(name for name, _ in per_file)
    return (
        f"INSERT INTO cell_problems WITH given_and_read AS MATERIALIZED (\n"
        f"    SELECT r._id, {columns} FROM {raw} r JOIN {typed} t USING (_id){files}\n) {selects}"
        f" UNION ALL {_blank_rows(period, table)}"
    )


def converted_text_sql(period: str, table: Table) -> str:
    """LOAD22 for each value with characters beyond ASCII in a file converted from Windows-1252
    (LOAD13): run only when some file was converted, since almost none is."""
    raw = f"{RAW_SCHEMA[period]}.{quote(table.name)}"
    this = f"period = {literal(period)} AND tbl = {literal(table.name)}"
    selects = []
    for c in _data_columns(table):
        col = quote(c.name)
        cond = f"_file IN (SELECT file FROM file_problems WHERE rule = 'LOAD13') AND regexp_matches({col}, '[^\\x00-\\x7F]')"
        if c.name in COPIED:
            cond += (
                f" AND _file NOT IN (SELECT file FROM sources WHERE {this} "
                f"AND list_contains(copied, {literal(c.name)}))"
            )
        selects.append(
            f"SELECT 'LOAD22', '{period}', '{table.name}', _id, '{c.name}', {col}, {col} FROM {raw} WHERE {cond}"
        )
    return "INSERT INTO cell_problems " + " UNION ALL ".join(selects)


def not_collected_sql(period: str, table: Table, year: CollectionYear) -> str:
    """LOAD12 for a table given for a year that does not collect it (its rows are not validated)."""
    message = literal(f"{table.name} is not collected in {year}; its rows are not validated.")
    return (
        "INSERT INTO file_problems (rule, period, tbl, file, message) "
        f"SELECT 'LOAD12', '{period}', '{table.name}', string_agg(file, ', ' ORDER BY rowid), {message} "
        f"FROM sources WHERE period = '{period}' AND tbl = '{table.name}' HAVING count(*) > 0"
    )


#: every row the user gave, with where it came from: ``all_rows`` (_id, period, tbl, _file, _row, _line,
#: child), a view over ``row_places``, filled from each raw table supplied, which names a row's file
#: by a number (``source_places``, made from ``sources`` before any table is typed): the file's name
#: once per file, not once per row (at 250,000 children the names alone took 155 MB)
ALL_ROWS_DDL = (
    "CREATE OR REPLACE TABLE source_places AS SELECT period, tbl, file, "
    "dense_rank() OVER (ORDER BY period, tbl, file) AS src FROM (SELECT DISTINCT period, tbl, file FROM sources);\n"
    "CREATE OR REPLACE TABLE row_places (_id BIGINT, src BIGINT, _row BIGINT, _line BIGINT, child VARCHAR);\n"
    "CREATE OR REPLACE VIEW all_rows AS SELECT p._id, s.period, s.tbl, s.file AS _file, p._row, p._line, p.child "
    "FROM row_places p JOIN source_places s USING (src)"
)


def all_rows_sql(period: str, table: Table) -> str:
    """The rows of one raw table into ``row_places`` (a table, not a view over every raw table: the
    findings join it several times, and a view of 48 tables, most of them empty, costs more to plan
    than a small return costs to check)."""
    files = f"SELECT src, file FROM source_places WHERE period = '{period}' AND tbl = '{table.name}'"
    return (
        f"INSERT INTO row_places SELECT r._id, s.src, r._row, r._line, blank_to_null(r.CHILD) "
        f"FROM {RAW_SCHEMA[period]}.{quote(table.name)} r JOIN ({files}) s ON s.file = r._file"
    )


def table_chain(period: str, table: str) -> str:
    """The name of the chain of steps that types and checks one table of one year (see ``Step.chain``)."""
    return f"{period}.{table}"


#: From this many rows read (both years), the raw text is compressed before it is typed: DuckDB
#: keeps a database's tables in memory uncompressed until a CHECKPOINT packs them (the raw text to
#: about a seventh). At 250,000 children that lowers the peak from about 1.5 GB to 1.15 GB at no
#: cost in time; a small return, whose tables are small, goes without.
COMPRESS_FROM_ROWS = 100_000

#: the SQL-made file problems, replaced each time the steps run
MADE_BY_STEPS = ("LOAD12", "LOAD19")


@cache
def load_steps(year: CollectionYear) -> tuple[Step, ...]:
    """The steps that type and check a return of ``year`` (and of the year before) once it is read."""
    model = load_model()
    steps = [
        Step(setup_sql(year)),
        Step(la_settings_sql()),
        Step(CELL_PROBLEMS_DDL),
        Step(ALL_ROWS_DDL),
        Step(f"DELETE FROM file_problems WHERE rule IN ({', '.join(literal(c) for c in MADE_BY_STEPS)})"),
    ]
    for period in PERIODS:
        period_year = year if period == "current" else year.previous()
        for table in model.all_tables:
            key = (period, table.name)
            chain = table_chain(period, table.name)  # each table is typed and checked on its own
            steps.append(Step(all_rows_sql(period, table), when=(key,), chain=chain))
            steps.append(Step(typed_table_sql(period, table), when=(key,), chain=chain))
            steps.append(Step(empty_table_sql(period, table), unless=key, chain=chain))
            repeats = repeats_sql(period, table.name)
            if repeats:
                steps.append(Step(repeats, when=(key,), chain=chain))
            if table.validity.covers(period_year):
                steps.append(Step(value_checks_sql(period, table, period_year), when=(key,), chain=chain))
                steps.append(Step(converted_text_sql(period, table), when=(key, ("problem", "LOAD13")), chain=chain))
            else:
                steps.append(Step(empty_rows_sql(period, table), when=(key,), chain=chain))
                steps.append(Step(not_collected_sql(period, table, period_year), when=(key,), chain=chain))
    # the DfE expressions are table macros over the typed tables: they can exist now
    steps.append(Step(vocabulary_sql("expressions")))
    steps += postcode_steps()
    return tuple(steps)


def _write_bookkeeping(ds: Dataset) -> None:
    """What the steps read about the reading: the sources, the file problems and the LA."""
    con = ds.con
    point_at_postcodes(con)
    con.execute("DELETE FROM sources; DELETE FROM file_problems; DELETE FROM run_settings")
    insert_rows(
        con,
        "sources",
        [(s.period, s.table, s.file, s.rows, list(s.columns), list(s.copied)) for s in ds.sources],
    )
    insert_rows(con, "file_problems", [problem_row(p) for p in ds.problems if p.code not in MADE_BY_STEPS])
    insert_rows(con, "run_settings", [(ds.la or "",)])


def read_back_problems(ds: Dataset, codes: tuple[str, ...]) -> None:
    """Replace ``ds.problems`` of ``codes`` with those the steps wrote into ``file_problems``."""
    ds.problems[:] = [p for p in ds.problems if p.code not in codes]
    # each table's steps ran on their own connection: the rows are put in order here, not by arrival
    rows = ds.con.execute(
        'SELECT rule, message, file, line, "column", value, tbl, period, row, child FROM file_problems '
        f"WHERE rule IN ({', '.join(literal(c) for c in codes)}) "
        "ORDER BY rule, period = 'previous', tbl, file, line, row, rowid"
    ).fetchall()
    for code, message, file, line, column, value, tbl, period, row, child in rows:
        ds.add_problem(
            LoadProblem(
                code,
                message,
                file=file or "",
                line=line,
                column=column or "",
                value=value,
                table=tbl or "",
                period=period or "",
                row=row,
                child=child,
            )
        )


def finish(ds: Dataset) -> Dataset:
    """Build the typed tables of ``ds`` and check every value once (the steps of :func:`load_steps`).
    Idempotent."""
    if ds.finished:
        return ds
    started = time.perf_counter()
    _write_bookkeeping(ds)
    if sum(s.rows for s in ds.sources) >= COMPRESS_FROM_ROWS:
        with contextlib.suppress(duckdb.Error):  # only saves memory: a connection busy elsewhere goes without
            ds.con.execute("CHECKPOINT")
    given = at_hand({(s.period, s.table) for s in ds.sources}, {p.code for p in ds.problems})
    sizes: dict[str, int] = {}
    for s in ds.sources:
        chain = table_chain(s.period, s.table)
        sizes[chain] = sizes.get(chain, 0) + s.rows
    for period in PERIODS:  # each year's postcode items: a pass over its episodes
        sizes[POSTCODE_CHAIN.format(period)] = sizes.get(table_chain(period, "Episodes"), 0)
    run_steps(ds.con, load_steps(ds.year), given, ds.workers, sizes)
    read_back_problems(ds, MADE_BY_STEPS)
    ds.finished = True
    ds.timings["type and check"] = time.perf_counter() - started
    return ds
