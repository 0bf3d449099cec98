"""The PDF's charts drawn straight into ReportLab (builder/charts/drawing.py) look as they did when they came from
matplotlib's SVG parsed by svglib: every chart of the example projects, both ways, printed to PDF and rasterised."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = [ROOT, ROOT / "examples" / "minimal", ROOT / "examples" / "jahresbericht", ROOT / "examples" / "regions"]
DPI = 100
TOLERANCE = 32  # grey levels (of 255) a pixel may differ by: anti-aliasing of an edge a hundredth of a point away
CLOSE_SHARE = 0.99  # of the pixels of each chart
CLOSE_INK = 0.98  # of the pixels inked (not white) in either drawing
TEXT_POINTS = 1.0  # how far (pt) a glyph may move


def _jobs(root: Path, cache: Path):
    from builder.charts import make_job
    from builder.errors import Diagnostics
    from builder.readers.data import load_dataset
    from builder.readers.project import load_project
    from builder.readers.style import load_style
    diag = Diagnostics()
    project = load_project(root, diag)
    style = load_style(root, project.spec.style, diag)
    dataset = load_dataset(root, diag)
    return [make_job(chart_id, spec, dataset, style, cache, project.spec.locale)
            for chart_id, spec in dataset.charts.items() if not spec.missing_data]


def _pdf(drawings, path: Path) -> Path:
    from reportlab.graphics import renderPDF
    from reportlab.pdfgen.canvas import Canvas
    canvas = Canvas(str(path), pagesize=(drawings[0].width, drawings[0].height), invariant=1)
    for d in drawings:
        canvas.setPageSize((d.width, d.height))
        renderPDF.draw(d, canvas, 0, 0)
        canvas.showPage()
    canvas.save()
    return path


def _pages(pdf: Path) -> list[np.ndarray]:
    from PIL import Image
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(pdf.with_suffix(""))], check=True, timeout=120)
    return [np.asarray(Image.open(p), dtype=int) for p in sorted(pdf.parent.glob(pdf.stem + "-*.pgm"))]


def _blurred(image: np.ndarray) -> np.ndarray:
    """Each pixel the mean of its 3×3 neighbourhood."""
    padded = np.pad(image, 1, mode="edge")
    h, w = image.shape
    return sum(padded[i:i + h, j:j + w] for i in range(3) for j in range(3)) / 9


@pytest.mark.parametrize("root", PROJECTS, ids=lambda p: p.name)
def test_charts_drawn_directly_look_as_through_svg(root: Path, tmp_path: Path) -> None:
    import pdfplumber
    from svglib.svglib import svg2rlg

    from builder.charts import svg_font_map
    from builder.charts.drawing import figure_drawing
    from builder.charts.render import close, figure
    jobs = _jobs(root, tmp_path)
    assert jobs
    fonts = svg_font_map(jobs[0].style_fonts["name"], jobs[0].rl_fonts, jobs[0].style_fonts["files"])
    old, new = [], []
    for job in jobs:
        fig = figure(job)
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None})
        svg.seek(0)
        old.append(svg2rlg(svg, font_map=fonts))
        new.append(figure_drawing(fig, job.style_fonts["name"], job.rl_fonts))
        close(fig)
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old_pdf, new_pdf = _pdf(old, tmp_path / "old" / "c.pdf"), _pdf(new, tmp_path / "new" / "c.pdf")
    old_pages, new_pages = _pages(old_pdf), _pages(new_pdf)
    assert len(old_pages) == len(new_pages) == len(jobs)
    for job, a, b in zip(jobs, old_pages, new_pages):
        assert a.shape == b.shape, job.chart_id
        alike = np.abs(a - b) <= TOLERANCE
        ink = (a < 250) | (b < 250)
        assert ink.sum() > 0.01 * a.size, job.chart_id  # a chart was drawn, not two blank pages
        assert alike.mean() >= CLOSE_SHARE, f"{job.chart_id}: {alike.mean():.2%} of pixels alike"
        assert alike[ink].mean() >= CLOSE_INK, f"{job.chart_id}: {alike[ink].mean():.2%} of inked pixels alike"
    with pdfplumber.open(old_pdf) as before, pdfplumber.open(new_pdf) as after:
        for job, p, q in zip(jobs, before.pages, after.pages):
            assert [c["text"] for c in p.chars] == [c["text"] for c in q.chars], job.chart_id
            assert {c["fontname"] for c in p.chars} == {c["fontname"] for c in q.chars}, job.chart_id
            moved = max(max(abs(c["x0"] - d["x0"]), abs(c["top"] - d["top"])) for c, d in zip(p.chars, q.chars))
            assert moved <= TEXT_POINTS, f"{job.chart_id}: a glyph moved {moved:.2f} pt"


def test_a_drawing_is_a_few_flat_shapes(tmp_path: Path) -> None:
    """A line chart's grid lines, ticks and markers are merged into a few paths under one clip each, not a group a
    mark as svglib builds from the SVG's <use> elements."""
    from reportlab.graphics.shapes import Group, Path as RLPath, String

    from builder.charts.drawing import figure_drawing
    from builder.charts.render import close, figure
    job = next(j for j in _jobs(ROOT, tmp_path) if j.chart_id == "kz-exports-ru")
    fig = figure(job)
    drawing = figure_drawing(fig, job.style_fonts["name"], job.rl_fonts)
    close(fig)
    nodes = []

    def walk(node):
        nodes.append(node)
        for child in getattr(node, "contents", None) or ():
            walk(child)
    walk(drawing)
    strings = [n for n in nodes if isinstance(n, String)]
    assert len(nodes) < 60 and sum(isinstance(n, Group) for n in nodes) < 15
    assert {"2006", "2017", "million US dollars"} <= {s.text for s in strings}
    assert {s.fontName for s in strings} == {job.rl_fonts["regular"]}
    markers = [n for n in nodes if isinstance(n, RLPath) and n.fillColor is not None and not n.isClipPath]
    assert any(p.operators.count(0) == len(job.rows) for p in markers)  # one path, a subpath a data point


def test_pdf_chart_text_and_fonts(minimal_build: Path, tmp_path: Path) -> None:
    """The built PDF's chart has the tick labels and legend entries as text, in the style's embedded fonts."""
    import pdfplumber

    from builder.charts.render import close, figure
    job = _jobs(ROOT / "examples" / "minimal", tmp_path)[0]
    fig = figure(job)
    fig.canvas.draw()
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    ticks = [t.get_text() for t, v in zip(ax.get_yticklabels(), ax.get_yticks()) if lo <= v <= hi]
    ticks += [t.get_text() for t in ax.get_xticklabels()]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    close(fig)
    assert len(ticks) >= 4 and len(legend) == 2
    pdf = minimal_build / "minimal.pdf"
    with pdfplumber.open(pdf) as doc:
        page = next(p for p in doc.pages if all(t in (p.extract_text() or "") for t in ["Figure 1", *legend]))
        words = {w["text"] for w in page.extract_words()}
        chart_fonts = {c["fontname"].split("+")[-1] for c in page.chars if c["text"] in "".join(ticks)}
    assert set(ticks) <= words
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    embedded = {line.split()[0].split("+")[-1] for line in fonts if line.split()[-5] == "yes"}
    assert chart_fonts and chart_fonts <= embedded
    assert not any("Helvetica" in line for line in fonts)  # no chart text fell back to a base font


def test_what_the_charts_do_not_use_yet_is_drawn_alike(tmp_path: Path) -> None:
    """Transparency, curves, a clip path that is not a rectangle, dashes, a filled collection, rotated and
    mathematical text: drawn directly as matplotlib draws them itself (Agg, at the same resolution), inside the
    plot (outside it, Agg's hinted text and pixel-snapped spines differ from any PDF rasteriser's). svglib drew the
    translucent circle opaque."""
    import matplotlib.pyplot as plt
    import pdfplumber
    from matplotlib.patches import Circle
    from PIL import Image

    from builder.charts import svg_font_map
    from builder.charts.drawing import figure_drawing
    from builder.charts.render import _setup
    job = _jobs(ROOT / "examples" / "minimal", tmp_path)[0]
    _setup(job)  # the style's font, as in a chart
    svg_font_map(job.style_fonts["name"], job.rl_fonts, job.style_fonts["files"])  # registered for ReportLab
    fig, ax = plt.subplots(figsize=(4, 3), dpi=DPI)
    ax.fill_between([0, 1, 2, 3], [0, 1, 0.5, 2], color="#c04020", alpha=0.4)
    line, = ax.plot([0, 1, 2, 3], [2, 0, 2, 0], linestyle="--", linewidth=2, color="#1f4e79")
    line.set_clip_path(Circle((1.5, 1), 0.8, transform=ax.transData))
    ax.add_patch(Circle((1.5, 1), 0.6, facecolor="#2a9d2a", alpha=0.5))
    tilted = ax.text(0.2, 1.5, "tilted", rotation=30, rotation_mode="anchor", fontsize=12)
    ax.set_title(r"$x^2 + y_1$")
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI)
    x0, y0, x1, y1 = ax.get_window_extent().extents
    tx0, ty0, tx1, ty1 = tilted.get_window_extent().extents
    new = figure_drawing(fig, job.style_fonts["name"], job.rl_fonts)
    plt.close(fig)
    a = np.asarray(Image.open(png).convert("L"), dtype=int)
    (b,) = _pages(_pdf([new], tmp_path / "c.pdf"))
    assert a.shape == b.shape
    h = a.shape[0]
    inside = np.zeros(a.shape, dtype=bool)
    inside[int(h - y1) + 3:int(h - y0) - 3, int(x0) + 3:int(x1) - 3] = True
    inside[int(h - ty1) - 3:int(h - ty0) + 3, int(tx0) - 3:int(tx1) + 3] = False
    a, b = _blurred(a), _blurred(b)  # the rasterisers place a hairline's edge differently: compare what is drawn
    alike, ink = np.abs(a - b) <= TOLERANCE, ((a < 250) | (b < 250)) & inside
    assert alike[ink].mean() >= CLOSE_INK and ink.sum() > 0.2 * inside.sum()
    cx, cy = ax.transData.transform((1.5, 1.2))  # the translucent circle over the translucent fill
    assert 40 < a[int(h - cy), int(cx)] < 230 and abs(a[int(h - cy), int(cx)] - b[int(h - cy), int(cx)]) <= 8
    with pdfplumber.open(tmp_path / "c.pdf") as pdf:
        page = pdf.pages[0]
        assert "tilted" in "".join(c["text"] for c in page.chars)
        assert page.curves or page.rects  # the mathematical title as outlines


def test_like_fills_that_overlap_stay_apart(tmp_path: Path) -> None:
    """Two squares of one colour overlapping, their outlines turning opposite ways (a negative width): joined into
    one path, the nonzero rule would leave their overlap empty."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from builder.charts.drawing import figure_drawing
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_axis_off()
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3)
    ax.add_patch(Rectangle((0, 0), 2, 2, facecolor="#1f4e79", edgecolor="none"))
    ax.add_patch(Rectangle((3, 1), -2, 2, facecolor="#1f4e79", edgecolor="none"))
    x, y = ax.transData.transform((1.5, 1.5)) * 72 / fig.dpi
    drawing = figure_drawing(fig, "DejaVu Sans", {"regular": "Helvetica", "bold": "Helvetica-Bold"})
    plt.close(fig)
    (page,) = _pages(_pdf([drawing], tmp_path / "c.pdf"))
    scale = DPI / 72
    assert page[int(page.shape[0] - y * scale), int(x * scale)] < 128  # the overlap is painted
