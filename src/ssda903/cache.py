"""What a run keeps for the next: the parsed forms of the package's own files, never data of a return.

Parsing the rule catalogue (340 YAML files) and the model (one) costs more than loading their
parsed form, so each is kept as a pickle in the user's cache folder (``$SSDA903_CACHE_DIR``,
else ``$XDG_CACHE_HOME/ssda903``, else ``~/.cache/ssda903``), named by a digest of what it was
made from: a changed file gives a new name, so a stale form is never read. When the folder cannot
be written nothing is kept, and every run parses the files (correct, only slower).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any


def folder() -> Path:
    given = os.environ.get("SSDA903_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ssda903"


def read(name: str) -> Any | None:
    """What was kept as ``name`` (a file in :func:`folder`), or None when nothing usable was."""
    try:
        with open(folder() / name, "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, damaged or foreign: ignored, and replaced by the caller
        return None


def keep(name: str, value: Any, *, replaces: str) -> None:
    """Keep ``value`` as ``name``, written whole or not at all, and remove the files of the glob
    ``replaces`` that it supersedes (older versions). Never an error."""
    where = folder()
    tmp = None
    try:
        where.mkdir(parents=True, exist_ok=True)
        for old in where.glob(replaces):
            if old.name != name:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where / name)
    except (OSError, pickle.PicklingError):  # a full disk or a folder not ours: nothing kept, nothing left
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
