"""Collection years are parsed once from every form an analyst types."""

from datetime import date

import pytest

from ssda903.model import CollectionYear, YearError


@pytest.mark.parametrize("text", ["2024/25", "2024-25", "2024_25", "202425", "2025", "2024/2025", " 2024 / 25 ", 2025])
def test_every_form_means_the_same_year(text: str | int) -> None:
    y = CollectionYear.parse(text)
    assert (y.start, y.end) == (date(2024, 4, 1), date(2025, 3, 31))
    assert y.label == "2024/25"


def test_century_boundary() -> None:
    assert CollectionYear.parse("2099/00").end == date(2100, 3, 31)


@pytest.mark.parametrize("text", ["2024/26", "24/25", "next year", "", "2024/23"])
def test_nonsense_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(YearError, match="collection year"):
        CollectionYear.parse(text)


def test_previous_and_order() -> None:
    y = CollectionYear.parse("2024/25")
    assert y.previous().label == "2023/24"
    assert y.previous() < y
    assert y.slug == "2024_25"
