"""Charts from data: (spec, table rows, style) → SVG (PDF, vector) and 300-dpi PNG (DOCX), cached by content hash
under build/.cache/charts/ and rendered in parallel processes when several are needed."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from builder.data import ChartSpec, DataTable, Dataset
from builder.errors import BuildError, Diagnostics
from builder.model import Chart, Source
from builder.style import Style

CHART_CACHE_VERSION = "2"


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
    """Charts rendering in worker processes while the main process goes on: the vector drawings (SVG, parsed
    for ReportLab) are submitted first, as the PDF needs them; the 300-dpi PNGs for the DOCX follow."""

    def __init__(self, vector: list[Job], raster: list[Job]):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401  (imported once in the parent, shared by the forked workers)
        self.pool = ProcessPoolExecutor(max_workers=min(max(len(vector), len(raster)), os.cpu_count() or 2),
                                        mp_context=multiprocessing.get_context("fork"))
        self.vector = [self.pool.submit(render_job, job, "vector") for job in vector]
        for job, future in zip(vector, self.vector):
            _PENDING[job.svg] = future
        self.raster = [self.pool.submit(render_job, job, "raster") for job in raster]

    def wait(self, part: str) -> None:
        for future in self.vector + (self.raster if part == "all" else []):
            future.result()
        if part == "all":
            self.pool.shutdown()


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
    from builder.labels import suggest
    from builder.yamlfile import node_line
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
    labels = [table.column(s).label or s for s in spec.series]
    chart = style.spec.chart
    fonts = {"name": style.heading.name, "files": style.heading.files}
    size = (float(chart.get("width_in", 6.0)), float(spec.height_in or chart.get("height_in", 3.0)))
    spec_data = spec.model_dump(mode="json", exclude=set() if spec.where else {"where"})  # keys as before filters
    key_data = json.dumps([spec_data, rows, labels, fonts, chart.model_dump(), locale,
                           version("matplotlib"), CHART_CACHE_VERSION], sort_keys=True, default=str)
    key = hashlib.sha256(key_data.encode()).hexdigest()[:12]
    base = cache / f"{chart_id}-{key}"
    key_font = style.heading.key
    return Job(chart_id, spec, rows, labels, fonts, list(chart.get("palette", [])), size, locale,
               f"{base}.svg", f"{base}.png", {"regular": f"{key_font}-regular", "bold": f"{key_font}-bold"})


def render_charts(ids: list[str], dataset: Dataset, style: Style, cache: Path, locale: str,
                  diag: Diagnostics, draw: bool = True, background: bool = False, raster: bool = True,
                  shared: bool = False) -> tuple[dict[str, Chart | None], ChartStats]:
    """Charts for the figure ids placed in the chapters; cached ones are not rendered again.
    With draw=False the specs are only checked against their tables (for `dossier check`); with
    background=True the caller waits for them (`stats.wait`) before a writer needs them; raster=False skips the
    PNGs (a PDF-only build); shared=True is a cache that concurrent builds (a batch's rows) use at once."""
    import time
    start = time.perf_counter()
    stats, result = ChartStats(), {}
    vector: list[Job] = []
    pngs: list[Job] = []
    for chart_id in dict.fromkeys(ids):
        spec = dataset.charts[chart_id]
        if spec.missing_data:
            diag.warn("missing-data", f"chart '{chart_id}' ({spec.title}) is left out: {spec.missing_data}",
                      Source("data/charts.yaml"))
            stats.missing += 1
            result[chart_id] = None
            continue
        job = make_job(chart_id, spec, dataset, style, cache, locale)
        if not all(os.path.exists(p) for p in (job.svg, job.svg[:-4] + ".rlg")):
            vector.append(job)
        if raster and not os.path.exists(job.png):
            pngs.append(job)
        if job not in vector and job not in pngs:
            stats.cached += 1
        result[chart_id] = Chart(job.svg, job.png, job.size[0], job.size[1], _alt(spec, job.rows))
    if not draw:
        return result, stats
    cache.mkdir(parents=True, exist_ok=True)
    if shared:
        return result, _render_shared(vector, pngs, stats, start)
    _prune(cache, {Path(c.svg_path).stem for c in result.values() if c})
    from builder.staging import sweep
    sweep(cache)  # temporary files of builds that were killed
    stats.rendered = len({j.chart_id for j in vector + pngs})
    if len(vector) + len(pngs) > 1 and (os.cpu_count() or 1) > 1:
        stats.pending = Rendering(vector, pngs)
        if not background:
            stats.wait()
    else:
        for job in vector:
            render_job(job, "vector")
        for job in pngs:
            render_job(job, "raster")
    stats.seconds = time.perf_counter() - start
    return result, stats


def _render_shared(vector: list[Job], raster: list[Job], stats: ChartStats, start: float) -> ChartStats:
    """Render in this process, each chart under a file lock: of several builds that need the same chart at once,
    one draws it and the others find it in the cache. Nothing is pruned (the batch prunes at its end)."""
    import fcntl
    import time
    wanted = {"vector": {j.svg for j in vector}, "raster": {j.svg for j in raster}}
    for job in {j.svg: j for j in vector + raster}.values():
        with open(job.svg[:-4] + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            parts = [part for part in ("vector", "raster") if job.svg in wanted[part]
                     and not all(os.path.exists(p) for p in _files(job, part))]
            for part in parts:
                render_job(job, part)
        stats.rendered += bool(parts)
        stats.cached += not parts
    stats.seconds = time.perf_counter() - start
    return stats


def _files(job: Job, part: str) -> tuple[str, ...]:
    return (job.svg, job.svg[:-4] + ".rlg") if part == "vector" else (job.png,)


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
        if path.stem not in keep and path.suffix in (".svg", ".png", ".rlg", ".lock"):
            path.unlink(missing_ok=True)


def render_job(job: Job, part: str = "all") -> None:
    from builder.chart_render import draw
    draw(job, part)


_SVG_FONTS: set[str] = set()
_PENDING: dict = {}  # svg path → the future that writes it, while charts render in the background


def register_svg_fonts(style: Style, rl_names: dict[str, str]) -> None:
    """Tell svglib which registered ReportLab font draws the chart font family (else it falls back to Helvetica)."""
    _register_svg_family(style.heading.name, style.heading.files, rl_names)


def _register_svg_family(name: str, files: dict[str, str], rl_names: dict[str, str]) -> None:
    from svglib import fonts
    for weight, face in (("normal", "regular"), ("bold", "bold")):
        key = f"{name}-{weight}"
        if key not in _SVG_FONTS:
            fonts.register_font(name, files[face], weight=weight, rlgFontName=rl_names[face])
            _SVG_FONTS.add(key)


def parse_svg(job: Job) -> None:
    """Parse the SVG into a ReportLab drawing once, where the chart is rendered, and cache it."""
    _register_svg_family(job.style_fonts["name"], job.style_fonts["files"], job.rl_fonts)
    load_drawing(job.svg, 100.0)


def load_drawing(svg_path: str, width: float):
    """The cached SVG as a ReportLab Drawing scaled to `width` points (the parsed drawing is cached too)."""
    import pickle
    if svg_path in _PENDING:
        _PENDING.pop(svg_path).result()
    parsed = Path(svg_path).with_suffix(".rlg")
    try:
        drawing = pickle.loads(parsed.read_bytes())
    except (OSError, pickle.PickleError, EOFError, AttributeError):
        from svglib.svglib import svg2rlg
        drawing = svg2rlg(svg_path)
        from builder.staging import temp_path
        tmp = temp_path(parsed)
        try:
            tmp.write_bytes(pickle.dumps(drawing, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, parsed)
        finally:
            tmp.unlink(missing_ok=True)
    return _scaled(drawing, width)


def lazy_drawing(chart, width: float):
    """A flowable of the chart's final size that loads the drawing only when drawn, so layout can start
    while the chart is still being rendered."""
    from reportlab.platypus import Flowable

    class _Lazy(Flowable):
        def __init__(self):
            super().__init__()
            self.width, self.height = width, width * chart.height_in / chart.width_in

        def wrap(self, avail_width, avail_height):
            return self.width, self.height

        def draw(self):
            load_drawing(chart.svg_path, self.width).drawOn(self.canv, 0, 0)

    return _Lazy()


def _scaled(drawing, width: float):
    scale = width / drawing.width
    drawing.scale(scale, scale)
    drawing.width *= scale
    drawing.height *= scale
    return drawing
