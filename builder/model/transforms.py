"""Model → model passes: number headings, tables and figures; resolve cross-references; number footnotes in
order of their marks. Each pass is one `map_document` over every block and inline, footnotes included."""
from __future__ import annotations

import re
from dataclasses import replace

from builder.errors import BuildError, Diagnostics
from builder.model import (Block, Cell, CrossRef, Document, Figure, FootnoteRef, Heading, Inline, ListOfCaptions,
                           Source, Table, TableOfContents, captioned, inline_text, map_document, walk)


def number_document(doc: Document, diag: Diagnostics) -> Document:
    """Chapters 1, 2 …; sections 6.1 …; tables 6.2.1 (chapter.section.index); figures 1, 2 … (a chart left out for missing data
    takes no number); footnotes 1 … ."""
    doc = map_document(doc, block=_Numbering())
    doc = map_document(doc, inline=_CrossRefs(doc))
    doc = _number_footnotes(doc, diag)
    blocks = [replace(b, title=doc.labels["contents"]) if isinstance(b, TableOfContents) else b for b in doc.blocks]
    _headings_before_contents(blocks, diag)
    return replace(doc, blocks=tuple(_caption_lists(blocks, doc.labels)))


def _headings_before_contents(blocks, diag: Diagnostics) -> None:
    """The contents list every heading, so a heading before them would be listed with a page before the contents'
    own: a warning at that heading's line (the contents go first, after the title page)."""
    at = next((i for i, b in enumerate(blocks) if isinstance(b, TableOfContents)), None)
    for block in blocks[:at or 0]:
        if isinstance(block, Heading):
            diag.warn("contents", f"heading '{inline_text(block.inlines)}' comes before the table of contents, "
                      "which lists it with a page before its own: place ```{toc}``` before it", block.source)


def _caption_lists(blocks, labels) -> list:
    """A list of tables and a list of figures after the table of contents, when the report has any."""
    present = {kind: bool(captioned(tuple(blocks), kind)) for kind in ("Table", "Figure")}
    out = []
    for block in blocks:
        out.append(block)
        if isinstance(block, TableOfContents):
            out += [ListOfCaptions(kind, labels[f"list_of_{kind.lower()}s"])
                    for kind, yes in present.items() if yes]
    return out


class _Numbering:
    """Numbers blocks in reading order, at every depth: headings, tables in the scope of their section, figures."""

    def __init__(self):
        self.counters = [0, 0, 0]
        self.table_index: dict[str, int] = {}
        self.figures = 0

    def __call__(self, block: Block) -> Block:
        match block:
            case Heading(level=level, numbered=True) if level <= 3:
                self.counters[level - 1] += 1
                self.counters[level:] = [0] * (3 - level)
                number = ".".join(str(n) for n in self.counters[:level])
                return replace(block, number=number, id=_slug("sec", number))
            case Heading():
                return replace(block, id=_slug("sec", inline_text(block.inlines)))
            case Table(id=table_id) if table_id:
                scope = ".".join(str(n) for n in self.counters[:2] if n)
                self.table_index[scope] = self.table_index.get(scope, 0) + 1
                index = self.table_index[scope]
                return replace(block, number=f"{scope}.{index}" if scope else str(index))
            case Figure(missing_note=note) if note:
                return block  # left out for missing data: no number, not placed
            case Figure():
                self.figures += 1
                return replace(block, number=str(self.figures))
        return block


class _CrossRefs:
    """[table](#id) → "table 6.1.2": the link text (or the kind) and the number of the table or figure;
    an unknown id is an error at the reference's line, in the text and in the footnotes alike."""

    def __init__(self, doc: Document):
        self.labels = doc.labels
        self.targets: dict[str, tuple[str, str]] = {}
        self.left_out: set[str] = set()
        map_document(doc, block=self.collect)

    def collect(self, block: Block) -> Block:
        if isinstance(block, Figure) and block.missing_note:
            self.left_out.add(block.id)
        elif isinstance(block, (Table, Figure)) and block.id:
            self.targets[block.id] = (self.labels["table"] if isinstance(block, Table) else self.labels["figure"],
                                      block.number)
        return block

    def __call__(self, node: Inline, where: Source | None) -> Inline:
        if not isinstance(node, CrossRef):
            return node
        if node.target in self.left_out:
            raise BuildError(f"cross-reference to figure '#{node.target}', which is left out (data missing)",
                             node.source or where, "refer to it in words, or supply its data")
        if node.target not in self.targets:
            known = ", ".join(sorted(self.targets)[:10])
            raise BuildError(f"cross-reference to unknown table or figure '#{node.target}'", node.source or where,
                             f"known ids: {known}")
        kind, number = self.targets[node.target]
        return replace(node, text=f"{(node.text or kind).strip()} {number}")


def _slug(prefix: str, text: str) -> str:
    return prefix + "-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _number_footnotes(doc: Document, diag: Diagnostics) -> Document:
    numbers: dict[str, int] = {}

    def renumber(node: Inline, _where) -> Inline:
        if isinstance(node, FootnoteRef):
            numbers.setdefault(node.id, len(numbers) + 1)
            return replace(node, number=numbers[node.id])
        return node

    doc = map_document(doc, inline=renumber)
    for note_id in doc.footnotes:
        if note_id not in numbers:
            diag.warn("footnote", f"footnote [^{note_id.split(':', 1)[1]}] is defined but never referenced", None)
    return replace(doc, footnotes={note_id: doc.footnotes[note_id] for note_id in numbers})


def table_note_refs(table: Table) -> list[FootnoteRef]:
    """Footnote marks in a table's header cells, in reading order."""
    return [c.note for r in table.header_rows for c in r.cells if isinstance(c, Cell) and c.note]
