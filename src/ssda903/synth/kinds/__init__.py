"""Error kinds for the synthetic generator, one module per group of rules.

Each module here registers its kinds with ``@kind`` (see ``_registry.py``); every module of
this package is imported, so adding a module is all it takes. ``_errors.Injector`` offers
them beside its own kinds.
"""

from __future__ import annotations

import importlib
import pkgutil

from ssda903.synth.kinds._registry import KINDS, Edit, Kind, kind

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["KINDS", "Edit", "Kind", "kind"]
