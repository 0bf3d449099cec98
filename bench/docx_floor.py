"""The DOCX writer against bare python-docx writing the same content: headings, paragraphs (with bold and italic
runs), list items, tables (every cell), pictures (the same PNGs) and the footnotes' text. Both in this process,
after the document model and the charts are ready, alternating, median of N; prints JSON.

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


def bare(doc, out: Path) -> None:
    """The same content through python-docx's public API, the plainest way."""
    import docx
    from docx.shared import Inches

    from builder import model as m
    d = docx.Document()

    def blocks(items, list_style=None):
        for b in items:
            if isinstance(b, m.Heading):
                d.add_heading(_text(b.inlines), min(b.level, 9))
            elif isinstance(b, m.Paragraph):
                _runs(d.add_paragraph(style=list_style), b.inlines)
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
        times: dict[str, list[float]] = {"writer": [], "bare": []}
        for i in range(args.runs + 1):  # the first round warms both up (imports, fonts) and is not counted
            for name, fn in (("writer", lambda p: writer.write(doc, style, p)), ("bare", lambda p: bare(doc, p))):
                start = time.process_time()
                fn(Path(tmp) / f"{name}.docx")
                if i:
                    times[name].append(time.process_time() - start)
        medians = {k: statistics.median(v) for k, v in times.items()}
        print(json.dumps({**medians, "ratio": medians["writer"] / medians["bare"]}))


if __name__ == "__main__":
    main()
