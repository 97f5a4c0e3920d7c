"""The error profile: what a validation found, as counts only, safe to compare with other LAs.

The profile is the one thing meant to leave the LA's machine (sent on purpose to a hub of LAs,
issue 11), so it holds no child identifier, date, postcode or value: per rule its outcome and how
many rows and children failed; per table how many rows were given; how many children there are
and how many have an error. Every count is suppressed here, before anything is written:

* 0 stays 0, and only where it is a count of nothing found (a rule that passed); a rule not run
  or crashed has no count at all, so a 0 never stands for "not checked";
* 1 to 9 becomes the band ``"1-9"``;
* 10 and over is rounded to the nearest 5 (12 → 10, 13 → 15);
* a return of fewer than 50 children gives bands only (``"1-9"``, ``"10-49"``, ``"50-99"``,
  ``"100-499"``, ``"500+"``), since its counts are close to describing children.

The file is plain JSON, written with sorted keys, so the user can read every line before sending
it; ``README.md`` says what is in it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ssda903.engine import Result

FORMAT = "ssda903-profile/1"
#: A return with fewer children than this gives bands only.
SMALL_RETURN = 50
STAGES = ("draft", "final")
_BANDS = ((1, 9, "1-9"), (10, 49, "10-49"), (50, 99, "50-99"), (100, 499, "100-499"))


def suppress(n: int, *, small: bool) -> int | str:
    """A count as it may leave the machine (see the module docstring)."""
    if n <= 0:
        return 0
    if small:
        return next((band for lo, hi, band in _BANDS if lo <= n <= hi), "500+")
    if n < 10:
        return "1-9"
    return int(5 * round(n / 5))


def catalogue_version() -> str:
    """A short digest of every rule as it runs (code, variant, years, SQL): two profiles with the
    same digest were made by the same rules."""
    from ssda903.rules import all_rules

    digest = hashlib.sha256()
    for r in sorted(all_rules(), key=lambda r: (r.code, r.variant)):
        years = ",".join(y.label for y in r.years)
        digest.update(f"{r.code}|{r.variant}|{years}|{r.sql}\n".encode())
    return digest.hexdigest()[:16]


def build(result: Result, *, stage: str = "draft") -> dict[str, Any]:
    """The profile of one validation run, every count already suppressed."""
    import ssda903
    from ssda903.dataset import PERIODS
    from ssda903.engine import PASSED
    from ssda903.model import load_model

    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    ds = result.dataset
    if not ds.la:
        raise ValueError("the profile names the LA it describes: give the LA code (--la)")
    con = ds.con
    children = int(con.execute("SELECT count(DISTINCT CHILD) FROM Header").fetchone()[0])  # type: ignore[index]
    small = children < SMALL_RETURN
    per_rule = {
        str(rule): (int(rows), int(kids))
        for rule, rows, kids in con.execute(
            "SELECT rule, count(*), count(DISTINCT child) FROM findings GROUP BY rule"
        ).fetchall()
    }
    with_error = con.execute(
        "SELECT count(DISTINCT child) FROM findings WHERE severity = 'error' AND period = 'current'"
    ).fetchone()[0]  # type: ignore[index]
    rules: dict[str, dict[str, Any]] = {}
    for o in result.outcomes:
        entry: dict[str, Any] = {"outcome": o.status}
        rows, kids = per_rule.get(o.rule, (0, 0))
        if o.status == PASSED or rows:  # a rule not run or crashed has no count: not even 0
            entry["rows"] = suppress(rows, small=small)
            entry["children"] = suppress(kids, small=small)
        rules[o.rule] = entry
    tables = {
        f"{t.name}" if period == "current" else f"previous.{t.name}": suppress(
            ds.row_count(t.name, period), small=small
        )
        for period in PERIODS
        for t in load_model().tables(ds.year if period == "current" else ds.year.previous())
        if ds.has(t.name, period)
    }
    return {
        "format": FORMAT,
        "la": ds.la,
        "collection_year": ds.year.label,
        "stage": stage,
        "validator_version": ssda903.__version__,
        "rule_catalogue": catalogue_version(),
        "run_seconds": round(result.seconds, 1),
        "children": suppress(children, small=small),
        "children_with_error": suppress(int(with_error), small=small),
        "small_return": small,
        "rows_per_table": tables,
        "rules": rules,
    }


def write(result: Result, path: Path, *, stage: str = "draft") -> Path:
    """Write the profile as JSON to ``path``."""
    text = json.dumps(build(result, stage=stage), indent=1, sort_keys=True)
    Path(path).write_text(text + "\n", encoding="utf-8")
    return Path(path)
