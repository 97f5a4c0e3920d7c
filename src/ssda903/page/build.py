"""Writing the web page: the built static files, one plan per collection year, the reference data.

The static files (HTML, CSS, the JavaScript bundle, DuckDB-WASM) are built from ``web/`` with
npm and shipped in the wheel; the plans are compiled here from the rule files, so the page
always runs the SQL of the installed version, the same SQL as ``ssda903 validate``.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ssda903.problems import InputError

#: where the built static files live inside the package
STATIC = Path(__file__).parent / "static"
#: the files a complete static build has (relative to STATIC)
REQUIRED = ("index.html", "style.css", "app.js", "duckdb/duckdb-eh.wasm", "duckdb/duckdb-browser-eh.worker.js")
BUILD_COMMANDS = "npm --prefix web ci && npm --prefix web run build"


class PageNotBuiltError(InputError):
    """The page's static files are missing (a source checkout where npm has not been run)."""


def static_dir() -> Path:
    """The built static files; raises PageNotBuiltError naming the commands that build them."""
    missing = [name for name in REQUIRED if not (STATIC / name).is_file()]
    if missing:
        raise PageNotBuiltError(
            f"the web page is not built ({', '.join(missing)} missing from {STATIC}). From the repository's "
            f"root folder, build it with: {BUILD_COMMANDS}"
        )
    return STATIC


def year_file(year: str) -> str:
    """The plan's file name for a year: ``2024/25`` → ``2024-25.json``."""
    return year.replace("/", "-") + ".json"


def _compiled_plans(years: list[str] | None) -> dict[str, dict[str, Any]]:
    from ssda903.model import supported_years
    from ssda903.plan import compile_plan  # type: ignore[import-not-found,unused-ignore]

    labels = years or [y.label for y in supported_years()]
    return {label: compile_plan(label) for label in labels}


def xml_layout() -> dict[str, Any]:
    """How DfE XML elements map onto the tables, for the page's XML reader (as ingest.xml reads them).

    Taken from the Python reader's own layout, so the browser and the command line cannot drift
    apart; it goes into every plan the page writes (``plan["xml"]``) unless the plan has one.
    """
    from ssda903.ingest.xml import CARRIED, HEADER_ITEM_TABLES, _layout
    from ssda903.model import load_model

    layout = _layout("")
    return {
        "groups": layout.groups,
        "elements": layout.elements,
        "own": layout.own,
        "shared": {table: list(columns) for table, columns in layout.shared.items()},
        "header_items": sorted(layout.header_items),
        "carried": list(CARRIED),
        "header_item_tables": list(HEADER_ITEM_TABLES),
        "columns": {t.name: [c.name for c in t.columns.values() if not c.derived] for t in load_model().all_tables},
        "csv_columns": {t.name: list(t.csv_columns) for t in load_model().all_tables},
    }


def _with_reader_details(plan: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
    """The plan with what the page's readers need beyond it: the XML layout, the load problems'
    titles and advice, and for each table the columns the DfE works out (a file giving one gets
    its own LOAD04 wording) and those only the XML carries (never missing from a CSV file)."""
    from ssda903.model import load_model

    tables = {t.name: t for t in load_model().all_tables}
    from ssda903.reference.postcodes import REFERENCE_VIEW

    out = {"xml": layout, "load_kinds": _load_kinds()} | plan
    if REFERENCE_VIEW in (plan.get("reference") or {}):  # the guess reads the postcodes
        out.setdefault("guess_la", _guess_la_sql())
    out["tables"] = [
        {
            "derived": [c.name for c in tables[t["name"]].columns.values() if c.derived],
            "xml_only": [c.name for c in tables[t["name"]].columns.values() if c.xml_only],
        }
        | t
        if t["name"] in tables
        else t
        for t in plan["tables"]
    ]
    return out


def _guess_la_sql() -> dict[str, str]:
    """Per period, where the children's home postcodes are (the command line's query, over the page's
    postcode view): the LA with the most, of today's children's services authorities, is the guess."""
    from ssda903.dataset import RAW_SCHEMA
    from ssda903.reference.authority import home_la_sql
    from ssda903.reference.postcodes import REFERENCE_VIEW

    return {period: home_la_sql(period, REFERENCE_VIEW) for period in RAW_SCHEMA}


def _authorities() -> list[dict[str, str]]:
    """Today's English children's services authorities (code, name), for the page's LA list."""
    from ssda903.reference.authority import _current

    return [{"code": a.code, "name": a.name} for a in sorted(_current().values(), key=lambda a: a.name)]


def _load_kinds() -> dict[str, dict[str, str]]:
    """The load problems (LOAD01 …): title, severity and advice, for the page's rule list."""
    from ssda903.problems import KINDS

    return {k.code: {"title": k.title, "severity": k.severity, "advice": k.advice} for k in KINDS.values()}


def _reference_source(name: str) -> Path:
    """A reference file the plans name, from the package's reference data."""
    path = Path(str(resources.files("ssda903.reference").joinpath("data", name)))
    if not path.is_file():
        raise InputError(f"the plan names reference data {name!r}, which is not in {path.parent}")
    return path


def write_page(
    out_dir: str | Path,
    *,
    years: list[str] | None = None,
    plans: Mapping[str, dict[str, Any]] | None = None,
    reference: Callable[[str], Path] = _reference_source,
) -> Path:
    """Write the complete page into ``out_dir`` (created; files of an earlier page are replaced).

    ``years`` limits the collection years (all supported years by default); ``plans`` gives
    the plans outright instead of compiling them (tests). Returns ``out_dir``.
    """
    source = static_dir()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, out, dirs_exist_ok=True)
    chosen = dict(plans) if plans is not None else _compiled_plans(years)
    layout = xml_layout()
    chosen = {year: _with_reader_details(plan, layout) for year, plan in chosen.items()}
    (out / "plans").mkdir(exist_ok=True)
    index: dict[str, Any] = {"years": sorted(chosen), "plans": {}, "latest": max(chosen) if chosen else None}
    references: dict[str, str] = {}  # the view the plan reads → the reference file behind it
    for plan in chosen.values():
        references.update(plan.get("reference") or {})
    _write_references(out, chosen, references, reference)
    for year, plan in chosen.items():
        name = year_file(year)
        # compact: the plans are the bulk of what the page loads besides DuckDB itself
        (out / "plans" / name).write_text(json.dumps(plan, separators=(",", ":")), encoding="utf-8")
        index["plans"][year] = f"plans/{name}"
    if chosen:
        index["version"] = next(iter(chosen.values())).get("version")
    index["authorities"] = _authorities()
    (out / "plans" / "index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
    return out


def _write_references(
    out: Path, chosen: dict[str, dict[str, Any]], references: dict[str, str], reference: Callable[[str], Path]
) -> None:
    """Each reference file the plans read, in the form the page loads; names it in each plan."""
    files: dict[str, str] = {}
    for name in sorted(set(references.values())):
        # a plain file name, never a path: the page fetches reference/<name>
        if Path(name).name != name or name in ("", ".", ".."):
            raise InputError(f"the plan names reference data {name!r}, which is not a file name")
        (out / "reference").mkdir(exist_ok=True)
        files[name] = "reference/" + _write_reference(reference(name), out / "reference")
    for plan in chosen.values():
        plan["reference_files"] = {name: files[name] for name in (plan.get("reference") or {}).values()}


def _write_reference(source: Path, folder: Path) -> str:
    """A Parquet reference file as a gzipped Arrow IPC stream; returns its file name.

    DuckDB-WASM reads Parquet only through an extension it would download from the internet;
    an Arrow stream it reads itself, and the browser un-gzips it natively. Text columns are
    dictionary-encoded (an LA code repeats for every postcode of the LA).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(source)
    for i, column in enumerate(table.schema):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            table = table.set_column(i, column.name, pc.dictionary_encode(table.column(i)))
    name = source.stem + ".arrows.gz"
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    with gzip.open(folder / name, "wb", compresslevel=6) as f:
        f.write(sink.getvalue().to_pybytes())
    return name
