"""The compiled rule catalogue: the parsed rules kept between runs, so a run does not re-read 340 files.

Kept by :mod:`ssda903.cache` under a name made from a digest of every file the rules are made
from (the catalogue, the templates and schema, the SQL vocabulary, the model) and of the package
version: a changed file gives a new name, so a stale catalogue is never read.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ssda903 import __version__
from ssda903 import cache as kept

#: the packages whose files the compiled rules depend on
SOURCES = ("ssda903.rules", "ssda903.sql", "ssda903.model")


@cache
def _name() -> str | None:
    """The name of the catalogue made from the files as they are now (None: the package is not on disk)."""
    digest = hashlib.sha256(__version__.encode())
    for package in SOURCES:
        root = resources.files(package)
        if not isinstance(root, Path):
            return None
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".yaml", ".sql", ".json") and "__pycache__" not in path.parts:
                st = path.stat()
                digest.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return f"catalogue-{digest.hexdigest()[:24]}.pickle"


def load() -> Any | None:
    """The compiled rules, or None when there are none for the files as they are now."""
    name = _name()
    return None if name is None else kept.read(name)


def save(rules: Any) -> None:
    """Keep the compiled rules (never an error)."""
    name = _name()
    if name is not None:
        kept.keep(name, rules, replaces="catalogue-*.pickle")
