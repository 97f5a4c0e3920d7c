"""The responsible LA: given as an ONS code or a name, or guessed from the children's home postcodes.

Only an English children's services authority (a county, unitary, metropolitan or London
borough council: an ``upper_tier`` authority of ``data/authorities.csv``) files a 903 return.
:func:`authority` accepts its ONS code in any case, or its name (``croydon``, ``City of
London``, ``London Borough of Croydon``), and rejects anything else with what to give instead:
a close name (``croydn`` → Croydon), the county of a district council, or a note that a Welsh,
Scottish or Northern Irish authority does not send the 903. An older code of an authority
that was recoded or merged (Barnsley's E08000016, North Yorkshire County Council's E10000023)
resolves to its current code.

:func:`guess_la` counts, for each child, the upper-tier authority of the home postcode
(HOME_POST) of their latest episode, with the shipped postcode table.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from ssda903.dataset import RAW_SCHEMA
from ssda903.problems import InputError
from ssda903.reference.postcodes import LOOKUP, authorities, look_up, prepare, same_authority

if TYPE_CHECKING:
    from ssda903.dataset import Dataset

_CODE = re.compile(r"[A-Z]\d{8}")
NATIONS = {"W": "Welsh", "S": "Scottish", "N": "Northern Irish"}
#: what people also write around an authority's name
_PREFIXES = ("the ", "london borough of ", "royal borough of ", "metropolitan borough of ", "borough of ", "county of ")
_SUFFIXES = (
    " metropolitan borough council",
    " metropolitan district council",
    " county council",
    " city council",
    " borough council",
    " district council",
    " council",
    " county",
)


#: names in everyday use that are not the ONS name
_ALSO = {"hull": "E06000010", "durham": "E06000047", "bcp": "E06000058"}


class AuthorityError(InputError):
    """The LA given is not an English children's services authority."""


@dataclass(frozen=True)
class Authority:
    """An English children's services authority."""

    code: str
    name: str
    #: said to the user when what they gave was read as something else (an older code)
    note: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class LaGuess:
    """Where the children's home postcodes are: children counted once, by their latest episode."""

    counts: dict[str, int]  # upper-tier authority code -> children whose home postcode is there
    placed: int  # children with a home postcode found in the postcode table

    @property
    def best(self) -> Authority | None:
        """The English children's services authority most children's home postcodes are in."""
        english = sorted((-n, c) for c, n in self.counts.items() if c in _current())
        return _current()[english[0][1]] if english else None

    def children_in(self, code: str) -> int:
        """Children whose home postcode is in ``code`` (under any code the authority has had)."""
        return sum(n for c, n in self.counts.items() if c in same_authority(code))

    def __str__(self) -> str:
        best = self.best
        if best is None:
            return "no home postcode lies in an English local authority"
        return f"{best}, where {self.children_in(best.code):,} of {self.placed:,} children's home postcodes are"


# --------------------------------------------------------------------------- the table
def _is_csa(code: str, row: dict[str, str]) -> bool:
    return code.startswith("E") and row["upper_tier"] == code


@cache
def _current() -> dict[str, Authority]:
    """Today's English children's services authorities by code."""
    return {c: Authority(c, r["name"]) for c, r in authorities().items() if _is_csa(c, r) and not r["replaced_by"]}


def _successor(code: str) -> tuple[Authority, str]:
    """The current authority for an upper-tier code (itself, or the one that replaced it), and a note."""
    table = authorities()
    row = table[code]
    current = _current()
    if code in current:
        return current[code], ""
    after = row["replaced_by"].split()
    names = " and ".join(f"{table[c]['name']} ({c})" for c in after if c in table)
    if len(after) == 1 and after[0] in current:
        new = current[after[0]]
        return new, f"{code} is an older code of {row['name']}; using {new}"
    # split between several authorities (Cumbria): the old code still names the old area
    return Authority(code, row["name"]), f"{row['name']} ({code}) was replaced by {names}"


def _norm(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("st.", "st ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _variants(key: str) -> list[str]:
    """The key with the words people write around a name taken off."""
    out = [key]
    for p in _PREFIXES:
        if key.startswith(p):
            out.append(key[len(p) :])
    for k in list(out):
        for s in _SUFFIXES:
            if k.endswith(s):
                out.append(k[: -len(s)])
    for k in list(out):
        if k.startswith("city of "):
            out.append(k[len("city of ") :])
    return out


@cache
def _names() -> dict[str, str]:
    """Every way of writing an authority's name we accept (normalised) → its code.

    Current children's services authorities win over older codes and districts of the same name.
    """
    table = authorities()
    ranked = sorted(table.items(), key=lambda kv: (kv[0] not in _current(), not _is_csa(*kv), kv[0]))
    out: dict[str, str] = {}
    for code, row in ranked:
        name = _norm(row["name"])
        keys = [name]
        head, sep, tail = row["name"].partition(", ")
        if sep and tail in ("City of", "County of"):  # "Kingston upon Hull, City of", "Herefordshire, County of"
            keys += [_norm(head), _norm(f"{tail} {head}")]
        for k in keys:
            out.setdefault(k, code)
    for key, code in _ALSO.items():
        out.setdefault(key, code)
    return out


# --------------------------------------------------------------------------- resolving what was given
def authority(text: str) -> Authority:
    """The English children's services authority ``text`` names (ONS code or name); AuthorityError if none."""
    given = text.strip()
    if not given:
        raise AuthorityError("--la is empty: give your LA's ONS code (e.g. E09000008) or its name (e.g. Croydon)")
    if _CODE.fullmatch(given.upper()):
        return _by_code(given.upper())
    if given.isdigit():
        raise AuthorityError(
            f"--la {given}: the DfE's three-digit LA number is not used here; give your LA's ONS code "
            "(e.g. E09000008) or its name (e.g. Croydon)"
        )
    for key in _variants(_norm(given)):
        code = _names().get(key)
        if code:
            return _by_code(code, given)
    raise AuthorityError(f"--la {given!r}: no English local authority is called that{_suggest(given)}")


def _by_code(code: str, given: str = "") -> Authority:
    row = authorities().get(code)
    shown = f"--la {given!r}" if given else f"--la {code}"
    named = f"{row['name']} ({code})" if given and row else row["name"] if row else code
    nation = NATIONS.get(code[0])
    if nation:
        what = f"{named}, a {nation} authority" if row else f"a {nation} authority's code"
        raise AuthorityError(
            f"{shown} is {what}: the SSDA903 return is collected from English local authorities only; "
            "give your English LA's ONS code or name"
        )
    if row is None or not code.startswith("E"):
        raise AuthorityError(
            f"{shown} is not the ONS code of an English local authority; check it, or give the name (e.g. Croydon)"
        )
    if _is_csa(code, row):
        found, note = _successor(code)
        return Authority(found.code, found.name, note)
    upper, _ = _successor(row["upper_tier"])
    raise AuthorityError(
        f"{shown} is {named}, a district council: children's services there are run by "
        f"{upper}; did you mean --la {upper.code}?"
    )


def _suggest(given: str) -> str:
    names = _names()
    key = _norm(given)
    current = _current()
    ours = [k for k in names if names[k] in current]
    # a name cut short ("richmond" for "richmond upon thames"), then a typo among today's
    # authorities, then among every name (a district, a Welsh authority)
    close = sorted(k for k in ours if k.startswith(key + " "))[:3]
    close = close or difflib.get_close_matches(key, ours, n=1, cutoff=0.75)
    close = close or difflib.get_close_matches(key, list(names), n=1, cutoff=0.75)
    if not close:
        return "; give its ONS code (e.g. E09000008) or its name as the ONS writes it (e.g. Croydon)"
    code = names[close[0]]
    if code[0] in NATIONS:
        name = authorities()[code]["name"]
        return f" ({name} ({code}) is a {NATIONS[code[0]]} authority: the 903 is collected in England only)"
    found = [_successor(authorities()[names[k]]["upper_tier"])[0] for k in close]
    return f"; did you mean {' or '.join(str(f) for f in dict.fromkeys(found))}?"


# --------------------------------------------------------------------------- guessing from the postcodes
def home_la_sql(period: str, postcodes: str) -> str:
    """Where ``period``'s children's home postcodes are: (la, children), each child counted once, by
    their latest episode, read from the raw Episodes and the postcode table ``postcodes`` (pcd, la).
    The web page runs the same query over its own copy of the postcodes."""
    raw = f"{RAW_SCHEMA[period]}.Episodes"
    # the key once per row, the number once per postcode: the macros expand their argument many
    # times, and a join on postcode_number(postcode_key(...)) costs seven times as much
    return f"""
        WITH keyed AS (
            SELECT coalesce(blank_to_null(CHILD), '#' || _id) AS child, postcode_key(HOME_POST) AS k, DECOM
            FROM {raw}
        ),
        numbered AS (SELECT k, postcode_number(k) AS pcd FROM (SELECT DISTINCT k FROM keyed WHERE k IS NOT NULL)),
        placed AS (
            SELECT e.child, l.la, coalesce(as_date(e.DECOM), DATE '1900-01-01') AS decom
            FROM keyed e JOIN numbered USING (k) JOIN {postcodes} l ON l.pcd = numbered.pcd
            WHERE l.la IS NOT NULL
        ),
        per_child AS (SELECT child, arg_max(la, decom) AS la FROM placed GROUP BY child)
        SELECT la, count(*) AS children FROM per_child GROUP BY la
        """


def guess_la(ds: Dataset, period: str = "current") -> LaGuess:
    """Where the home postcodes (HOME_POST) of ``period``'s children are, read from the raw Episodes."""
    if not ds.has("Episodes", period):
        return LaGuess({}, 0)
    raw = f"{RAW_SCHEMA[period]}.Episodes"
    con = ds.con
    prepare(con)
    look_up(con, f"SELECT postcode_key(HOME_POST) FROM {raw}")
    rows = con.execute(home_la_sql(period, LOOKUP)).fetchall()
    counts = {str(la): int(n) for la, n in rows}
    return LaGuess(counts, sum(counts.values()))


def settle_la(ds: Dataset, la: str | Authority | None) -> list[str]:
    """Settle ``ds.la`` from what was given, or guess it from the home postcodes; returns what to tell the user.

    Raises AuthorityError when what was given is not an English children's services authority.
    """
    notes: list[str] = []
    if la is not None:
        found = la if isinstance(la, Authority) else authority(la)
        ds.set_la(found.code, "given")
        if found.note:
            notes.append(found.note + ".")
        homes = guess_la(ds)
        best = homes.best
        # a mistyped code (one borough for another) would mark every placement out of area
        if best and homes.children_in(found.code) == 0 and homes.children_in(best.code) * 2 > homes.placed:
            notes.append(
                f"--la {found} holds none of the {homes.placed:,} children's home postcodes; "
                f"{homes.children_in(best.code):,} are in {best}. Check --la."
            )
        return notes
    for period in ("current", "previous"):
        homes = guess_la(ds, period)
        best = homes.best
        if best is not None:
            ds.set_la(best.code, "guessed")
            return [f"Responsible LA not given: using {homes}; set it with --la."]
    return [
        "Responsible LA not given and no home postcode could be placed: "
        "the rules that need it will not run; set it with --la."
    ]
