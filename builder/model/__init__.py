"""The document model: the contract between the readers (data, templates, Markdown) and the writers.

Plain frozen dataclasses, no I/O. Both writers walk the same Document, which keeps PDF and DOCX at parity.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from functools import cache
from typing import get_args

from builder.model.labels import Labels


@dataclass(frozen=True, slots=True)
class Source:
    """Where a node came from: a file and, when known, a line and column (1-based)."""

    path: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [self.path] + [str(n) for n in (self.line, self.col) if n is not None]
        return ":".join(parts)


def _src() -> Source | None:
    return field(default=None, compare=False, repr=False)


class Attrs(Mapping[str, str]):
    """A block's generic attributes, like pandoc's Attr: an immutable, hashable mapping of str to str, in the
    order given. Classes are one space-separated value under "class" (`{.unnumbered}` → {"class": "unnumbered"}).
    An option of a block lives here, read by the writers that know it, rather than in a field of its own."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()):
        pairs = dict(items)
        bad = [(k, v) for k, v in pairs.items() if not (isinstance(k, str) and isinstance(v, str))]
        if bad:
            raise TypeError(f"attributes are str → str, not {bad[0]!r}")
        object.__setattr__(self, "_items", pairs)

    def __setattr__(self, name, value):
        raise AttributeError("Attrs is immutable")

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Attrs({self._items!r})"

    def __reduce__(self):  # pickled and copied through the constructor (attribute assignment is refused)
        return Attrs, (dict(self._items),)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self._items.get("class", "").split())

    def with_class(self, name: str) -> Attrs:
        """These attributes with one more class."""
        if name in self.classes:
            return self
        return Attrs({**self._items, "class": " ".join((*self.classes, name))})


NO_ATTRS = Attrs()


def _attrs() -> Attrs:
    return field(default=NO_ATTRS)


# ---- inlines -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Superscript:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class LineBreak:
    pass


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class FootnoteRef:
    """A footnote mark; `number` is assigned by transforms in order of appearance."""

    id: str
    number: int = 0


@dataclass(frozen=True, slots=True)
class CrossRef:
    """A reference to a table, figure or heading id; `text` is filled by transforms ("Table 6.2.1")."""

    target: str
    text: str = ""
    source: Source | None = _src()


Inline = Text | Strong | Emphasis | Superscript | Code | LineBreak | Link | FootnoteRef | CrossRef


# ---- blocks --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    inlines: tuple[Inline, ...]
    id: str = ""
    number: str = ""
    source: Source | None = _src()
    attrs: Attrs = _attrs()

    @property
    def numbered(self) -> bool:
        """False for a heading marked `{-}` or `{.unnumbered}`: the class "unnumbered", as in pandoc."""
        return "unnumbered" not in self.attrs.classes


@dataclass(frozen=True, slots=True)
class Paragraph:
    inlines: tuple[Inline, ...]
    source: Source | None = _src()
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class ListItem:
    blocks: tuple[Block, ...]
    label: str = ""


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[ListItem, ...]
    source: Source | None = _src()
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class OrderedList:
    """A numbered list; items with a `label` ("1.1.") print it instead of the running number."""

    items: tuple[ListItem, ...]
    start: int = 1
    source: Source | None = _src()
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class Definitions:
    """A two-column list of terms and their definitions (abbreviations)."""

    items: tuple[tuple[str, str], ...]
    source: Source | None = _src()
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class Quote:
    blocks: tuple[Block, ...]
    source: Source | None = _src()
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell: a typed value and how to print it. `kind` is number, text or missing."""

    value: float | int | str | None
    kind: str = "text"
    decimals: int = 0
    uncertain: bool = False
    colspan: int = 1
    rowspan: int = 1
    note: FootnoteRef | None = None


@dataclass(frozen=True, slots=True)
class TableRow:
    """A row of cells. `group` rows head a group of rows (one cell across the table); `level` indents the
    stub of a sub-row; a `total` row is set off by a rule above it."""

    cells: tuple[Cell, ...]
    group: bool = False
    level: int = 0
    total: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    caption: tuple[Inline, ...]
    header_rows: tuple[TableRow, ...]
    body_rows: tuple[TableRow, ...]
    number: str = ""
    citation: str = ""
    source_url: str = ""
    notes: str = ""
    headnote: str = ""
    source: Source | None = _src()
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class Chart:
    """A rendered chart: vector drawing for PDF, 300-dpi PNG for DOCX."""

    svg_path: str
    png_path: str
    width_in: float
    height_in: float
    alt: str


@dataclass(frozen=True, slots=True)
class Figure:
    id: str
    caption: tuple[Inline, ...]
    chart: Chart | None
    number: str = ""
    citation: str = ""
    missing_note: str = ""
    source: Source | None = _src()
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class TableOfContents:
    title: str = "Table of contents"
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class ListOfCaptions:
    """The list of tables (kind "Table") or of figures (kind "Figure") with their pages, after the contents."""

    kind: str
    title: str
    attrs: Attrs = _attrs()


def caption_key(kind: str, block_id: str) -> str:
    """The key of a table's or figure's caption in page maps and bookmarks ("table-trade-kz")."""
    return f"{kind.lower()}-{block_id}"


@dataclass(frozen=True, slots=True)
class PageBreak:
    attrs: Attrs = _attrs()


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    affiliation: str = ""


@dataclass(frozen=True, slots=True)
class DocMeta:
    title: str
    short_title: str = ""
    authors: tuple[Author, ...] = ()
    publisher: str = ""
    publisher_address: str = ""
    publisher_url: str = ""
    series: str = ""
    edition_label: str = ""
    date: date | None = None
    disclaimer: str = ""
    copyright: tuple[str, ...] = ()
    subject: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "en-GB"
    locale: str = "en_GB"
    labels: Labels = field(default_factory=Labels)  # the words the builder prints, in the document's language


@dataclass(frozen=True, slots=True)
class TitlePage:
    """The report's title page; with `masthead` a band at the top of the first page instead (the briefing pack),
    after which the text begins on the same page."""

    meta: DocMeta
    masthead: bool = False
    attrs: Attrs = _attrs()


Block = (Heading | Paragraph | BulletList | OrderedList | Definitions | Quote | Table | Figure
         | TableOfContents | ListOfCaptions | PageBreak | TitlePage)


@dataclass(frozen=True, slots=True)
class Document:
    meta: DocMeta
    blocks: tuple[Block, ...]
    footnotes: Mapping[str, tuple[Inline, ...]] = field(default_factory=dict)

    @property
    def labels(self) -> Labels:
        """The builder's own words in the document's language: `doc.labels["source"]` → "Quelle"."""
        return self.meta.labels


def walk(blocks: tuple[Block, ...]) -> Iterator[Block]:
    """Every block, depth first, including those nested in lists and quotes."""
    for block in blocks:
        yield block
        match block:
            case BulletList(items=items) | OrderedList(items=items):
                for item in items:
                    yield from walk(item.blocks)
            case Quote(blocks=inner):
                yield from walk(inner)


def captioned(blocks: tuple[Block, ...], kind: str) -> list[Block]:
    """The tables or figures ("Table", "Figure") that the lists of captions name: placed, numbered, with an id (a
    chart left out for missing data has no number)."""
    return [b for b in walk(blocks) if type(b).__name__ == kind and b.id and b.number]


def inline_text(inlines: tuple[Inline, ...]) -> str:
    """The plain text of inlines (footnote marks left out)."""
    out = []
    for node in inlines:
        match node:
            case Text(text=t) | Code(text=t):
                out.append(t)
            case Strong(children=c) | Emphasis(children=c) | Superscript(children=c) | Link(children=c):
                out.append(inline_text(c))
            case CrossRef(text=t):
                out.append(t)
            case LineBreak():
                out.append(" ")
    return "".join(out)


# ---- traversal ----------------------------------------------------------------------------


def map_document(doc: Document, block: Callable[[Block], Block] | None = None,
                 inline: Callable[[Inline, Source | None], Inline] | None = None) -> Document:
    """The document rebuilt with `block` applied to every block at every depth (a block before the blocks inside
    it, in reading order) and `inline` to every inline of the blocks, captions, table cells and then the footnotes
    (an inline after the inlines inside it). `inline` is also given where its node is: the location of the nearest
    block around it, or the chapter of its footnote. Every field that can hold a node is visited (found from the
    classes' annotations), so a new node kind or field is mapped without changes here."""
    mapper = _Mapper(block, inline)
    blocks = mapper.seq(doc.blocks, None)
    notes = {note_id: mapper.seq(body, note_source(note_id)) for note_id, body in doc.footnotes.items()}
    return replace(doc, blocks=blocks, footnotes=notes)


def note_source(note_id: str) -> Source:
    """A footnote's chapter file: ids are `<chapter file stem>:<label>`."""
    return Source(f"chapters/{note_id.split(':', 1)[0]}.md")


def block_kinds() -> tuple[type, ...]:
    return get_args(Block)


def inline_kinds() -> tuple[type, ...]:
    return get_args(Inline)


_LEAVES = (Source, Chart, Author, DocMeta, Document)  # data about nodes; they hold no nodes


@cache
def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class whose annotation names a node class (or the Inline/Block unions)."""
    names = {c.__name__ for c in (*block_kinds(), *inline_kinds(), ListItem, TableRow, Cell)} | {"Inline", "Block"}
    words = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b")
    return tuple(f.name for f in fields(cls) if isinstance(f.type, str) and words.search(f.type))


def location(block) -> Source | None:
    """Where a block came from: its `source` (None for blocks that have no location)."""
    return getattr(block, "source", None)


class _Mapper:
    def __init__(self, block, inline):
        self.block_fn, self.inline_fn = block, inline

    def seq(self, values: tuple, where: Source | None) -> tuple:
        out = tuple(self.node(v, where) for v in values)
        return values if all(a is b for a, b in zip(out, values)) else out

    def node(self, value, where: Source | None):
        if isinstance(value, tuple):
            return self.seq(value, where)
        plan = _plan(type(value))
        if plan is None:
            return value
        is_block, is_inline, children = plan
        if is_block:
            value = self.block_fn(value) if self.block_fn else value
            where = location(value) or where
        changes = {}
        for name in children:
            old = getattr(value, name)
            if old is None:
                continue
            new = self.node(old, where)
            if new is not old:
                changes[name] = new
        if changes:
            value = replace(value, **changes)
        if is_inline and self.inline_fn is not None:
            value = self.inline_fn(value, where)
        return value


@cache
def _plan(cls: type) -> tuple[bool, bool, tuple[str, ...]] | None:
    """How to visit an instance of `cls`: (is a block, is an inline, fields holding nodes); None if no node."""
    if not is_dataclass(cls) or issubclass(cls, _LEAVES):
        return None
    return issubclass(cls, block_kinds()), issubclass(cls, inline_kinds()), _child_fields(cls)
