"""The model answers for every year, including the codes that changed between years."""

import pytest

from ssda903.model import load_model

M = load_model()


@pytest.mark.parametrize(
    ("year", "tables"),
    [
        ("2022/23", 10),
        ("2023/24", 11),  # SWEpisodes added
        ("2024/25", 11),
        ("2025/26", 11),
        ("2026/27", 12),  # DoLo added
    ],
)
def test_tables_per_year(year: str, tables: int) -> None:
    names = [t.name for t in M.tables(year)]
    assert len(names) == tables
    assert ("SWEpisodes" in names) == (year >= "2023/24")
    assert ("DoLo" in names) == (year == "2026/27")


@pytest.mark.parametrize(
    ("column", "code", "valid_in", "invalid_in"),
    [
        (("Header", "SEX"), "1", ["2022/23", "2023/24"], ["2024/25", "2025/26", "2026/27"]),
        (("Header", "SEX"), "M", ["2024/25", "2025/26", "2026/27"], ["2022/23", "2023/24"]),
        (("Header", "SEX"), "U", ["2024/25"], ["2023/24"]),
        (("UASC", "SEX"), "F", ["2024/25"], ["2023/24"]),
        (("Episodes", "PLACE"), "K3", ["2024/25", "2025/26", "2026/27"], ["2022/23", "2023/24"]),
        (("Episodes", "PLACE"), "H5", ["2022/23", "2023/24"], ["2024/25", "2025/26"]),
        (("Episodes", "PLACE"), "P2", ["2022/23", "2023/24"], ["2024/25"]),
        (("Episodes", "PLACE"), "Z1", ["2022/23", "2023/24", "2024/25"], ["2025/26", "2026/27"]),
        (("Episodes", "PLACE"), "Z11", ["2025/26", "2026/27"], ["2024/25"]),
        (("Episodes", "PLACE"), "Z14", ["2025/26"], ["2022/23"]),
    ],
)
def test_codes_that_changed(column: tuple[str, str], code: str, valid_in: list[str], invalid_in: list[str]) -> None:
    table, col = column
    for y in valid_in:
        assert M.is_valid_code(table, col, code, y), f"{code} should be valid in {y}"
    for y in invalid_in:
        assert not M.is_valid_code(table, col, code, y), f"{code} should not be valid in {y}"


def test_codes_compare_trimmed_and_upper_case() -> None:
    assert M.is_valid_code("Episodes", "PLACE", " k3 ", "2024/25")


def test_meaning_of_a_code() -> None:
    assert M.meaning("Episodes", "RNE", "S") is not None
    assert "adoption" in (M.meaning("Episodes", "PLACE", "A3") or "").lower()
    assert M.meaning("Episodes", "PLACE", "XX") is None


def test_columns_follow_the_dfe_order() -> None:
    assert M.columns("Header", "2024/25") == ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    assert M.columns("DoLo", "2025/26") == []
    assert M.columns("DoLo", "2026/27") == ["CHILD", "DOB", "DOLO_START", "DOLO_END"]


def test_every_code_list_is_non_empty_in_every_year() -> None:
    for year in ["2022/23", "2023/24", "2024/25", "2025/26", "2026/27"]:
        for t in M.tables(year):
            for c in t.columns.values():
                if c.codes:
                    assert M.codes(t.name, c.name, year), f"{t.name}.{c.name} has no codes in {year}"


@pytest.mark.parametrize(
    ("columns", "table"),
    [
        ({"CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"}, "Header"),
        ({"CHILD", "SEX", "DOB", "DUC"}, "UASC"),
        ({"CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"}, "Missing"),
        ({"CHILD", "DOB", "MISSING", "MIS_START"}, "Missing"),  # a column short is still recognised
        ({"CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON", "NOTES"}, "SWEpisodes"),
    ],
)
def test_tables_are_recognised_by_their_columns(columns: set[str], table: str) -> None:
    found = M.find_table_by_columns(columns)
    assert found is not None and found[0].name == table


def test_only_shared_columns_recognise_nothing() -> None:
    assert M.find_table_by_columns({"CHILD", "DOB"}) is None


def test_conflicts_are_recorded() -> None:
    topics = " ".join(d["topic"] for d in M.decisions)
    assert "PLACE" in topics and "ACCOM" in topics
