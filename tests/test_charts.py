"""Chart cache: a rebuild renders nothing; changing one table re-renders only the charts that use it."""
from __future__ import annotations

from pathlib import Path

from builder.pipeline import UpToDate, build


def test_cache_and_up_to_date(minimal: Path) -> None:
    charts = minimal / "data" / "charts.yaml"
    charts.write_text(charts.read_text() + "share-chart:\n  title: Share\n  table: partners\n  x: partner\n"
                      "  series: [value]\n  kind: hbar\n  description: Value by partner.\n", encoding="utf-8")
    chapter = minimal / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text() + "\n```{figure} share-chart\n```\n", encoding="utf-8")
    first = build(minimal)
    assert (first.charts.rendered, first.charts.cached) == (2, 0)
    assert isinstance(build(minimal), UpToDate)
    again = build(minimal, force=True)
    assert (again.charts.rendered, again.charts.cached) == (0, 2)
    trade = minimal / "data" / "trade.csv"
    trade.write_text(trade.read_text().replace("1750,", "1800,"), encoding="utf-8")
    changed = build(minimal)
    assert (changed.charts.rendered, changed.charts.cached) == (1, 1)
    cache = minimal / "build" / ".cache" / "charts"
    assert len(list(cache.glob("*.rlg"))) == 2 and len(list(cache.glob("*.png"))) == 2
    assert not list(cache.glob("*.svg"))  # no format of this build embeds the SVG: none is written


def test_pdf_charts_are_vector(minimal_build: Path) -> None:
    from pypdf import PdfReader
    reader = PdfReader(str(minimal_build / "minimal.pdf"))
    images = sum(len(page.images) for page in reader.pages)
    assert images == 0
    assert any("Exports, million US dollars" in (p.extract_text() or "") for p in reader.pages)


def test_chart_errors_name_the_line_and_the_columns(minimal: Path) -> None:
    import pytest

    from builder.errors import BuildError
    charts = minimal / "data" / "charts.yaml"
    charts.write_text(charts.read_text().replace("series: [exports, imports]", "series: [exports, exprots]"))
    with pytest.raises(BuildError) as e:
        build(minimal)
    assert str(e.value.source) == "data/charts.yaml:6"  # the series line, not the chart's first line
    assert "table 'trade' has no column 'exprots'" in e.value.message
    assert "year, exports, imports, share" in e.value.hint
    charts.write_text("bad-chart:\n  title: T\n  kind: pie\n  table: trade\n  x: year\n  series: [exports]\n")
    with pytest.raises(BuildError) as e:
        build(minimal)
    assert str(e.value.source) == "data/charts.yaml:3" and "kind" in e.value.message


# ---- drawn once, in the output folder, no shared state ----------------------------------------------------------

def _job(tmp: Path, kind: str, rows: list[tuple], series: list[str], **style_chart):
    """A chart job on hand-made rows, in the built-in style (with `style_chart` keys under chart:)."""
    import yaml

    from builder.charts import make_job
    from builder.errors import Diagnostics
    from builder.readers.data import ChartSpec, load_dataset
    from builder.readers.style import load_style
    (tmp / "styles").mkdir(parents=True, exist_ok=True)
    style = yaml.safe_load((Path(__file__).resolve().parents[1] / "builder" / "readers" / "default_style.yaml").read_text())
    style["chart"].update(style_chart)
    (tmp / "styles" / "default.yaml").write_text(yaml.safe_dump(style), encoding="utf-8")
    data = tmp / "data"
    data.mkdir(exist_ok=True)
    (data / "t.csv").write_text("x," + ",".join(series) + "\n" + "\n".join(
        ",".join(str(v) for v in row) for row in rows) + "\n", encoding="utf-8")
    (data / "t.yaml").write_text("title: T\nsource: {text: Somewhere}\nkey: x\ncolumns:\n  - {name: x, type: text}\n"
                                 + "".join(f"  - {{name: {s}, type: number}}\n" for s in series), encoding="utf-8")
    diag = Diagnostics()
    dataset = load_dataset(tmp, diag)
    spec = ChartSpec(title="T", kind=kind, table="t", x="x", series=series, description="d")
    return make_job("c", spec, dataset, load_style(tmp, "default", diag), tmp / "cache", "en_GB")


def test_each_chart_is_drawn_once_for_both_formats(tmp_path: Path, monkeypatch) -> None:
    """One matplotlib figure a chart gives the SVG, the PDF's drawing and the PNG, at the style's dpi."""
    import builder.charts.render as render
    from PIL import Image

    from builder.charts import render_share
    drawn = []
    figure = render.figure
    monkeypatch.setattr(render, "figure", lambda job: drawn.append(job.chart_id) or figure(job))
    job = _job(tmp_path, "bar", [(2020, 1, 2), (2021, 3, 4)], ["a", "b"], dpi=100)
    (tmp_path / "cache").mkdir()
    render_share([(job, ("vector", "svg", "raster"))])
    assert drawn == ["c"]
    assert all(Path(p).stat().st_size > 0 for p in (job.svg, job.rlg, job.png))
    assert Image.open(job.png).size == (round(job.size[0] * 100), round(job.size[1] * 100))
    assert job.dpi == 100 and _job(tmp_path / "x", "bar", [(2020, 1)], ["a"]).dpi == 200  # the default


def test_chart_cache_sits_in_the_output_folder(minimal: Path, tmp_path: Path) -> None:
    import shutil

    from pypdf import PdfReader
    out = tmp_path / "elsewhere"
    first = build(minimal, out)
    cache = out / ".cache" / "charts"
    assert first.charts.rendered == 1 and len(list(cache.glob("*.rlg"))) == 1 and len(list(cache.glob("*.png"))) == 1
    assert not (minimal / "build").exists()  # nothing written beside the project when --out is elsewhere
    shutil.rmtree(out / ".cache")
    again = build(minimal, out, force=True)
    assert (again.charts.rendered, again.charts.cached) == (1, 0)
    text = "".join(p.extract_text() or "" for p in PdfReader(str(again.outputs["pdf"])).pages)
    assert "Exports, million US dollars" in text and len(list(cache.glob("*.rlg"))) == 1
    assert not list(cache.glob("*.pending"))


def test_a_writer_waits_for_a_chart_by_its_files(tmp_path: Path) -> None:
    """A chart drawn in the background: the PDF's drawing waits while the chart is pending, fails at once when its
    worker could not draw it; nothing about it is kept in the process."""
    import os
    import threading

    import pytest

    import builder.charts as charts
    from builder.charts import ChartNotDrawn, Drawings, marker, render_share
    job = _job(tmp_path, "line", [(2020, 1), (2021, 3)], ["a"])
    (tmp_path / "cache").mkdir()
    Path(marker(job, "pending")).touch()
    worker = threading.Timer(0.3, render_share, [[(job, ("vector",))]])
    worker.start()
    from builder.errors import Diagnostics
    from builder.readers.style import load_style
    style = load_style(tmp_path, "default", Diagnostics())
    drawings = Drawings(style, {"regular": "Helvetica", "bold": "Helvetica-Bold"})
    drawing = drawings.load(job.svg, 200.0)  # waits for the worker
    worker.join()
    assert round(drawing.width) == 200 and not os.path.exists(marker(job, "pending"))
    other = _job(tmp_path / "o", "line", [(2020, 1), (2021, 5)], ["a"])
    (tmp_path / "o" / "cache").mkdir()
    Path(marker(other, "failed")).touch()
    Path(marker(other, "pending")).touch()
    with pytest.raises(ChartNotDrawn):
        drawings.load(other.svg, 200.0)
    Path(marker(other, "failed")).unlink()
    Path(marker(other, "pending")).unlink()
    with pytest.raises(ChartNotDrawn):  # neither drawn nor being drawn: no wait
        drawings.load(other.svg, 200.0)
    assert not [name for name in vars(charts) if name.isupper() and isinstance(getattr(charts, name), (dict, set))]


def test_two_styles_in_one_process_keep_their_chart_fonts(minimal: Path, tmp_path: Path) -> None:
    """svglib's font map is the writer's own: a second style's charts are set in its fonts, not the first's."""
    import pdfplumber
    import yaml
    default = yaml.safe_load((Path(__file__).resolve().parents[1] / "builder" / "readers" / "default_style.yaml").read_text())
    default["fonts"] = {role: {"package": "no_such_font_package", "name": "Fallback", "fallback": "DejaVuSans"}
                        for role in ("body", "heading")}
    (minimal / "styles").mkdir()
    (minimal / "styles" / "plain.yaml").write_text(yaml.safe_dump(default), encoding="utf-8")
    fonts = {}
    for name in ("default", "plain"):
        report = minimal / "report.yaml"
        text = report.read_text(encoding="utf-8").replace("style: default\n", "").replace("style: plain\n", "")
        report.write_text(text + f"style: {name}\n", encoding="utf-8")
        out = build(minimal, tmp_path / name, ("pdf",)).outputs["pdf"]
        with pdfplumber.open(out) as pdf:
            chars = [c for page in pdf.pages for c in page.chars]
        # the chart's tick labels: the drawing is scaled to the text width, so their size is no half point
        ticks = [c for c in chars if c["text"].isdigit() and abs(c["size"] * 2 - round(c["size"] * 2)) > 0.05]
        assert ticks, name
        fonts[name] = {c["fontname"].split("+")[-1] for c in ticks}
    assert all("DejaVu" in f for f in fonts["plain"]), fonts
    assert not any("DejaVu" in f or "Helvetica" in f for f in fonts["default"]), fonts


# ---- finishing: ticks, labels, legends, colours, titles ---------------------------------------------------------

def _ticks(axis) -> list[float]:
    lo, hi = axis.get_view_interval()
    return [t for t in axis.get_majorticklocs() if lo <= t <= hi]


def test_value_ticks_at_round_steps(tmp_path: Path) -> None:
    import math

    from builder.charts.render import close, figure
    for rows in ([(2006 + i, v) for i, v in enumerate((38.2, 35.1, 36.3, 31.0, 22.7, 42.9, 38.3))],
                 [(2000 + i, v) for i, v in enumerate((4750, 5400, 7500, 6100, 4400))]):
        job = _job(tmp_path, "line", rows, ["a"])
        fig = figure(job)
        ticks = _ticks(fig.axes[0].yaxis)
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1, 2, 5), ticks  # never 2.5 (22.5, 25, 27.5 …)
        close(fig)


def test_year_labels_are_thinned_not_rotated(tmp_path: Path) -> None:
    from builder.charts.render import close, figure
    job = _job(tmp_path, "bar", [(1978 + i, i) for i in range(40)], ["a"])
    fig = figure(job)
    fig.canvas.draw()
    labels = [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
    boxes = [t.get_window_extent() for t in labels]
    assert all(t.get_rotation() == 0 for t in labels)
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), "tick labels collide"
    years = [int(t.get_text()) for t in labels]
    step = years[1] - years[0]
    assert step in (2, 5, 10) and all(y % step == 0 for y in years) and len(years) >= 4
    close(fig)


def test_legend_in_reading_order(tmp_path: Path) -> None:
    from builder.charts.render import close, figure
    rows = [(2020, 1, 5, 2), (2021, 3, 1, 2)]  # at the right end: a 3, b 1, c 2
    fig = figure(_job(tmp_path, "line", rows, ["a", "b", "c"]))
    legend = fig.axes[0].get_legend()
    fig.canvas.draw()
    texts = sorted(legend.get_texts(), key=lambda t: (-t.get_window_extent().y0, t.get_window_extent().x0))
    assert [t.get_text() for t in texts] == ["a", "c", "b"]
    styles = {line.get_marker() for line in fig.axes[0].get_lines()}
    assert len(styles) == 3  # many lines: a marker each, not only a colour
    close(fig)
    shares = _job(tmp_path / "s", "stacked_share", [(2020, 80, 19.5, 0.5), (2021, 70, 29.6, 0.4)], ["a", "b", "c"])
    fig = figure(shares)
    fig.canvas.draw()
    texts = sorted(fig.axes[0].get_legend().get_texts(), key=lambda t: (-t.get_window_extent().y0,
                                                                         t.get_window_extent().x0))
    assert [t.get_text() for t in texts] == ["c (< 1%)", "b", "a"]  # the stack from the top; a hairline said so
    close(fig)


def test_palette_colours_can_be_told_apart(tmp_path: Path) -> None:
    from builder.errors import Diagnostics
    from builder.readers.colours import ciede2000, close_pairs
    from builder.readers.style import PALETTE, load_style
    # Sharma, Wu & Dalal (2005) reference pairs
    assert round(ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)), 4) == 2.0425
    assert round(ciede2000((50, 2.5, 0), (73, 25, -18)), 4) == 27.1492
    assert round(ciede2000((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514)), 4) == 0.9082
    assert close_pairs(list(PALETTE)) == []
    old = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6"]
    assert [(old[i], old[j], vision) for i, j, vision, _d in close_pairs(old)] == \
        [("#9bbb59", "#f79646", "deuteranopia")]
    (tmp_path / "styles").mkdir()
    default = (Path(__file__).resolve().parents[1] / "builder" / "readers" / "default_style.yaml").read_text()
    (tmp_path / "styles" / "default.yaml").write_text(default.replace('"#56b4e9"', '"#1f4e7a"'))
    diag = Diagnostics()
    load_style(tmp_path, "default", diag)
    [warning] = [w for w in diag.warnings if "palette" in w.message]
    assert "#1f4e79 and #1f4e7a are hard to tell apart" in warning.message
    assert warning.source.line == next(i for i, line in enumerate(default.splitlines(), 1) if "palette" in line)


def test_original_title_goes_to_the_source_note() -> None:
    from builder.charts import figure_source
    from builder.model.labels import Labels
    from builder.readers.data import ChartSpec
    spec = ChartSpec(title="Sales of rubles", original_title="Продажи рублей", table="t", x="x", series=["a"])
    assert figure_source(spec, "National Bank.", Labels()) == "National Bank. Original title: Продажи рублей"
    assert figure_source(spec, "", Labels({"original_title": "Originaltitel"})) == "Originaltitel: Продажи рублей"
    assert figure_source(ChartSpec(title="T", table="t", x="x", series=["a"]), "NB", Labels()) == "NB"


def test_percent_ticks_are_written_as_the_locale_writes_them(tmp_path: Path) -> None:
    """English "100%", German and French "100 %" (no-break space): the locale's CLDR pattern, not one for all."""
    from builder.charts.render import close, figure, percent
    assert (percent(100, "en_GB"), percent(100, "de_DE"), percent(12.5, "fr_FR", 1)) == \
        ("100%", "100\u00a0%", "12,5\u00a0%")
    job = _job(tmp_path, "stacked_share", [(2020, 80, 20), (2021, 70, 30)], ["a", "b"])
    fig = figure(job)
    labels = [fig.axes[0].yaxis.get_major_formatter()(v, 0) for v in (0, 50, 100)]
    assert labels == ["0%", "50%", "100%"]
    close(fig)


def test_flagship_chart_text_is_k_only_in_the_pdf(flagship_build) -> None:
    import pdfplumber
    with pdfplumber.open(flagship_build.outputs["pdf"]) as pdf:
        page = next(p for p in pdf.pages if "Figure 1. " in (p.extract_text() or "") and "Source:" in p.extract_text()
                    and not p.extract_text().startswith("List"))
        ticks = [c for c in page.chars if c["text"] in "0123456789" and c["size"] < 8.6 and
                 c["fontname"].endswith("PTSans-Regular") and 70 < c["top"] < page.height - 70]  # no head, folio
    assert ticks and {tuple(c["non_stroking_color"]) for c in ticks} == {(0,)}  # a grey level: the black plate


def test_series_labels_name_the_legend_and_must_match_the_series(minimal: Path) -> None:
    """`labels:` names the series in the legend when the columns' labels do not read alone; one per series, or an
    error at the chart's line."""
    import pytest

    from builder.errors import BuildError
    charts = minimal / "data" / "charts.yaml"
    text = charts.read_text()
    charts.write_text(text.replace("series: [exports, imports]",
                                   "series: [exports, imports]\n  labels: [Goods sold abroad, Goods bought abroad]"))
    result = build(minimal, formats=("html",))
    svg = next((minimal / "build" / ".cache" / "charts").glob("*.svg")).read_text()
    assert "Goods sold abroad" in svg and "Goods bought abroad" in svg
    assert "Goods sold abroad" in result.outputs["html"].read_text()
    charts.write_text(text.replace("series: [exports, imports]", "series: [exports, imports]\n  labels: [Only one]"))
    with pytest.raises(BuildError, match="labels: 1 given for 2 series") as err:
        build(minimal, formats=("html",), force=True)
    assert (err.value.source.path.endswith("charts.yaml"), err.value.source.line) == (True, 2)  # its chart


def test_value_axes_line_up_from_chart_to_chart(tmp_path: Path) -> None:
    """Charts stacked on a page start their plot areas at the same distance from the left edge, whatever the width
    of their tick labels; only labels that need more room (a horizontal bar chart's long names) push it right."""
    from builder.charts.render import PLOT_LEFT_IN, close, figure
    lefts = []
    for i, rows in enumerate(([(2006 + k, v) for k, v in enumerate((3.2, 3.5, 3.1))],
                              [(2006 + k, v) for k, v in enumerate((215000, 133000, 157000))])):
        job = _job(tmp_path / str(i), "line", rows, ["a"])
        fig = figure(job)
        fig.canvas.draw()
        lefts.append(fig.axes[0].get_position().x0 * job.size[0])
        close(fig)
    assert [round(x, 6) for x in lefts] == [PLOT_LEFT_IN, PLOT_LEFT_IN]
    job = _job(tmp_path / "h", "hbar", [("A region with a very long name indeed", 5), ("B", 7)], ["a"])
    fig = figure(job)
    fig.canvas.draw()
    left = fig.axes[0].get_position().x0 * job.size[0]
    labels = max(t.get_window_extent().width for t in fig.axes[0].get_yticklabels()) / fig.dpi
    assert left > PLOT_LEFT_IN and left > labels  # its names fit, left of the axis
    close(fig)


def test_each_format_gets_the_chart_files_it_embeds(minimal: Path, tmp_path: Path) -> None:
    """A PDF build writes the charts' drawings only; an HTML build then adds their SVG (drawing the figure again
    for it) and leaves the drawings as they were; a DOCX build adds the PNGs."""
    out = tmp_path / "out"
    cache = out / ".cache" / "charts"
    first = build(minimal, out, ("pdf",))
    (drawing,) = cache.glob("*.rlg")
    assert first.charts.rendered == 1 and not list(cache.glob("*.svg")) and not list(cache.glob("*.png"))
    made = drawing.stat().st_mtime_ns
    html = build(minimal, out, ("html",))
    (svg,) = cache.glob("*.svg")
    assert html.charts.rendered == 1 and svg.stem == drawing.stem and drawing.stat().st_mtime_ns == made
    assert "<svg" in html.outputs["html"].read_text(encoding="utf-8")
    docx = build(minimal, out, ("docx",))
    assert docx.charts.rendered == 1 and len(list(cache.glob("*.png"))) == 1 and drawing.stat().st_mtime_ns == made
    again = build(minimal, out, ("pdf", "docx", "html"), force=True)
    assert (again.charts.rendered, again.charts.cached) == (0, 1)
