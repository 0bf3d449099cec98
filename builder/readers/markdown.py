"""Rendered chapter Markdown (markdown-it-py tokens) → model blocks; directives place data objects."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from builder.errors import BuildError
from builder.readers.data import Dataset
from builder.model import (Attrs, Block, BulletList, Cell, Code, CrossRef, Emphasis, Figure, FootnoteRef, Heading,
                           Inline, LineBreak, Link, ListItem, OrderedList, Paragraph, Quote, Source, Strong, Table,
                           TableOfContents, TableRow, Text)
from builder.readers.objects import list_block, table_block
from builder.readers.templates import Rendered

DIRECTIVE = re.compile(r"^\{(\w+)\}\s*(\S*)\s*$")
HEADING_ATTRS = re.compile(r"\s*\{([^{}]*)\}\s*$")  # `# Title {-}`, `# Title {.unnumbered .short}`, `{key=value}`
ATTR = re.compile(r"""\s*(?: (-) | \.([A-Za-z][\w-]*)           # `-` or .class
                       | ([A-Za-z][\w-]*)=(?: ["“„«]\s*([^"“”„«»]*?)\s*["”“»] | ([^\s"“”„«»{}]+) ))  # key=value""",
                  re.VERBOSE)
DANGLING_NOTE = re.compile(r"\[\^([^\]\s]+)\]")
MAX_INLINE_DEPTH = 20  # emphasis inside emphasis, …
MAX_DEPTH = 9  # lists and quotes inside each other: Word's list levels end at 9, and so does the page width


@lru_cache(maxsize=4)
def _parser(language: str = "en"):
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    from builder.readers.typography import enable
    # markdown-it drops the rest of a chapter silently past maxNesting: it is set far above MAX_DEPTH, which is
    # checked with an error at the line (see _check_depth); quotes and dashes follow the report's language
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": 100}).enable("table").use(footnote_plugin)
    return enable(md, language)


@dataclass
class ChapterParse:
    blocks: list[Block]
    footnotes: dict[str, tuple[Inline, ...]] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)


class _Reader:
    """Walks one chapter's syntax tree; knows the chapter for locations and footnote ids."""

    def __init__(self, rendered: Rendered, dataset: Dataset, prefix: str, language: str = "en"):
        self.language = language
        self.r = rendered
        self.dataset = dataset
        self.prefix = prefix
        self.out = ChapterParse([])

    def where(self, node) -> Source:
        return self.r.source(node.map[0] + 1) if node.map else Source(self.r.path)

    def blocks(self, nodes) -> list[Block]:
        result = []
        for node in nodes:
            block = self.block(node)
            if block is not None:
                result.append(block)
        return result

    def block(self, node) -> Block | None:
        match node.type:
            case "heading":
                return self.heading(node)
            case "paragraph":
                return Paragraph(self.inlines(node.children[0]), self.where(node))
            case "bullet_list":
                return BulletList(self.items(node), self.where(node))
            case "ordered_list":
                return OrderedList(self.items(node), int(node.attrs.get("start", 1)), self.where(node))
            case "blockquote":
                return Quote(tuple(self.blocks(node.children)), self.where(node))
            case "fence":
                return self.fence(node)
            case "code_block":
                return Paragraph((Code(node.content.rstrip("\n")),), self.where(node))
            case "table":
                return self.pipe_table(node)
            case "footnote_block":
                self.footnote_defs(node)
                return None
            case "hr" | "html_block":
                return None
            case _:
                raise TypeError(f"unhandled Markdown node {node.type}")

    def heading(self, node) -> Heading:
        inlines = list(self.inlines(node.children[0]))
        attrs = Attrs()
        found = HEADING_ATTRS.search(inlines[-1].text) if inlines and isinstance(inlines[-1], Text) else None
        parsed = _attributes(found.group(1)) if found else None
        if parsed is not None:
            attrs = parsed
            inlines[-1] = Text(inlines[-1].text[:found.start()])
            if not inlines[-1].text:
                inlines.pop()
        return Heading(int(node.tag[1]), tuple(inlines), source=self.where(node), attrs=attrs)

    def items(self, node) -> tuple[ListItem, ...]:
        return tuple(ListItem(tuple(self.blocks(item.children))) for item in node.children)

    def inlines(self, node) -> tuple[Inline, ...]:
        out: list[Inline] = []
        for child in node.children:
            out.extend(self.inline(child, node))
        return tuple(_merge_text(out))

    def inline(self, node, parent) -> list[Inline]:
        match node.type:
            case "text":
                self.check_dangling(node.content, parent)
                return [Text(node.content)]
            case "softbreak":
                return [Text(" ")]
            case "hardbreak":
                return [LineBreak()]
            case "strong":
                return [Strong(self.inlines(node))]
            case "em":
                return [Emphasis(self.inlines(node))]
            case "code_inline":
                return [Code(node.content)]
            case "link":
                href = str(node.attrs.get("href", ""))
                if node.markup == "autolink":  # print the address as written, not percent-decoded
                    return [Link(href, (Text(_display_url(href)),))]
                if href.startswith("#"):  # [table](#trade-2017) → "table 6.1.2", numbered by transforms
                    return [CrossRef(href[1:], _plain(self.inlines(node)), self.where(parent))]
                return [Link(href, self.inlines(node))]
            case "image":
                return [Text(node.content)]
            case "footnote_ref":
                return [FootnoteRef(self.note_id(node.meta["label"]))]
            case "footnote_anchor":
                return []
            case "html_inline":
                return [Text(node.content)]
            case _:
                raise TypeError(f"unhandled Markdown inline {node.type}")

    def check_dangling(self, text: str, parent) -> None:
        found = DANGLING_NOTE.search(text)
        if found:
            raise BuildError(f"footnote [^{found.group(1)}] has no definition", self.where(parent),
                             f"add a line '[^{found.group(1)}]: text of the note' to the chapter")

    def note_id(self, label: str) -> str:
        return f"{self.prefix}:{label}"

    def footnote_defs(self, node) -> None:
        for note in node.children:
            inlines: list[Inline] = []
            for para in note.children:
                if para.type == "paragraph":
                    if inlines:
                        inlines.append(Text(" "))
                    inlines.extend(self.inlines(para.children[0]))
            self.out.footnotes[self.note_id(note.meta["label"])] = tuple(inlines)

    def fence(self, node) -> Block | None:
        block = self.directive(node)
        if isinstance(block, Paragraph):  # code, as written
            return block
        return _smarten_block(block, self.language)

    def directive(self, node) -> Block | None:
        match = DIRECTIVE.match(node.info.strip())
        if not match:
            return Paragraph((Code(node.content.rstrip("\n")),), self.where(node))
        kind, arg = match.groups()
        where = self.where(node)
        match kind:
            case "table":
                return table_block(self.lookup(self.dataset.tables, arg, "table", where, "data/*.yaml"),
                                   self.parse_inline, self.table_note, where)
            case "figure":
                spec = self.lookup(self.dataset.charts, arg, "chart", where, "data/charts.yaml")
                self.out.figures.append(arg)
                # a chart whose data is missing is left out: it takes no figure number (see transforms)
                return Figure(arg, (Text(spec.title),), None, missing_note=spec.missing_data, source=where)
            case "list":
                return list_block(self.lookup(self.dataset.lists, arg, "list", where, "data/lists/*.yaml"), where)
            case "toc":
                return TableOfContents()
            case "keyfigures":  # the briefing pack's key figures (builder/readers/brief_helpers.py)
                from builder.model.labels import labels_for
                from builder.readers.brief_helpers import key_figures_table
                return key_figures_table(node.content, where, labels_for(self.language))
        raise BuildError(f"unknown directive '{{{kind}}}'", where,
                         "directives are {table}, {figure}, {list}, {toc}, {keyfigures}")

    def lookup(self, known: dict, key: str, what: str, where: Source, files: str):
        if key not in known:
            if what == "table":
                self.dataset.check_orphan(key)
            near = ", ".join(sorted(known)[:12]) or "none"
            raise BuildError(f"unknown {what} '{key}'", where, f"known ids: {near} ({files})")
        return known[key]

    def parse_inline(self, text: str, context: str) -> tuple[Inline, ...]:
        tokens = _parser(self.language).parseInline(text)
        from markdown_it.tree import SyntaxTreeNode
        root = SyntaxTreeNode(tokens)
        return self.inlines(root.children[0]) if root.children else ()

    def table_note(self, text: str, context: str) -> Inline:
        label = f"table-note-{len(self.out.footnotes)}"
        note_id = self.note_id(label)
        self.out.footnotes[note_id] = self.parse_inline(text, context)
        return FootnoteRef(note_id)

    def pipe_table(self, node) -> Table:
        rows = []
        for section in node.children:
            for tr in section.children:
                rows.append(TableRow(tuple(Cell(_plain(self.inlines(td.children[0]) if td.children else ()))
                                           for td in tr.children)))
        head = tuple(rows[:1])
        return Table(id="", caption=(), header_rows=head, body_rows=tuple(rows[1:]), source=self.where(node))


def _attributes(text: str) -> Attrs | None:
    """Pandoc's attribute syntax at the end of a heading: `-` (short for `.unnumbered`), `.class`, `key=value`
    or `key="a value"` (the quotes as the language's typography made them); None when the braces hold anything
    else, such as `{#id}` (they are then the heading's text)."""
    classes: list[str] = []
    pairs: dict[str, str] = {}
    pos, text = 0, text.rstrip()
    while pos < len(text):
        m = ATTR.match(text, pos)
        if not m:
            return None
        dash, cls, key, quoted, bare = m.groups()
        if dash or cls:
            classes.append(cls or "unnumbered")
        else:
            pairs[key] = quoted if quoted is not None else bare
        pos = m.end()
    if not classes and not pairs:
        return None
    if classes:
        pairs["class"] = " ".join(dict.fromkeys(classes))
    return Attrs(pairs)


def _smarten_block(block, language: str):
    """Data text placed by a directive (captions, cells, sources, list items from YAML): the prose's quotes and
    dashes, by the same rules."""
    from dataclasses import replace

    from builder.model import Definitions, DocMeta, Document, map_document
    from builder.readers.typography import smarten

    def text(node: Inline) -> Inline:
        return Text(smarten(node.text, language)) if isinstance(node, Text) else node

    def row(r: TableRow) -> TableRow:
        return replace(r, cells=tuple(replace(c, value=smarten(c.value, language))
                                      if c.kind == "text" and isinstance(c.value, str) else c for c in r.cells))
    match block:
        case Definitions(items=items):
            return replace(block, items=tuple((smarten(t, language), smarten(d, language)) for t, d in items))
        case Table():
            block = replace(block, header_rows=tuple(row(r) for r in block.header_rows),
                            body_rows=tuple(row(r) for r in block.body_rows),
                            citation=smarten(block.citation, language), notes=smarten(block.notes, language),
                            headnote=smarten(block.headnote, language))
        case None | TableOfContents():
            return block
    return map_document(Document(DocMeta(""), (block,)), inline=lambda node, _where: text(node)).blocks[0]


def _display_url(href: str) -> str:
    """The address as an author writes it: percent escapes kept, an internationalised host in its own script."""
    from urllib.parse import urlsplit
    parts = urlsplit(href.removeprefix("mailto:"))
    if parts.hostname and "xn--" in parts.hostname:
        try:
            return href.replace(parts.hostname, parts.hostname.encode("ascii").decode("idna"), 1)
        except UnicodeError:
            return href
    return href.removeprefix("mailto:")


def _plain(inlines: tuple[Inline, ...]) -> str:
    from builder.model import inline_text
    return inline_text(inlines)


def _merge_text(inlines: list[Inline]) -> list[Inline]:
    out: list[Inline] = []
    for node in inlines:
        if node == Text(""):
            continue  # markdown-it leaves empty text around nested emphasis ("***both***")
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        else:
            out.append(node)
    return out


def parse_chapter(rendered: Rendered, dataset: Dataset, language: str = "en") -> ChapterParse:
    """One rendered chapter → blocks, footnote definitions (ids prefixed by the chapter) and figure ids; quotes
    and dashes set for `language` (see builder.readers.typography)."""
    from markdown_it.tree import SyntaxTreeNode

    from builder.readers.typography import base_language
    prefix = rendered.path.rsplit("/", 1)[-1].removesuffix(".md")
    language = base_language(language)
    reader = _Reader(rendered, dataset, prefix, language)
    tokens = _parser(language).parse(rendered.markdown)
    _check_depth(tokens, rendered)
    tree = SyntaxTreeNode(tokens)
    reader.out.blocks = reader.blocks(tree.children)
    return reader.out


def _check_depth(tokens, rendered: Rendered) -> None:
    """Lists and quotes nested deeper than MAX_DEPTH are an error at the line where the limit is passed."""
    depth = 0
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            depth += 1
            if depth > MAX_DEPTH:
                where = rendered.source(token.map[0] + 1) if token.map else Source(rendered.path)
                raise BuildError(f"lists and quotes nested {depth} deep; at most {MAX_DEPTH} levels are printed",
                                 where, "flatten the list: move the deepest items up a level or into a paragraph")
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            depth -= 1
        elif token.type == "inline" and token.children:
            _check_inline_depth(token, rendered)


def _check_inline_depth(token, rendered: Rendered) -> None:
    """Emphasis, links and the like nested past MAX_INLINE_DEPTH (markdown-it does not bound them) are an error."""
    deepest = max(child.level for child in token.children)
    if deepest > MAX_INLINE_DEPTH:
        where = rendered.source(token.map[0] + 1) if token.map else Source(rendered.path)
        raise BuildError(f"emphasis or links nested {deepest} deep; at most {MAX_INLINE_DEPTH} levels are allowed",
                         where, "check the runs of '*', '_' or '[' on this line; escape a literal one as \\*")
