"""Model → model passes: number headings, tables and figures; number footnotes in order of their marks."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from builder.errors import Diagnostics
from builder.model import (BulletList, Cell, CrossRef, Document, Emphasis, Figure, FootnoteRef, Heading, Inline, Link,
                           ListItem, OrderedList, Paragraph, Quote, Strong, Superscript, Table, TableOfContents,
                           TableRow,
                           inline_text, walk)


def number_document(doc: Document, diag: Diagnostics) -> Document:
    """Chapters 1, 2 …; sections 6.1 …; tables 6.2.1 (chapter.section.index); figures 1, 2 … (a chart left out
    for missing data takes no number); footnotes 1 … ."""
    blocks = [replace(b, title=doc.labels["contents"]) if isinstance(b, TableOfContents) else b
              for b in _number_blocks(doc.blocks)]
    blocks = _resolve_crossrefs(blocks, doc.labels)
    blocks, footnotes = _number_footnotes(blocks, doc.footnotes, diag)
    return replace(doc, blocks=tuple(blocks), footnotes=footnotes)


def _number_blocks(blocks) -> list:
    counters = [0, 0, 0]
    table_index: dict[str, int] = {}
    figures = 0
    out = []
    for block in blocks:
        match block:
            case Heading(level=level, numbered=True) if level <= 3:
                counters[level - 1] += 1
                counters[level:] = [0] * (3 - level)
                number = ".".join(str(n) for n in counters[:level])
                out.append(replace(block, number=number, id=_slug("sec", number)))
            case Heading():
                out.append(replace(block, id=_slug("sec", inline_text(block.inlines))))
            case Table(id=table_id) if table_id:
                scope = ".".join(str(n) for n in counters[:2] if n)
                table_index[scope] = table_index.get(scope, 0) + 1
                out.append(replace(block, number=f"{scope}.{table_index[scope]}" if scope else
                                   str(table_index[scope])))
            case Figure(missing_note=note) if note:
                out.append(block)  # left out for missing data: no number, not placed
            case Figure():
                figures += 1
                out.append(replace(block, number=str(figures)))
            case _:
                out.append(block)
    return out


def _resolve_crossrefs(blocks, labels) -> list:
    """[table](#id) → "table 6.1.2": the link text (or the kind) and the number of the table or figure."""
    from builder.errors import BuildError
    targets = {b.id: (labels["table"] if isinstance(b, Table) else labels["figure"], b.number)
               for b in walk(tuple(blocks)) if isinstance(b, (Table, Figure)) and b.id}
    left_out = {b.id for b in walk(tuple(blocks)) if isinstance(b, Figure) and b.missing_note}
    out = []
    for block in blocks:
        def resolve(node: Inline, block=block) -> Inline:
            if not isinstance(node, CrossRef):
                return node
            if node.target in left_out:
                raise BuildError(f"cross-reference to figure '#{node.target}', which is left out (data missing)",
                                 getattr(block, "source", None), "refer to it in words, or supply its data")
            if node.target not in targets:
                known = ", ".join(sorted(targets)[:10])
                raise BuildError(f"cross-reference to unknown table or figure '#{node.target}'",
                                 getattr(block, "source", None), f"known ids: {known}")
            kind, number = targets[node.target]
            return CrossRef(node.target, f"{(node.text or kind).strip()} {number}")
        out.append(map_block_inlines(block, resolve))
    return out


def _slug(prefix: str, text: str) -> str:
    return prefix + "-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _number_footnotes(blocks, footnotes, diag: Diagnostics):
    numbers: dict[str, int] = {}

    def renumber(node: Inline) -> Inline:
        if isinstance(node, FootnoteRef):
            numbers.setdefault(node.id, len(numbers) + 1)
            return FootnoteRef(node.id, numbers[node.id])
        return node

    blocks = [map_block_inlines(b, renumber) for b in blocks]
    ordered = {}
    for note_id in numbers:
        ordered[note_id] = tuple(map_inline(i, renumber) for i in footnotes[note_id])
    for note_id in footnotes:
        if note_id not in numbers:
            diag.warn("footnote", f"footnote [^{note_id.split(':', 1)[1]}] is defined but never referenced",
                      None)
    return blocks, ordered


def map_inline(node: Inline, fn: Callable[[Inline], Inline]) -> Inline:
    match node:
        case Strong(children=c) | Emphasis(children=c) | Superscript(children=c) | Link(children=c):
            return fn(replace(node, children=tuple(map_inline(i, fn) for i in c)))
    return fn(node)


def _inlines(items, fn):
    return tuple(map_inline(i, fn) for i in items)


def map_block_inlines(block, fn: Callable[[Inline], Inline]):
    """Apply `fn` to every inline of a block, nested blocks, captions and table cells included."""
    match block:
        case Heading() | Paragraph():
            return replace(block, inlines=_inlines(block.inlines, fn))
        case BulletList() | OrderedList():
            items = tuple(ListItem(tuple(map_block_inlines(b, fn) for b in it.blocks), it.label)
                          for it in block.items)
            return replace(block, items=items)
        case Quote():
            return replace(block, blocks=tuple(map_block_inlines(b, fn) for b in block.blocks))
        case Table():
            return replace(block, caption=_inlines(block.caption, fn),
                           header_rows=tuple(_row_notes(r, fn) for r in block.header_rows))
        case Figure():
            return replace(block, caption=_inlines(block.caption, fn))
    return block


def _row_notes(row: TableRow, fn) -> TableRow:
    cells = tuple(replace(c, note=fn(c.note)) if c.note else c for c in row.cells)
    return replace(row, cells=cells)


def table_note_refs(table: Table) -> list[FootnoteRef]:
    """Footnote marks in a table's header cells, in reading order."""
    return [c.note for r in table.header_rows for c in r.cells if isinstance(c, Cell) and c.note]
