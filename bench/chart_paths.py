"""The PDF's vector charts two ways: matplotlib's SVG parsed by svglib (the old path) and the figure drawn straight
into ReportLab (builder/charts/drawing.py). CPU seconds for the charts of a project's document, each step the median
of alternating rounds:

    python bench/chart_paths.py [PROJECT] [--rounds 5]

figure: building the matplotlib figures (the same for both); vector: what a worker does for the PDF (the SVG and
svglib, or the direct drawing; pickled); draw: what the PDF writer does (unpickle, draw onto a page); shapes: the
drawings' nodes (groups and shapes)."""
from __future__ import annotations

import argparse
import io
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def jobs_of(project: Path, cache: Path):
    from builder.charts import make_job
    from builder.model import Figure, walk
    from builder.pipeline import prepare
    result = prepare(project, draw=False)
    ids = list(dict.fromkeys(b.id for b in walk(result.document.blocks) if isinstance(b, Figure)))
    specs = result.dataset.charts
    return [make_job(i, specs[i], result.dataset, result.style, cache, result.project.spec.locale)
            for i in ids if not specs[i].missing_data]


def nodes(drawing) -> int:
    return 1 + sum(nodes(c) for c in getattr(drawing, "contents", None) or ())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?", default=str(ROOT))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from reportlab.graphics import renderPDF
    from reportlab.pdfgen.canvas import Canvas
    from svglib.svglib import svg2rlg

    from builder.charts import svg_font_map
    from builder.charts.drawing import figure_drawing
    from builder.charts.render import close, figure
    jobs = jobs_of(Path(args.project), Path(tempfile.mkdtemp()))
    fonts = svg_font_map(jobs[0].style_fonts["name"], jobs[0].rl_fonts, jobs[0].style_fonts["files"])

    def old(fig, job):
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None})
        svg.seek(0)
        return pickle.dumps(svg2rlg(svg, font_map=fonts), protocol=pickle.HIGHEST_PROTOCOL)

    def new(fig, job):
        drawing = figure_drawing(fig, job.style_fonts["name"], job.rl_fonts)
        return pickle.dumps(drawing, protocol=pickle.HIGHEST_PROTOCOL)

    def draw(pickles) -> float:
        canvas = Canvas(io.BytesIO())
        t = time.process_time()
        for data in pickles:
            renderPDF.draw(pickle.loads(data), canvas, 0, 0)
            canvas.showPage()
        spent = time.process_time() - t
        canvas.save()
        return spent

    times: dict[str, list[float]] = {k: [] for k in ("figure", "old vector", "new vector", "old draw", "new draw")}
    counts = {}
    for _round in range(args.rounds):
        for name, path in (("old", old), ("new", new)) if _round % 2 == 0 else (("new", new), ("old", old)):
            t = time.process_time()
            figs = [(figure(job), job) for job in jobs]
            times["figure"].append(time.process_time() - t)
            t = time.process_time()
            pickles = [path(fig, job) for fig, job in figs]
            times[f"{name} vector"].append(time.process_time() - t)
            for fig, _job in figs:
                close(fig)
            times[f"{name} draw"].append(draw(pickles))
            counts[name] = (sum(nodes(pickle.loads(p)) for p in pickles), sum(map(len, pickles)))
    print(f"{len(jobs)} charts, median CPU s of {args.rounds} rounds each")
    for key, values in times.items():
        print(f"{key:12} {statistics.median(values):7.3f}")
    for name, (n, size) in counts.items():
        print(f"{name} drawings: {n} nodes, {size / 1024:.0f} KiB pickled")


if __name__ == "__main__":
    main()
