"""Data objects placed by directives: tables and lists from the Dataset → model blocks."""
from __future__ import annotations

from collections.abc import Callable

from builder.readers.data import ColumnSpec, DataTable, ListItemSpec, ListSpec
from builder.model import (BulletList, Cell, Definitions, Inline, ListItem, OrderedList, Paragraph, Source, Table,
                           TableRow, Text)

InlineParser = Callable[[str, str], tuple[Inline, ...]]


HEADNOTE_ROWS = 5  # a text column with one value in every row of a table this long goes to the headnote


def table_block(table: DataTable, parse_inline: InlineParser, note: Callable[[str, str], Inline],
                source: Source | None) -> Table:
    """A data table as a model Table: caption with its notes, headnote, header rows, typed body cells."""
    meta = table.meta
    caption = (Text(meta.title),) + tuple(note(text, meta.title) for text in meta.caption_notes)
    constant = _constant_columns(table)
    if meta.transpose:
        header, body = _transposed(table, note)
    else:
        header, body = _records(table, note, [c for c in _visible(table) if c not in constant])
    headnote = "; ".join(f"{_label(c)}: {table.rows[0][c.name]}" for c in constant)
    return Table(id=table.id, caption=caption, header_rows=header, body_rows=body, headnote=headnote,
                 citation=meta.source.text, source_url=meta.source.url, notes=meta.notes, source=source)


def _visible(table: DataTable) -> list[ColumnSpec]:
    """The columns shown: not hidden, not the row-group column, not blank in every row."""
    group, key = table.meta.row_group, table.meta.key
    return [c for c in table.meta.columns if not c.hidden and c.name != group
            and (c.name == key or not table.rows or any(r[c.name] is not None for r in table.rows))]


def _constant_columns(table: DataTable) -> list[ColumnSpec]:
    """Text columns that say the same thing in every row: said once, in the headnote."""
    if table.meta.transpose or len(table.rows) < HEADNOTE_ROWS:
        return []
    cols = _visible(table)
    same = [c for c in cols if c.type == "text" and c.name != table.meta.key and table.rows[0][c.name] is not None
            and all(r[c.name] == table.rows[0][c.name] for r in table.rows)]
    return same if len(cols) - len(same) >= 2 else []


def _label(col: ColumnSpec) -> str:
    return (col.label or col.name).strip()


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


def _records(table: DataTable, note, cols: list[ColumnSpec]) -> tuple[tuple[TableRow, ...], tuple[TableRow, ...]]:
    head = [_header_cell(c, note) for c in cols]
    if cols and not _label(cols[0]):  # the stub head says what the rows are
        head[0] = Cell(table.meta.stub_label or cols[0].name.replace("_", " ").capitalize(), "text",
                       note=head[0].note)
    header = tuple(_group_rows(table, cols)) + (TableRow(tuple(head)),)
    body: list[TableRow] = []
    group = table.meta.row_group
    current = object()
    for row in table.rows:
        if group and row[group] is not None and row[group] != current:
            current = row[group]
            body.append(TableRow((Cell(str(current), "text", colspan=len(cols)),), group=True))
        cells = tuple(_cell(table, row, c) for c in cols)
        body.append(TableRow(cells, level=1 if group else 0, total=_is_total(cells)))
    return header, tuple(body)


TOTAL_WORDS = ("total", "всего", "итого")


def _is_total(cells: tuple[Cell, ...]) -> bool:
    """A row whose stub says it is the total ("Total", "Total for 5 years")."""
    return bool(cells) and cells[0].kind == "text" and str(cells[0].value).strip().lower().startswith(TOTAL_WORDS)


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
    cols = [c for c in _visible(table) if c.name != key]
    rows = [r for r in table.rows if any(r[c.name] is not None for c in cols)]  # no all-blank column
    head = (Cell(table.meta.stub_label or "Indicator", "text"),) + tuple(Cell(str(r[key]), "text") for r in rows)
    body = []
    for col in cols:
        cells = tuple(_cell(table, row, col) for row in rows)
        body.append(TableRow((_header_cell(col, note),) + cells, level=col.level, total=col.total))
    return (TableRow(head),), tuple(body)


def list_block(spec: ListSpec, source: Source | None):
    """A list from data/lists as a model list (hierarchical numbers, bullets or definitions)."""
    if spec.numbering == "definitions":
        return Definitions(tuple((_item(i).term, _item(i).definition) for i in spec.items), source)
    return _list(spec.items, spec.numbering, "", source)


def _item(item: ListItemSpec | str) -> ListItemSpec:
    return ListItemSpec(text=item) if isinstance(item, str) else item


def _list(items, numbering: str, prefix: str, source: Source | None):
    out = []
    for n, raw in enumerate(items, start=1):
        item = _item(raw)
        label = f"{prefix}{n}." if numbering == "hierarchical" else ""
        blocks: tuple = (Paragraph((Text(item.text),)),)
        if item.items:
            blocks += (_list(item.items, numbering, f"{prefix}{n}." if numbering == "hierarchical" else "", None),)
        out.append(ListItem(blocks, label))
    if numbering == "bullet":
        return BulletList(tuple(out), source)
    return OrderedList(tuple(out), 1, source)
