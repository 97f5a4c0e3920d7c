"""Writing names and values into SQL text safely: one place for the quoting rules."""

from __future__ import annotations

import datetime as dt


def quote(name: str) -> str:
    """A quoted SQL identifier: ``quote('a"b')`` → ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    """A SQL string literal: ``literal("O'Neil")`` → ``'O''Neil'``."""
    return "'" + str(value).replace("'", "''") + "'"


def value(v: object) -> str:
    """Any Python value as a SQL literal: ``None`` → NULL, a date ``DATE '2024-03-31'``, a list of
    codes ``('A', 'B')`` (an empty list matches nothing: ``x IN`` it is false, ``x NOT IN`` it true)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dt.date):
        return f"DATE '{v.isoformat()}'"
    if isinstance(v, list):
        return "(" + ", ".join(literal(x) for x in v) + ")" if v else "(SELECT NULL WHERE false)"
    return literal(v)
