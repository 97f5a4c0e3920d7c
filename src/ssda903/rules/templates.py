"""Templates for the rule families that share one shape.

A rule file names a template and its parameters instead of writing SQL; the
template returns the SQL. Every template checks its parameters against the
model and fails loudly on a wrong one, so a typo in a rule file is caught when
the rules load, not when a user runs them.

Every query selects the failing rows' ``_id`` (plus nothing else that matters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ssda903.model import load_model


class TemplateError(ValueError):
    """A rule file gave a template a parameter it cannot use."""


TEMPLATES: dict[str, Callable[..., str]] = {}


def template(fn: Callable[..., str]) -> Callable[..., str]:
    TEMPLATES[fn.__name__] = fn
    return fn


def _column(table: str, column: str) -> None:
    try:
        load_model().table(table).column(column)
    except KeyError as e:
        raise TemplateError(str(e)) from None


def _raw(table: str, period: str = "current") -> str:
    return f"raw.{table}" if period == "current" else f"raw_previous.{table}"


@template
def code_in_list(table: str, column: str, required: bool = False) -> str:
    """The value, when given, must be in the year's code list (and, if ``required``, be given)."""
    _column(table, column)
    if not load_model().table(table).column(column).codes:
        raise TemplateError(f"{table}.{column} has no code list")
    blank = f" OR {column} IS NULL" if required else ""
    return (
        f"SELECT _id FROM {table}\n"
        f"WHERE {column} NOT IN (SELECT code FROM codelist WHERE tbl = '{table}' AND col = '{column}'){blank}"
    )


@template
def required(table: str, column: str, when: str | None = None) -> str:
    """The value must be given (optionally only when the SQL condition ``when`` holds)."""
    _column(table, column)
    cond = f" AND ({when})" if when else ""
    return f"SELECT _id FROM {table}\nWHERE {column} IS NULL{cond}"


@template
def forbidden(table: str, column: str, when: str) -> str:
    """The value must be blank when the SQL condition ``when`` holds."""
    _column(table, column)
    return f"SELECT _id FROM {table}\nWHERE {column} IS NOT NULL AND ({when})"


@template
def valid_date(table: str, column: str, required: bool = False) -> str:
    """The text given must be a real date (and, if ``required``, be given).

    Reads the raw text: a blank is only an error when ``required``; a value that
    is not a date is always one.
    """
    _column(table, column)
    if load_model().table(table).column(column).kind != "date":
        raise TemplateError(f"{table}.{column} is not a date column")
    blank = f" OR blank_to_null({column}) IS NULL" if required else ""
    return (
        f"SELECT _id FROM {_raw(table)}\n"
        f"WHERE (blank_to_null({column}) IS NOT NULL AND as_date({column}) IS NULL){blank}"
    )


@template
def date_not_after_collection_end(table: str, column: str) -> str:
    """A date, when given, must be on or before 31 March of the collection year."""
    _column(table, column)
    return f"SELECT _id FROM {table}\nWHERE {column} > collection_end()"


@template
def same_as_last_year(table: str, column: str, previous_value: str | None = None) -> str:
    """For a child in both years' ``table``, ``column`` must equal last year's value.

    A blank is compared like any value (blank in one year and given in the other is a
    change; blank in both is not); a value typed but unreadable (a date that is not a
    date) is not compared, since its typed NULL is not a blank. ``previous_value`` is an
    SQL expression over ``p.<column>`` that maps last year's value into this year's
    coding (e.g. a recoded list); default as is.
    """
    _column(table, column)
    prev = previous_value or f"p.{column}"
    return (
        f"SELECT c._id FROM {table} c\n"
        f"JOIN previous.{table} p ON p.CHILD = c.CHILD\n"
        f"JOIN {_raw(table)} rc ON rc._id = c._id\n"
        f"JOIN {_raw(table, 'previous')} rp ON rp._id = p._id\n"
        f"WHERE c.{column} IS DISTINCT FROM {prev}\n"
        f"  AND (c.{column} IS NOT NULL OR blank_to_null(rc.{column}) IS NULL)\n"
        f"  AND (p.{column} IS NOT NULL OR blank_to_null(rp.{column}) IS NULL)"
    )


@template
def matches_pattern(table: str, column: str, pattern: str) -> str:
    """The value, when given, must match the regular expression ``pattern`` in full."""
    _column(table, column)
    return f"SELECT _id FROM {table}\nWHERE {column} IS NOT NULL AND NOT regexp_full_match({column}, '{pattern}')"


@template
def child_in_header(table: str) -> str:
    """Every row's CHILD, when given, must be a child of the Header (a blank CHILD is a load problem)."""
    _column(table, "CHILD")
    return (
        f"SELECT t._id FROM {table} t\n"
        f"WHERE t.CHILD IS NOT NULL AND NOT EXISTS (SELECT 1 FROM Header h WHERE h.CHILD = t.CHILD)"
    )


@template
def same_as_header(table: str, column: str) -> str:
    """A child's ``column`` in ``table`` must equal the Header's, where both are given and readable."""
    _column(table, column)
    _column("Header", column)
    return (
        f"SELECT t._id FROM {table} t\n"
        f"WHERE EXISTS (SELECT 1 FROM Header h WHERE h.CHILD = t.CHILD AND h.{column} <> t.{column})"
    )


@template
def once_per_child(table: str) -> str:
    """A child may have one row of ``table``: every row of a child given more than once is reported."""
    _column(table, "CHILD")
    return (
        f"SELECT _id FROM {table}\n"
        f"WHERE CHILD IN (SELECT CHILD FROM {table} WHERE CHILD IS NOT NULL GROUP BY CHILD HAVING count(*) > 1)"
    )


@template
def status_spell_longer_than(status: str, max_days: int) -> str:
    """A spell under one legal status (``status``) may last at most ``max_days`` days.

    The child's dated episodes with the status that follow each other (each starting on the day
    the one before it, the child's previous episode, ended) make one spell, measured from its first
    start date to its last end date, an episode still open counting to 31 March. Every episode of
    a longer spell is reported. An episode after a gap, or after one with another status, starts a
    new spell.
    """
    if status not in {c.code for c in load_model().table("Episodes").column("LS").codes}:
        raise TemplateError(f"{status!r} is not a legal status (LS) code")
    if not isinstance(max_days, int) or max_days < 0:
        raise TemplateError(f"max_days must be a whole number of days, not {max_days!r}")
    return f"""WITH status_episodes AS (  -- each dated episode with the status, and whether it continues one
    SELECT e._id, e.CHILD, e.DECOM, e.DEC,
           coalesce(prior_ep.LS = '{status}' AND prior_ep.DEC = e.DECOM, false) AS continues
    FROM Episodes e
    JOIN episode_neighbours() n USING (_id)
    LEFT JOIN Episodes prior_ep ON prior_ep._id = n.previous_id
    WHERE e.DECOM IS NOT NULL AND e.LS = '{status}'
),
spells AS (  -- a new spell at every episode that does not continue one with the status
    SELECT _id, CHILD, DECOM, DEC,
           sum(CASE WHEN continues THEN 0 ELSE 1 END)
               OVER (PARTITION BY CHILD ORDER BY DECOM, _id ROWS UNBOUNDED PRECEDING) AS spell
    FROM status_episodes
),
measured AS (
    SELECT _id,
           min(DECOM) OVER s AS spell_start,
           max(coalesce(DEC, collection_end())) OVER s AS spell_end
    FROM spells
    WINDOW s AS (PARTITION BY CHILD, spell)
)
SELECT _id FROM measured
WHERE date_diff('day', spell_start, spell_end) > {max_days}"""


def render(name: str, params: dict[str, Any]) -> str:
    try:
        fn = TEMPLATES[name]
    except KeyError:
        raise TemplateError(f"no template {name!r}; templates are {', '.join(sorted(TEMPLATES))}") from None
    try:
        return fn(**params)
    except TypeError as e:
        raise TemplateError(f"template {name}: {e}") from None
