"""Reference data the rules need beyond the return itself: postcodes, LAs, Ofsted providers.

* ``postcode_steps()`` (steps of ``ssda903.typed.finish``) fill the DfE-derived Episodes items
  PL_DISTANCE, PL_LA and PL_LOCATION from HOME_POST and PL_POST, using the ONS postcode
  table shipped in ``data/`` (see :mod:`ssda903.reference.postcodes` and
  ``data/README.md`` for sources, licence and what is left out). No network is used.
  It also defines the SQL macros ``postcode_key(x)`` and ``is_own_la(code)``.
* ``load_providers(ds, path)`` loads the Ofsted provider list ("URN lookup") a user
  supplies as CSV into the table ``ofsted_providers`` (columns in
  :mod:`ssda903.reference.providers`). The table exists only when a list was given.
"""

from __future__ import annotations

from ssda903.reference.postcodes import postcode_steps, same_authority
from ssda903.reference.providers import TABLE as PROVIDERS_TABLE
from ssda903.reference.providers import ProvidersLoaded, has_providers, load_providers

__all__ = ["PROVIDERS_TABLE", "ProvidersLoaded", "has_providers", "load_providers", "postcode_steps", "same_authority"]
