"""`exact_codes`: a rule reports the codes not written exactly as listed, wherever the value
checks found them (LOAD21), which must be the very cells whose text differs from the code read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ssda903.engine import rules_for_year
from ssda903.ingest import load
from ssda903.rules import Rule
from ssda903.synth import generate


def _mangle(text: str, columns: set[str]) -> str:
    """Every third value of ``columns`` padded, lower-cased or both (a CSV's cells, an XML's elements)."""
    n = 0

    def bend(value: str) -> str:
        nonlocal n
        n += 1
        return [value, f" {value}", value.lower(), f"{value.lower()}\t"][n % 4] if n % 3 == 0 else value

    def element(m: re.Match[str]) -> str:
        return f"<{m[1]}>{bend(m[2])}</{m[1]}>"

    if text.lstrip().startswith("<"):
        return re.sub(rf"<({'|'.join(columns)})>([^<]*)</\1>", element, text)
    lines = text.split("\n")
    head = lines[0].split(",")
    bent = [i for i, c in enumerate(head) if c in columns]
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        for i in bent:
            if i < len(cells) and cells[i]:
                cells[i] = bend(cells[i])
        out.append(",".join(cells))
    return "\n".join(out)


def _text_differs(rule: Rule) -> str:
    """The definition: the row's text given in an exact column differs from the code read there."""
    table = rule.tables[0]
    differs = " OR ".join(f"(t.{c} IS NOT NULL AND r.{c} <> t.{c})" for c in rule.exact_codes)
    return f"SELECT r._id FROM raw.{table} r JOIN main.{table} t USING (_id) WHERE {differs}"


@pytest.mark.parametrize(("year", "fmt"), [("2024/25", "csv"), ("2024/25", "xml"), ("2022/23", "csv")])
def test_a_rule_reports_exactly_the_codes_whose_text_differs_from_the_code_read(
    tmp_path: Path, year: str, fmt: str
) -> None:
    rules = [r for r in rules_for_year(year) if r.exact_codes]
    assert len(rules) >= 20
    generate(300, year, 7, tmp_path, previous=True, error_rate=0.3, fmt=fmt)
    columns = {c for r in rules for c in r.exact_codes}
    for f in [*tmp_path.iterdir(), *(tmp_path / "previous").iterdir()]:
        if f.suffix in (".csv", ".xml"):
            f.write_text(_mangle(f.read_text(encoding="utf-8"), columns), encoding="utf-8")
    ds = load(tmp_path, year, tmp_path / "previous", la="E09000027")
    con = ds.con
    bent = 0
    for r in rules:
        if not ds.has(r.tables[0]):
            continue
        expected = {i for (i,) in con.execute(_text_differs(r)).fetchall()}
        exact_part = r.sql.split("-- codes not written exactly as listed (exact_codes)\n")[1]
        got = {i for (i,) in con.execute(exact_part).fetchall()}
        assert got == expected, r.code
        bent += len(expected)
    assert bent > 100  # the mangling reached the rules' columns
