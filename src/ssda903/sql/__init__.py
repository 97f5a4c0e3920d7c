"""The SQL vocabulary: every macro and table function a rule's SQL may call, in one folder.

Each ``.sql`` file here holds DuckDB macros in plain DuckDB SQL: no Python functions, no
extension-only functions, no ``current_date``, time-zone or JSON functions, so the same text
runs in DuckDB-WASM in a browser page. Every macro is preceded by a comment saying what it
means; ``docs/sql-vocabulary.md`` is generated from those comments.

* ``typing.sql``: reading typed text (``as_date``, ``as_code``, ``blank_to_null`` …).
* ``dates.sql``: the collection year and the LA (``collection_start()``, ``la_code()`` …),
  read from variables that :func:`setup_sql` sets once per Dataset.
* ``meanings.sql``: code meanings that changed between years (``is_male`` …), read from
  the ``meaning`` table the model fills for each year.
* ``postcodes.sql``, ``postcode_key.sql``: postcodes as keys and numbers, for PL_LA and
  PL_DISTANCE.
* ``expressions/``: the DfE's commonly used expressions (``<LOOKED_AFTER_CONTINUOUSLY>`` …),
  one per file; a ``-- needs: Episodes`` line names the tables an expression cannot do
  without.

:func:`vocabulary_sql` is the text of all of them; :func:`setup_sql` the per-year part
(variables, ``codelist`` and ``meaning`` tables). The typed tables and value checks are SQL
too, generated from the model (:mod:`ssda903.typed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ssda903.model import CollectionYear, load_model
from ssda903.steps import packed_insert_sql

__all__ = ["TYPED_EXPR", "TYPED_HALVES", "Macro", "macros", "setup_sql", "vocabulary_page", "vocabulary_sql"]

#: how a raw text value of each kind of column is typed, in two halves ({c}: the column): the
#: first tidies the text, the second reads what the first gave. A typed table calls them in two
#: queries, one inside the other, so that DuckDB plans each column's tidying once (typing.sql)
TYPED_HALVES = {
    "id": ("tidy({c})", "text_of_tidy({c})"),
    "code": ("tidy({c})", "code_of_tidy({c})"),
    "date": ("as_timestamp({c})", "date_of_timestamp({c})"),
    "int": ("tidy({c})", "int_of_tidy({c})"),
    "decimal": ("tidy({c})", "decimal_of_tidy({c})"),
}

#: the same, as one expression: the typing macro of each kind (blank_to_null, as_code, as_date …)
TYPED_EXPR = {
    "id": "blank_to_null({c})",
    "code": "as_code({c})",
    "date": "as_date({c})",
    "int": "as_int({c})",
    "decimal": "as_decimal({c})",
}

#: the files in the order they are loaded (later files call earlier ones)
FILES = ("typing.sql", "dates.sql", "meanings.sql", "postcode_key.sql", "postcodes.sql")


@dataclass(frozen=True)
class Macro:
    """One macro of the vocabulary, as documented in its file."""

    name: str
    args: str  # "(x)", "(dob, d)", "()"
    table: bool  # a table macro (used in FROM) rather than a scalar one
    file: str
    doc: str
    needs: tuple[tuple[str, str], ...]  # (period, table) the macro cannot do without
    columns: tuple[str, ...]  # model columns its SQL reads (bar CHILD)


def _files() -> list[tuple[str, str]]:
    root = resources.files("ssda903.sql")
    out = [(name, root.joinpath(name).read_text(encoding="utf-8")) for name in FILES]
    folder = root.joinpath("expressions")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".sql"):
            out.append((f"expressions/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


@cache
def vocabulary_sql(part: str = "all") -> str:
    """The macros of the vocabulary as one SQL script (the same text a browser page runs).

    ``part="base"`` is what reading the files needs (every file but ``expressions/``): a new
    Dataset runs it. ``part="expressions"`` holds the table macros over the typed tables, so
    it runs once those exist (:func:`ssda903.typed.finish`). ``"all"`` is both, in order.
    """
    files = _files()
    if part == "base":
        files = [(n, t) for n, t in files if not n.startswith("expressions/")]
    elif part == "expressions":
        files = [(n, t) for n, t in files if n.startswith("expressions/")]
    return "\n".join(f"-- ssda903/sql/{name}\n{text}" for name, text in files)


def _table_ref(text: str) -> tuple[str, str]:
    period, _, table = text.strip().rpartition(".")
    return ("previous" if period == "previous" else "current", table)


_MACRO = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(\w+)\s*(\([^)]*\))\s*AS\s+(TABLE\b)?", re.I)


@cache
def macros() -> tuple[Macro, ...]:
    """The macros of the vocabulary, with the comment above each (a file's first comment block
    documents an expression file's macro)."""
    names = {c for t in load_model().all_tables for c in t.columns} - {"CHILD"}
    out: list[Macro] = []
    for file, text in _files():
        needs = tuple(
            _table_ref(t)
            for m in re.finditer(r"^--\s*needs:(.*)$", text, re.M)
            for t in m.group(1).split(",")
            if t.strip()
        )
        for m in _MACRO.finditer(text):
            before = text[: m.start()].rstrip("\n").split("\n")
            comment: list[str] = []
            while before and before[-1].startswith("--"):
                line = before.pop()
                if not line.lstrip("- ").startswith("needs:"):
                    comment.insert(0, line[2:].strip())
            end = text.find(";\n", m.end())
            body = re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", text[m.end() : end]))
            columns = tuple(sorted({w for w in re.findall(r"\b[A-Z][A-Z0-9_]*\b", body) if w in names}))
            out.append(Macro(m.group(1), m.group(2), bool(m.group(3)), file, " ".join(comment).strip(), needs, columns))
    return tuple(out)


def setup_sql(year: CollectionYear) -> str:
    """The per-year part of the vocabulary: the collection dates as variables, and the
    ``codelist`` and ``meaning`` tables of the year (``main``) and the year before (``previous``).
    (The LA's variables come from the ``run_settings`` table: :func:`ssda903.reference.postcodes.la_settings_sql`.)
    """
    model = load_model()
    parts = [
        f"SET VARIABLE collection_start = DATE '{year.start.isoformat()}'",
        f"SET VARIABLE collection_end = DATE '{year.end.isoformat()}'",
    ]
    for schema, y in (("main", year), ("previous", year.previous())):
        parts.append(
            f"CREATE OR REPLACE TABLE {schema}.codelist (tbl VARCHAR, col VARCHAR, code VARCHAR, label VARCHAR)"
        )
        parts.append(packed_insert_sql(f"{schema}.codelist", list(model.codelist_rows(y))))
        parts.append(f"CREATE OR REPLACE TABLE {schema}.meaning (name VARCHAR, code VARCHAR)")
        parts.append(packed_insert_sql(f"{schema}.meaning", list(model.meaning_rows(y))))
    return ";\n".join(p for p in parts if p)


def vocabulary_page() -> str:
    """docs/rules/vocabulary.md: every macro a rule's SQL may call, from the comments in the files."""
    lines = [
        "# The SQL vocabulary of the rules",
        "",
        "Generated from `src/ssda903/sql/` by `ssda903 catalogue`; do not edit by hand. Besides these macros a",
        "rule reads the typed tables (`Header`, `Episodes` …, last year's as `previous.Episodes`), the raw text",
        "(`raw.Header`, `raw_previous.Header`), the year's code lists (`codelist(tbl, col, code, label)`), the",
        "year's code meanings (`meaning(name, code)`) and, when loaded, `ofsted_providers`. Everything here is",
        "plain DuckDB SQL, so DuckDB-WASM runs it too.",
        "",
        "| Macro | File | Needs | What it means |",
        "|---|---|---|---|",
    ]
    for m in macros():
        call = f"`{m.name}{m.args}`" + (" (table)" if m.table else "")
        needs = ", ".join(t if p == "current" else f"{p}.{t}" for p, t in m.needs)
        doc = " ".join(m.doc.split()).replace("|", "\\|")
        lines.append(f"| {call} | {m.file} | {needs} | {doc} |")
    return "\n".join(lines) + "\n"
