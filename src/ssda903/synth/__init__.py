"""Synthetic SSDA903 returns: realistic, internally consistent, seeded, any size.

``generate(children, year, seed, out)`` writes a year's return for ``children``
children (every table of the year, as CSV, XLSX or XML), optionally last
year's return for the same children (``previous=True``, in ``out/previous``)
and, with ``error_rate`` R, realistic errors in about R of the children, each
listed in ``out/injected/manifest.csv`` with the rule that reports it. The
Ofsted provider list that the return's URNs come from is written to
``out/reference/ofsted_providers.csv``, for ``--providers``. Sub-folders are
not read when ``out`` is validated.

How it works: children are simulated in chunks (50,000 at a time) with numpy;
each child's care history is one time line (periods of care built from legal
status and placement events, reviews, missing incidents, social workers,
adoption decisions), and each year's tables are views of it, so last year's
open episodes reappear this year with the same start date and codes. Every
code comes from the model's code lists for the year; ``_weights`` says how
common each one is. The output is the same for the same arguments and seed.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ssda903.model import CollectionYear
from ssda903.synth import _errors
from ssda903.synth._providers import Settings
from ssda903.synth._tables import YearView
from ssda903.synth._world import Simulator
from ssda903.synth._writers import FILE_NAMES, open_sink

__all__ = ["FILE_NAMES", "SynthSummary", "generate"]

CHUNK = 50_000
FORMATS = ("csv", "xlsx", "xml")


@dataclass
class SynthSummary:
    """What ``generate`` wrote."""

    year: str
    children: int
    seed: int
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    previous_rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: children given an error, and children given only tolerated changes (lower case, padding, ISO dates)
    errors_injected: int = 0
    noise_injected: int = 0
    manifest: Path | None = None
    #: the Ofsted provider list (URN lookup) the return's URNs come from
    providers: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"{self.children:,} children, {self.year}, seed {self.seed}: {len(self.files)} files in {self.seconds:.1f}s"
        ]
        lines += [f"  {t}: {n:,} rows" for t, n in self.rows.items()]
        if self.previous_rows:
            lines.append("  previous year: " + ", ".join(f"{t} {n:,}" for t, n in self.previous_rows.items()))
        if self.manifest:
            lines.append(
                f"  errors injected in {self.errors_injected:,} children, tolerated changes in "
                f"{self.noise_injected:,} more (listed in {self.manifest.name})"
            )
        if self.providers:
            lines.append(f"  Ofsted provider list for --providers: {self.providers.parent.name}/{self.providers.name}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def write_providers(settings: Settings, path: Path) -> Path:
    """Write the Ofsted provider list of the generator's settings as CSV."""
    rows = settings.rows()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rng(seed: int, chunk: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, chunk, stream]))


def generate(
    children: int,
    year: str,
    seed: int,
    out: Path,
    *,
    previous: bool = False,
    error_rate: float = 0.0,
    fmt: str = "csv",
    la: str = "E09000027",
    chunk_size: int = CHUNK,
) -> SynthSummary:
    """Write a synthetic 903 return for ``children`` children to the folder ``out``.

    ``previous`` also writes last year's return for the same children in
    ``out/previous``. ``error_rate`` (0 to 1) injects errors in about that share
    of children and lists them in ``out/injected/manifest.csv`` (with a few tolerated
    changes, such as lower-case codes and ISO dates, marked ``tolerated``).
    ``fmt`` is ``csv``, ``xlsx`` or ``xml``. ``la`` is the authority's ONS code. The
    Ofsted provider list for the URN rules goes to ``out/reference/ofsted_providers.csv``.
    """
    t0 = time.perf_counter()
    if children < 1:
        raise ValueError("children must be at least 1")
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error_rate must be between 0 and 1")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    cy = CollectionYear.parse(year)
    out = Path(out)
    sim = Simulator(cy, la)
    cur_view = YearView(sim.cur, sim.home_la_number)
    summary = SynthSummary(year=str(cy), children=children, seed=seed)
    if cy != sim.cur.model_year:
        raise ValueError(f"collection year {cy} is not supported; choose one of the model's years")
    cur_cols = {t.name: cur_view.columns(t.name) for t in cur_view.model.tables(cy)}
    sink = open_sink(fmt, out, cur_cols, summary.warnings)
    prev_sink = None
    prev_view = None
    if previous:
        prev_view = YearView(sim.prev, sim.home_la_number)
        if sim.prev.year != sim.prev.model_year:
            summary.warnings.append(
                f"the model has no {sim.prev.year}; last year's return uses the {sim.prev.model_year} tables and codes"
            )
        prev_cols = {t.name: prev_view.columns(t.name) for t in prev_view.model.tables(sim.prev.model_year)}
        prev_sink = open_sink(fmt, out / "previous", prev_cols, summary.warnings)
    injector = _errors.Injector(cur_view, has_previous=previous) if error_rate > 0 else None
    manifest_fh = None
    manifest = None
    if injector is not None:
        summary.manifest = out / "injected" / "manifest.csv"
        summary.manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest_fh = open(summary.manifest, "w", newline="", encoding="utf-8")  # noqa: SIM115
        manifest = csv.writer(manifest_fh, lineterminator="\n")
        manifest.writerow(_errors.MANIFEST_COLUMNS)
    summary.providers = write_providers(sim.settings, out / "reference" / "ofsted_providers.csv")
    offsets = {t: 0 for t in cur_cols}
    prev_offsets: dict[str, int] = {}
    dolo = "DoLo" in cur_cols
    try:
        for i, first in enumerate(range(0, children, chunk_size)):
            n = min(chunk_size, children - first)
            world = sim.build(n, first, _rng(seed, i, 0), dolo=dolo)
            tables, extras = cur_view.build(world, _rng(seed, i, 1))
            if injector is not None and manifest is not None:
                tables, extras, edits, n_err, n_noise = injector.inject(
                    world, tables, extras, error_rate, _rng(seed, i, 3), offsets
                )
                manifest.writerows(edits)
                summary.errors_injected += n_err
                summary.noise_injected += n_noise
            sink.write(tables, extras)
            for t in cur_cols:
                offsets[t] += len(tables[t])
            if prev_sink is not None and prev_view is not None:
                ptables, pextras = prev_view.build(world, _rng(seed, i, 2))
                prev_sink.write(ptables, pextras)
                for t, rows in ptables.items():
                    prev_offsets[t] = prev_offsets.get(t, 0) + len(rows)
    finally:
        summary.files = sink.close()
        if prev_sink is not None:
            summary.files += prev_sink.close()
        if manifest_fh is not None:
            manifest_fh.close()
            summary.files.append(summary.manifest)  # type: ignore[arg-type]
    summary.files.append(summary.providers)
    summary.rows = offsets
    summary.previous_rows = prev_offsets
    summary.seconds = time.perf_counter() - t0
    return summary
