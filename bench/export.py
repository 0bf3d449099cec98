"""The flagship's content exported once, outside the timing, for the peer pipeline: the Document dossier builds
(chapters rendered, lists expanded, numbers formatted) as pandoc Markdown with pipe tables, plus each chart's
data as CSV and its kind, so the peer draws the same charts with matplotlib.

    python bench/export.py PROJECT OUT_DIR     → OUT_DIR/report.md, OUT_DIR/charts/<id>.csv, OUT_DIR/charts.json
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _inlines(items) -> str:
    from builder import model as m
    out = []
    for x in items:
        if isinstance(x, m.Text):
            out.append(_escape(x.text))
        elif isinstance(x, m.Strong):
            out.append(f"**{_inlines(x.children)}**")
        elif isinstance(x, m.Emphasis):
            out.append(f"*{_inlines(x.children)}*")
        elif isinstance(x, m.Superscript):
            out.append(f"^{_inlines(x.children)}^")
        elif isinstance(x, m.Code):
            out.append(f"`{x.text}`")
        elif isinstance(x, m.LineBreak):
            out.append("\\\n")
        elif isinstance(x, m.Link):
            out.append(f"[{_inlines(x.children)}]({x.url})")
        elif isinstance(x, m.FootnoteRef):
            out.append(f"[^{_slug(x.id)}]")
        elif isinstance(x, m.CrossRef):
            out.append(_escape(x.text or x.target))
    return "".join(out)


def _escape(text: str) -> str:
    return "".join("\\" + c if c in "*_[]`<>#|$@^~\\" else c for c in text)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)


def _cell(cell) -> str:
    v = cell.value
    if v is None:
        text = "–"
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        text = f"{v:,.{cell.decimals}f}" if isinstance(v, float) or cell.decimals else f"{v:,}"
    else:
        text = str(v)
    note = f"[^{_slug(cell.note.id)}]" if cell.note is not None else ""
    return (_escape(text).replace("\n", " ") + note) or " "


def _blocks(blocks, lines: list[str], charts: dict, indent: str = "") -> None:
    from builder import model as m
    for b in blocks:
        if isinstance(b, m.Heading):
            lines += [f"{'#' * b.level} {_inlines(b.inlines)}" + ("" if b.numbered else " {-}"), ""]
        elif isinstance(b, m.Paragraph):
            lines += [indent + _inlines(b.inlines), ""]
        elif isinstance(b, (m.BulletList, m.OrderedList)):
            for i, item in enumerate(b.items):
                mark = "- " if isinstance(b, m.BulletList) else f"{b.start + i}. "
                sub: list[str] = []
                _blocks(item.blocks, sub, charts, indent + "    ")
                text = [s for s in sub if s.strip()]
                if text:
                    lines.append(indent + mark + text[0].strip())
                    lines.extend(text[1:])
            lines.append("")
        elif isinstance(b, m.Definitions):
            for term, definition in b.items:
                lines += [_escape(term), f":   {_escape(definition)}", ""]
        elif isinstance(b, m.Quote):
            sub = []
            _blocks(b.blocks, sub, charts)
            lines += ["> " + s for s in sub] + [""]
        elif isinstance(b, m.Table):
            lines += [f"Table {b.number}: {_inlines(b.caption)}", ""]
            width = max(len(r.cells) for r in (*b.header_rows, *b.body_rows))
            head = b.header_rows[-1].cells if b.header_rows else ()
            row = [_cell(c) for c in head] + [" "] * (width - len(head))
            lines += ["| " + " | ".join(row) + " |", "|" + "---|" * width]
            for r in b.body_rows:
                row = [_cell(c) for c in r.cells] + [" "] * (width - len(r.cells))
                lines.append("| " + " | ".join(row) + " |")
            lines.append("")
            if b.citation:
                lines += [f"Source: {_escape(b.citation)}", ""]
        elif isinstance(b, m.Figure):
            if b.chart is not None and b.id in charts:
                charts[b.id]["width_in"], charts[b.id]["height_in"] = b.chart.width_in, b.chart.height_in
                lines += [f"![{_inlines(b.caption)}](charts/{b.id})", ""]  # .svg or .png
            else:
                lines += [f"Figure {b.number}: {_inlines(b.caption)}", "", _escape(b.missing_note), ""]
            if b.citation:
                lines += [f"Source: {_escape(b.citation)}", ""]
        elif isinstance(b, m.PageBreak):
            lines += ["```{=openxml}", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>', "```", "",
                      "```{=typst}", "#pagebreak()", "```", ""]
        elif isinstance(b, m.TitlePage):
            pass  # pandoc's title block (metadata) stands in for it


def _chart_data(dataset, charts: dict, folder: Path) -> None:
    """Each drawn chart's x and series columns (scaled) as CSV."""
    for chart_id, spec in dataset.charts.items():
        if chart_id not in charts:
            continue
        table = dataset.tables[spec.table]
        rows = [r for r in table.rows if str(r.get(table.meta.key) if table.meta.key else "") not in spec.exclude]
        with (folder / f"{chart_id}.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow([spec.x, *spec.series])
            for r in rows:
                values = [r.get(s) for s in spec.series]
                if all(v is None for v in values):
                    continue
                out.writerow([r.get(spec.x), *["" if v is None else v * spec.scale for v in values]])


def export(project: Path, out: Path) -> dict:
    from builder.model import Figure, walk
    from builder.pipeline import prepare
    result = prepare(project, draw=False)
    doc = result.document
    charts = {b.id: {"kind": result.dataset.charts[b.id].kind, "unit": result.dataset.charts[b.id].unit}
              for b in walk(doc.blocks) if isinstance(b, Figure) and b.chart is not None
              and b.id in result.dataset.charts}
    lines = ["---", f"title: {json.dumps(doc.meta.title, ensure_ascii=False)}",
             f"author: {json.dumps(', '.join(a.name for a in doc.meta.authors), ensure_ascii=False)}",
             f"lang: {doc.meta.language}", "---", ""]
    _blocks(doc.blocks, lines, charts)
    for key, inlines in doc.footnotes.items():
        lines += [f"[^{_slug(key)}]: {_inlines(inlines)}", ""]
    (out / "charts").mkdir(parents=True, exist_ok=True)
    _chart_data(result.dataset, charts, out / "charts")
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "charts.json").write_text(json.dumps(charts, indent=1), encoding="utf-8")
    tables = sum(1 for b in walk(doc.blocks) if type(b).__name__ == "Table")
    return {"charts": len(charts), "tables": tables, "chars": sum(len(s) for s in lines)}


if __name__ == "__main__":
    print(export(Path(sys.argv[1]), Path(sys.argv[2])))
