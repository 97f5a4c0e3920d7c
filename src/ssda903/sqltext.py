"""Writing names and values into SQL text safely: one place for the quoting rules."""

from __future__ import annotations


def quote(name: str) -> str:
    """A quoted SQL identifier: ``quote('a"b')`` → ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    """A SQL string literal: ``literal("O'Neil")`` → ``'O''Neil'``."""
    return "'" + str(value).replace("'", "''") + "'"
