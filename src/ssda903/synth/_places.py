"""Postcodes the generator places children at.

Real postcodes from the ONS Postcode Directory (Open Government Licence), so
that a validator with a postcode lookup can derive distance, placement LA and
in/out of area from them. The first group lies in Richmond upon Thames
(E09000027, the generator's default authority); the rest are in other London
boroughs and across the South East and Midlands, for out-of-area placements.
"""

from __future__ import annotations

import numpy as np

HOME_LA = "E09000027"

# (postcode, ONS code of the local authority district it lies in)
POSTCODES: tuple[tuple[str, str], ...] = (
    ("TW10 6PQ", "E09000027"),
    ("TW2 6JF", "E09000027"),
    ("TW12 1DG", "E09000027"),
    ("TW2 7QY", "E09000027"),
    ("TW4 5LG", "E09000027"),
    ("TW9 2BT", "E09000027"),
    ("SW14 7EW", "E09000027"),
    ("TW9 2LP", "E09000027"),
    ("TW9 2AJ", "E09000027"),
    ("TW1 3DL", "E09000027"),
    ("KT1 4DA", "E09000027"),
    ("TW1 3EE", "E09000027"),
    ("TW9 2JR", "E09000027"),
    ("TW9 2DE", "E09000027"),
    ("TW12 2TT", "E09000027"),
    ("TW1 2TJ", "E09000027"),
    ("KT3 4AL", "E09000021"),
    ("KT5 9BW", "E09000021"),
    ("KT2 6HG", "E09000021"),
    ("TW7 7AD", "E09000018"),
    ("TW5 9TT", "E09000018"),
    ("TW13 4RG", "E09000018"),
    ("SW19 6LP", "E09000032"),
    ("SW18 1JP", "E09000032"),
    ("SW8 3LL", "E09000022"),
    ("SW2 4DG", "E09000022"),
    ("SM6 9LT", "E09000029"),
    ("CR0 4GN", "E09000029"),
    ("CR4 3XS", "E09000024"),
    ("SW19 8AB", "E09000024"),
    ("W7 1HA", "E09000009"),
    ("W13 0ER", "E09000009"),
    ("HA6 1AN", "E09000017"),
    ("TW6 2HH", "E09000017"),
    ("CR5 3HF", "E09000008"),
    ("CR2 8RQ", "E09000008"),
    ("KT12 4PZ", "E07000207"),
    ("KT22 0SA", "E07000207"),
    ("TW19 7JB", "E07000213"),
    ("TW18 4HD", "E07000213"),
    ("GU4 8RP", "E07000209"),
    ("GU5 9JF", "E07000209"),
    ("GU22 0LE", "E07000217"),
    ("BN3 7BQ", "E06000043"),
    ("RG4 8AP", "E06000038"),
    ("MK10 9QH", "E06000042"),
    ("B12 0SH", "E08000025"),
    ("BS5 9LR", "E06000023"),
    ("TN33 0SJ", "E07000064"),
)

#: The local authority district of each postcode.
LA_OF = dict(POSTCODES)
_ALL = np.array([p for p, _ in POSTCODES], dtype=object)
_LA = np.array([la for _, la in POSTCODES], dtype=object)
#: Postcodes inside the home authority and outside it.
INSIDE = _ALL[_LA == HOME_LA]
OUTSIDE = _ALL[_LA != HOME_LA]


def pick_home(rng: np.random.Generator, n: int) -> np.ndarray:
    """Index into INSIDE of each child's home postcode."""
    return rng.integers(0, len(INSIDE), n)


def pick_placement(rng: np.random.Generator, home: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """A placement postcode per row: inside the home LA (never the home postcode itself) or outside it."""
    n = len(home)
    shift = rng.integers(1, len(INSIDE), n)
    in_pc = INSIDE[(home + shift) % len(INSIDE)]
    out_pc = OUTSIDE[rng.integers(0, len(OUTSIDE), n)]
    return np.where(inside, in_pc, out_pc)
