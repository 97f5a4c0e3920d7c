"""DfE 903 XML returns (root ``EXPSSDA903``), read as a stream.

The layout (see ``903-xml-format.md`` and the model's ``xml_parent`` and
``xml_element`` entries)::

    EXPSSDA903 / CHILD / HEADER            → Header (+ the XML-only UASC flag), and
                                             UASC, AD1, OC3 from HEADER items when given
    EXPSSDA903 / CHILD / HEADER / AREVIEW  → Reviews (AMISSING → Missing, OC2 → OC2,
                                             PERMANENCE → PrevPerm, AD_PLACED → PlacedAdoption)
    EXPSSDA903 / CHILD / EPISODE           → Episodes (PL → PLACE)

CHILD and DOB (and SEX for UASC) come from the child's HEADER. Social worker
episodes and DoLOs have no published XML form; following the model's
decisions, a group named SW_EPISODE or DOLO, or any group whose elements are
that table's column names, is read into SWEpisodes or DoLo.

lxml parses one CHILD at a time and each is cleared once read, so memory
stays flat for any size. Rows are collected in Arrow batches and staged in
DuckDB; each table is then appended once. ``_line`` is the line of the row's
element (the EPISODE, the AREVIEW, the HEADER …); rows keep document order.
An empty, whitespace-only or omitted element is blank (None); other text is
kept exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

from ssda903.dataset import Dataset
from ssda903.ingest.columns import SYSTEM_COLUMNS
from ssda903.model import Table, load_model
from ssda903.problems import LoadProblem
from ssda903.sqltext import quote

ROOT = "EXPSSDA903"
BATCH = 20_000
#: the groups the model's decisions block names for tables with no published XML form
DECIDED_GROUPS = {"SW_EPISODE": "SWEpisodes", "DOLO": "DoLo"}
#: the tables the format carries: supplied by every 903 XML file, even with no rows
CARRIED = ("Header", "Episodes", "Reviews", "UASC", "OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm", "Missing")
#: tables built from HEADER items (not from a group of their own), and the items that make a row
HEADER_ITEM_TABLES = ("UASC", "AD1", "OC3")
#: other XML formats an analyst might pick up by mistake, by root element
OTHER_FORMATS = {
    "Message": "the children in need (CIN) census",
    "CSWW": "the children's social work workforce census",
}


def _local(tag: Any) -> str:
    """The element name without a namespace; '' for comments and processing instructions."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _element_name(spec: str | None) -> str | None:
    """``"CHILDID (in HEADER)"`` → ``CHILDID``; None when the model names no element."""
    if not spec:
        return None
    m = re.match(r"[A-Z][A-Z0-9_]*", spec.strip())
    return m.group(0) if m else None


SHARED_COLUMNS = ("CHILD", "DOB", "SEX")


@dataclass
class _Layout:
    """How the XML elements map onto the model's tables, worked out once from the model.

    Every element name is held with the document's namespace in front (``prefix``;
    empty for the DfE files, which have none), so lxml's tags match as they are.
    """

    prefix: str = ""
    #: group element (under CHILD or HEADER) → table
    groups: dict[str, str] = field(default_factory=dict)
    #: table → {element → column}, for every column the table reads
    elements: dict[str, dict[str, str]] = field(default_factory=dict)
    #: table → {element → column}, without CHILD, DOB and SEX (a group's rows take those from HEADER)
    own: dict[str, dict[str, str]] = field(default_factory=dict)
    #: table → the columns of CHILD, DOB and SEX it has
    shared: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: HEADER leaf elements some table reads
    header_items: set[str] = field(default_factory=set)


@cache
def _layout(prefix: str = "") -> _Layout:
    model = load_model()
    layout = _Layout(prefix)
    for t in model.all_tables:
        parent = t.xml_parent.strip()
        if parent == "CHILD/EPISODE":
            layout.groups[prefix + "EPISODE"] = t.name
        elif m := re.fullmatch(r"CHILD/HEADER/([A-Z][A-Z0-9_]*)", parent):
            layout.groups[prefix + m.group(1)] = t.name
        names: dict[str, str] = {}
        for c in t.columns.values():
            if c.derived:
                continue
            names[prefix + c.name] = c.name  # the CSV spelling is accepted too
            element = _element_name(c.xml_element)
            if element:
                names[prefix + element] = c.name
        layout.elements[t.name] = names
        layout.own[t.name] = {k: v for k, v in names.items() if v not in SHARED_COLUMNS}
        layout.shared[t.name] = tuple(c for c in SHARED_COLUMNS if c in t.columns)
    for group, table in DECIDED_GROUPS.items():
        layout.groups.setdefault(prefix + group, table)
    for name in ("Header", *HEADER_ITEM_TABLES):
        layout.header_items |= set(layout.elements[name])
    return layout


class _Staged:
    """One table's rows: buffered in Python, flushed to a DuckDB staging table in Arrow batches."""

    def __init__(self, ds: Dataset, table: Table, staging: str):
        self.ds = ds
        self.table = table.name
        self.columns = [c.name for c in table.columns.values() if not c.derived]
        self.staging = staging
        self.extras: dict[str, str] = {}  # element name → staging column
        self.rows: list[dict[str, str | None]] = []
        self.lines: list[int] = []
        self.count = 0
        cols = ", ".join(f"{quote(c)} VARCHAR" for c in self.columns)
        ds.con.execute(f"CREATE OR REPLACE TEMP TABLE {staging} (_row BIGINT, _line BIGINT, {cols})")

    def add(self, values: dict[str, str | None], line: int) -> None:
        self.rows.append(values)
        self.lines.append(line)
        if len(self.rows) >= BATCH:
            self.flush()

    def add_extra(self, element: str) -> str:
        """A column for an element the model does not know; returns the key rows use for it."""
        key = f"\x00{element}"
        if key not in self.extras:
            column = f"e{len(self.extras)}"
            self.extras[key] = column
            self.ds.con.execute(f"ALTER TABLE {self.staging} ADD COLUMN {column} VARCHAR")
        return key

    def flush(self) -> None:
        if not self.rows:
            return
        n = len(self.rows)
        keys = self.columns + list(self.extras)
        batch = pa.Table.from_pylist(self.rows, schema=pa.schema([(k, pa.string()) for k in keys]))
        batch = batch.rename_columns(self.columns + list(self.extras.values()))
        batch = batch.append_column("_row", pa.array(range(self.count, self.count + n), pa.int64()))
        batch = batch.append_column("_line", pa.array(self.lines, pa.int64()))
        self.ds.con.register("_xml_batch", batch)
        try:
            self.ds.con.execute(f"INSERT INTO {self.staging} BY NAME SELECT * FROM _xml_batch")
        finally:
            self.ds.con.unregister("_xml_batch")
        self.count += n
        self.rows, self.lines = [], []

    def append(self, period: str, file: str, copied: tuple[str, ...]) -> None:
        self.flush()
        extras = {}
        for key, column in self.extras.items():
            label = key[1:]
            if label.lower() in SYSTEM_COLUMNS or label.upper() in self.columns:
                label = f"{label} (element)"
            extras[label] = column
        self.ds.append(
            period,
            self.table,
            self.staging,
            file=file,
            columns={c: c for c in self.columns},
            extras=extras,
            copied=copied,
        )

    def drop(self) -> None:
        self.ds.con.execute(f"DROP TABLE IF EXISTS {self.staging}")


def _has_elements(el: Any) -> bool:
    """True for a group; comments and unexpanded entities inside an item do not make it one."""
    return bool(len(el)) and any(isinstance(c.tag, str) for c in el)


def _text(text: str | None) -> str | None:
    """An element's text as kept in raw: exactly as written, except that whitespace alone is blank."""
    return None if not text or text.isspace() else text


class _Reader:
    """Turns CHILD elements into rows of every table.

    The loop over a child's elements is the hot path of XML loading: known
    elements are looked up directly; anything unusual (comments, other
    namespaces, elements the model does not know) takes the slow path.
    """

    def __init__(self, ds: Dataset, period: str, file: str, prefix: str):
        self.ds = ds
        self.period = period
        self.file = file
        self.layout = _layout(prefix)
        self.header_tag = prefix + "HEADER"
        self.child_tag = prefix + "CHILD"
        self.uasc_tag = prefix + "UASC"
        self.model = load_model()
        self.staged: dict[str, _Staged] = {}
        self.reported: set[tuple[str, str]] = set()
        self.unknown_groups: dict[str, str | None] = {}
        self.children = 0
        # the tables the format carries are supplied even when no child has a row for them
        for name in CARRIED:
            self._stage(name)
        self.header = self.staged["Header"]
        self.header_names = self.layout.elements["Header"]
        self.items = [(t, self.layout.own[t], self.layout.shared[t], self.staged[t]) for t in HEADER_ITEM_TABLES]

    def _stage(self, table: str) -> _Staged:
        if table not in self.staged:
            self.staged[table] = _Staged(self.ds, self.model.table(table), f"_xml_{table}")
        return self.staged[table]

    def _warn(
        self, code: str, key: tuple[str, str], message: str, line: int | None, table: str = "", column: str = ""
    ) -> None:
        if key in self.reported:
            return
        self.reported.add(key)
        self.ds.add_problem(
            LoadProblem(code, message, file=self.file, line=line, table=table, column=column, period=self.period)
        )

    def child(self, element: Any) -> None:
        self.children += 1
        headers = []
        others = []
        for el in element:
            if el.tag == self.header_tag:
                headers.append(el)
            else:
                others.append(el)
        shared = self._header(headers[0] if headers else None, element)
        for extra in headers[1:]:
            # The format has one HEADER per CHILD. A second one is read as the header of a child of
            # its own; when it names the same child, the repeated Header row says so (LOAD19).
            own = self._header(extra, extra)
            if own["CHILD"] != shared["CHILD"]:
                self.ds.add_problem(
                    LoadProblem(
                        "LOAD16",
                        f"The <CHILD> on line {element.sourceline} holds a second <HEADER>, for child "
                        f"{own['CHILD']!r}; it is read as a child of its own, and the CHILD's other elements "
                        f"go with the first HEADER (child {shared['CHILD']!r}). Give each child its own <CHILD>.",
                        file=self.file,
                        line=extra.sourceline,
                        table="Header",
                        period=self.period,
                        child=own["CHILD"],
                    )
                )
        for el in others:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            if tag in self.layout.groups or (len(el) and _has_elements(el)):
                self._group(el, shared)
            else:
                local = _local(tag)
                self._warn(
                    "LOAD16",
                    ("CHILD", local),
                    f"<{local}> directly under CHILD is not part of the 903 XML format; it was ignored.",
                    el.sourceline,
                )

    def _header(self, header: Any, at: Any) -> dict[str, str | None]:
        """One HEADER (None when the CHILD has none; ``at`` then gives the line): its Header row,
        the rows built from its items and the groups inside it. Returns the child's CHILD, DOB and
        SEX as written there, which every other table of the child takes."""
        items: dict[Any, str | None] = {}
        item_elements: dict[Any, Any] = {}
        groups = []
        repeated = []
        if header is not None:
            for el in header:
                tag = el.tag
                if len(el) and _has_elements(el):
                    groups.append(el)
                elif tag in items:
                    repeated.append(el)
                else:
                    text = el.text
                    items[tag] = None if not text or text.isspace() else text
                    item_elements[tag] = el
        header_row = self.header.count + len(self.header.rows)
        row = self._header_row(items, item_elements, header if header is not None else at)
        shared = {c: row.get(c) for c in SHARED_COLUMNS}
        for el in repeated:
            if isinstance(el.tag, str):  # comments repeat freely
                table = self._table_of_item(el.tag)
                self._repeated(el, table, "HEADER", shared["CHILD"], row=header_row if table == "Header" else None)
        self._item_tables(items, item_elements, shared)
        for el in groups:
            self._group(el, shared)
        return shared

    def _table_of_item(self, tag: str) -> str:
        for table, own, _, _ in self.items:
            if tag in own:
                return table
        return "Header"

    def _repeated(
        self, el: Any, table: str, parent: str, child: str | None, column: str = "", row: int | None = None
    ) -> None:
        """An element given again where the format holds it once: the first is used, this one is reported.

        ``row`` is the table's row it belongs to; by default the row being built."""
        local = _local(el.tag)
        staged = self.staged[table]
        self.ds.add_problem(
            LoadProblem(
                "LOAD05",
                f"<{local}> is given more than once in this <{parent}>; the first is used and this one "
                f"({_text(el.text)!r}) is not. Keep one.",
                file=self.file,
                line=el.sourceline,
                column=column or local,
                value=_text(el.text),
                table=table,
                period=self.period,
                row=staged.count + len(staged.rows) if row is None else row,
                child=child,
            )
        )

    def _header_row(self, items: dict[Any, str | None], elements: dict[Any, Any], header: Any) -> dict[str, str | None]:
        names = self.header_names
        row: dict[str, str | None] = {}
        for tag, text in items.items():
            column = names.get(tag)
            if column is None and tag not in self.layout.header_items and isinstance(tag, str):
                local = _local(tag)
                column = names.get(self.layout.prefix + local)  # an element in another namespace than the root's
                if column is None:
                    column = self.header.add_extra(local)
                    self._warn(
                        "LOAD04",
                        ("Header", local),
                        f"<{local}> in HEADER is not part of the 903 XML format; it is kept with Header but not validated.",
                        elements[tag].sourceline,
                        table="Header",
                        column=local,
                    )
            if column is None:
                continue
            if column in row:  # CHILDID and CHILD both given, or one item in two namespaces
                self._repeated(elements[tag], "Header", "HEADER", row.get("CHILD"), column.lstrip("\x00"))
                continue
            row[column] = text
        self.header.add(row, header.sourceline)
        return row

    def _item_tables(
        self, items: dict[Any, str | None], elements: dict[Any, Any], shared: dict[str, str | None]
    ) -> None:
        for table, own, shared_columns, staged in self.items:
            given = [tag for tag in own if items.get(tag) is not None]
            if table == "UASC":
                flag = items.get(self.uasc_tag)
                if given:
                    line = elements[given[0]].sourceline
                elif flag is not None and flag.strip() == "1":
                    line = elements[self.uasc_tag].sourceline
                else:
                    continue
            elif given:
                line = min(elements[tag].sourceline for tag in given)
            else:
                continue
            row = {column: items[tag] for tag, column in own.items() if tag in items}
            for column in shared_columns:
                row[column] = shared[column]
            staged.add(row, line)

    def _table_of_group(self, el: Any) -> str | None:
        tag = el.tag
        if tag in self.unknown_groups:
            return self.unknown_groups[tag]
        local = _local(tag)
        table = self.layout.groups.get(self.layout.prefix + local)
        if table is None:
            # elements named like a table's CSV columns (how SWEpisodes and DoLo might arrive)
            leaves = {_local(c.tag) for c in el if isinstance(c.tag, str) and not _has_elements(c)}
            found = self.model.find_table_by_columns(leaves)
            table = found[0].name if found else None
        if table is None:
            self._warn(
                "LOAD16",
                ("group", local),
                f"<{local}> is not part of the 903 XML format; it was ignored.",
                el.sourceline,
            )
        self.unknown_groups[tag] = table
        return table

    def _group(self, el: Any, shared: dict[str, str | None]) -> None:
        table = self.layout.groups.get(el.tag) or self._table_of_group(el)
        if table is None:
            return
        staged = self.staged.get(table) or self._stage(table)
        own = self.layout.own[table]
        row: dict[str, str | None] = {}
        for c in el:
            column = own.get(c.tag)
            if column is None:
                column = self._unusual(c, el, table, staged)
                if column is None:
                    continue
            if column in row:
                self._repeated(c, table, _local(el.tag), shared["CHILD"], column.lstrip("\x00"))
                continue
            text = c.text
            row[column] = None if not text or text.isspace() else text
        for column in self.layout.shared[table]:
            row[column] = shared[column]
        staged.add(row, el.sourceline)

    def _unusual(self, c: Any, group: Any, table: str, staged: _Staged) -> str | None:
        """An element inside a group that is not one of the table's own columns: the row's key to
        keep its text under, or None when it is not kept."""
        if not isinstance(c.tag, str):
            return None  # a comment or processing instruction
        local = _local(c.tag)
        prefixed = self.layout.prefix + local
        group_name = _local(group.tag)
        if prefixed in self.layout.elements[table]:
            column = self.layout.elements[table][prefixed]
            if column not in SHARED_COLUMNS:  # an element in another namespace than the root's
                return column
            # CHILD, DOB or SEX inside a group: the child's are in HEADER, and every table takes those
            if _text(c.text) is not None:
                self._warn(
                    "LOAD16",
                    ("shared", f"{group_name}/{local}"),
                    f"<{local}> inside <{group_name}> is not part of the 903 XML format; it was ignored, "
                    f"and the {column} given in the child's HEADER is used.",
                    c.sourceline,
                    table=table,
                    column=column,
                )
            return None
        if _has_elements(c):
            self._warn(
                "LOAD16",
                ("nested", f"{group_name}/{local}"),
                f"<{local}> inside <{group_name}> is not part of the 903 XML format; it was ignored.",
                c.sourceline,
                table=table,
            )
            return None
        self._warn(
            "LOAD04",
            (table, local),
            f"<{local}> in <{group_name}> is not part of {table}; it is kept but not validated.",
            c.sourceline,
            table=table,
            column=local,
        )
        return staged.add_extra(local)

    def outside(self, el: Any) -> None:
        """An element directly under the root: a CHILD already read, or something else, which is ignored."""
        tag = el.tag
        if not isinstance(tag, str) or tag == self.child_tag:
            return
        local = _local(tag)
        inside = sum(1 for _ in el.iter(self.child_tag))
        held = f"; the {inside:,} <CHILD> element(s) inside it were not read" if inside else ""
        self._warn(
            "LOAD16",
            ("root", local),
            f"<{local}> directly under <{ROOT}> is not part of the 903 XML format; it was ignored{held}. "
            f"Each child is a <CHILD> directly under <{ROOT}>.",
            el.sourceline,
        )

    def finish(self) -> None:
        for table, staged in self.staged.items():
            # every table but Header takes CHILD, DOB and SEX from the child's HEADER: copies, checked there
            staged.append(self.period, self.file, () if table == "Header" else self.layout.shared[table])

    def drop(self) -> None:
        for staged in self.staged.values():
            staged.drop()


def _root(path: Path) -> tuple[str, str, int] | None:
    """The root element's name, namespace prefix and line, reading no further; None for an empty document."""
    for _event, el in etree.iterparse(
        str(path), events=("start",), resolve_entities=False, no_network=True, load_dtd=False
    ):
        tag = el.tag
        return _local(tag), tag[: tag.index("}") + 1] if tag.startswith("{") else "", el.sourceline
    return None


def load_xml(ds: Dataset, path: Path, *, period: str, display: str | None = None) -> None:
    """Load one DfE 903 XML file into ``ds``; every problem becomes a LoadProblem."""
    name = display or str(path)

    def problem(code: str, message: str, line: int | None = None) -> None:
        ds.add_problem(LoadProblem(code, message, file=name, line=line, period=period))

    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        problem("LOAD01", f"The file could not be opened ({e.strerror or e}).")
        return
    if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
        problem("LOAD10", "The file has no content at all.")
        return
    try:
        root = _root(path)
    except etree.XMLSyntaxError as e:
        text = str(e)
        if "Start tag expected" in text or "Document is empty" in text:
            problem(
                "LOAD01",
                f"This is not an XML file ({_message(e)}); a 903 XML file starts with <{ROOT}>.",
                e.lineno or None,
            )
        else:
            problem("LOAD01", f"The XML is not well-formed: {_message(e)}.", e.lineno or None)
        return
    except OSError as e:
        problem("LOAD01", f"The file could not be read ({e}).")
        return
    if root is None:
        problem("LOAD10", "The file has no XML elements.")
        return
    tag, prefix, line = root
    if tag != ROOT:
        other = OTHER_FORMATS.get(tag)
        what = f" It looks like {other} return." if other else ""
        ds.add_problem(
            LoadProblem(
                "LOAD11", f"The root element is <{tag}>, not <{ROOT}>.{what}", file=name, line=line, period=period
            )
        )
        return

    reader = _Reader(ds, period, name, prefix)
    try:
        try:
            parsed = etree.iterparse(
                str(path),
                events=("end",),
                tag="{*}CHILD",
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=True,
            )
            for _event, el in parsed:
                parent = el.getparent()
                if parent is None or _local(parent.tag) != ROOT:
                    continue  # a CHILD nested somewhere else: reported with the element holding it
                reader.child(el)
                el.clear(keep_tail=False)
                while el.getprevious() is not None:
                    reader.outside(parent[0])
                    del parent[0]
            if parsed.root is not None:
                for el in parsed.root:
                    reader.outside(el)
        except etree.XMLSyntaxError as e:
            n = reader.children
            problem(
                "LOAD01",
                f"The XML is not well-formed: {_message(e)}. The {n:,} {'child' if n == 1 else 'children'} "
                "before that point were loaded; the rest of the file was not.",
                e.lineno or None,
            )
        reader.finish()
    finally:
        reader.drop()


def _message(e: etree.XMLSyntaxError) -> str:
    text = (e.msg or str(e)).strip()
    return re.sub(r",? line \d+, column \d+.*$", "", text).rstrip(".")
