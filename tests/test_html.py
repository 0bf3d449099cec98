"""The HTML edition: valid HTML5 by the Nu HTML Checker, and readable the way the document model says."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from builder.model import (BulletList, Cell, CrossRef, DocMeta, Document, Figure, FootnoteRef, Heading, ListItem,
                           Paragraph, Table, TableOfContents, TableRow, Text, TitlePage)
from builder.errors import Diagnostics
from builder.model.transforms import number_document
from builder.readers.style import load_style
from builder.writers import html
from tests.conftest import MINIMAL, run_cli
from tests.htmlread import read_edition, validate


@pytest.fixture(scope="module")
def minimal_html(tmp_path_factory) -> Path:
    from tests.conftest import copy_project
    project = copy_project(MINIMAL, tmp_path_factory.mktemp("h") / "minimal")
    run = run_cli("build", str(project), "--format", "html")
    assert run.returncode == 0, run.stderr
    assert not (project / "build" / "minimal.pdf").exists()  # only what was asked for
    return project / "build" / "minimal.html"


def test_flagship_minimal_and_every_kind_validate(flagship_html, minimal_html, tmp_path) -> None:
    from tests.golden_doc import every_kind
    every = html.write(every_kind(), _style(), tmp_path / "every-kind.html")  # each node kind's markup
    messages = validate(flagship_html, minimal_html, every)
    for path in (flagship_html, minimal_html, every):
        found = messages[str(path.resolve())]
        errors = [f"{m.get('lastLine')}: {m['message']}" for m in found if m["type"] in ("error", "non-document-error")]
        warnings = [m["message"] for m in found if m.get("subType") == "warning"]
        assert errors == [] and warnings == [], (path.name, errors[:10], warnings[:10])
    assert set(messages) == {str(p.resolve()) for p in (flagship_html, minimal_html, every)}  # no other file


def test_validator_reports_a_broken_file(tmp_path) -> None:
    """The checker really checks: a file with a stray end tag and a duplicate id has errors."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
                   '<body><p id="a">one</p></div><p id="a">two</p></body></html>', encoding="utf-8")
    errors = [m for m in validate(bad)[str(bad.resolve())] if m["type"] == "error"]
    assert len(errors) >= 2


def test_minimal_reads_back(minimal_html) -> None:
    text = minimal_html.read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in text
    # data text is escaped: "&" and "<" print literally
    assert "<title>Trade &amp; Research &lt;Minimal&gt; Report</title>" in text
    edition = read_edition(minimal_html)
    assert edition.headings and all(re.match(r"(\d+(\.\d+)*\. )?\S", h) for h in edition.headings)
    assert edition.captions and edition.captions[0].startswith("Table 1.")
    assert len(edition.ids) == len(set(edition.ids))
    targets = set(edition.ids)
    assert all(link[1:] in targets for link in edition.links if link.startswith("#"))  # no dangling link
    assert [f"#{i}" for i in edition.note_ids] == [f"#fn-{n}" for n in range(1, len(edition.notes) + 1)]


def test_flagship_charts_inline_svg_with_their_alternative_text(flagship_build, flagship_html) -> None:
    from builder.model import walk
    text = flagship_html.read_text(encoding="utf-8")
    drawn = [b for b in walk(flagship_build.document.blocks) if isinstance(b, Figure) and b.chart]
    assert text.count("<svg") == len(drawn) >= 10
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text and "<image" not in text
    assert read_edition(flagship_html).svg_titles == [f.chart.alt for f in drawn]
    assert len(re.findall(r'<svg[^>]* role="img" aria-labelledby="c\d+-title"', text)) == len(drawn)
    assert "Chart not shown" not in text  # a chart left out for missing data is not placed, no placeholder
    assert "@font-face { font-family: 'PT Serif'" in text and "@font-face { font-family: 'PT Sans'" in text


def _style():
    return load_style(MINIMAL, "default", Diagnostics())


def test_table_headers_are_scoped_and_spanned() -> None:
    head = (TableRow((Cell(""), Cell("Trade", colspan=2), Cell("", colspan=0))),
            TableRow((Cell("Year"), Cell("Exports", note=FootnoteRef("c:n")), Cell("Imports"))))
    body = (TableRow((Cell("Group A", colspan=3),), group=True),
            TableRow((Cell(2017, "year"), Cell(1234.5, "number", 1), Cell(None, "missing"))),
            TableRow((Cell("of which"), Cell(1.0, "number", 1), Cell(2.0, "number", 1)), level=1, total=True))
    doc = number_document(Document(DocMeta("T"), (
        Heading(1, (Text("One"),)), Table("t", (Text("Trade & <more>"),), head, body, citation="Stat & Co",
                                          headnote="Seller: Russia"),
        Paragraph((Text("See "), CrossRef("t"), FootnoteRef("c:n")))), {"c:n": (Text("A note"),)}), Diagnostics())
    out = html.render(doc, _style())
    assert '<th scope="col" colspan="2">Trade</th>' in out
    assert '<tr><th scope="col" rowspan="2">Year</th><th scope="col" colspan="2">Trade</th></tr>' in out  # merged
    assert '<th scope="rowgroup" colspan="3">Group A</th>' in out
    # missing: the marker, aligned as the numbers of its column; the stub keeps its longest word's width
    assert re.search('<th scope="row" style="min-width: \\d+pt">2017</th><td class="num">1,234.5</td>'
                     '<td class="num">\u2013</td>', out)
    assert ('<caption><span class="caption-text"><span class="label">Table 1.1.</span> Trade &amp; &lt;more&gt;'
            '<span class="headnote">Seller: Russia</span></span></caption>') in out
    assert '<tr class="total"><th scope="row" style="padding-left: 1.35em">of which</th>' in out
    assert "Source: Stat &amp; Co" in out
    assert '<a href="#t" class="xref">Table 1.1</a>' in out
    # one note, two marks: each mark has its own id and the note links back to both
    assert 'id="fnref-1"' in out and 'id="fnref-1-2"' in out
    assert out.count('role="doc-backlink"') == 2 and '<li id="fn-1" value="1">A note' in out


def test_toc_is_navigation_with_nested_links() -> None:
    doc = number_document(Document(DocMeta("T", language="ru-RU"), (
        TitlePage(DocMeta("T")), TableOfContents(), Heading(1, (Text("One"),)), Heading(2, (Text("Sub"),)),
        Heading(3, (Text("Deep"),)), Heading(1, (Text("Two"),)),
        BulletList((ListItem((Paragraph((Text("item"),)),)),)))), Diagnostics())
    out = html.render(doc, _style())
    assert out.startswith('<!DOCTYPE html>\n<html lang="ru-RU">')
    nav = out[out.index("<nav"):out.index("</nav>")]
    assert re.sub(r"\s+", "", nav).endswith(
        '<ol><li><ahref="#sec-1">1.One</a><ol><li><ahref="#sec-1-1">1.1.Sub</a><ol><li><ahref="#sec-1-1-1">'
        '1.1.1.Deep</a></li></ol></li></ol></li><li><ahref="#sec-2">2.Two</a></li></ol>')
    assert '<h3 id="sec-1-1-1"><span class="number">1.1.1.</span> Deep</h3>' in out
    assert "<ul>\n<li>item</li>\n</ul>" in out


def test_svg_ids_are_prefixed_and_references_follow() -> None:
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "x" "y">\n<svg width="10pt" height="5pt" viewBox="0 0 10 5" '
           'xmlns="http://www.w3.org/2000/svg"><metadata><rdf:RDF/></metadata><defs><path id="m1"/>'
           '<clipPath id="p2"><rect/></clipPath></defs><use xlink:href="#m1" clip-path="url(#p2)"/></svg>')
    out = html.inline_svg(svg, "A & B", "c3-")
    assert out.startswith('<svg viewBox="0 0 10 5" xmlns="http://www.w3.org/2000/svg" role="img" '
                          'aria-labelledby="c3-title"><title id="c3-title">A &amp; B</title>')
    assert 'id="c3-m1"' in out and 'xlink:href="#c3-m1"' in out and 'url(#c3-p2)' in out
    assert "metadata" not in out and "<?xml" not in out


def test_html_is_reproducible_and_its_font_cache_keeps_one_subset(tmp_path) -> None:
    from tests.golden_doc import every_kind
    doc = every_kind()
    first = html.render(doc, _style(), tmp_path / "a")
    assert html.render(doc, _style(), tmp_path / "b") == first == html.render(doc, _style(), tmp_path / "a")
    assert len(list((tmp_path / "a").glob("PT_Serif-Web-Regular-*.woff"))) == 1
    html.render(replace(doc, meta=replace(doc.meta, title="Ж")), _style(), tmp_path / "a")  # another character
    assert len(list((tmp_path / "a").glob("PT_Serif-Web-Regular-*.woff"))) == 1


def test_flagship_links_resolve_and_toc_lists_every_heading(flagship_html) -> None:
    edition = read_edition(flagship_html)
    ids = set(edition.ids)
    assert len(edition.ids) == len(ids)
    internal = [link[1:] for link in edition.links if link.startswith("#")]
    assert [i for i in internal if i not in ids] == [] and len(internal) > 150
    text = flagship_html.read_text(encoding="utf-8")
    heading_ids = re.findall(r'<h[1-3] id="(sec-[^"]+)"', text)
    assert [link[1:] for link in edition.toc_links] == heading_ids and len(heading_ids) == 38
    assert sum(1 for i in internal if i.startswith("fn-")) == sum(1 for i in internal if i.startswith("fnref-")) >= 60


def test_cyrillic_runs_carry_their_language() -> None:
    doc = Document(DocMeta("T"), (Paragraph((Text("In Russian: Россия — «Москва», in Kazakh: Қазақстан."),)),))
    out = html.render(doc, _style())
    assert ('<p>In Russian: <span lang="ru">Россия — «Москва»</span>, in Kazakh: '
            '<span lang="kk">Қазақстан</span>.</p>') in out
    russian = html.render(replace(doc, meta=DocMeta("T", language="ru-RU")), _style())
    assert 'lang="ru"' not in russian.split("<body>")[1]


def _numbers_table(columns: int, rows: int = 4) -> Table:
    head = (TableRow((Cell("Indicator"),) + tuple(Cell(str(2000 + j)) for j in range(columns - 1))),)
    body = tuple(TableRow((Cell(f"Indicator number {i}"),) + tuple(
        Cell(None, "missing") if (i, j) == (0, 0) else Cell(-1234.5 * (i + 1) * (j + 1), "number", 1)
        for j in range(columns - 1))) for i in range(rows))
    return Table(f"t{columns}", (Text(f"A table of {columns} columns with a caption longer than the table"),),
                 head, body)


def test_tables_take_the_shared_layout_natural_width_and_columns() -> None:
    """The HTML sets a table as the PDF and the DOCX do: the shared layout's column widths (a colgroup), at its
    natural width as a share of the measure; only a table that needs a landscape page fills the column. The caption
    is not confined to a narrow table's width."""
    from builder.writers.table_layout import layout_table, table_metrics
    style = _style()
    doc = number_document(Document(DocMeta("T"), (Heading(1, (Text("One"),)), _numbers_table(3),
                                                  _numbers_table(16))), Diagnostics())
    out = html.render(doc, style)
    metrics = table_metrics(style, "en_GB")
    small, wide = (layout_table(t, metrics) for t in doc.blocks[1:])
    assert not small.landscape and wide.landscape
    share = 100 * small.width / metrics.portrait
    assert share < 50
    assert f'<table class="data" id="t3" style="width: {share:.1f}%">' in out
    assert '<table class="data" id="t16" style="width: 100%">' in out
    cols = re.search(r'id="t3".*?<colgroup>(.*?)</colgroup>', out, re.S).group(1)
    widths = [float(w) for w in re.findall(r'<col style="width: ([\d.]+)%">', cols)]
    assert len(widths) == 3 and abs(sum(widths) - 100) < 0.5
    assert widths == [round(100 * w / small.width, 1) for w in small.widths]
    assert '<td class="num">\u2013</td>' in out and "\u22122,469.0" in out  # missing marker, true minus
    css = html._css(style)
    assert "width: 100%" not in css.split("table.data {")[1].split("}")[0]  # no table stretched by the style
    assert re.search(r"table.data caption > .caption-text \{ display: block; width: max-content;", css)
