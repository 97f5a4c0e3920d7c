"""The Ofsted provider list (the DfE's "URN lookup"), given by the user as CSV.

The DfE checks each episode's URN against Ofsted's lists of children's homes and social
care providers (rules 219, 221, 224, 227, 228, 229, 241). Those lists change every month
and are not shipped; a user who wants these rules run passes the list as one or more CSV
files (``ssda903.reference.load_providers(ds, path)``). Without it the rules are reported
as not run. Give the complete list, children's homes and social care providers, current
and closed: a URN missing from it is reported as not matching.

One row per URN, or one row per premises when a provider has premises in several LAs
(the URN repeated). Header names are matched ignoring case, spaces and underscores, and
Ofsted's own spreadsheet headings are accepted:

============== ========= ============================================================ ==========================================
column         required  meaning                                                      also accepted
============== ========= ============================================================ ==========================================
URN            yes       Ofsted unique reference number (``SC123456`` or 7 digits)
PLACE_CODES    yes       903 placement codes the setting is registered for,           Placement code, Provider placement code
                         separated by commas, slashes or spaces (``K2``, ``U1/U4``)
PROVIDER_CODES yes       903 placement provider codes (``PR4``, ``PR1,PR2``)           Placement provider code, Provider code
POSTCODE       yes       postcode of the setting                                      Setting postcode, Setting address postcode
REG_END        yes       date the registration ended (blank while registered);        Deregistration date, Closed date
                         DD/MM/YYYY or YYYY-MM-DD
LA             no        ONS code or name of the LA the setting is in; when blank or  Local authority, Provider local authority
                         not recognised, worked out from POSTCODE
NAME           no        name of the setting, for reports                             Setting name, Provider name
============== ========= ============================================================ ==========================================

The rules read the table ``ofsted_providers`` (urn, name, place_codes VARCHAR[],
provider_codes VARCHAR[], postcode, la, reg_end DATE, _file, _line). It exists only when
a list was given, so the engine can say a rule needs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssda903.problems import InputError, first_line
from ssda903.reference.postcodes import LOOKUP, authorities, look_up, prepare
from ssda903.sqltext import literal as _literal

if TYPE_CHECKING:
    import pyarrow as pa

    from ssda903.dataset import Dataset

TABLE = "ofsted_providers"
#: the name the Dataset and the rules know the provider list by
REFERENCE = "providers"

COLUMNS: dict[str, tuple[str, ...]] = {
    "urn": ("urn",),
    "place_codes": ("place_codes", "placement_code", "placement_codes", "provider_placement_code"),
    "provider_codes": ("provider_codes", "placement_provider_code", "placement_provider_codes", "provider_code"),
    "postcode": ("postcode", "setting_postcode", "setting_address_postcode"),
    "reg_end": ("reg_end", "deregistration_date", "closed_date", "registration_end"),
    "la": ("la", "la_code", "local_authority", "provider_local_authority"),
    "name": ("name", "setting_name", "provider_name"),
}
REQUIRED = ("urn", "place_codes", "provider_codes", "postcode", "reg_end")


@dataclass(frozen=True)
class ProvidersLoaded:
    """What ``load_providers`` read."""

    rows: int
    urns: int
    la_from_file: int
    la_from_postcode: int
    la_unknown: int
    skipped_blank_urn: int

    def __str__(self) -> str:
        return (
            f"{self.rows:,} provider rows ({self.urns:,} URNs); LA from the list {self.la_from_file:,}, "
            f"from the postcode {self.la_from_postcode:,}, unknown {self.la_unknown:,}"
        )


def _key(header: str) -> str:
    return re.sub(r"[\s_]+", "_", header.strip().lower())


def _match(headers: list[str], label: str) -> dict[str, str]:
    by_key = {_key(h): h for h in reversed(headers)}
    found = {}
    for col, names in COLUMNS.items():
        for n in names:
            if n in by_key:
                found[col] = by_key[n]
                break
    missing = [c.upper() for c in REQUIRED if c not in found]
    if missing:
        raise InputError(
            f"{label}: the Ofsted provider list needs the column(s) {', '.join(missing)} "
            f"(found: {', '.join(headers) or 'none'}); see ssda903.reference.providers for the columns."
        )
    return found


def _arrow(rows: Any) -> pa.Table:
    import pyarrow as pa

    if isinstance(rows, pa.Table):
        return rows
    if isinstance(rows, list):
        cols: dict[str, list[Any]] = {}
        for r in rows:
            for k in r:
                cols.setdefault(k, [])
        return pa.table(
            {k: pa.array([None if r.get(k) is None else str(r.get(k)) for r in rows], pa.string()) for k in cols}
        )
    text = rows.astype(str).astype(object).where(rows.notna(), None)  # a pandas DataFrame
    return pa.Table.from_pandas(text, preserve_index=False)


def _authority_names() -> pa.Table:
    """(name_key, code) for every authority name in authorities.csv, current codes first."""
    import pyarrow as pa

    rows = sorted(authorities().values(), key=lambda r: (bool(r["replaced_by"]), r["code"] != r["upper_tier"]))
    seen: dict[str, str] = {}
    for r in rows:
        key = _name_key(r["name"])
        if key and key not in seen:
            seen[key] = r["upper_tier"]
    return pa.table({"name_key": list(seen), "code": list(seen.values())})


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("&", "and"))


def load_providers(ds: Dataset, *sources: str | Path | Iterable[Mapping[str, Any]] | Any) -> ProvidersLoaded:
    """Load the Ofsted provider list into ``ds`` as the table ``ofsted_providers``.

    Each source is a CSV file path, or in-memory rows (a list of dicts, a pandas
    DataFrame or an Arrow table) with the same columns. Several sources are combined.
    Raises :class:`InputError` when a required column is missing or a date cannot be read.
    """
    import pyarrow as pa

    if not sources:
        raise ValueError("load_providers needs at least one file or table")
    con = ds.con
    prepare(con)
    parts = []
    for i, src in enumerate(sources):
        view = f"_providers_src{i}"
        if isinstance(src, (str, Path)):
            label = Path(src).name
            if not Path(src).is_file():
                raise InputError(f"{src}: no such Ofsted provider list")
            try:
                rel = con.sql("SELECT * FROM read_csv(?, all_varchar = true, header = true)", params=[str(src)])
                table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
            except Exception as e:  # an unreadable file is the user's to fix, not a crash
                raise InputError(f"{label}: cannot read the Ofsted provider list as CSV ({first_line(e)})") from e
        else:
            label = "<providers>"
            table = _arrow(list(src) if not hasattr(src, "num_rows") and not hasattr(src, "iloc") else src)
        cols = _match(list(table.column_names), label)
        table = table.append_column("_line", pa.array(range(2, table.num_rows + 2), pa.int64()))
        con.register(view, table)
        get = {c: (f'"{cols[c]}"' if c in cols else "NULL") for c in COLUMNS}
        parts.append(
            f"SELECT {get['urn']}::VARCHAR AS urn, {get['name']}::VARCHAR AS name, "
            f"{get['place_codes']}::VARCHAR AS place_codes, {get['provider_codes']}::VARCHAR AS provider_codes, "
            f"{get['postcode']}::VARCHAR AS postcode, {get['la']}::VARCHAR AS la, {get['reg_end']}::VARCHAR AS reg_end, "
            f"{_literal(label)} AS _file, _line FROM {view}"
        )
    con.register("_authority_names", _authority_names())
    con.register("_authority_codes", pa.Table.from_pylist(list(authorities().values())))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _providers_raw AS {' UNION ALL '.join(parts)}")
        bad = con.execute(
            "SELECT _file, _line, reg_end FROM _providers_raw "
            "WHERE blank_to_null(reg_end) IS NOT NULL AND as_date(reg_end) IS NULL ORDER BY _file, _line LIMIT 5"
        ).fetchall()
        if bad:
            where = "; ".join(f"{f} line {n}: {v!r}" for f, n, v in bad)
            raise InputError(f"Ofsted provider list: registration end dates that are not dates ({where}).")
        look_up(con, "SELECT postcode_key(postcode) FROM _providers_raw")
        con.execute(
            rf"""
            CREATE OR REPLACE TABLE main.{TABLE} AS
            WITH cleaned AS (
                SELECT as_code(urn) AS urn, blank_to_null(name) AS name,
                       trim(regexp_replace(upper(coalesce(place_codes, '')), '[^A-Z0-9]+', ' ', 'g')) AS places,
                       trim(regexp_replace(upper(coalesce(provider_codes, '')), '[^A-Z0-9]+', ' ', 'g')) AS providers,
                       postcode_key(postcode) AS postcode, blank_to_null(la) AS la_text, as_date(reg_end) AS reg_end,
                       _file, _line
                FROM _providers_raw
            ),
            la_given AS (
                SELECT c.*,
                       CASE WHEN regexp_full_match(upper(la_text), '[EWSN][0-9]{{8}}')
                            THEN coalesce(nullif(a.upper_tier, ''), upper(la_text))
                            ELSE n.code END AS la_code_given
                FROM cleaned c
                LEFT JOIN _authority_codes a ON a.code = upper(c.la_text)
                LEFT JOIN _authority_names n
                       ON n.name_key = regexp_replace(replace(lower(c.la_text), '&', 'and'), '[^a-z0-9]', '', 'g')
            )
            SELECT g.urn, g.name,
                   CASE WHEN places = '' THEN []::VARCHAR[] ELSE string_split(places, ' ') END AS place_codes,
                   CASE WHEN providers = '' THEN []::VARCHAR[] ELSE string_split(providers, ' ') END AS provider_codes,
                   g.postcode,
                   coalesce(placement_la(g.la_code_given, g.la_code_given), placement_la(g.postcode, p.la)) AS la,
                   g.reg_end,
                   g.la_code_given IS NOT NULL AS _la_from_file,
                   g._file, g._line
            FROM la_given g LEFT JOIN {LOOKUP} p ON p.pcd = postcode_number(g.postcode)
            WHERE g.urn IS NOT NULL
            ORDER BY g._file, g._line
            """
        )
        skipped = con.execute("SELECT count(*) FROM _providers_raw WHERE as_code(urn) IS NULL").fetchall()[0]
        stats = con.execute(
            f"SELECT count(*), count(DISTINCT urn), count(*) FILTER (_la_from_file), "
            f"count(*) FILTER (NOT _la_from_file AND la IS NOT NULL), count(*) FILTER (la IS NULL) FROM main.{TABLE}"
        ).fetchall()[0]
        con.execute(f"ALTER TABLE main.{TABLE} DROP COLUMN _la_from_file")
    finally:
        for i in range(len(sources)):
            con.unregister(f"_providers_src{i}")
        con.unregister("_authority_names")
        con.unregister("_authority_codes")
        con.execute("DROP TABLE IF EXISTS _providers_raw")
    ds.references[REFERENCE] = TABLE
    assert stats is not None and skipped is not None
    n, urns, from_file, from_postcode, unknown = (int(v) for v in stats)
    return ProvidersLoaded(n, urns, from_file, from_postcode, unknown, skipped_blank_urn=int(skipped[0]))


def has_providers(ds: Dataset) -> bool:
    """True when an Ofsted provider list was loaded into ``ds``."""
    return REFERENCE in ds.references
