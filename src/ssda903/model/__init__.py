"""The 903 common model: tables, columns, types and code lists for every year.

Everything here is read from one data file, ``ssda903.yaml`` beside this module.
No other part of the package keeps its own list of tables, columns or codes.

>>> m = load_model()
>>> m.is_valid_code("Header", "SEX", "M", "2024/25")
True
>>> m.is_valid_code("Header", "SEX", "1", "2024/25")
False
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ssda903 import cache
from ssda903.model.years import CollectionYear, YearError, supported_years

__all__ = [
    "Code",
    "CollectionYear",
    "Column",
    "Model",
    "Table",
    "YearError",
    "load_model",
    "parse_yaml",
    "supported_years",
]

YearLike = str | int | CollectionYear

#: How each model type is held in the typed views.
KIND_OF_TYPE = {
    "date": "date",
    "int": "int",
    "decimal": "decimal",
    "code": "code",
    "flag": "code",
    "upn": "code",
    "postcode": "code",
    "urn": "code",
    "child_id": "id",
    "sw_id": "id",
    "partial_date": "id",
}


def _year_or_none(value: Any) -> CollectionYear | None:
    return None if value in (None, "", "all") else CollectionYear.parse(str(value))


@dataclass(frozen=True)
class Validity:
    """The collection years something is valid in; ``None`` means open-ended."""

    valid_from: CollectionYear | None = None
    valid_to: CollectionYear | None = None

    def covers(self, year: CollectionYear) -> bool:
        if self.valid_from is not None and year < self.valid_from:
            return False
        return not (self.valid_to is not None and year > self.valid_to)

    @classmethod
    def of(cls, spec: dict[str, Any]) -> Validity:
        return cls(_year_or_none(spec.get("valid_from_year")), _year_or_none(spec.get("valid_to_year")))


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    validity: Validity
    note: str = ""


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    type: str
    blank: str
    description: str
    xml_element: str | None
    codes: tuple[Code, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    derived: bool = False
    xml_only: bool = False

    @property
    def kind(self) -> str:
        """``date``, ``int``, ``decimal``, ``code`` or ``id``: how the typed view holds it."""
        return KIND_OF_TYPE[self.type]

    def codes_in(self, year: CollectionYear) -> list[Code]:
        return [c for c in self.codes if c.validity.covers(year)]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    validity: Validity
    csv_columns: tuple[str, ...]
    columns: dict[str, Column] = field(default_factory=dict)
    xml_parent: str = ""

    def column(self, name: str) -> Column:
        try:
            return self.columns[name]
        except KeyError:
            raise KeyError(f"{self.name} has no column {name!r}") from None

    @property
    def data_columns(self) -> list[Column]:
        """The columns a CSV file of this table carries, in the DfE order."""
        return [self.columns[c] for c in self.csv_columns]


class Model:
    """Answers questions about the 903 data model for any supported year."""

    def __init__(self, spec: dict[str, Any]):
        self.meta: dict[str, Any] = spec.get("meta", {})
        self.types: dict[str, Any] = spec.get("types", {})
        self.decisions: list[dict[str, str]] = spec.get("decisions", [])
        self.meanings: dict[str, dict[str, Any]] = spec.get("meanings", {})
        self._tables: dict[str, Table] = {}
        for name, t in spec["tables"].items():
            columns: dict[str, Column] = {}
            sections = (("columns", False, False), ("derived_columns", True, False), ("xml_only_columns", False, True))
            for section, derived, xml_only in sections:
                for cname, c in (t.get(section) or {}).items():
                    columns[cname] = self._column(name, cname, c, derived=derived, xml_only=xml_only)
            self._tables[name] = Table(
                name=name,
                description=t.get("row", ""),
                validity=Validity.of(t),
                csv_columns=tuple(t["csv_columns"]),
                columns=columns,
                xml_parent=t.get("xml_parent", ""),
            )

    def _column(self, table: str, name: str, c: dict[str, Any], *, derived: bool, xml_only: bool) -> Column:
        codes = tuple(
            Code(str(k["code"]), k.get("label", ""), Validity.of(k), k.get("note", "")) for k in c.get("codes") or []
        )
        type_spec = self.types.get(c["type"], {})
        return Column(
            table=table,
            name=name,
            type=c["type"],
            blank=str(c.get("blank", "yes")),
            description=c.get("description", ""),
            xml_element=c.get("xml_element"),
            codes=codes,
            minimum=c.get("min"),
            maximum=c.get("max"),
            pattern=type_spec.get("pattern"),
            derived=derived,
            xml_only=xml_only,
        )

    # -- tables and columns -------------------------------------------------
    @property
    def all_tables(self) -> list[Table]:
        return list(self._tables.values())

    def table(self, name: str) -> Table:
        try:
            return self._tables[name]
        except KeyError:
            raise KeyError(f"the 903 has no table {name!r}; tables are {', '.join(self._tables)}") from None

    def tables(self, year: YearLike) -> list[Table]:
        """The tables collected in ``year``."""
        y = CollectionYear.parse(year)
        return [t for t in self._tables.values() if t.validity.covers(y)]

    def columns(self, table: str, year: YearLike) -> list[str]:
        """The CSV columns of ``table`` in ``year`` (empty when the table is not collected)."""
        t = self.table(table)
        return list(t.csv_columns) if t.validity.covers(CollectionYear.parse(year)) else []

    # -- code lists ---------------------------------------------------------
    def codes(self, table: str, column: str, year: YearLike) -> list[str]:
        """The codes valid for ``table.column`` in ``year``, in the model's order."""
        y = CollectionYear.parse(year)
        return [c.code for c in self.table(table).column(column).codes_in(y)]

    def is_valid_code(self, table: str, column: str, code: str, year: YearLike) -> bool:
        return code.strip().upper() in {c.upper() for c in self.codes(table, column, year)}

    def meaning(self, table: str, column: str, code: str) -> str | None:
        """The label of a code (in any year), or None when the code is unknown."""
        wanted = code.strip().upper()
        for c in self.table(table).column(column).codes:
            if c.code.upper() == wanted:
                return c.label
        return None

    def codelist_rows(self, year: YearLike) -> list[tuple[str, str, str, str]]:
        """Every (table, column, code, label) valid in ``year``: the ``codelist`` table rules read."""
        y = CollectionYear.parse(year)
        rows: list[tuple[str, str, str, str]] = []
        for t in self._tables.values():
            for col in t.columns.values():
                rows.extend((t.name, col.name, c.code, c.label) for c in col.codes_in(y))
        return rows

    def meaning_rows(self, year: YearLike) -> list[tuple[str, str]]:
        """Every (name, code) of the year-dependent meanings (``is_male`` …): the ``meaning`` table."""
        y = CollectionYear.parse(year)
        rows: list[tuple[str, str]] = []
        for name, m in self.meanings.items():
            table, _, column = m["column"].partition(".")
            valid = set(self.codes(table, column, y))
            for c in m["codes"]:
                if Validity.of(c).covers(y):
                    if str(c["code"]) not in valid:
                        raise ValueError(f"meaning {name}: {c['code']} is not a {m['column']} code in {y}")
                    rows.append((name, str(c["code"])))
        return rows

    def find_table_by_columns(self, names: set[str]) -> tuple[Table, float] | None:
        """The table whose CSV columns best match ``names`` (normalised upper-case names).

        Only the columns that tell tables apart count (every child-level file
        repeats CHILD and DOB). Returns the table and the share of those
        columns present, or None when no table has at least half of them.
        """
        shared = {"CHILD", "DOB", "SEX"}
        best: tuple[tuple[float, int], Table] | None = None
        for t in self._tables.values():
            own = set(t.csv_columns) - shared
            share = len(own & names) / len(own)
            score = (share, -len(names - set(t.csv_columns)))
            if share > 0 and (best is None or score > best[0]):
                best = (score, t)
        if best is None or best[0][0] < 0.5:
            return None
        return best[1], best[0][0]


def parse_yaml(text: str) -> Any:
    """YAML text as Python values, with the C parser where there is one. The parser is imported
    here, only when a file must be parsed: a run with its model and rules kept never needs it."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def load_model() -> Model:
    """The model, read once from the package's data file.

    Its parsed form is kept between runs (:mod:`ssda903.cache`), named by a digest of the file's
    text: importing the YAML parser and parsing the file took 0.02-0.04 s of every run."""
    text = resources.files("ssda903.model").joinpath("ssda903.yaml").read_text(encoding="utf-8")
    name = f"model-{hashlib.sha256(text.encode()).hexdigest()[:24]}.pickle"
    data = cache.read(name)
    if not isinstance(data, dict):
        data = parse_yaml(text)
        cache.keep(name, data, replaces="model-*.pickle")
    return Model(data)
