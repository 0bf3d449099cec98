"""Document → one self-contained, accessible HTML5 file: semantic headings, the table of contents as navigation,
data tables with scoped header cells, charts as inline SVG with their alternative text, footnotes as linked notes,
the style's fonts (subsetted WOFF, embedded) and colours in one <style>."""
from __future__ import annotations

import base64
import hashlib
import io
import re
from html import escape, unescape
from pathlib import Path

from builder.model.formatting import display_url, format_cell
from builder.model import (BulletList, Cell, Code, CrossRef, Definitions, Document, Emphasis, Figure, FootnoteRef,
                           Heading, Inline, LineBreak, Link, ListItem, ListOfCaptions, OrderedList, PageBreak,
                           Paragraph, Quote, Strong, Superscript, Table, TableOfContents, TableRow, Text, TitlePage,
                           captioned, inline_text, walk)
from builder.readers.style import Style

# faces embedded: the body family whole, the heading family upright (headings, tables, captions and charts)
_FACES = (("body", "regular", 400, "normal"), ("body", "bold", 700, "normal"), ("body", "italic", 400, "italic"),
          ("body", "bold_italic", 700, "italic"), ("heading", "regular", 400, "normal"),
          ("heading", "bold", 700, "normal"))


def _e(text: str) -> str:
    return escape(text, quote=True)


_CYRILLIC_RUN = re.compile(r"[\u0400-\u04ff](?:[\u0400-\u04ff\s,.;:!?()«»\"'’–—-]*[\u0400-\u04ff])?»?")
_KAZAKH = set("ӘәҒғҚқҢңӨөҰұҮүҺһІі")


def _marked(text: str, language: str) -> str:
    """Escaped text whose Cyrillic runs say they are Russian or Kazakh (`lang`), so a screen reader speaks them
    in their language; nothing is marked in a Russian or Kazakh document."""
    if language[:2] in ("ru", "kk") or not _CYRILLIC_RUN.search(text):
        return _e(text)
    out, at = [], 0
    for run in _CYRILLIC_RUN.finditer(text):
        lang = "kk" if _KAZAKH & set(run.group()) else "ru"
        out += [_e(text[at:run.start()]), f'<span lang="{lang}">{_e(run.group())}</span>']
        at = run.end()
    return "".join(out) + _e(text[at:])


class _Writer:
    """Walks the Document: one clause per block kind, one per inline kind."""

    def __init__(self, doc: Document, style: Style):
        self.doc, self.style = doc, style
        self.locale = doc.meta.locale
        self.numbers = {note_id: n for n, note_id in enumerate(doc.footnotes, start=1)}
        self.marks: dict[int, int] = {}  # footnote number → marks placed so far (each mark gets its own id)
        self.ids: set[str] = {"toc-title", "notes-title"}  # the writer's own
        self.anchors = self._anchors()
        self.svgs = 0
        self._metrics = None
        self.numeric: tuple[bool, ...] = ()  # the current table's columns that hold numbers
        self.stub_min = 0.0  # points: the current table's stub is not set narrower

    # ids ----------------------------------------------------------------------------------
    def unique(self, wanted: str) -> str:
        wanted = re.sub(r"\s+", "-", wanted) or "x"
        found, n = wanted, 1
        while found in self.ids:
            n += 1
            found = f"{wanted}-{n}"
        self.ids.add(found)
        return found

    def _anchors(self) -> dict[int, str]:
        """An id for every heading, table and figure (by object), unique in the file; headings first, as the
        table of contents links to them."""
        out: dict[int, str] = {}
        self.targets: dict[str, str] = {}
        blocks = list(walk(self.doc.blocks))
        for b in blocks:
            if isinstance(b, Heading):
                out[id(b)] = self.unique(b.id or "section")
        for b in blocks:
            if isinstance(b, (Table, Figure)) and b.id:
                kind = "table" if isinstance(b, Table) else "figure"
                out[id(b)] = self.unique(b.id if b.id not in self.ids else f"{kind}-{b.id}")
                self.targets[b.id] = out[id(b)]  # the last of a shared id wins, as in cross-reference resolution
        return out

    # inlines ------------------------------------------------------------------------------
    def inlines(self, nodes: tuple[Inline, ...]) -> str:
        out = []
        for k, node in enumerate(nodes):
            if isinstance(node, FootnoteRef) and k and isinstance(nodes[k - 1], FootnoteRef):
                out.append('<sup class="note-sep">,</sup>')  # adjacent marks: "44,45", not "4445"
            out.append(self.inline(node))
        return "".join(out)

    def inline(self, node: Inline) -> str:
        match node:
            case Text(text=t):
                return _marked(t, self.doc.meta.language)
            case Strong(children=c):
                return f"<strong>{self.inlines(c)}</strong>"
            case Emphasis(children=c):
                return f"<em>{self.inlines(c)}</em>"
            case Superscript(children=c):
                return f"<sup>{self.inlines(c)}</sup>"
            case Code(text=t):
                return f"<code>{_e(t)}</code>"
            case LineBreak():
                return "<br>"
            case Link(url=url, children=c):
                return f'<a href="{_e(url)}">{self.inlines(c)}</a>'
            case FootnoteRef():
                return self.note_mark(node)
            case CrossRef(target=t, text=txt):
                return f'<a href="#{_e(self.targets.get(t, t))}" class="xref">{_e(txt or t)}</a>'
        raise TypeError(f"unhandled inline {node!r}")

    def note_number(self, ref: FootnoteRef) -> int:
        return ref.number or self.numbers[ref.id]

    def note_mark(self, ref: FootnoteRef) -> str:
        n = self.note_number(ref)
        self.marks[n] = self.marks.get(n, 0) + 1
        mark_id = f"fnref-{n}" if self.marks[n] == 1 else f"fnref-{n}-{self.marks[n]}"
        return f'<a href="#fn-{n}" id="{mark_id}" class="noteref" role="doc-noteref"><sup>{n}</sup></a>'

    # blocks -------------------------------------------------------------------------------
    def blocks(self, blocks) -> str:
        return "".join(self.block(b) for b in blocks)

    def block(self, b) -> str:
        match b:
            case TitlePage(meta=meta, masthead=True):
                return self.masthead(meta)
            case TitlePage(meta=meta):
                return self.title_page(meta)
            case Heading():
                return self.heading(b)
            case Paragraph(inlines=inl):
                return f"<p>{self.inlines(inl)}</p>\n"
            case BulletList() | OrderedList():
                return self.list(b)
            case Definitions(items=items):
                return "<dl>\n" + "".join(f"<dt>{_e(t)}</dt><dd>{_e(d)}</dd>\n" for t, d in items) + "</dl>\n"
            case Quote(blocks=inner):
                return f"<blockquote>\n{self.blocks(inner)}</blockquote>\n"
            case Table():
                return self.table(b)
            case Figure():
                return self.figure(b)
            case TableOfContents(title=title):
                return self.toc(title)
            case ListOfCaptions(kind=kind, title=title):
                return self.caption_list(kind, title)
            case PageBreak():
                return '<div class="page-break"></div>\n'
        raise TypeError(f"unhandled block {b!r}")

    def masthead(self, meta) -> str:
        """The brief's masthead (builder/writers/brief_layout.py): band, title, authors, dateline."""
        from builder.writers.brief_layout import masthead_lines
        m = masthead_lines(meta)
        lines = [f'<div class="band"><p class="institute">{_e(m["institute"])}</p>'
                 f'<p class="kicker">{_e(m["kicker"])}</p></div>', f'<p class="report-title">{_e(m["title"])}</p>']
        lines += [f'<p class="{key}">{_e(m[key])}</p>' for key in ("authors", "dateline") if m[key]]
        return '<header class="masthead">\n' + "\n".join(lines) + "\n</header>\n"

    def title_page(self, meta) -> str:
        lines = [f'<p class="report-title">{_e(meta.title)}</p>']
        if meta.authors:
            lines.append(f'<p class="authors">{_e(", ".join(a.name for a in meta.authors))}</p>')
        lines += [f"<p>{_e(line)}</p>" for line in (meta.publisher, meta.publisher_address, meta.series,
                                                     meta.edition_label) if line]
        if meta.publisher_url:
            lines.append(f'<p><a href="{_e(meta.publisher_url)}">{_e(display_url(meta.publisher_url))}</a></p>')
        lines += [f'<p class="small">{_e(line)}</p>' for line in (meta.disclaimer, *meta.copyright) if line]
        return '<header class="title-page">\n' + "\n".join(lines) + "\n</header>\n"

    def heading(self, h: Heading) -> str:
        level = min(max(h.level, 1), 6)
        number = f'<span class="number">{_e(h.number)}.</span> ' if h.number else ""
        return f'<h{level} id="{self.anchors[id(h)]}">{number}{self.inlines(h.inlines)}</h{level}>\n'

    def list(self, lst: BulletList | OrderedList) -> str:
        labelled = any(item.label for item in lst.items)
        if isinstance(lst, OrderedList):
            start = f' start="{lst.start}"' if lst.start != 1 else ""
            tag, attrs = "ol", start + (' class="labelled"' if labelled else "")
        else:
            tag, attrs = "ul", ' class="labelled"' if labelled else ""
        items = "".join(self.item(item) for item in lst.items)
        return f"<{tag}{attrs}>\n{items}</{tag}>\n"

    def item(self, item: ListItem) -> str:
        label = f'<span class="label">{_e(item.label)}</span> ' if item.label else ""
        if len(item.blocks) == 1 and isinstance(item.blocks[0], Paragraph):
            return f"<li>{label}{self.inlines(item.blocks[0].inlines)}</li>\n"
        inner = self.blocks(item.blocks)
        if label and inner.startswith("<p>"):
            inner = "<p>" + label + inner[3:]
        return f"<li>{inner}</li>\n"

    def toc(self, title: str) -> str:
        entries = [h for h in walk(self.doc.blocks) if isinstance(h, Heading)]
        tree = _nest([(min(h.level, 3), h) for h in entries])
        return (f'<nav class="toc" aria-labelledby="toc-title">\n<h2 id="toc-title" class="aux">{_e(title)}</h2>\n'
                f"{self.toc_list(tree)}</nav>\n")

    def caption_list(self, kind: str, title: str) -> str:
        """The list of tables or of figures: links to their captions."""
        cls, label = (Table, self.doc.labels["table"]) if kind == "Table" else (Figure, self.doc.labels["figure"])
        items = [f'<li><a href="#{self.anchors[id(b)]}">{_e(f"{label} {b.number}. {inline_text(b.caption)}")}'
                 "</a></li>\n" for b in captioned(self.doc.blocks, cls.__name__)]
        title_id = self.unique(f"list-of-{kind.lower()}s")
        return (f'<nav class="toc" aria-labelledby="{title_id}">\n<h2 id="{title_id}" class="aux">{_e(title)}</h2>\n'
                f'<ol>\n{"".join(items)}</ol>\n</nav>\n')

    def toc_list(self, nodes) -> str:
        out = []
        for h, children in nodes:
            label = (f"{h.number}. " if h.number else "") + inline_text(h.inlines)
            sub = self.toc_list(children) if children else ""
            out.append(f'<li><a href="#{self.anchors[id(h)]}">{_e(label)}</a>{sub}</li>\n')
        return "<ol>\n" + "".join(out) + "</ol>\n"

    # tables -------------------------------------------------------------------------------
    def table(self, t: Table) -> str:
        anchor = f' id="{self.anchors[id(t)]}"' if id(t) in self.anchors else ""
        caption = ""
        if t.id:
            headnote = f'<span class="headnote">{_e(t.headnote)}</span>' if t.headnote else ""
            caption = (f'<caption><span class="caption-text"><span class="label">{_e(self.doc.labels["table"])} '
                       f'{_e(t.number)}.</span> {self.inlines(t.caption)}{headnote}</span></caption>\n')
        ncols = max((sum(max(c.colspan, 1) if c.colspan else 0 for c in r.cells) for r in t.body_rows + t.header_rows),
                    default=1)
        layout = self.layout(t)
        head = self.head(layout) if layout else "".join(self.row(r, header=True) for r in t.header_rows)
        self.numeric = layout.numeric if layout else ()
        self.stub_min = layout.stub_min if layout and layout.stub is not None else 0.0
        width = "" if layout is None else f' style="width: {self.table_width(layout)}"'
        parts = [f'<table class="data"{anchor}{width}>\n', caption]
        if layout is not None:
            parts.append("<colgroup>" + "".join(f'<col style="width: {100 * w / layout.width:.1f}%">'
                                                for w in layout.widths) + "</colgroup>\n")
        if head:
            parts.append(f"<thead>\n{head}</thead>\n")
        parts.append(self.body(t.body_rows, ncols))
        parts.append("</table>\n")
        return '<div class="table-wrap">\n' + "".join(parts) + self.source(t.notes, t.citation, t.source_url) + \
            "</div>\n"

    @property
    def metrics(self):
        if self._metrics is None:
            from builder.writers.table_layout import table_metrics
            self._metrics = table_metrics(self.style, self.locale)
        return self._metrics

    def layout(self, t: Table):
        """The table layout the PDF and the DOCX draw (writers/table_layout.py), or None for a table no page can
        hold (the paged writers report it; a web page scrolls it)."""
        from builder.errors import BuildError
        from builder.writers.table_layout import layout_table
        try:
            return layout_table(t, self.metrics)
        except BuildError:
            return None

    def table_width(self, layout) -> str:
        """The table's natural width as a share of the text column, as on the portrait page (the body's 46em
        column is about the A4 measure); a table that needs a landscape page takes the whole column and scrolls."""
        if layout.landscape:
            return "100%"
        return f"{min(100.0, 100 * layout.width / self.metrics.portrait):.1f}%"

    def head(self, layout) -> str:
        """The header rows on the shared layout's grid: a head with empty cells above it spans down over them, as
        in the PDF and the DOCX; only an empty stub head stays an empty cell."""
        out = []
        for r in range(layout.header_rows):
            cells = []
            for h in (h for h in layout.head if h.row == r):
                attrs = "".join(f' {name}="{n}"' for name, n in (("colspan", h.colspan), ("rowspan", h.rowspan))
                                if n > 1)
                text = _marked(h.text, self.doc.meta.language)
                if h.cell.note is not None:
                    text += self.note_mark(h.cell.note)
                cells.append(f'<th scope="col"{attrs}>{text}</th>' if text else f"<td{attrs}></td>")
            out.append("<tr>" + "".join(cells) + "</tr>\n")
        return "".join(out)

    def body(self, rows: tuple[TableRow, ...], ncols: int) -> str:
        """Row groups as <tbody> sections, each headed by its group row."""
        groups: list[list[str]] = [[]]
        for row in rows:
            if row.group:
                groups.append([f'<tr class="group"><th scope="rowgroup" colspan="{ncols}">'
                               f"{_e(format_cell(row.cells[0], self.locale))}</th></tr>\n"])
            else:
                groups[-1].append(self.row(row, header=False))
        return "".join(f"<tbody>\n{''.join(g)}</tbody>\n" for g in groups if g)

    def row(self, row: TableRow, header: bool) -> str:
        cells = []
        for c, cell in enumerate(row.cells):
            if cell.colspan == 0:
                continue  # covered by the span of a cell before it
            cells.append(self.cell(cell, header, row_head=not header and c == 0 and cell.kind in ("text", "year"),
                                   numeric=not header and c < len(self.numeric) and self.numeric[c]))
        styles = [f"padding-left: {0.35 + row.level:g}em"] if row.level else []  # a sub-row: its stub indented
        if not header and self.stub_min:  # the stub keeps the width of its longest word, as in print (set once)
            styles.append(f"min-width: {self.stub_min:.0f}pt")
            self.stub_min = 0.0
        if styles and cells:
            cells[0] = cells[0].replace(">", f' style="{"; ".join(styles)}">', 1)
        return ('<tr class="total">' if row.total else "<tr>") + "".join(cells) + "</tr>\n"

    def cell(self, cell: Cell, header: bool, row_head: bool, numeric: bool = False) -> str:
        attrs = "".join(f' {name}="{n}"' for name, n in (("colspan", cell.colspan), ("rowspan", cell.rowspan))
                        if n > 1)
        missing = not header and cell.value is None and cell.colspan
        text = _e(self.metrics.missing) if missing else _marked(format_cell(cell, self.locale), self.doc.meta.language)
        if header and cell.note is not None:
            text += self.note_mark(cell.note)
        if header and not text:
            return f"<td{attrs}></td>"  # an empty corner is no header
        if header or row_head:
            return f'<th scope="{"col" if header else "row"}"{attrs}>{text}</th>'
        number = ' class="num"' if cell.kind in ("number", "year") or (missing and numeric) else ""
        return f"<td{attrs}{number}>{text}</td>"

    def source(self, notes: str, source: str, url: str = "") -> str:
        out = f'<p class="source">{_e(notes)}</p>\n' if notes else ""
        if source:
            link = f' (<a href="{_e(url)}">{_e(url)}</a>)' if url else ""
            out += f'<p class="source">{_e(self.doc.labels["source"])}: {_e(source)}{link}</p>\n'
        return out

    # figures ------------------------------------------------------------------------------
    def figure(self, f: Figure) -> str:
        if f.chart is None:
            return ""  # left out for missing data (reported in the build report)
        anchor = f' id="{self.anchors[id(f)]}"' if id(f) in self.anchors else ""
        labels = self.doc.labels
        caption = (f'<figcaption><span class="label">{_e(labels["figure"])} {_e(f.number)}.</span> '
                   f'{self.inlines(f.caption)}</figcaption>')
        body = self.svg(Path(f.chart.svg_path).read_text(encoding="utf-8"), f.chart.alt) + "\n"
        return f"<figure{anchor}>\n{caption}\n{body}{self.source('', f.citation)}</figure>\n"

    def svg(self, text: str, alt: str) -> str:
        self.svgs += 1
        return inline_svg(text, alt, f"c{self.svgs}-")


def inline_svg(text: str, alt: str, prefix: str) -> str:
    """A chart's SVG file as an element inside HTML: no XML prolog, doctype or metadata; ids prefixed so that
    several charts in one file do not clash; role="img" with the alternative text as its <title>."""
    text = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)  # rules of the page's own <style> apply
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', text)
    text = re.sub(r'\s(width|height)="[^"]*pt"', "", text, count=2)  # the page sizes it (CSS), the viewBox keeps shape
    title = f"{prefix}title"
    return re.sub(r"<svg\b([^>]*)>", lambda m: f'<svg{m.group(1)} role="img" aria-labelledby="{title}">'
                  f'<title id="{title}">{_e(alt)}</title>', text.strip(), count=1)


def _nest(entries: list[tuple[int, Heading]]) -> list:
    """[(level, heading)] → [(heading, children)]: each entry under the last one of a lower level."""
    root: list = []
    stack: list[tuple[int, list]] = [(0, root)]
    for level, h in entries:
        while stack[-1][0] >= level:
            stack.pop()
        node = (h, [])
        stack[-1][1].append(node)
        stack.append((level, node[1]))
    return root


# the page -----------------------------------------------------------------------------------


def render(doc: Document, style: Style, cache: Path | None = None) -> str:
    """The whole file as text."""
    w = _Writer(doc, style)
    main = w.blocks(doc.blocks) + _endnotes(w)
    meta = doc.meta
    head = [f"<title>{_e(meta.title)}</title>", '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="dossier">']
    if meta.authors:
        head.append(f'<meta name="author" content="{_e(", ".join(a.name for a in meta.authors))}">')
    if meta.subject:
        head.append(f'<meta name="description" content="{_e(meta.subject)}">')
    if meta.keywords:
        head.append(f'<meta name="keywords" content="{_e(", ".join(meta.keywords))}">')
    css = _fonts_css(style, unescape(main) + meta.title, cache) + _css(style)
    return (f'<!DOCTYPE html>\n<html lang="{_e(meta.language)}">\n<head>\n<meta charset="utf-8">\n'
            + "\n".join(head) + f"\n<style>\n{css}</style>\n</head>\n<body>\n<main>\n{main}</main>\n</body>\n</html>\n")


def _endnotes(w: _Writer) -> str:
    """The notes in order of their numbers, each with links back to its marks."""
    if not w.doc.footnotes:
        return ""
    items = []
    for note_id, inlines in w.doc.footnotes.items():
        n = w.numbers[note_id]
        body = w.inlines(inlines)
        backs = [f'<a href="#fnref-{n}{"" if k == 1 else f"-{k}"}" role="doc-backlink" '
                 f'aria-label="Back to note mark {n}">↩</a>' for k in range(1, w.marks.get(n, 0) + 1)]
        items.append(f'<li id="fn-{n}" value="{n}">{body} {" ".join(backs)}</li>\n')
    return ('<section class="endnotes" role="doc-endnotes" aria-labelledby="notes-title">\n'
            f'<h2 id="notes-title" class="aux">{_e(w.doc.labels["notes"])}</h2>\n<ol>\n{"".join(items)}</ol>\n</section>\n')


def _css(style: Style) -> str:
    c, s = style.colour, style.size
    body, head = _family_css(style.body.name, "serif"), _family_css(style.heading.name, "sans-serif")
    return f"""html {{ color: {c("text")}; background: #fff; }}
body {{ font-family: {body}; font-size: {s("body")}pt; line-height: {s("leading") / s("body"):.3f};
  max-width: 46em; margin: 0 auto; padding: 1em 1.5em 4em; }}
h1, h2, h3, h4, figcaption, caption, table.data, nav.toc, .report-title {{ font-family: {head}; }}
h1, h2, h3, h4 {{ color: {c("accent")}; line-height: 1.25; }}
h1 {{ font-size: {s("h1")}pt; margin-top: 2.5em; }} h2 {{ font-size: {s("h2")}pt; margin-top: 1.8em; }}
h3 {{ font-size: {s("h3")}pt; margin-top: 1.4em; }}
p {{ text-align: justify; hyphens: auto; margin: 0 0 0.5em; }}
a {{ color: {c("accent")}; }}
sup {{ line-height: 0; }}
.title-page {{ text-align: center; margin: 3em 0 4em; }}
.title-page p {{ text-align: center; }}
.report-title {{ font-size: 26pt; font-weight: bold; color: {c("accent")}; line-height: 1.2; margin: 1em 0 0.6em; }}
.title-page .small {{ font-size: {s("note")}pt; }}
.masthead {{ border-bottom: 0.6pt solid #999999; margin: 0 0 1.5em; padding-bottom: 0.6em; }}
.masthead .band {{ background: {c("accent")}; color: #ffffff; padding: 0.8em 1em; margin-bottom: 1em; }}
.masthead .band p {{ margin: 0; color: #ffffff; }}
.masthead .institute {{ font-size: 8pt; text-transform: uppercase; letter-spacing: 0.03em; }}
.masthead .kicker {{ font-size: 16pt; font-weight: bold; }}
.masthead .report-title {{ margin: 0 0 0.2em; font-size: 22pt; }}
.masthead .dateline {{ color: #555555; font-size: 0.9em; }}
nav.toc ol {{ list-style: none; padding-left: 1.2em; }} nav.toc > ol {{ padding-left: 0; }}
nav.toc a {{ text-decoration: none; }}
.aux {{ font-size: {s("h1")}pt; }}
ul.labelled, ol.labelled {{ list-style: none; padding-left: 1.5em; }} .label {{ font-weight: bold; }}
ol.labelled .label, ul.labelled .label {{ font-weight: normal; }}
blockquote {{ margin: 0.8em 2em; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1.2em; }} dd {{ margin: 0; }}
.table-wrap {{ overflow-x: auto; margin: 1.2em 0; }}
table.data {{ border-collapse: collapse; font-size: {s("table")}pt; }}
table.data caption {{ caption-side: top; text-align: left; font-size: {s("caption")}pt; font-weight: bold;
  margin-bottom: 0.4em; width: 0; }}
table.data caption > .caption-text {{ display: block; width: max-content;
  max-width: min({46 * s("body"):g}pt, calc(100vw - 3em)); }}
caption .label, figcaption .label {{ font-weight: bold; }}
table.data th, table.data td {{ border: 0.5pt solid {c("rule")}; padding: 0.15em 0.35em; vertical-align: top; }}
table.data thead th {{ background: {c("table_header")}; text-align: center; vertical-align: middle; }}
table.data tbody th {{ font-weight: normal; text-align: left; }}
table.data tr.group th {{ background: {c("table_group")}; font-weight: bold; }}
table.data tr.total > * {{ font-weight: bold; border-top: 1pt solid {c("text")}; }}
caption .headnote {{ display: block; font-weight: normal; font-style: italic; font-size: {s("note")}pt; }}
table.data td.num {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.source {{ font-style: italic; font-size: {s("note")}pt; text-align: left; overflow-wrap: break-word; }}
figure {{ margin: 1.5em 0; }}
figcaption {{ font-size: {s("caption")}pt; font-weight: bold; margin-bottom: 0.4em; }}
figure svg {{ display: block; width: 100%; height: auto; }}
figure svg * {{ stroke-linejoin: round; stroke-linecap: butt; }}
.missing {{ font-style: italic; }}
a.noteref {{ text-decoration: none; }}
section.endnotes {{ font-size: {s("note")}pt; border-top: 0.5pt solid {c("rule")}; margin-top: 3em;
  overflow-wrap: break-word; }}
section.endnotes p {{ text-align: left; }}
@media print {{
  body {{ max-width: none; padding: 0; }}
  .table-wrap {{ overflow: visible; }}
  table.data thead th, table.data tr.group th {{ -webkit-print-color-adjust: exact; }}
  h1, .page-break {{ break-before: page; }}
  .title-page {{ break-after: page; }}
  figure, table.data tr {{ break-inside: avoid; }}
  h1, h2, h3, caption, figcaption {{ break-after: avoid; }}
}}
"""


def _family_css(name: str, generic: str) -> str:
    fallback = "'DejaVu Serif', Georgia" if generic == "serif" else "'DejaVu Sans', Arial"
    return f"'{name}', {fallback}, {generic}"


def _fonts_css(style: Style, text: str, cache: Path | None) -> str:
    """@font-face rules with the style's fonts as WOFF subsets of the characters in the file (so the charts,
    which name the heading family, draw in it too)."""
    chars = "".join(sorted(set(text) | set(map(chr, range(32, 127))) | set("–—‘’“”…•↩")))
    rules = []
    for role, face, weight, slant in _FACES:
        family = style.body if role == "body" else style.heading
        woff = _subset(family.files[face], chars, cache)
        rules.append(f"@font-face {{ font-family: '{family.name}'; font-weight: {weight}; font-style: {slant}; "
                     f"src: url(data:font/woff;base64,{base64.b64encode(woff).decode()}) format('woff'); }}\n")
    return "".join(rules)


def _subset(path: str, chars: str, cache: Path | None) -> bytes:
    """The font reduced to `chars`, as WOFF; cached by the font file and the characters."""
    key = hashlib.sha256(Path(path).read_bytes() + chars.encode()).hexdigest()[:16]
    cached = cache / f"{Path(path).stem}-{key}.woff" if cache else None
    if cached is not None and cached.exists():
        return cached.read_bytes()
    from fontTools import subset
    from fontTools.ttLib import TTFont
    options = subset.Options()
    options.flavor, options.hinting, options.desubroutinize = "woff", False, True
    font = TTFont(path, lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    data = out.getvalue()
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        for old in cached.parent.glob(f"{Path(path).stem}-*.woff"):
            old.unlink(missing_ok=True)  # the subset for other text: only the latest is kept
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    return data


def write(doc: Document, style: Style, out: Path, cache: Path | None = None) -> Path:
    """Write the HTML file; `cache` keeps the font subsets between builds."""
    Path(out).write_text(render(doc, style, cache), encoding="utf-8")
    return Path(out)
