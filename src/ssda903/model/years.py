"""Collection years: parsed once, from any form an analyst types, into two dates.

A collection year runs 1 April to 31 March. ``2024/25``, ``2024-25``, ``2024_25``,
``202425``, ``2024/2025`` and the end-year form ``2025`` all mean 1 April 2024 to
31 March 2025.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PAIR = re.compile(r"^\s*(\d{4})\s*[/_\-]?\s*(\d{2}|\d{4})\s*$")
_END_YEAR = re.compile(r"^\s*(\d{4})\s*$")


class YearError(ValueError):
    """A collection year that cannot be understood."""


@dataclass(frozen=True, order=True)
class CollectionYear:
    """One collection year, identified by the calendar year it starts in."""

    start_year: int

    @classmethod
    def parse(cls, text: str | int | CollectionYear) -> CollectionYear:
        if isinstance(text, CollectionYear):
            return text
        raw = str(text)
        pair = _PAIR.match(raw)
        if pair and not _END_YEAR.match(raw):
            start = int(pair.group(1))
            end_text = pair.group(2)
            end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
            if end == start + 1 or (len(end_text) == 2 and start % 100 == 99 and int(end_text) == 0):
                return cls(start)
            raise YearError(f"collection year {raw!r}: the second year must follow the first, e.g. 2024/25")
        single = _END_YEAR.match(raw)
        if single:
            return cls(int(single.group(1)) - 1)
        raise YearError(f"collection year {raw!r} not understood; write it like 2024/25, 2024-25, 202425 or 2025")

    @property
    def start(self) -> date:
        """1 April: the collection start date."""
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """31 March: the collection end date."""
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def slug(self) -> str:
        """File-name form, e.g. ``2024_25``."""
        return self.label.replace("/", "_")

    def previous(self) -> CollectionYear:
        return CollectionYear(self.start_year - 1)

    def __add__(self, years: int) -> CollectionYear:
        return CollectionYear(self.start_year + years)

    def __str__(self) -> str:
        return self.label


FIRST_YEAR = CollectionYear(2022)
LAST_YEAR = CollectionYear(2026)


def supported_years() -> list[CollectionYear]:
    return [CollectionYear(y) for y in range(FIRST_YEAR.start_year, LAST_YEAR.start_year + 1)]
