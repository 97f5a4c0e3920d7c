"""A generated return validates clean, and every error injected into one is found where the manifest says.

The generator and the rules check each other: a finding on a return with no injected errors
is either a generator defect (the data is not what the DfE expects) or a rule defect (the rule
fires on data the DfE accepts); an injected error that its named rule does not report is a
manifest, generator or rule defect.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ssda903
from ssda903.engine import PASSED, Result
from ssda903.model import CollectionYear, supported_years
from ssda903.rules import rules_for_year
from ssda903.synth import _errors, generate
from ssda903.synth.kinds import KINDS, Edit, Kind, kind

YEARS = [str(y) for y in supported_years()]
#: The generator's default authority: the home postcodes it writes lie there (rules 164, 169, 179).
LA = "E09000027"


def _validate(folder: Path, year: str) -> Result:
    # with the Ofsted provider list the generator writes, so the URN rules run too
    providers = folder / "reference" / "ofsted_providers.csv"
    return ssda903.validate(folder, year, folder / "previous", la=LA, providers=providers)


def _describe(findings: pd.DataFrame) -> str:
    counts = findings.groupby("rule").size().to_dict()
    first = findings[["rule", "period", "table", "row", "child"]].head(10).to_string(index=False)
    return f"findings per rule {counts}; first ones:\n{first}"


def _assert_clean(folder: Path, year: str) -> None:
    result = _validate(folder, year)
    findings = result.findings()
    assert findings.empty, f"{year}, {folder.name}: {_describe(findings)}"
    # every rule ran: "no findings" must not come from rules that crashed or were left out; the
    # only exception is a rule reading a table last year's return cannot have (DoLo is new in 2026/27)
    left = [(o.rule, o.status, o.detail) for o in result.outcomes if o.status != PASSED]
    left = [o for o in left if not o[2].endswith("returns do not have")]
    assert left == []


# ---------------------------------------------------------------------- clean returns
@pytest.mark.parametrize("year", YEARS)
def test_a_return_without_injected_errors_has_no_findings(tmp_path: Path, year: str) -> None:
    # validating costs about the same for 500 or 5,000 children: a large return reaches rare paths
    for seed in (1, 2):
        folder = tmp_path / f"seed{seed}"
        generate(5000, year, seed, folder, previous=True)
        _assert_clean(folder, year)


@pytest.mark.slow
@pytest.mark.parametrize("year", YEARS)
def test_larger_returns_without_injected_errors_have_no_findings(tmp_path: Path, year: str) -> None:
    for seed in range(3, 9):
        folder = tmp_path / f"seed{seed}"
        generate(6000, year, seed, folder, previous=True)
        _assert_clean(folder, year)


# ---------------------------------------------------------------------- injected errors
def _manifest(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "injected" / "manifest.csv", dtype=str, keep_default_na=False)


def _unreported(findings: pd.DataFrame, year: str, manifest: pd.DataFrame) -> pd.DataFrame:
    """The manifest lines whose rule does not report them.

    A changed cell is found when its rule reports that table and row. A change the rule reports
    on another table (a date of birth changed on every table, found by 203 on the Header) is
    found when the rule reports that child.
    """
    if manifest.empty:
        return manifest
    findings = findings[findings.period == "current"]
    at_row = set(zip(findings.rule, findings.table, findings.row.astype("Int64"), strict=True))
    at_child = set(zip(findings.rule, findings.child, strict=True))
    tables = {r.code: set(r.tables) for r in rules_for_year(year)}

    def found(line: pd.Series) -> bool:
        if line.rule in tables and line.table not in tables[line.rule]:
            return (line.rule, line.child) in at_child
        return (line.rule, line.table, int(line.row)) in at_row

    return manifest[~manifest.apply(found, axis=1)]


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per year, the manifest of a return with errors in about a tenth of its children, and its findings."""
    out = {}
    for year in YEARS:
        folder = tmp_path_factory.mktemp(f"errors_{year.replace('/', '_')}")
        generate(1500, year, 5, folder, previous=True, error_rate=0.1)
        out[year] = (_manifest(folder), _validate(folder, year).findings())
    return out


@pytest.mark.parametrize("year", YEARS)
def test_every_injected_error_is_found_by_the_rule_the_manifest_names(
    with_errors: dict[str, tuple[pd.DataFrame, pd.DataFrame]], year: str
) -> None:
    manifest, findings = with_errors[year]
    assert set(manifest.rule) <= _errors.reporting_codes(CollectionYear.parse(year)), "a rule that does not exist"
    assert manifest[manifest.tolerated == "no"].kind.nunique() >= 8
    missed = _unreported(findings, year, manifest)
    assert missed.empty, missed[["child", "table", "row", "column", "kind", "rule", "injected"]].to_string()


# ---------------------------------------------------------------------- only errors a rule reports
def _kinds(folder: Path) -> dict[str, set[str]]:
    m = _manifest(folder)
    return m.groupby("kind").rule.apply(set).to_dict()


def test_errors_are_injected_only_for_rules_that_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    year = CollectionYear.parse("2025/26")
    written = _errors.reporting_codes(year)

    # without 148 and 1009, with 501: no missing reason ceased, overlaps named 501, and a wrong reason
    # for a placement change falls back to the load check that reports the same cell
    without = (written - {"148", "1009"}) | {"501"}
    monkeypatch.setattr(_errors, "reporting_codes", lambda y: without)
    generate(1500, str(year), 8, tmp_path / "without", previous=True, error_rate=0.3)
    kinds = _kinds(tmp_path / "without")
    assert "missing_reason_ceased" not in kinds
    assert kinds["overlapping_episodes"] == {"501"}
    m = _manifest(tmp_path / "without")
    assert set(m.rule) <= without
    rpc = m[(m.kind == "invalid_code") & (m.column == "REASON_PLACE_CHANGE")]
    assert len(rpc) and set(rpc.rule) == {"LOAD09"}

    # with 1009 too, the DfE rule is named instead, and 148's kind is back
    monkeypatch.setattr(_errors, "reporting_codes", lambda y: written | {"501", "1009"})
    generate(1500, str(year), 8, tmp_path / "with", previous=True, error_rate=0.3)
    m = _manifest(tmp_path / "with")
    assert _kinds(tmp_path / "with")["missing_reason_ceased"] == {"148"}
    rpc = m[(m.kind == "invalid_code") & (m.column == "REASON_PLACE_CHANGE")]
    assert len(rpc) and set(rpc.rule) == {"1009"}


def test_a_registered_kind_is_injected_only_where_its_rule_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def blank_mother(e: Edit) -> np.ndarray:
        rows = e.pick("Header", e.col("Header", "MOTHER") != "")
        return e.set("Header", rows, "MOTHER", "")

    monkeypatch.setitem(KINDS, "test_blank_mother", Kind("test_blank_mother", ("9999",), blank_mother, weight=50.0))
    year = CollectionYear.parse("2024/25")
    monkeypatch.setattr(_errors, "reporting_codes", lambda y: frozenset({"101", "9999"}))
    generate(800, str(year), 3, tmp_path / "with", previous=True, error_rate=0.3)
    assert _kinds(tmp_path / "with")["test_blank_mother"] == {"9999"}
    monkeypatch.setattr(_errors, "reporting_codes", lambda y: frozenset({"101"}))
    generate(800, str(year), 3, tmp_path / "without", previous=True, error_rate=0.3)
    assert "test_blank_mother" not in _kinds(tmp_path / "without")


def test_two_kinds_may_not_share_a_name() -> None:
    def nothing(e: Edit) -> np.ndarray:
        return np.zeros(0, np.int64)

    try:
        kind("test_twice", ("101",))(nothing)
        with pytest.raises(ValueError, match="two error kinds are named 'test_twice'"):
            kind("test_twice", ("101",))(nothing)
    finally:
        KINDS.pop("test_twice", None)


def test_no_errors_at_all_when_no_rule_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_errors, "reporting_codes", lambda y: frozenset())
    summary = generate(300, "2024/25", 1, tmp_path, previous=True, error_rate=0.5)
    assert summary.errors_injected == 0
    assert list(_manifest(tmp_path).columns) == _errors.MANIFEST_COLUMNS
    assert _manifest(tmp_path).empty
