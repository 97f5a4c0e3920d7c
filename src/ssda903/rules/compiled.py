"""The compiled rule catalogue: the parsed rules kept between runs, so a run does not re-read 340 files.

The cache is one file in the user's cache folder (``$SSDA903_CACHE_DIR``, else
``$XDG_CACHE_HOME/ssda903``, else ``~/.cache/ssda903``), named by a digest of every file the
rules are made from (the catalogue, the templates and schema, the SQL vocabulary, the model) and
of the package version: a changed file gives a new name, so a stale catalogue is never read. It
holds no data of any return. When the folder cannot be written, nothing is kept and every run
reads the files (correct, only slower).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ssda903 import __version__

#: the packages whose files the compiled rules depend on
SOURCES = ("ssda903.rules", "ssda903.sql", "ssda903.model")


def folder() -> Path:
    given = os.environ.get("SSDA903_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ssda903"


@cache
def _path() -> Path | None:
    """Where the catalogue made from the files as they are now is kept (None: the package is not on disk)."""
    digest = hashlib.sha256(__version__.encode())
    for package in SOURCES:
        root = resources.files(package)
        if not isinstance(root, Path):
            return None
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".yaml", ".sql", ".json") and "__pycache__" not in path.parts:
                st = path.stat()
                digest.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return folder() / f"catalogue-{digest.hexdigest()[:24]}.pickle"


def load() -> Any | None:
    """The compiled rules, or None when there are none for the files as they are now."""
    path = _path()
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # a damaged or foreign file is ignored and replaced
        return None


def save(rules: Any) -> None:
    """Keep the compiled rules (written whole or not at all; never an error)."""
    path = _path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("catalogue-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(rules, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
