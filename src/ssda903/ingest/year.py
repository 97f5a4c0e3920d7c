"""Which collection year a return's episode dates belong to: guessed when not given, checked when given.

Read from the raw text of the Episodes table (DECOM and DEC), before anything is typed, so
the files are read once whatever the year turns out to be.

* The **guess** is the year holding nearly the latest date (the 99th percentile), so one
  mistyped year (2052 for 2025) does not move it, and a return validated mid-year (dates up
  to last month) is still this year's.
* A year given by the user is **plainly wrong** only when the dates outside it, on the side
  the guess points to, outnumber the dates inside it (and there are at least a few of them).
  Looking forward, "outside" is every start or end date after the year's end; looking back it
  is the episodes that *ended* before the year's start (an episode open at the start of the
  year, however old, belongs to this year's return). So last year's carry-over episodes and a
  few typos never trip it, while a return of another year always does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ssda903.dataset import RAW_SCHEMA, Dataset
from ssda903.model import CollectionYear, supported_years
from ssda903.problems import InputError

#: the fewest dates outside a given year that can show it is wrong (a tiny return with one
#: or two mistyped dates is not "plainly" another year)
MIN_OUTSIDE = 3


class UnknownYearError(InputError):
    """The collection year was not given and the dates cannot tell it."""


class WrongYearError(InputError):
    """The year given (or the year of last year's files) is plainly not the one the dates say."""


@dataclass(frozen=True)
class EpisodeDates:
    """What one period's episode start (DECOM) and end (DEC) dates say about its year."""

    count: int  # start and end dates that are dates
    latest: date | None  # nearly the latest of them (99th percentile)
    days: tuple[tuple[date, bool, int], ...] = ()  # (date, whether an end date, how many)

    @property
    def year(self) -> CollectionYear | None:
        """The collection year holding the (nearly) latest date; None when there are no dates."""
        if self.latest is None:
            return None
        return CollectionYear(self.latest.year if self.latest.month >= 4 else self.latest.year - 1)

    def inside(self, year: CollectionYear) -> int:
        """Start and end dates falling within ``year`` (1 April to 31 March)."""
        return sum(n for d, _end, n in self.days if year.start <= d <= year.end)

    def after(self, year: CollectionYear) -> int:
        """Start and end dates after ``year``'s collection end."""
        return sum(n for d, _end, n in self.days if d > year.end)

    def ended_before(self, year: CollectionYear) -> int:
        """Episodes that ended before ``year`` began (a return for ``year`` cannot hold them)."""
        return sum(n for d, end, n in self.days if end and d < year.start)

    def other_year(self, year: CollectionYear) -> CollectionYear | None:
        """The year the dates say when they plainly do not belong to ``year``, else None."""
        said = self.year
        if said is None or said == year:
            return None
        outside = self.after(year) if said > year else self.ended_before(year)
        return said if outside >= MIN_OUTSIDE and outside > self.inside(year) else None


def episode_dates(ds: Dataset, period: str = "current") -> EpisodeDates:
    """The episode start and end dates of ``period``, read from the raw text."""
    if not ds.has("Episodes", period):
        return EpisodeDates(0, None)
    raw = f"{RAW_SCHEMA[period]}.Episodes"
    rows = ds.con.execute(
        f"""
        WITH d AS (
            SELECT as_date(DECOM) AS d, false AS is_end FROM {raw}
            UNION ALL SELECT as_date(DEC), true FROM {raw}
        )
        SELECT d, is_end, count(*) FROM d WHERE d IS NOT NULL GROUP BY ALL
        """
    ).fetchall()
    if not rows:
        return EpisodeDates(0, None)
    # nearly the latest date: one mistyped year (2052 for 2025) must not move the guess
    latest = ds.con.execute(
        f"SELECT quantile_disc(d, 0.99) FROM (SELECT as_date(DECOM) AS d FROM {raw} "
        f"UNION ALL SELECT as_date(DEC) FROM {raw}) WHERE d IS NOT NULL"
    ).fetchall()[0][0]
    return EpisodeDates(
        count=sum(int(n) for _d, _e, n in rows),
        latest=latest,
        days=tuple((d, bool(e), int(n)) for d, e, n in rows),
    )


def guess_year(ds: Dataset) -> CollectionYear:
    """The collection year this year's files belong to, from their episode dates.

    Raises UnknownYearError when there are no episode dates (a Header-only return, an empty
    Episodes file) or when the dates point to a year that is not supported.
    """
    dates = episode_dates(ds)
    said = dates.year
    if said is None:
        raise UnknownYearError("cannot tell the collection year from the dates (no episode dates): give --year")
    years = supported_years()
    if said not in years:
        raise UnknownYearError(
            f"the episode dates say the collection year is {said} (the latest {_day(dates.latest)}), which is not "
            f"one ssda903 checks ({years[0]} to {years[-1]}): give --year"
        )
    return said


def check_year(ds: Dataset) -> None:
    """Raise WrongYearError when this year's episode dates plainly belong to another year than ``ds.year``."""
    year = ds.year
    dates = episode_dates(ds)
    said = dates.other_year(year)
    if said is None:
        return
    raise WrongYearError(
        f"the episode dates say this return is for {said}, not {year}: {_evidence(dates, year, said)}. "
        f"Check --year (or leave it out: the dates decide), or add --force-year to validate it as {year} anyway."
    )


def check_previous_year(ds: Dataset) -> None:
    """Raise WrongYearError when the files given as last year's plainly hold another year."""
    expected = ds.year.previous()
    dates = episode_dates(ds, "previous")
    said = dates.other_year(expected)
    if said is None:
        return
    what = (
        f"this year's ({said}): the same year as the return itself"
        if said == ds.year
        else f"{said}, not {expected} (the year before {ds.year})"
    )
    raise WrongYearError(
        f"the files given with --previous hold episode dates of {what}; {_evidence(dates, expected, said)}. "
        f"Give last year's return ({expected}) with --previous, or add --force-year to use these files anyway."
    )


def _evidence(dates: EpisodeDates, year: CollectionYear, said: CollectionYear) -> str:
    if said > year:
        outside = (
            f"{dates.after(year):,} of the {dates.count:,} episode start and end dates fall after {_day(year.end)}"
        )
    else:
        outside = f"{dates.ended_before(year):,} episodes ended before {_day(year.start)}"
    inside = dates.inside(year)
    return (
        f"{outside} and {'only ' if inside else ''}{inside:,} within {year} (the latest date is {_day(dates.latest)})"
    )


def _day(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "none"
