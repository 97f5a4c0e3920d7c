"""The Ofsted-registered settings children are placed with, and the provider list describing them.

A URN names one setting: a fostering or adoption agency, a children's home, a secure home,
supported accommodation, a family centre or a residential school. Each has the placement
types it is registered for, one placement provider code (the LA's own service is PR1,
another LA's PR2, …) and an address. The generator places children with settings drawn
from a fixed set per authority, so every URN in a return means the same setting in every
episode and every year, and ``rows()`` writes the matching Ofsted provider list (the DfE's
"URN lookup") that the URN rules (219, 221, 224, 227, 228, 229, 241) check episodes against.

Children's homes, secure homes, supported accommodation, family centres and schools are where
the child lives: the placement postcode is the setting's. Fostering and adoption agencies
place children with carers elsewhere: the postcode is the agency's office, not the placement.
The authority's own services are inside it; another authority's (PR2) are outside it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ssda903.synth import _places
from ssda903.synth import _weights as W

#: Kinds of setting: the placement types each is registered for (both codings of supported
#: accommodation: H5 until 2023/24, K3 from 2024/25) and whether its URN is seven digits.
GROUPS: dict[str, tuple[tuple[str, ...], bool]] = {
    "fostering": (("U1", "U2", "U3", "U4", "U5", "U6"), False),
    "adoption": (("A3", "A4", "A5", "A6"), False),
    "secure": (("K1",), False),
    "home": (("K2",), False),
    "supported": (("K3", "H5"), True),
    "family_centre": (("R3",), False),
    "school": (("S1",), True),
}
AGENCIES = ("fostering", "adoption")
#: Settings per kind, provider and side of the authority's boundary.
PER_POOL = 12
#: Settings that closed (registration ended) before the years simulated; no child is placed there.
CLOSED_PER_POOL = 1
CLOSED_ON = "31/03/2019"


def group_of(place: np.ndarray) -> np.ndarray:
    """The kind of setting of each placement code (the latest coding), "" where none is registered."""
    out = np.full(len(place), "", dtype=object)
    for group, (codes, _) in GROUPS.items():
        out[np.isin(place, codes)] = group
    return out


@dataclass
class Settings:
    """Every setting of one authority's world, as parallel arrays, and an index to draw from."""

    urn: np.ndarray
    group: np.ndarray
    provider: np.ndarray
    postcode: np.ndarray
    inside: np.ndarray
    closed: np.ndarray
    #: (group, provider, inside) -> positions of the open settings of that pool
    pools: dict[tuple[str, str, bool], np.ndarray]

    @classmethod
    def of(cls, la: str) -> Settings:
        """The settings of the authority ``la``: the same for every seed, size and year."""
        h = zlib.crc32(la.encode())
        rng = np.random.default_rng(np.random.SeedSequence([h, 903]))
        urn, group, provider, postcode, inside, closed = [], [], [], [], [], []
        taken: set[str] = set()

        def new_urn(seven: bool) -> str:
            while True:
                u = str(rng.integers(1_000_000, 10_000_000)) if seven else f"SC{rng.integers(100_000, 1_000_000)}"
                if u not in taken:
                    taken.add(u)
                    return u

        def add(u: str, g: str, p: str, at_home: bool, pc: str, shut: bool) -> None:
            urn.append(u)
            group.append(g)
            provider.append(p)
            inside.append(at_home)
            postcode.append(pc)
            closed.append(shut)

        own_fostering = f"SC{100000 + h % 800000:06d}"
        own_adoption = f"SC{100000 + (h // 7) % 800000:06d}"
        taken |= {own_fostering, own_adoption}
        add(own_fostering, "fostering", "PR1", True, _places.INSIDE[h % len(_places.INSIDE)], False)
        add(own_adoption, "adoption", "PR1", True, _places.INSIDE[(h // 7) % len(_places.INSIDE)], False)
        for g, (codes, seven) in GROUPS.items():
            providers = sorted({p for c in codes if c in W.PROVIDER for p in W.PROVIDER[c]})
            for p in providers:
                if g in AGENCIES and p == "PR1":
                    continue  # the authority's own agency, above
                # the authority's own settings are inside it, another authority's outside it
                sides = [True] if p == "PR1" else [False] if p == "PR2" else [True, False]
                for at_home in sides:
                    where = _places.INSIDE if at_home else _places.OUTSIDE
                    for k in range(PER_POOL + CLOSED_PER_POOL):
                        pc = where[rng.integers(0, len(where))]
                        add(new_urn(seven), g, p, at_home, pc, k >= PER_POOL)
        arrays = {
            "urn": np.array(urn, dtype=object),
            "group": np.array(group, dtype=object),
            "provider": np.array(provider, dtype=object),
            "postcode": np.array(postcode, dtype=object),
            "inside": np.array(inside, dtype=bool),
            "closed": np.array(closed, dtype=bool),
        }
        pools: dict[tuple[str, str, bool], list[int]] = {}
        for i in np.flatnonzero(~arrays["closed"]).tolist():
            key = (str(group[i]), str(provider[i]), bool(inside[i]))
            pools.setdefault(key, []).append(i)
        return cls(**arrays, pools={k: np.array(v, dtype=np.int64) for k, v in pools.items()})

    def pick(self, rng: np.random.Generator, group: np.ndarray, provider: np.ndarray, inside: np.ndarray) -> np.ndarray:
        """A setting per placement (its position), of the kind and provider asked, on the side asked where
        the pool has that side (the authority's own are always inside, another authority's outside);
        -1 where no setting is registered for the placement."""
        out = np.full(len(group), -1, np.int64)
        r = rng.random(len(group))
        for (g, p, side), pool in self.pools.items():
            m = (group == g) & (provider == p)
            if (g, p, not side) in self.pools:
                m &= inside == side
            if m.any():
                out[m] = pool[(r[m] * len(pool)).astype(np.int64)]
        return out

    def rows(self) -> list[dict[str, str]]:
        """The Ofsted provider list: one row per setting, in the columns ``--providers`` reads."""
        out = []
        for i in range(len(self.urn)):
            codes, _ = GROUPS[self.group[i]]
            out.append(
                {
                    "URN": self.urn[i],
                    "NAME": f"{self.group[i].replace('_', ' ').capitalize()} {self.urn[i]}",
                    "PLACE_CODES": " ".join(codes),
                    "PROVIDER_CODES": self.provider[i],
                    "POSTCODE": self.postcode[i],
                    "LA": _places.LA_OF[self.postcode[i]],
                    "REG_END": CLOSED_ON if self.closed[i] else "",
                }
            )
        return out
