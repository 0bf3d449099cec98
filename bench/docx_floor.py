"""The DOCX writer against bare python-docx writing the same content: headings, paragraphs (with bold and italic
runs), list items, tables (every cell), pictures (the same PNGs) and the footnotes' text. Both in this process,
after the document model and the charts are ready, alternating, median of N; prints JSON.

`writer`: the writer as a build runs it. `bare`: python-docx's public API the plainest way;
`bare_ids`: the same, paragraph styles set by style id through the paragraph's element (python-docx looks a style
given by name up among all styles on every call, which is most of the bare side's time; the writer sets ids too).

    python bench/docx_floor.py PROJECT [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _text(inlines) -> str:
    parts = []
    for x in inlines:
        kids = getattr(x, "children", None)
        parts.append(_text(kids) if kids is not None else (getattr(x, "text", "") or ""))
    return "".join(parts)


def _runs(paragraph, inlines, bold=False, italic=False) -> None:
    from builder import model as m
    for x in inlines:
        if isinstance(x, m.Strong):
            _runs(paragraph, x.children, True, italic)
        elif isinstance(x, m.Emphasis):
            _runs(paragraph, x.children, bold, True)
        elif getattr(x, "children", None) is not None:
            _runs(paragraph, x.children, bold, italic)
        else:
            text = getattr(x, "text", "") or (str(x.number) if hasattr(x, "number") else "")
            if text:
                run = paragraph.add_run(text)
                run.bold, run.italic = bold or None, italic or None


def _cell_text(cell) -> str:
    v = cell.value
    if isinstance(v, float):
        return f"{v:,.{cell.decimals}f}"
    return "" if v is None else str(v)


def bare(doc, out: Path, by_id: bool = False) -> None:
    """The same content through python-docx's public API, the plainest way (`by_id`: styles set by id)."""
    import docx
    from docx.shared import Inches

    from builder import model as m
    d = docx.Document()
    ids = {s.name: s.style_id for s in d.styles} if by_id else None

    def heading(text: str, level: int):
        if ids is None:
            return d.add_heading(text, level)
        p = d.add_paragraph(text)
        p._p.style = ids[f"Heading {level}"]
        return p

    def paragraph(style):
        if ids is None or style is None:
            return d.add_paragraph(style=style)
        p = d.add_paragraph()
        p._p.style = ids[style]
        return p

    def blocks(items, list_style=None):
        for b in items:
            if isinstance(b, m.Heading):
                heading(_text(b.inlines), min(b.level, 9))
            elif isinstance(b, m.Paragraph):
                _runs(paragraph(list_style), b.inlines)
                list_style = None
            elif isinstance(b, (m.BulletList, m.OrderedList)):
                style = "List Bullet" if isinstance(b, m.BulletList) else "List Number"
                for item in b.items:
                    blocks(item.blocks, style)
            elif isinstance(b, m.Definitions):
                for term, definition in b.items:
                    p = d.add_paragraph()
                    p.add_run(term).bold = True
                    p.add_run("\t" + definition)
            elif isinstance(b, m.Quote):
                blocks(b.blocks)
            elif isinstance(b, m.Table):
                d.add_paragraph(f"Table {b.number}. {_text(b.caption)}")
                rows = [*b.header_rows, *b.body_rows]
                width = max(len(r.cells) for r in rows)
                table = d.add_table(rows=len(rows), cols=width)
                for row, data in zip(table.rows, rows):
                    for cell, value in zip(row.cells, data.cells):
                        cell.text = _cell_text(value)
                d.add_paragraph(b.citation)
            elif isinstance(b, m.Figure):
                if b.chart is not None:
                    d.add_picture(b.chart.png_path, width=Inches(b.chart.width_in))
                d.add_paragraph(f"Figure {b.number}. {_text(b.caption)}")
            elif isinstance(b, m.PageBreak):
                d.add_page_break()
    blocks(doc.blocks)
    for _key, inlines in doc.footnotes.items():
        _runs(d.add_paragraph(), inlines)
    d.save(str(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from builder.pipeline import prepare
    from builder.writers import docx as writer
    with tempfile.TemporaryDirectory() as tmp:
        result = prepare(args.project, cache=Path(tmp) / "cache")
        result.charts.wait("all")
        doc, style = result.document, result.style
        sides = {"writer": lambda p, i: writer.write(doc, style, p),
                 "bare": lambda p, i: bare(doc, p),
                 "bare_ids": lambda p, i: bare(doc, p, by_id=True)}
        times: dict[str, list[float]] = {name: [] for name in sides}
        for i in range(args.runs + 1):  # the first round warms all up (imports, fonts) and is not counted
            for name, fn in sides.items():
                start = time.process_time()
                fn(Path(tmp) / f"{name}.docx", i)
                if i:
                    times[name].append(time.process_time() - start)
        medians = {k: statistics.median(v) for k, v in times.items()}
        print(json.dumps({**medians, "ratio": medians["writer"] / medians["bare"],
                          "ratio_ids": medians["writer"] / medians["bare_ids"]}))


if __name__ == "__main__":
    main()
