"""Error kinds for rules 521-553 (placement providers, adoption decisions, OC2 outcome items)."""

from __future__ import annotations

import numpy as np

from ssda903.synth.kinds._registry import Edit, kind


def _provider(e: Edit, places: list[str], provider: str, *, other: bool = False) -> np.ndarray:
    """Give one episode per child (with a placement in ``places``, or outside it) ``provider``."""
    place = e.col("Episodes", "PLACE")
    given = e.col("Episodes", "PLACE_PROVIDER") != ""
    inside = np.isin(place, places)
    rows = e.pick("Episodes", given & (~inside if other else inside) & (place != ""))
    return e.set("Episodes", rows, "PLACE_PROVIDER", provider)


@kind("other_la_provides_parents_health_or_custody", rules=("528",), weight=0.3)
def _other_la_provision(e: Edit) -> np.ndarray:
    """Another LA recorded as providing a placement with parents, in hospital or in custody."""
    return _provider(e, ["P1", "R2", "R5"], "PR2")


@kind("voluntary_provider_with_parents", rules=("531",), weight=0.3)
def _voluntary_with_parents(e: Edit) -> np.ndarray:
    """A placement with parents recorded as provided by a voluntary body."""
    return _provider(e, ["P1"], "PR5")


@kind("parents_provide_another_placement", rules=("550",), weight=0.3)
def _parents_provide_other(e: Edit) -> np.ndarray:
    """Provider PR0 (parents) kept on after the child moved from home to another placement."""
    return _provider(e, ["P1", "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"], "PR0", other=True)
