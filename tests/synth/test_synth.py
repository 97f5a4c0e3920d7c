"""The synthetic return generator: deterministic, shaped like the model, internally consistent."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssda903.model import CollectionYear, load_model, supported_years
from ssda903.synth import FILE_NAMES, generate
from ssda903.synth._errors import MANIFEST_COLUMNS

YEARS = [str(y) for y in supported_years()]
MODEL = load_model()
TOLERATED = {"lowercase_code", "padded_code", "iso_date"}


def read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{FILE_NAMES[table]}.csv", dtype=str, keep_default_na=False)


def dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.replace("", None), format="%d/%m/%Y")


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small clean return, with last year's, for every supported year."""
    out = {}
    for y in YEARS:
        folder = tmp_path_factory.mktemp(f"synth_{y.replace('/', '_')}")
        generate(800, y, 11, folder, previous=True)
        out[y] = folder
    return out


# ---------------------------------------------------------------------- shape
@pytest.mark.parametrize("year", YEARS)
def test_every_table_of_the_year_with_the_model_columns(returns: dict[str, Path], year: str) -> None:
    folder = returns[year]
    expected = {f"{FILE_NAMES[t.name]}.csv" for t in MODEL.tables(year)}
    assert {p.name for p in folder.glob("*.csv")} == expected
    for t in MODEL.tables(year):
        with open(folder / f"{FILE_NAMES[t.name]}.csv", encoding="utf-8") as fh:
            assert fh.readline().strip().split(",") == MODEL.columns(t.name, year)
    prev = CollectionYear.parse(year).previous()
    prev_model_year = max(prev, supported_years()[0])
    assert {p.name for p in (folder / "previous").glob("*.csv")} == {
        f"{FILE_NAMES[t.name]}.csv" for t in MODEL.tables(prev_model_year)
    }


@pytest.mark.parametrize("year", YEARS)
def test_codes_are_valid_for_the_year_and_dates_are_dd_mm_yyyy(returns: dict[str, Path], year: str) -> None:
    folder = returns[year]
    for t in MODEL.tables(year):
        df = read(folder, t.name)
        for col in t.data_columns:
            values = df[col.name][df[col.name] != ""]
            if col.kind == "code" and col.codes:
                bad = set(values) - set(MODEL.codes(t.name, col.name, year))
                if col.pattern:  # a UPN is a code only when it is unknown
                    bad = {v for v in bad if not pd.Series([v]).str.fullmatch(col.pattern.strip("^$")).all()}
                assert not bad, f"{t.name}.{col.name}: {sorted(bad)[:5]} not valid in {year}"
            if col.kind == "date":
                assert values.str.fullmatch(r"\d\d/\d\d/\d{4}").all(), f"{t.name}.{col.name}"
                pd.to_datetime(values, format="%d/%m/%Y")  # raises on 31/02 and the like


def test_children_of_every_table_are_in_the_header_with_the_same_dob(returns: dict[str, Path]) -> None:
    folder = returns["2026/27"]
    header = read(folder, "Header")
    assert header.CHILD.is_unique
    dob = header.set_index("CHILD").DOB
    for t in MODEL.tables("2026/27"):
        df = read(folder, t.name)
        assert df.CHILD.isin(header.CHILD).all(), t.name
        if "DOB" in df and t.name != "Header":
            assert (df.DOB.to_numpy() == dob.loc[df.CHILD].to_numpy()).all(), t.name
    uasc = read(folder, "UASC")
    assert (uasc.SEX.to_numpy() == header.set_index("CHILD").SEX.loc[uasc.CHILD].to_numpy()).all()


# ---------------------------------------------------------------------- determinism
def test_same_seed_same_files_and_another_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder, seed in ((a, 5), (b, 5), (c, 6)):
        generate(300, "2024/25", seed, folder, previous=True, error_rate=0.1, chunk_size=120)
    names = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert names == sorted(p.relative_to(b) for p in b.rglob("*.csv"))
    _, mismatch, errors = filecmp.cmpfiles(a, b, [str(n) for n in names], shallow=False)
    assert mismatch == [] and errors == []
    assert (a / "episodes.csv").read_bytes() != (c / "episodes.csv").read_bytes()
    assert len(read(a, "Header")) >= 300  # duplicates injected as errors add rows


def test_exact_child_count_without_errors(returns: dict[str, Path]) -> None:
    for folder in returns.values():
        assert len(read(folder, "Header")) == 800


# ---------------------------------------------------------------------- episodes
@pytest.mark.parametrize("year", YEARS)
def test_episode_chains_have_no_gaps_overlaps_or_open_middles(returns: dict[str, Path], year: str) -> None:
    start = pd.Timestamp(CollectionYear.parse(year).start)
    end = pd.Timestamp(CollectionYear.parse(year).end)
    for folder, lo, hi in (
        (returns[year], start, end),
        (returns[year] / "previous", start.replace(year=start.year - 1), end.replace(year=end.year - 1)),
    ):
        ep = read(folder, "Episodes")
        decom, dec = dates(ep.DECOM), dates(ep.DEC)
        assert (decom <= hi).all() and ((dec >= lo) | dec.isna()).all()  # open at some time in the year
        assert ((dec > decom) | dec.isna()).all()  # at least a day long, never ending before it starts
        assert ((ep.REC == "") == dec.isna()).all()
        same_child = ep.CHILD.eq(ep.CHILD.shift(-1))
        nxt_decom, nxt_rne = decom.shift(-1), ep.RNE.shift(-1)
        # only a child's last episode may be open; an X1 ending continues the same day; any other ending
        # is followed (if at all) by a new period of care
        assert not (same_child & dec.isna()).any()
        x1 = same_child & (ep.REC == "X1")
        assert (nxt_decom[x1] == dec[x1]).all()
        assert (nxt_rne[x1] != "S").all()
        new_period = same_child & (ep.REC != "X1")
        assert (nxt_rne[new_period] == "S").all() and (nxt_decom[new_period] > dec[new_period]).all()
        assert not (~same_child & (ep.REC == "X1")).any()  # no chain left hanging
        # a first episode in the year is a start unless it began before the year
        first = ~ep.CHILD.eq(ep.CHILD.shift(1))
        assert ((ep.RNE[first] == "S") | (decom[first] < lo)).all()


@pytest.mark.parametrize("year", YEARS)
def test_ages_legal_statuses_and_placements_fit_together(returns: dict[str, Path], year: str) -> None:
    folder = returns[year]
    ep = read(folder, "Episodes")
    dob = dates(read(folder, "Header").set_index("CHILD").DOB)
    born = dob.loc[ep.CHILD].to_numpy()
    decom = dates(ep.DECOM).to_numpy()
    age = (decom - born).astype("timedelta64[D]").astype(int) / 365.25
    assert (age >= 0).all()
    assert (age[ep.RNE == "S"] < 18).all()
    assert (age[ep.LS.isin(["J1", "J2", "J3"])] >= 10).all()
    assert (age[ep.PLACE.isin(["K3", "H5", "P2"])] >= 16).all()
    assert (age[ep.PLACE == "R5"] >= 10).all() and (age[ep.PLACE == "S1"] >= 4).all()
    temporary_or_other = ep.PLACE.str.match(r"^(T[0-4]|Z1\d?)$")
    assert ((ep.PLACE_PROVIDER == "") == temporary_or_other).all()
    assert (ep.PLACE_PROVIDER[ep.PLACE == "P1"] == "PR0").all()
    assert (ep.PLACE_PROVIDER[ep.PLACE != "P1"] != "PR0").all()
    no_urn = ep.PLACE.isin(["P1", "P2", "P3", "R1", "R2", "R5"]) | temporary_or_other | ep.LS.isin(["V3", "V4"])
    assert (ep.URN[no_urn] == "").all()
    assert (ep.LS[ep.PLACE.isin(["A5", "A6"])] == "E1").all()
    assert (~((ep.PLACE == "P1") & (ep.LS == "V2"))).all()
    reviews = read(folder, "Reviews")
    fourth = dob.loc[reviews.CHILD].apply(lambda d: d.replace(year=d.year + 4)).to_numpy()
    under4 = dates(reviews.REVIEW).to_numpy() < fourth
    assert ((reviews.REVIEW_CODE == "PN0") == under4).all()


@pytest.mark.parametrize("year", YEARS)
def test_year_coding_of_sex_and_placements(returns: dict[str, Path], year: str) -> None:
    folder = returns[year]
    sex = set(read(folder, "Header").SEX)
    assert sex <= ({"M", "F", "U"} if CollectionYear.parse(year) >= CollectionYear(2024) else {"1", "2"})
    places = set(read(folder, "Episodes").PLACE)
    if CollectionYear.parse(year) >= CollectionYear(2025):
        assert "Z1" not in places
    if CollectionYear.parse(year) < CollectionYear(2024):
        assert "K3" not in places


# ---------------------------------------------------------------------- last year
@pytest.mark.parametrize("year", YEARS[1:])
def test_last_years_open_episodes_continue_this_year(returns: dict[str, Path], year: str) -> None:
    folder = returns[year]
    cur, prev = read(folder, "Episodes"), read(folder / "previous", "Episodes")
    open_last = prev[prev.DEC == ""]
    first_now = cur[~cur.CHILD.eq(cur.CHILD.shift(1))].set_index("CHILD")
    assert open_last.CHILD.isin(first_now.index).all()
    now = first_now.loc[open_last.CHILD]
    for col in ("DECOM", "RNE", "LS", "CIN", "PLACE_PROVIDER", "HOME_POST", "PL_POST", "URN"):
        assert (now[col].to_numpy() == open_last[col].to_numpy()).all(), col
    renamed = {("H5", "K3"), ("Z1", "Z11"), ("Z1", "Z12"), ("Z1", "Z13"), ("Z1", "Z14")}
    pairs = set(zip(open_last.PLACE, now.PLACE, strict=True))
    assert all(a == b or (a, b) in renamed for a, b in pairs)
    # identity does not change from year to year (sex only changes its coding)
    h, hp = read(folder, "Header").set_index("CHILD"), read(folder / "previous", "Header").set_index("CHILD")
    both = hp.index.intersection(h.index)
    assert len(both) > 100
    for col in ("DOB", "ETHNIC"):
        assert (h.loc[both, col] == hp.loc[both, col]).all()
    recode = {"1": "M", "2": "F", "M": "M", "F": "F"}
    assert (h.loc[both, "SEX"].map(recode) == hp.loc[both, "SEX"].map(recode)).all()
    # a UPN only goes from unknown to known or to another unknown code, never the other way
    changed = h.loc[both, "UPN"] != hp.loc[both, "UPN"]
    assert hp.loc[both[changed], "UPN"].str.startswith("UN").all()


@pytest.mark.parametrize("year", ["2023/24", "2026/27"])
def test_upn_changes_from_last_year_only_as_rule_208_allows(tmp_path: Path, year: str) -> None:
    generate(20000, year, 12, tmp_path, previous=True)
    now = read(tmp_path, "Header").set_index("CHILD").UPN
    last = read(tmp_path / "previous", "Header").set_index("CHILD").UPN
    both = now.index.intersection(last.index)
    now, last = now.loc[both], last.loc[both]
    unknown = {"UN1", "UN2", "UN3", "UN4", "UN5"}
    allowed = (now == last) | (last == "UN1") | (last.isin(unknown) & ~now.isin(unknown))
    assert len(both) > 5000
    assert (last != now).sum() > 50  # children do reach school age or get a UPN between the years
    assert allowed.all(), pd.DataFrame({"last": last[~allowed], "now": now[~allowed]}).head()


@pytest.mark.parametrize("year", ["2023/24", "2025/26"])
def test_every_urn_is_a_setting_of_the_provider_list(returns: dict[str, Path], year: str) -> None:
    folder = returns[year]
    providers = pd.read_csv(folder / "reference" / "ofsted_providers.csv", dtype=str, keep_default_na=False)
    assert providers.URN.is_unique
    setting = providers.set_index("URN")
    for ep in (read(folder, "Episodes"), read(folder / "previous", "Episodes")):
        ep = ep[(ep.URN != "") & (ep.URN != "XXXXXXX")]
        assert len(ep) > 100
        assert ep.URN.isin(setting.index).all()
        s = setting.loc[ep.URN]
        places = [p.split() for p in s.PLACE_CODES]
        assert all(pl in codes for pl, codes in zip(ep.PLACE, places, strict=True))
        assert (ep.PLACE_PROVIDER.to_numpy() == s.PROVIDER_CODES.to_numpy()).all()
        assert (s.REG_END == "").all()  # no child is placed where the registration has ended
        lives_there = ep.PLACE.isin(["K1", "K2", "K3", "H5", "R3", "S1"]).to_numpy()
        assert (ep.PL_POST.to_numpy()[lives_there] == s.POSTCODE.to_numpy()[lives_there]).all()
    own, other = providers[providers.PROVIDER_CODES == "PR1"], providers[providers.PROVIDER_CODES == "PR2"]
    assert (own.LA == "E09000027").all() and (other.LA != "E09000027").all()


# ---------------------------------------------------------------------- injected errors
def test_manifest_lists_every_change_and_undoing_it_gives_the_clean_return(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    generate(1500, "2024/25", 3, clean, previous=True)
    summary = generate(1500, "2024/25", 3, dirty, previous=True, error_rate=0.2)
    m = pd.read_csv(dirty / "injected" / "manifest.csv", dtype=str, keep_default_na=False)
    assert list(m.columns) == MANIFEST_COLUMNS
    assert set(m.tolerated) == {"yes", "no"}
    assert (m.kind[m.tolerated == "yes"].isin(TOLERATED)).all()
    assert not (m.kind[m.tolerated == "no"].isin(TOLERATED)).any()
    assert m.kind[m.tolerated == "no"].nunique() >= 10  # kinds whose rule is not written yet are not injected
    assert 0.15 * 1500 < summary.errors_injected < 0.25 * 1500
    assert m[m.tolerated == "no"].child.nunique() == summary.errors_injected
    for table, g in m.groupby("table"):
        before, after = read(clean, table), read(dirty, table)
        added = g[g.column == ""].row.astype(int)
        moved = set(g.row[g.column == "CHILD"].astype(int))  # rows filed under another child
        for r in g[g.column != ""].itertuples():
            assert after.at[int(r.row), r.column] == r.injected
            if int(r.row) not in moved:  # the manifest names the child as generated
                assert after.at[int(r.row), "CHILD"] == r.child
            after.at[int(r.row), r.column] = r.original
        after = after.drop(index=added).reset_index(drop=True)
        pd.testing.assert_frame_equal(after, before, obj=table)
    # last year's return is never touched
    for p in (clean / "previous").glob("*.csv"):
        assert p.read_bytes() == (dirty / "previous" / p.name).read_bytes()


def test_no_errors_without_previous_year_that_need_it(tmp_path: Path) -> None:
    generate(600, "2024/25", 4, tmp_path, error_rate=0.5)
    kinds = set(pd.read_csv(tmp_path / "injected" / "manifest.csv", dtype=str).kind)
    assert not kinds & {"sex_changed", "dob_changed"}
    assert not (tmp_path / "previous").exists()


# ---------------------------------------------------------------------- XML and Excel
def test_xml_is_well_formed_in_the_dfe_layout(tmp_path: Path) -> None:
    etree = pytest.importorskip("lxml.etree")
    generate(400, "2024/25", 2, tmp_path / "csv")
    generate(400, "2024/25", 2, tmp_path / "xml", fmt="xml")
    root = etree.parse(str(tmp_path / "xml" / "ssda903.xml")).getroot()
    assert root.tag == "EXPSSDA903"
    header = read(tmp_path / "csv", "Header")
    children = root.findall("CHILD")
    assert [c.findtext("HEADER/CHILDID") for c in children] == header.CHILD.tolist()
    order = [
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PL",
        "PL_POST",
        "HOME_POST",
        "URN",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
    ]
    episodes = root.findall("CHILD/EPISODE")
    assert len(episodes) == len(read(tmp_path / "csv", "Episodes"))
    assert all([e.tag for e in ep] == order for ep in episodes)
    for c in children:
        tags = [e.tag for e in c]
        assert tags[0] == "HEADER" and set(tags[1:]) <= {"EPISODE"}
        head = [e.tag for e in c.find("HEADER")]
        assert head[:6] == ["CHILDID", "UPN", "SEX", "DOB", "ETHNIC", "UASC"]
    ep_csv = read(tmp_path / "csv", "Episodes")
    assert [e.findtext("PL") or "" for e in episodes] == ep_csv.PLACE.tolist()
    assert [e.findtext("DEC") or "" for e in episodes] == ep_csv.DEC.tolist()
    assert (tmp_path / "xml" / "social_worker_episodes.csv").exists()  # no XML form for these


def test_xml_round_trips_through_the_xml_reader(tmp_path: Path) -> None:
    pytest.importorskip("ssda903.ingest.xml")
    from ssda903.ingest import load

    generate(300, "2024/25", 8, tmp_path / "csv")
    generate(300, "2024/25", 8, tmp_path / "xml", fmt="xml")
    from_csv = load(sorted((tmp_path / "csv").glob("*.csv")), "2024/25")
    from_xml = load(sorted((tmp_path / "xml").glob("*")), "2024/25")
    for table in ("Header", "Episodes", "Reviews", "Missing", "OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm"):
        cols = ", ".join(f'"{c}"' for c in MODEL.columns(table, "2024/25"))
        a = from_csv.sql(f'SELECT {cols} FROM "{table}" ORDER BY ALL').df()
        b = from_xml.sql(f'SELECT {cols} FROM "{table}" ORDER BY ALL').df()
        pd.testing.assert_frame_equal(a, b, obj=table, check_dtype=False)


def test_xlsx_has_the_same_rows_and_continues_past_the_sheet_limit(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    generate(300, "2024/25", 9, tmp_path / "csv")
    generate(300, "2024/25", 9, tmp_path / "xlsx", fmt="xlsx")
    wb = openpyxl.load_workbook(tmp_path / "xlsx" / "episodes.xlsx", read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    csv_rows = read(tmp_path / "csv", "Episodes")
    assert list(rows[0]) == csv_rows.columns.tolist()
    assert [tuple(v or "" for v in r) for r in rows[1:]] == list(csv_rows.itertuples(index=False, name=None))

    from ssda903.synth._tables import Rows
    from ssda903.synth._writers import XlsxSink

    warnings: list[str] = []
    sink = XlsxSink(tmp_path, {"Reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]}, warnings, max_rows=10)
    cols = {
        c: np.array([f"{c}{i}" for i in range(25)], dtype=object) for c in ("CHILD", "DOB", "REVIEW", "REVIEW_CODE")
    }
    sink.write({"Reviews": Rows(np.arange(25), cols)}, {})
    sink.close()
    wb = openpyxl.load_workbook(tmp_path / "reviews.xlsx", read_only=True)
    assert wb.sheetnames == ["Reviews", "Reviews (2)", "Reviews (3)"]
    assert [len(list(ws.iter_rows())) for ws in wb.worksheets] == [11, 11, 6]
    assert warnings and "Excel's limit" in warnings[0]


# ---------------------------------------------------------------------- our own reader
def test_clean_return_reads_without_value_problems(returns: dict[str, Path]) -> None:
    from ssda903.ingest import load

    folder = returns["2025/26"]
    ds = load(sorted(folder.glob("*.csv")), "2025/26", previous=sorted((folder / "previous").glob("*.csv")))
    problems = [p for p in ds.all_problems() if p.code in {"LOAD02", "LOAD03", "LOAD07", "LOAD08", "LOAD09"}]
    assert problems == []


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        generate(10, "2024/25", 1, tmp_path, fmt="json")
    with pytest.raises(ValueError, match="error_rate"):
        generate(10, "2024/25", 1, tmp_path, error_rate=1.5)
    with pytest.raises(ValueError, match="at least 1"):
        generate(0, "2024/25", 1, tmp_path)


def test_dates_cover_the_collection_year(returns: dict[str, Path]) -> None:
    ep = read(returns["2024/25"], "Episodes")
    assert dates(ep.DECOM).max() <= pd.Timestamp(date(2025, 3, 31))
