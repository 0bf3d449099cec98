"""Data objects placed by directives: tables and lists from the Dataset → model blocks."""
from __future__ import annotations

from collections.abc import Callable

from builder.data import ColumnSpec, DataTable, ListItemSpec, ListSpec
from builder.model import (BulletList, Cell, Definitions, Inline, ListItem, OrderedList, Paragraph, Source, Table,
                           TableRow, Text)

InlineParser = Callable[[str, str], tuple[Inline, ...]]


def table_block(table: DataTable, parse_inline: InlineParser, note: Callable[[str, str], Inline],
                origin: Source | None) -> Table:
    """A data table as a model Table: caption with its notes, header rows, typed body cells."""
    meta = table.meta
    caption = (Text(meta.title),) + tuple(note(text, meta.title) for text in meta.caption_notes)
    header, body = (_transposed if meta.transpose else _records)(table, note)
    return Table(id=table.id, caption=caption, header_rows=header, body_rows=body,
                 source=meta.source.text, source_url=meta.source.url, notes=meta.notes, origin=origin)


def _visible(table: DataTable) -> list[ColumnSpec]:
    group = table.meta.row_group
    return [c for c in table.meta.columns if not c.hidden and c.name != group]


def _cell(table: DataTable, row: dict, col: ColumnSpec) -> Cell:
    value = row[col.name]
    if value is None:
        return Cell(None, "missing")
    uncertain = bool(col.uncertain and row.get(col.uncertain))
    if col.type == "year":
        return Cell(value, "year", uncertain=uncertain)
    if col.numeric:
        return Cell(value, "number", col.decimals, uncertain)
    return Cell(str(value), "text")


def _header_cell(col: ColumnSpec, note: Callable[[str, str], Inline]) -> Cell:
    ref = note(col.note, col.label or col.name) if col.note else None
    return Cell(col.label or col.name, "text", note=ref)


def _records(table: DataTable, note) -> tuple[tuple[TableRow, ...], tuple[TableRow, ...]]:
    cols = _visible(table)
    header = tuple(_group_rows(table, cols)) + (TableRow(tuple(_header_cell(c, note) for c in cols)),)
    body: list[TableRow] = []
    group = table.meta.row_group
    current = object()
    for row in table.rows:
        if group and row[group] is not None and row[group] != current:
            current = row[group]
            body.append(TableRow((Cell(str(current), "text", colspan=len(cols)),), group=True))
        body.append(TableRow(tuple(_cell(table, row, c) for c in cols)))
    return header, tuple(body)


def _group_rows(table: DataTable, cols: list[ColumnSpec]) -> list[TableRow]:
    names = [c.name for c in cols]
    rows = []
    for level in table.meta.header_groups:
        cells: list[Cell] = []
        i = 0
        while i < len(names):
            group = next((g for g in level if g.columns[0] == names[i]), None)
            if group is None:
                cells.append(Cell("", "text"))
                i += 1
                continue
            span = len([n for n in group.columns if n in names])
            cells.append(Cell(group.label, "text", colspan=span))
            cells.extend(Cell("", "text", colspan=0) for _ in range(span - 1))
            i += span
        rows.append(TableRow(tuple(cells)))
    return rows


def _transposed(table: DataTable, note) -> tuple[tuple[TableRow, ...], tuple[TableRow, ...]]:
    key = table.meta.key
    keys = table.keys()
    head = (Cell(table.meta.stub_label, "text"),) + tuple(Cell(str(k), "text") for k in keys)
    body = []
    for col in _visible(table):
        if col.name == key:
            continue
        cells = tuple(_cell(table, row, col) for row in table.rows)
        body.append(TableRow((_header_cell(col, note),) + cells))
    return (TableRow(head),), tuple(body)


def list_block(spec: ListSpec, origin: Source | None):
    """A list from data/lists as a model list (hierarchical numbers, bullets or definitions)."""
    if spec.numbering == "definitions":
        return Definitions(tuple((_item(i).term, _item(i).definition) for i in spec.items), origin)
    return _list(spec.items, spec.numbering, "", origin)


def _item(item: ListItemSpec | str) -> ListItemSpec:
    return ListItemSpec(text=item) if isinstance(item, str) else item


def _list(items, numbering: str, prefix: str, origin: Source | None):
    out = []
    for n, raw in enumerate(items, start=1):
        item = _item(raw)
        label = f"{prefix}{n}." if numbering == "hierarchical" else ""
        blocks: tuple = (Paragraph((Text(item.text),)),)
        if item.items:
            blocks += (_list(item.items, numbering, f"{prefix}{n}." if numbering == "hierarchical" else "", None),)
        out.append(ListItem(blocks, label))
    if numbering == "bullet":
        return BulletList(tuple(out), origin)
    return OrderedList(tuple(out), 1, origin)
