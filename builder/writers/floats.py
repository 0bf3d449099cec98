"""Landscape tables as floats, for a writer whose pages cannot let text pass a table: the order of the blocks
around them, decided once.

In the PDF a landscape table waits for the current page to end while the text after it goes on filling that page
(builder/writers/pdf.py, `_Deferred`). A Word document cannot do that: a landscape table needs its own section,
and a section break ends the page where it stands, leaving the page before it half empty. So the DOCX sets the
table (or a run of consecutive landscape tables, which share their pages) after the text that follows it in the
source, as the PDF's float would: the paragraphs, lists, quotes and figures up to the next heading, table or page
break, and no more than about a page of them, so a table never lands far from where the text introduces it.
Tables keep their order among themselves (their numbers and the list of tables stay in source order), and
figures theirs.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from builder.model import (BulletList, Definitions, Figure, OrderedList, Paragraph, Quote, Table, inline_text,
                           walk)

PAGE_CHARS = 3600.0     # characters of body text on a portrait page (as builder/writers/docx_pages.py estimates)
FIGURE_PAGE = 0.45      # a chart with its caption and source line, in pages
LINE_CHARS = 80.0       # what a paragraph's spacing and last line add, in characters
BUDGET = 1.0            # the most text, in pages, that passes a landscape table
PASSING = (Paragraph, BulletList, OrderedList, Quote, Definitions, Figure)  # what may be set before a float


def pages_of(block) -> float:
    """A rough height of a block of text or a figure, in pages."""
    if isinstance(block, Figure):
        return FIGURE_PAGE if block.chart is not None else 0.0
    if isinstance(block, Definitions):
        return sum(len(t) + len(d) + LINE_CHARS for t, d in block.items) / PAGE_CHARS
    chars = sum(len(inline_text(b.inlines)) + LINE_CHARS for b in walk((block,)) if isinstance(b, Paragraph))
    return chars / PAGE_CHARS


def landscape_order(blocks: Sequence, landscape: Callable[[Table], bool], budget: float = BUDGET) -> list:
    """`blocks` with every run of consecutive landscape tables moved after the text and figures that follow it,
    up to the next heading, table or other block that is not text, and within `budget` pages of that text."""
    out: list = []
    i, n = 0, len(blocks)
    while i < n:
        b = blocks[i]
        if not (isinstance(b, Table) and landscape(b)):
            out.append(b)
            i += 1
            continue
        floats = []
        while i < n and isinstance(blocks[i], Table) and landscape(blocks[i]):
            floats.append(blocks[i])
            i += 1
        room, passed = budget, 0
        while i < n and isinstance(blocks[i], PASSING) and pages_of(blocks[i]) <= room:
            room -= pages_of(blocks[i])
            out.append(blocks[i])
            i, passed = i + 1, passed + 1
        if passed and isinstance(out[-1], Paragraph) and i < n and isinstance(blocks[i], (BulletList, OrderedList)):
            out.pop()  # a list's head stays with its list, after the tables
            i -= 1
        out += floats
    return out
