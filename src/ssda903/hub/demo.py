"""``ssda903 hub demo``: a hub to try, filled with the profiles of a few dozen made-up LA returns.

Real English LA codes (from ``reference/data/authorities.csv``), made-up returns. Each LA gets an
error habit (:data:`HABITS`): some make mostly date errors, some placement errors, some code or
care leaver errors, some formatting slips, some almost none. Each LA sends, for the demo year, a
draft and then a final return with most of its errors fixed, and one final return for the year
before (when the hub takes that year), so every view has material, "who fixed it" included.

Generating and validating a return per LA would take minutes, so :func:`build` generates and
validates only three returns, with the synthetic generator (``ssda903.synth``): for the demo
year, one with errors injected into most children and the same children with none. An LA's return
is then a random share of those children, each child taken in its erroneous version when the LA's
habit makes that child's kind of error, in its clean version otherwise (its final return takes
the clean version of the children whose errors it fixed); its profile counts the findings the
validator made for exactly those versions of those children. Last year's return needs no clean
version: an LA's is made of its share of the children with no error injected and those whose
error its habit makes. So every count comes
from a real validation run; only rules that look across children (a duplicated child, say) are
approximate, which does not matter for a demo. Every profile goes through the hub's own checks
before it is stored, like one sent over the network.

The peer groups and notes the comparison views read are written by :func:`_add_notes_and_groups`,
through ``ssda903.hub.groups`` and ``ssda903.hub.notes``, as an admin and the LAs would.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from ssda903.hub import checks, submissions
from ssda903.hub.database import make_engine, migrate, sessions
from ssda903.hub.people import add_person
from ssda903.hub.tables import Person
from ssda903.model.years import CollectionYear, supported_years

#: per habit, the chance that the LA makes an error of each family (in its draft); families not
#: named take the habit's "other" chance
HABITS: dict[str, dict[str, float]] = {
    "dates": {"dates": 0.9, "other": 0.08},
    "placements": {"placements": 0.9, "other": 0.08},
    "codes": {"codes": 0.5, "other": 0.08},
    "care leavers": {"care leavers": 0.9, "other": 0.08},
    "formatting": {"formatting": 0.9, "other": 0.05},
    "mixed": {"other": 0.3},
    "careful": {"other": 0.02},
}
#: share of the base return's children given an error (most, so every habit has material); last
#: year's, which has no clean version, fewer, since an LA's return leaves out the errors it does not make
ERROR_RATE = 0.6
LAST_YEAR_ERROR_RATE = 0.3
#: an LA's return is this share (at least) of the base return's children
SMALLEST_SHARE = 0.5
DEMO_EMAIL = "analyst@demo.example"
PASSED, FAILED = "passed", "failed"


def default_year(today: date | None = None) -> CollectionYear:
    """The latest collection year the hub takes whose return period is over (1 April has passed)."""
    today = today or date.today()
    ended = [y for y in supported_years() if y.end < today]
    return ended[-1] if ended else supported_years()[0]


def english_las() -> list[tuple[str, str]]:
    """(ONS code, name) of every English children's services authority still in use."""
    from ssda903.reference.postcodes import authorities

    return sorted(
        (c, row["name"])
        for c, row in authorities().items()
        if c[0] == "E" and row["upper_tier"] == c and not row["replaced_by"]
    )


# ---------------------------------------------------------------- the base returns
@dataclass
class Version:
    """One validation run, per child: findings, rows per table; and each rule's outcome."""

    findings: pd.DataFrame  # rule, period, child, severity
    rows: pd.DataFrame  # child, table, n
    outcomes: dict[str, str]


@dataclass
class Base:
    """A year's return with errors injected and (when asked for) the same children without, both validated."""

    year: CollectionYear
    children: list[str]
    erroneous: Version
    #: None: the children without an injected error stand for themselves (they are the same in both)
    clean: Version | None
    #: each injected child's family of error
    family: dict[str, str]
    seconds: float = 0.0


def _families(year: CollectionYear, manifest: Path) -> dict[str, str]:
    """Each child's family of error, from the first change the generator listed for it."""
    from ssda903.model import load_model

    dates = {c.name for t in load_model().tables(year) for c in t.columns.values() if c.kind == "date"}
    care = {"OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm"}
    out: dict[str, str] = {}
    with open(manifest, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            child, table, column = row["child"], row["table"], row["column"]
            if child in out:
                continue
            if row["tolerated"] == "yes":
                out[child] = "formatting"
            elif table in care:
                out[child] = "care leavers"
            elif column in dates:
                out[child] = "dates"
            elif table == "Episodes" and (column.startswith("PL") or column in ("URN", "REASON_PLACE_CHANGE")):
                out[child] = "placements"
            else:
                out[child] = "codes"
    return out


def _version(folder: Path, year: CollectionYear) -> Version:
    import ssda903
    from ssda903.dataset import PERIODS, TYPED_SCHEMA

    result = ssda903.validate(
        [folder],
        year=year.label,
        previous=[folder / "previous"],
        la="E09000027",
        force_year=True,
    )  # no Ofsted provider list: the URN rules are "not run" at every LA, and each run is a second faster
    ds = result.dataset
    findings = result.findings()[["rule", "period", "child", "severity"]].copy()
    findings["child"] = findings["child"].astype("string")
    parts = []
    for period in PERIODS:
        for table in ds.tables(period):
            if ds.has(table, period):
                name = table if period == "current" else f"previous.{table}"
                frame = ds.con.execute(
                    f'SELECT CAST(CHILD AS VARCHAR) AS child, count(*) AS n FROM {TYPED_SCHEMA[period]}."{table}" '
                    "GROUP BY ALL"
                ).fetchdf()
                parts.append(frame.assign(table=name))
    rows = pd.concat(parts, ignore_index=True)
    return Version(findings, rows, {o.rule: o.status for o in result.outcomes})


def make_base(year: CollectionYear, children: int, seed: int, work: Path, *, clean: bool = True) -> Base:
    """Generate and validate ``year``'s return of ``children`` children, with errors and (``clean``) without."""
    from ssda903.synth import generate

    start = time.perf_counter()
    folder = work / year.label.replace("/", "-")
    rate = ERROR_RATE if clean else LAST_YEAR_ERROR_RATE
    generate(children, year.label, seed, folder / "errors", previous=True, error_rate=rate)
    erroneous = _version(folder / "errors", year)
    without = None
    if clean:  # the same seed: the same children, none changed
        generate(children, year.label, seed, folder / "clean", previous=True)
        without = _version(folder / "clean", year)
    family = _families(year, folder / "errors" / "injected" / "manifest.csv")
    rows = (without or erroneous).rows
    ids = sorted(set(rows.loc[rows["table"] == "Header", "child"].dropna()))
    return Base(year, ids, erroneous, without, family, time.perf_counter() - start)


# ---------------------------------------------------------------- one LA's profile
def profile_of(base: Base, la: str, children: set[str], erroneous: set[str], stage: str) -> dict[str, Any]:
    """The profile of the return made of ``children`` of ``base``, those in ``erroneous`` with their
    injected error: the same shape and suppression as :func:`ssda903.report.profile.build`."""
    import ssda903
    from ssda903.report.profile import FORMAT, SMALL_RETURN, catalogue_version, suppress

    clean_children = children - erroneous
    e, c = base.erroneous, base.clean or base.erroneous
    if base.clean is None and clean_children & set(base.family):
        raise ValueError("without a clean version, a child with an injected error is taken with its error")
    findings = pd.concat(
        [
            e.findings[e.findings["child"].isin(erroneous)],
            c.findings[c.findings["child"].isin(clean_children)],
            c.findings[c.findings["child"].isna()],  # about the whole return, not a child
        ]
    )
    rows = pd.concat([e.rows[e.rows["child"].isin(erroneous)], c.rows[c.rows["child"].isin(clean_children)]])
    n_children = len(children)
    small = n_children < SMALL_RETURN
    per_rule = {
        str(rule): (int(v["rows"]), int(v["kids"]))
        for rule, v in findings.groupby("rule").agg(rows=("child", "size"), kids=("child", "nunique")).iterrows()
    }
    with_error = findings[(findings["severity"] == "error") & (findings["period"] == "current")]["child"].nunique()
    rules: dict[str, dict[str, Any]] = {}
    for rule in sorted(set(c.outcomes) | set(e.outcomes)):
        # a rule that did not run (or crashed) on either version has no count here either
        unran = [s or "not run" for s in (e.outcomes.get(rule), c.outcomes.get(rule)) if s not in (PASSED, FAILED)]
        n_rows, n_kids = per_rule.get(rule, (0, 0))
        status = unran[0] if unran else (FAILED if n_rows else PASSED)
        entry: dict[str, Any] = {"outcome": status}
        if status in (PASSED, FAILED):
            entry["rows"] = suppress(n_rows, small=small)
            entry["children"] = suppress(n_kids, small=small)
        rules[rule] = entry
    per_table = rows.groupby("table")["n"].sum()
    return {
        "format": FORMAT,
        "la": la,
        "collection_year": base.year.label,
        "stage": stage,
        "validator_version": ssda903.__version__,
        "rule_catalogue": catalogue_version(),
        "run_seconds": 0.4,
        "children": suppress(n_children, small=small),
        "children_with_error": suppress(int(with_error), small=small),
        "small_return": small,
        "rows_per_table": {str(t): suppress(int(n), small=small) for t, n in per_table.items()},
        "rules": rules,
    }


@dataclass
class DemoLA:
    """One LA of the demo: who it is, its habit, and its person."""

    code: str
    name: str
    habit: str
    person: Person
    #: per year, the rules its draft failed and its final did not
    fixed: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Demo:
    """What :func:`build` made."""

    db: str
    year: CollectionYear
    las: list[DemoLA]
    me: DemoLA
    token: str
    submissions: int
    seconds: float
    base_seconds: float
    #: notes written by the demo's LAs on rules they fixed
    notes: int = 0


def _store(factory: sessionmaker[Session], person: Person, profile: dict[str, Any]) -> None:
    """Store ``profile`` as the hub would after its checks, which it must pass like any other."""
    parsed = checks.Profile.model_validate(profile)
    problems = checks.problems(parsed, person.la)
    if problems:
        raise ValueError(f"the demo made a profile the hub refuses: {problems[:3]}")
    submissions.store(factory, person, parsed.model_dump(exclude_none=True))


def _failed(profile: dict[str, Any]) -> set[str]:
    return {r for r, v in profile["rules"].items() if v["outcome"] == FAILED}


def build(
    db: str,
    *,
    las: int = 30,
    children: int = 400,
    seed: int = 1,
    year: CollectionYear | None = None,
    say: Callable[[str], None] = print,
) -> Demo:
    """Fill the (new) hub database ``db`` with the demo's LAs, people and submissions."""
    start = time.perf_counter()
    year = year or default_year()
    engine = make_engine(db)
    migrate(engine)
    factory = sessions(engine)
    rng = random.Random(seed)
    chosen = rng.sample(english_las(), min(las, len(english_las())))
    # the demo person's LA (the one with a bit of everything) is a London borough when there is one,
    # so its region group has members: London is the one region an ONS code gives
    mixed = list(HABITS).index("mixed")
    london = next((i for i, (code, _) in enumerate(chosen) if code.startswith("E09")), None)
    if london is not None and len(chosen) > mixed:
        chosen[mixed], chosen[london] = chosen[london], chosen[mixed]
    years = [year] + ([year.previous()] if year.previous() in supported_years() else [])
    bases: dict[CollectionYear, Base] = {}
    with tempfile.TemporaryDirectory(prefix="ssda903-hub-demo-") as work:
        for y in years:
            without = " and without" if y == year else ""
            say(f"Generating and validating a {y.label} return of {children} children, with errors{without} …")
            bases[y] = make_base(y, children, seed, Path(work), clean=y == year)
    habits = list(HABITS)
    made: list[DemoLA] = []
    stored = 0
    for i, (code, name) in enumerate(chosen):
        habit = habits[i % len(habits)]
        person, _ = add_person(factory, code, f"903-team@{code.lower()}.demo.example")
        la = DemoLA(code, name, habit, person)
        fix_share = rng.uniform(0.5, 0.9)
        for y in years:
            base = bases[y]
            share = rng.uniform(SMALLEST_SHARE, 1.0)
            kids = set(rng.sample(base.children, max(1, round(share * len(base.children)))))
            chance = HABITS[habit]
            last_year = y != year  # a year ago the LA made its errors more often
            makes = {
                k
                for k in sorted(kids)  # in a fixed order, so the same seed gives the same demo
                if k in base.family
                and rng.random() < min(1.0, chance.get(base.family[k], chance["other"]) * (1.3 if last_year else 1))
            }
            if last_year:  # no clean version: a child whose error the LA does not make is left out
                kids -= set(base.family) - makes
                _store(factory, person, profile_of(base, code, kids, makes, "final"))
                stored += 1
                continue
            draft = profile_of(base, code, kids, makes, "draft")
            kept = {k for k in sorted(makes) if rng.random() > fix_share}
            final = profile_of(base, code, kids, kept, "final")
            _store(factory, person, draft)
            _store(factory, person, final)
            stored += 2
            la.fixed[y.label] = sorted(_failed(draft) - _failed(final))
        made.append(la)
    # the demo person's LA makes a bit of everything, so both views have plenty to show it
    me = next((la for la in made if la.habit == "mixed"), made[0])
    _, token = add_person(factory, me.code, DEMO_EMAIL, days=30)
    notes = _add_notes_and_groups(factory, made, year, say)
    engine.dispose()
    return Demo(
        db,
        year,
        made,
        me,
        token,
        stored,
        time.perf_counter() - start,
        sum(b.seconds for b in bases.values()),
        notes,
    )


# ---------------------------------------------------------------- peer groups and notes (issue 11, other views)
CMS = ("Demo CMS A", "Demo CMS B", "Demo CMS C")
NOTES = {
    "dates": "Fixed in our final return: we checked episode and review dates against the case record before the extract.",
    "placements": "Fixed: placement codes and providers now come from the placements team's list, checked monthly.",
    "codes": "Fixed: the extract maps our local codes to the DfE codes in one lookup table, reviewed each spring.",
    "care leavers": "Fixed: the leaving care team now records OC3 on the young person's birthday, not afterwards.",
    "formatting": "Fixed: the export writes dates as DD/MM/YYYY and codes in upper case, no spaces.",
    "mixed": "Fixed by a weekly data-quality report to team managers, worked through before the deadline.",
    "careful": "We validate every month, so little is left to fix in March.",
}


def _add_notes_and_groups(
    factory: sessionmaker[Session], las: list[DemoLA], year: CollectionYear, say: Callable[[str], None]
) -> int:
    """Each LA's peer-group metadata, and a note from LAs on a rule they fixed; the number of notes.

    The case management systems are made up (labelled "Demo …"), not facts about the LAs, and so are
    the statistical neighbours (other LAs of the demo). A region is set only where the ONS code
    gives it (``E09``: London); the package has no region table, and a wrong region would be a
    false fact about a real LA.
    """
    from ssda903.hub.database import writing
    from ssda903.hub.groups import set_authority
    from ssda903.hub.notes import write_note

    notes = 0
    with writing(factory) as session:  # all or nothing
        for i, la in enumerate(las):
            neighbours = [las[(i + k) % len(las)].code for k in (1, 2, 3) if len(las) > k]
            set_authority(
                session,
                la.code,
                region="London" if la.code.startswith("E09") else None,  # None: leave it unset
                cms=CMS[i % len(CMS)],
                neighbours=neighbours,
                mailbox=f"903-team@{la.code.lower()}.demo.example",
            )
        for la in las:
            fixed = la.fixed.get(year.label, [])
            if fixed and la.habit != "careful":
                write_note(session, la.person, year.label, fixed[0], NOTES[la.habit])
                notes += 1
    line = (
        f"Peer groups set for {len(las)} LAs (London boroughs in London; made-up systems and neighbours); "
        f"{notes} notes on rules they fixed."
    )
    say(line)
    return notes
