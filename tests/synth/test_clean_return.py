"""A generated return validates clean, and every error injected into one is found where the manifest says.

The generator and the rules check each other: a finding on a return with no injected errors
is either a generator defect (the data is not what the DfE expects) or a rule defect (the rule
fires on data the DfE accepts); an injected error that its named rule does not report is a
manifest, generator or rule defect.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import ssda903
from ssda903.engine import PASSED, Result
from ssda903.model import CollectionYear, supported_years
from ssda903.rules import rules_for_year
from ssda903.synth import _errors, generate

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
    # every rule ran: "no findings" must not come from rules that crashed or were left out
    assert [(o.rule, o.status, o.detail) for o in result.outcomes if o.status != PASSED] == []


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
#: Kinds of error whose DfE rule is not written yet (codes of 300 and over come in later issues).
NOT_YET = {
    "overlapping_episodes": "501",
    "gap_between_episodes": "433",
    "ceased_before_started": "356",
    "missing_ended_before_started": "567",
}


def test_errors_are_injected_only_for_rules_that_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def kinds(folder: Path) -> dict[str, set[str]]:
        m = _manifest(folder)
        return m.groupby("kind").rule.apply(set).to_dict()

    year = CollectionYear.parse("2025/26")
    written = _errors.reporting_codes(year)
    assert not set(NOT_YET.values()) & written, "a rule listed as not written exists now: update NOT_YET"

    generate(1500, str(year), 8, tmp_path / "as_is", previous=True, error_rate=0.3)
    as_is = kinds(tmp_path / "as_is")
    assert not set(as_is) & set(NOT_YET)
    assert as_is["missing_reason_ceased"] == {"148"}
    assert as_is["invalid_code"] >= {"101", "144", "LOAD09"}  # LOAD09 until 1006 and 1009 are written

    # pretend 148 is gone and 501, 1009 are written: the kinds follow
    pretend = (written - {"148"}) | {"501", "1009"}
    monkeypatch.setattr(_errors, "reporting_codes", lambda y: pretend)
    generate(1500, str(year), 8, tmp_path / "pretend", previous=True, error_rate=0.3)
    pretended = kinds(tmp_path / "pretend")
    assert "missing_reason_ceased" not in pretended
    assert pretended["overlapping_episodes"] == {"501"}
    m = _manifest(tmp_path / "pretend")
    rpc = m[(m.kind == "invalid_code") & (m.column == "REASON_PLACE_CHANGE")]
    assert len(rpc) and set(rpc.rule) == {"1009"}
    assert set(m.rule) <= pretend


def test_no_errors_at_all_when_no_rule_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_errors, "reporting_codes", lambda y: frozenset())
    summary = generate(300, "2024/25", 1, tmp_path, previous=True, error_rate=0.5)
    assert summary.errors_injected == 0
    assert list(_manifest(tmp_path).columns) == _errors.MANIFEST_COLUMNS
    assert _manifest(tmp_path).empty
