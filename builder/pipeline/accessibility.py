"""Accessibility rules, checked on the document model at build time, so they hold for the PDF and the DOCX alike.

Errors (the build stops, at the place to fix): a chart without alternative text (its `description:` in
data/charts.yaml), a table without a header row, a skipped heading level, a document without a language.
Warning: a link in the text whose visible text is its URL although the sentence around it describes it — the
description should be the link text, which is what a screen reader announces.
"""
from __future__ import annotations

from builder.errors import BuildError, BuildErrors, Diagnostics
from builder.readers.data import Dataset
from builder.model import (Document, Emphasis, Figure, Heading, Inline, Link, Paragraph, Source, Strong, Superscript,
                           Table, inline_text, walk)

REPORT_FILE = "report.yaml"


def check_accessibility(doc: Document, dataset: Dataset, diag: Diagnostics) -> None:
    """Raise every rule broken (all together); warn about links that read as bare URLs."""
    errors = [*_language(doc), *_charts(doc, dataset), *_tables(doc), *_headings(doc)]
    _links(doc, diag)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BuildErrors(errors)


def _language(doc: Document) -> list[BuildError]:
    if doc.meta.language.strip():
        return []
    return [BuildError("the document has no language", Source(REPORT_FILE),
                       "set `language:` in report.yaml (e.g. en-GB): screen readers choose their voice by it")]


def _charts(doc: Document, dataset: Dataset) -> list[BuildError]:
    out = []
    for figure in walk(doc.blocks):
        if not isinstance(figure, Figure):
            continue
        spec = dataset.charts.get(figure.id)
        if spec is None or spec.missing_data or spec.description.strip():
            continue
        out.append(BuildError(f"chart '{figure.id}' has no alternative text",
                              Source("data/charts.yaml", dataset.chart_lines.get(figure.id)),
                              "add `description:` saying what the chart shows (read aloud in place of the chart)"))
    return out


def _tables(doc: Document) -> list[BuildError]:
    return [BuildError(f"table '{t.id or inline_text(t.caption)}' has no header row", t.source,
                       "give the table column headings: a reader of the cells needs to know what each column is")
            for t in walk(doc.blocks) if isinstance(t, Table) and not t.header_rows]


def _headings(doc: Document) -> list[BuildError]:
    out, level = [], 0
    for h in walk(doc.blocks):
        if not isinstance(h, Heading):
            continue
        if h.level > level + 1:
            out.append(BuildError(f"heading level {h.level} follows level {level}: "
                                  f"'{inline_text(h.inlines)}' skips a level", h.source,
                                  f"use a level-{level + 1} heading here ({'#' * (level + 1)} in Markdown)"))
        level = h.level
    return out


def _links(doc: Document, diag: Diagnostics) -> None:
    for block in walk(doc.blocks):
        if isinstance(block, (Paragraph, Heading)):
            for link in _bare_links(block.inlines):
                diag.warn("accessibility", f"the link text is its URL ({link.url}) although the sentence describes "
                          "it: make the description the link text, [description](url)", block.source)


def _bare_links(inlines: tuple[Inline, ...]) -> list[Link]:
    """Links whose text is their URL, in inlines that also hold other words (a description)."""
    words = inline_text(inlines)
    out = []
    for node in _links_in(inlines):
        text = inline_text(node.children).strip()
        if _same_url(text, node.url) and len(words.replace(text, "").split()) >= 3:
            out.append(node)
    return out


def _links_in(inlines: tuple[Inline, ...]):
    for node in inlines:
        if isinstance(node, Link):
            yield node
        elif isinstance(node, (Strong, Emphasis, Superscript)):
            yield from _links_in(node.children)


def _same_url(text: str, url: str) -> bool:
    def bare(s: str) -> str:
        for prefix in ("https://", "http://", "mailto:", "www."):
            s = s.removeprefix(prefix)
        return s.rstrip("/")
    return bare(text) == bare(url)
