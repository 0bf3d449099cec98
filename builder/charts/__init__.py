"""Charts from data: (spec, table rows, style) → one matplotlib figure a chart, drawn straight into a ReportLab
drawing for the PDF (builder/charts/drawing.py, pickled as `<chart>.rlg`), saved as SVG when the HTML needs it and
as a PNG at the style's DPI for the DOCX; cached by content hash in the output folder's .cache/charts/ and rendered
in parallel processes when several are needed.

Nothing here is a process global: a build's rendering lives in its `ChartStats`, and the PDF writer's drawings
in a `Drawings` object of its own. A writer waits for a chart by its files: while a worker draws a chart,
`<chart>.pending` exists; the worker writes the SVG (when wanted), then the drawing, then the PNG (each renamed
into place whole), then removes the marker, or renames it to `<chart>.failed`. `<chart>.svg` names the chart
(`Chart.svg_path`) whether or not that file is written."""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from builder.errors import BuildError, Diagnostics
from builder.model import Chart, Source
from builder.readers.data import ChartSpec, DataTable, Dataset
from builder.readers.style import Style

CHART_CACHE_VERSION = "6"  # 6: drawings drawn directly, not parsed from SVG; 5: aligned plot areas
WAIT_SECONDS = 600.0  # a chart that neither appears nor fails in this time is reported as not rendered


@dataclass(frozen=True)
class Job:
    chart_id: str
    spec: ChartSpec
    rows: list[tuple]
    labels: list[str]
    style_fonts: dict
    palette: list[str]
    size: tuple[float, float]
    locale: str
    svg: str
    png: str
    rl_fonts: dict
    dpi: int = 200

    @property
    def rlg(self) -> str:
        return self.svg[:-4] + ".rlg"


@dataclass
class ChartStats:
    rendered: int = 0
    cached: int = 0
    missing: int = 0
    seconds: float = 0.0
    pending: "Rendering | None" = None

    def wait(self, part: str = "all") -> None:
        """Block until the charts' vector ("vector") or all files ("all") are written."""
        if self.pending is not None:
            self.pending.wait(part)


class Rendering:
    """Charts rendering in worker processes while the main process goes on. Each worker takes a share of the
    charts and draws each figure once: first every figure's vector files (the PDF needs them first), then, from
    the same figures, the PNGs. Workers are forked from this process with matplotlib already imported."""

    def __init__(self, jobs: list[tuple[Job, tuple[str, ...]]], workers: int, initializer=None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401  (imported once in the parent, shared by the forked workers)
        self.jobs = jobs
        mark_pending(jobs)
        shares = [jobs[i::workers] for i in range(workers)]
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                        initializer=initializer)
        self.futures = [self.pool.submit(render_share, share) for share in shares if share]

    def wait(self, part: str) -> None:
        if part == "vector":
            await_vector(self.jobs)
            return
        try:
            for future in self.futures:
                future.result()
        finally:
            self.pool.shutdown()


def mark_pending(jobs: list[tuple[Job, tuple[str, ...]]]) -> None:
    """Each chart's `.pending` marker made (and an earlier build's `.failed` one removed) before it is drawn."""
    for job, _parts in jobs:
        Path(marker(job, "failed")).unlink(missing_ok=True)
        Path(marker(job, "pending")).touch()


def await_vector(jobs: list[tuple[Job, tuple[str, ...]]]) -> None:
    """Block until every chart file but the PNGs is written (a chart that cannot be drawn raises)."""
    for job, parts in jobs:
        for path in (p for each in parts if each != "raster" for p in _files(job, each)):
            await_file(path, marker(job, "pending"))


def _year(x) -> int | None:
    """A year key (an int, or text of four digits); None for a total or part-year row."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return x
    return int(x) if isinstance(x, str) and x.isdigit() else None


def window(spec: ChartSpec, table: DataTable) -> tuple[int, int] | None:
    """The years a chart plots, resolved against the data: "first" and "latest" are the first and last years
    with a value in any plotted series; `last: N` keeps the last N of them. None: the chart has no year window."""
    if not spec.years and not spec.last:
        return None
    years = sorted({y for row in table.rows if (y := _year(row.get(spec.x))) is not None
                    and any(row.get(s) is not None for s in spec.series) and _selected(spec, row)})
    if not years:
        return None
    lo, hi = spec.years or ("first", "latest")
    lo = years[0] if lo == "first" else lo
    hi = years[-1] if hi == "latest" else hi
    if spec.last:
        inside = [y for y in years if lo <= y <= hi]
        lo = max(lo, inside[-spec.last]) if len(inside) >= spec.last else lo
    return lo, hi


def _rows(spec: ChartSpec, table: DataTable) -> list[tuple]:
    rows = []
    span = window(spec, table)
    for row in table.rows:
        x = row[spec.x]
        if str(x) in spec.exclude or not _selected(spec, row):
            continue
        if span:
            year = _year(x)
            if year is None or not span[0] <= year <= span[1]:
                continue  # a total or part-year row is not a year
        rows.append((x, *[None if row[s] is None else row[s] * spec.scale for s in spec.series]))
    return rows


def _selected(spec: ChartSpec, row: dict) -> bool:
    """The row passes the spec's `where:` filter (values compared as text: 2023 matches "2023")."""
    for column, wanted in spec.where.items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if str(row[column]) not in {str(v) for v in allowed}:
            return False
    return True


def _check_columns(chart_id: str, spec: ChartSpec, table: DataTable, where: Source, node=None) -> None:
    """Every column the chart names is in its table; a missing one is reported at its own line, with the nearest
    column name as a suggestion."""
    from builder.model.labels import suggest
    from builder.readers.yamlfile import node_line
    names = [c.name for c in table.meta.columns]
    fields = [(("x",), spec.x)] + [(("series", i), s) for i, s in enumerate(spec.series)]
    fields += [(("where", c), c) for c in spec.where]
    bad = [(loc, c) for loc, c in fields if c not in names]
    if bad:
        line = node_line(node, bad[0][0]) if node is not None else where.line
        raise BuildError(f"chart '{chart_id}': table '{spec.table}' has no column "
                         f"{', '.join(repr(c) for _loc, c in bad)}{suggest(bad[0][1], names)}",
                         Source(where.path, line), f"columns of {spec.table}: {', '.join(names)}")


def make_job(chart_id: str, spec: ChartSpec, dataset: Dataset, style: Style, cache: Path, locale: str) -> Job:
    where = Source("data/charts.yaml", dataset.chart_lines.get(chart_id))
    if spec.table not in dataset.tables:
        dataset.check_orphan(spec.table)
        raise BuildError(f"chart '{chart_id}': unknown table '{spec.table}'", where,
                         f"known tables: {', '.join(sorted(dataset.tables))}")
    table = dataset.tables[spec.table]
    _check_columns(chart_id, spec, table, where, dataset.chart_nodes.get(chart_id))
    rows = _rows(spec, table)
    labels = list(spec.labels) or [table.column(s).label or s for s in spec.series]
    chart = style.spec.chart
    fonts = {"name": style.heading.name, "files": style.heading.files}
    size = (float(chart.width_in), float(spec.height_in or chart.height_in))
    spec_data = spec.model_dump(mode="json", exclude=set() if spec.where else {"where"})  # keys as before filters
    key_data = json.dumps([spec_data, rows, labels, fonts, chart.model_dump(), locale,
                           _matplotlib_version(), CHART_CACHE_VERSION], sort_keys=True, default=str)
    key = hashlib.sha256(key_data.encode()).hexdigest()[:12]
    base = cache / f"{chart_id}-{key}"
    key_font = style.heading.key
    return Job(chart_id, spec, rows, labels, fonts, list(chart.palette), size, locale,
               f"{base}.svg", f"{base}.png", {"regular": f"{key_font}-regular", "bold": f"{key_font}-bold"},
               chart.dpi)


@lru_cache(maxsize=1)
def _matplotlib_version() -> str:
    """Read once a process: each look-up scans the installed packages' metadata (some ms)."""
    return version("matplotlib")


def render_charts(ids: list[str], dataset: Dataset, style: Style, cache: Path, locale: str,
                  diag: Diagnostics, draw: bool = True, background: bool = False, raster: bool = True,
                  shared: bool = False, svg: bool = True,
                  draw_with=None) -> tuple[dict[str, Chart | None], ChartStats]:
    """Charts for the figure ids placed in the chapters; cached ones are not rendered again.
    With draw=False the specs are only checked against their tables (for `dossier check`); with
    background=True the caller waits for them (`stats.wait`) before a writer needs them; raster=False skips the
    PNGs (a PDF-only build), svg=False the SVGs (no HTML); shared=True is a cache that concurrent builds (a
    batch's rows) use at once. `draw_with(todo, workers)` draws the charts instead of `Rendering`
    (builder/pipeline/early_charts.py)."""
    start = time.perf_counter()
    stats, result = ChartStats(), {}
    todo: list[tuple[Job, tuple[str, ...]]] = []
    for chart_id in dict.fromkeys(ids):
        spec = dataset.charts[chart_id]
        if spec.missing_data:
            diag.warn("missing-data", f"chart '{chart_id}' ({spec.title}) is left out: {spec.missing_data}",
                      Source("data/charts.yaml"))
            stats.missing += 1
            result[chart_id] = None
            continue
        job = make_job(chart_id, spec, dataset, style, cache, locale)
        wanted = ("vector",) + (("svg",) if svg else ()) + (("raster",) if raster else ())
        parts = tuple(part for part in wanted if not all(os.path.exists(p) for p in _files(job, part)))
        if parts:
            todo.append((job, parts))
        else:
            stats.cached += 1
        result[chart_id] = Chart(job.svg, job.png, job.size[0], job.size[1], _alt(spec, job.rows))
    if not draw:
        return result, stats
    cache.mkdir(parents=True, exist_ok=True)
    if shared:
        return result, _render_shared(todo, stats, start)
    _prune(cache, {Path(c.svg_path).stem for c in result.values() if c})
    from builder.staging import sweep
    sweep(cache)  # temporary files of builds that were killed
    stats.rendered = len(todo)
    workers = min(len(todo), os.cpu_count() or 1, 2)  # two workers: a third only adds its start on 2 cores
    if workers > 1 or (todo and draw_with is not None):
        stats.pending = (draw_with or Rendering)(todo, workers)
        if not background:
            stats.wait()
    elif todo:
        render_share(todo)
    stats.seconds = time.perf_counter() - start
    return result, stats


def _render_shared(todo: list[tuple[Job, tuple[str, ...]]], stats: ChartStats, start: float) -> ChartStats:
    """Render in this process, each chart under a file lock: of several builds that need the same chart at once,
    one draws it and the others find it in the cache. Nothing is pruned (the batch prunes at its end)."""
    import fcntl
    for job, wanted in todo:
        with open(job.svg[:-4] + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            parts = tuple(part for part in wanted if not all(os.path.exists(p) for p in _files(job, part)))
            if parts:
                render_share([(job, parts)])
        stats.rendered += bool(parts)
        stats.cached += not parts
    stats.seconds = time.perf_counter() - start
    return stats


def _files(job: Job, part: str) -> tuple[str, ...]:
    """The files of a part: "vector" the PDF's drawing, "svg" the SVG (for the HTML), "raster" the PNG."""
    return {"vector": (job.rlg,), "svg": (job.svg,), "raster": (job.png,)}[part]


def figure_source(spec: ChartSpec, table_source: str, labels) -> str:
    """The figure's source note: the spec's source (else its table's), then the title as first published when
    it was in another language."""
    source = spec.source or table_source
    if spec.original_title:
        original = f"{labels['original_title']}: {spec.original_title}"
        source = f"{source.rstrip('.')}. {original}" if source else original
    return source


def _alt(spec: ChartSpec, rows: list[tuple] = ()) -> str:
    """The chart's text alternative; `{first}` and `{last}` in the description are the first and last years
    plotted, so a description follows the data."""
    years = [y for r in rows if (y := _year(r[0])) is not None]
    text = describe(spec.description, years)
    return f"{spec.title}. {text}".strip() if text else spec.title


def describe(text: str, years: list[int]) -> str:
    if years:
        text = text.replace("{first}", str(min(years))).replace("{last}", str(max(years)))
    return text


def _prune(cache: Path, keep: set[str]) -> None:
    for path in cache.glob("*.*"):
        if path.stem not in keep and path.suffix in (".svg", ".png", ".rlg", ".lock", ".pending", ".failed"):
            path.unlink(missing_ok=True)


def marker(job_or_svg, state: str) -> str:
    """`<chart>.pending` while a worker draws the chart, `<chart>.failed` when it could not."""
    svg = job_or_svg if isinstance(job_or_svg, str) else job_or_svg.svg
    return f"{svg[:-4]}.{state}"


def render_share(jobs: list[tuple[Job, tuple[str, ...]]]) -> None:
    """Draw each chart's figure once and save what it needs: every figure's drawing (and SVG) first, then the PNGs.
    A chart that cannot be drawn (nor the ones after it) has its `.pending` marker renamed `.failed` (a rename
    works on a full disk too), so no writer waits for it."""
    from builder.charts.render import close, figure, save_raster, save_vector
    figures = []
    try:
        for job, parts in jobs:
            fig = figure(job)
            if "vector" in parts or "svg" in parts:
                save_vector(fig, job, svg="svg" in parts, drawing="vector" in parts)
            figures.append((fig, job, parts))
        for fig, job, parts in figures:
            if "raster" in parts:
                save_raster(fig, job)
            Path(marker(job, "pending")).unlink(missing_ok=True)
    except BaseException:
        for job, _parts in jobs:
            try:
                os.replace(marker(job, "pending"), marker(job, "failed"))
            except OSError:
                pass  # drawn, or not drawn in the background (no marker)
        raise
    finally:
        for fig, _job, _parts in figures:
            close(fig)


def await_file(path: str, pending: str, timeout: float = WAIT_SECONDS) -> None:
    """Wait until a chart file that a worker is writing exists (files appear whole: they are renamed into place)."""
    failed = pending[:-len(".pending")] + ".failed"
    pause, deadline = 0.001, time.monotonic() + timeout
    while not os.path.exists(path):
        if os.path.exists(failed):
            raise ChartNotDrawn(f"chart {Path(path).stem} could not be drawn")
        if not os.path.exists(pending) and not os.path.exists(path):
            raise ChartNotDrawn(f"chart {Path(path).stem} is not being drawn: {path} is missing")
        if time.monotonic() > deadline:
            raise ChartNotDrawn(f"chart file {path} did not appear within {timeout:.0f} s")
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


class ChartNotDrawn(RuntimeError):
    """A writer needed a chart that its worker did not draw (the worker's own error is raised by `wait`)."""


def svg_font_map(family: str, rl_names: dict[str, str], files: dict[str, str] | None = None):
    """For a chart made by hand as SVG: an svglib font map that sets the chart font family in the registered
    ReportLab fonts `rl_names` (regular, bold) instead of Helvetica; the fonts are registered from `files` when they
    are not yet."""
    from reportlab.pdfbase import pdfmetrics
    from svglib.fonts import FontMap

    if files:
        from reportlab.pdfbase.ttfonts import TTFont
        registered = set(pdfmetrics.getRegisteredFontNames())
        for face, name in rl_names.items():
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, files[face]))

    class StyleFonts(FontMap):
        def find_font(self, font_name: str, weight: str = "normal", style: str = "normal") -> tuple[str, bool]:
            if font_name.strip("'\" ").lower() == family.lower():
                bold = str(weight).lower() in ("bold", "bolder", "600", "700", "800", "900")
                return rl_names["bold" if bold else "regular"], True
            return super().find_font(font_name, weight, style)

    return StyleFonts()


class Drawings:
    """The PDF writer's view of the charts: a flowable per chart that loads its drawing only when drawn (so
    layout starts while charts are still rendering), in the style's fonts. One a PDF, never shared."""

    def __init__(self, style: Style, rl_names: dict[str, str]):
        self.family, self.rl_names = style.heading.name, rl_names

    def flowable(self, chart, width: float):
        from reportlab.platypus import Flowable
        drawings = self

        class _Lazy(Flowable):
            def __init__(self):
                super().__init__()
                self.width, self.height = width, width * chart.height_in / chart.width_in

            def wrap(self, avail_width, avail_height):
                return self.width, self.height

            def draw(self):
                drawings.load(chart.svg_path, self.width).drawOn(self.canv, 0, 0)

        return _Lazy()

    def load(self, svg_path: str, width: float):
        """The chart as a ReportLab Drawing scaled to `width` points: the drawing its worker made, else the SVG
        parsed here (a chart made by hand)."""
        import pickle
        parsed = Path(svg_path[:-4] + ".rlg")
        if not parsed.exists() and (os.path.exists(marker(svg_path, "pending")) or not os.path.exists(svg_path)):
            await_file(str(parsed), marker(svg_path, "pending"))  # a worker is drawing it
        try:
            drawing = pickle.loads(parsed.read_bytes())
        except (OSError, pickle.PickleError, EOFError, AttributeError):
            from svglib.svglib import svg2rlg
            drawing = svg2rlg(svg_path, font_map=svg_font_map(self.family, self.rl_names))
        return _scaled(drawing, width)


def _scaled(drawing, width: float):
    scale = width / drawing.width
    drawing.scale(scale, scale)
    drawing.width *= scale
    drawing.height *= scale
    return drawing
