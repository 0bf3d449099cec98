"""The pipeline, one short function per stage: project → data → templates → Markdown → Document → writers.
Outputs are written beside their targets and moved into place only when every stage succeeded."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from builder.charts import ChartStats, figure_source, render_charts
from builder.errors import BuildError, Diagnostics
from builder.model import DocMeta, Document, Figure, Source, TitlePage, map_document, walk
from builder.model.transforms import number_document
from builder.pipeline.accessibility import check_accessibility
from builder.pipeline.early_charts import EarlyCharts
from builder.readers.data import Dataset, load_dataset
from builder.readers.markdown import parse_chapter
from builder.readers.params import ParamSet, apply_params
from builder.readers.project import Project, load_project
from builder.readers.style import Style, load_style
from builder.readers.templates import Claim, Rendered, make_environment, render_chapter
from builder.timing import Clock
from builder.writers import DEFAULT_FORMATS, WRITERS, Output, check_formats, needs_raster, needs_svg

FORMATS = DEFAULT_FORMATS  # what a build writes unless told otherwise (builder.writers is the registry)
SERIAL_ENV = "DOSSIER_SERIAL_WRITERS"  # set (not 0): the writers run one after the other in the build's process


@dataclass
class BuildResult:
    project: Project
    document: Document
    diagnostics: Diagnostics
    claims: list[Claim] = field(default_factory=list)
    statements: int = 0
    outputs: dict[str, Path] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)   # stage → seconds of wall time
    cpu: dict[str, float] = field(default_factory=dict)       # stage → seconds of CPU, child processes included
    charts: ChartStats = field(default_factory=ChartStats)
    dataset: Dataset | None = None
    toc_pages_from: str = ""
    toc_pages_note: str = ""                                  # why LibreOffice did not give the DOCX's pages
    style: Style | None = None
    rendered: list[Rendered] = field(default_factory=list)

    @property
    def failed_claims(self) -> list[Claim]:
        return [c for c in self.claims if not c.holds]


@dataclass(frozen=True)
class Plan:
    """What `prepare` makes of a project: by default the report (report.yaml's chapters); the brief is another
    plan over the same pipeline (builder/commands/brief.py)."""

    chapters: tuple[str, ...] | None = None                       # None: report.yaml's chapter list
    meta: Callable[[DocMeta], DocMeta] | None = None              # the metadata as the document prints it
    template_globals: Mapping[str, Any] = field(default_factory=dict)  # added to the chapters' Jinja2 globals
    # (project, dataset, globals so far) → (more globals, a check reporting to the diagnostics after rendering)
    template_helpers: Callable[[Project, Dataset, Mapping[str, Any]],
                               tuple[Mapping[str, Any], Callable[[Diagnostics], None]]] | None = None
    masthead: bool = False                                        # a masthead band instead of a title page
    accessibility: bool = True    # the build-time rules (builder/pipeline/accessibility.py); the brief's masthead page
                                  # starts with level-2 headings, which the heading rule would refuse
    suffix: str = ""                                              # appended to output_name
    cache: str = "charts"                                         # the chart cache's folder in build/.cache

    def output_project(self, project: Project, meta: DocMeta) -> Project:
        """The project as the outputs name and title it."""
        if not self.suffix and self.meta is None:
            return project
        spec = project.spec
        return Project(project.root, spec.model_copy(update={
            "output_name": spec.output_name + self.suffix, "title": meta.title, "short_title": meta.short_title}),
            project.params)


REPORT = Plan()


@dataclass(frozen=True)
class Inputs:
    """report.yaml, the style and the data, loaded and validated: what the editions of a batch share."""

    project: Project
    style: Style
    dataset: Dataset
    warnings: tuple = ()


def load_inputs(root: Path, progress=None, timings: dict[str, float] | None = None,
                tables: dict | None = None, cpu: dict[str, float] | None = None) -> Inputs:
    """`tables` (id → DataFrame) stand in for those tables' data files."""
    diag = Diagnostics()
    clock = Clock({} if timings is None else timings, progress, cpu)
    project = clock("project", load_project, root, diag)
    style = clock("style", load_style, project.root, project.spec.style, diag)
    dataset = clock("data", load_dataset, project.root, diag, tables)
    return Inputs(project, style, dataset, tuple(diag.warnings))


def prepare(root: Path, progress=None, cache: Path | None = None, draw: bool = True,
            background: bool = False, raster: bool = True, params: ParamSet | None = None,
            inputs: Inputs | None = None, shared_cache: bool = False, tables: dict | None = None,
            plan: Plan = REPORT, svg: bool = True, early: EarlyCharts | None = None) -> BuildResult:
    """Everything up to the writers: load, validate, render, parse, number, draw charts. `params` are the
    edition's parameter values; a batch passes the `inputs` it loaded once and a chart cache shared by its rows.
    `plan` says which chapters make the document and how it is titled (the report by default). `early`: the
    build's chart process (builder/pipeline/early_charts.py), told as soon as the data is loaded whether charts
    will be drawn, and then given them."""
    diag = Diagnostics()
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    clock = Clock(timings, progress, cpu)
    inputs = inputs or load_inputs(root, progress, timings, tables, cpu)
    diag.warnings.extend(inputs.warnings)
    project, dataset = clock("params", apply_params, inputs.project, inputs.dataset, params)
    style = inputs.style
    cache = cache or project.root / "build" / ".cache" / plan.cache
    if early is not None and draw:
        _warm_charts(early, project, dataset, style, cache, plan, raster, svg)
    rendered = clock("templates", render_all, project, dataset, plan, diag)
    meta = plan.meta(project.meta) if plan.meta else project.meta
    doc = clock("markdown", assemble, project, rendered, dataset, meta, plan.masthead)
    doc = clock("transforms", number_document, doc, diag)
    if plan.accessibility:
        clock("accessibility", check_accessibility, doc, dataset, diag)
    result = BuildResult(plan.output_project(project, meta), doc, diag, [c for r in rendered for c in r.claims],
                         sum(r.statements for r in rendered), timings=timings, cpu=cpu, dataset=dataset,
                         style=style, rendered=rendered)
    report_claims(result, rendered, diag)
    doc, result.charts = clock("charts", place_charts, doc, dataset, style, cache, project.spec.locale, diag, draw,
                               background, raster, shared_cache, svg,
                               early.start if early is not None else None)
    result.document = doc
    return result


def _warm_charts(early: EarlyCharts, project: Project, dataset: Dataset, style: Style, cache: Path, plan: Plan,
                 raster: bool, svg: bool) -> None:
    """The chart process imports matplotlib now when a chart placed in a chapter's source is not in the cache."""
    from builder.charts import _files, make_job
    from builder.pipeline.early_charts import placed_figures
    names = project.spec.chapters if plan.chapters is None else plan.chapters
    parts = ("vector",) + (("svg",) if svg else ()) + (("raster",) if raster else ())  # as render_charts
    for chart_id in sorted(placed_figures(project.root, names)):
        spec = dataset.charts.get(chart_id)
        if spec is None or spec.missing_data:
            continue
        try:
            job = make_job(chart_id, spec, dataset, style, cache, project.spec.locale)
        except Exception:  # noqa: BLE001 (reported where the chart is placed)
            continue
        if not all(os.path.exists(p) for part in parts for p in _files(job, part)):
            early.warm()
            return


def render_all(project: Project, dataset: Dataset, plan: Plan = REPORT,
               diag: Diagnostics | None = None) -> list[Rendered]:
    """Every chapter rendered; a chapter that prints what changed (`what_changed()`, `revisions`) comes after
    the others, since the revisions record compares their rendered text with the previous edition's. The plan's
    template helpers report to `diag` once all are rendered."""
    env = make_environment(project.root, project.spec.locale)
    env.globals.update(plan.template_globals)
    env.globals["params"] = project.params
    check = None
    if plan.template_helpers is not None:
        more, check = plan.template_helpers(project, dataset, env.globals)
        env.globals.update(more)
    report = project.spec.model_dump(mode="json")
    names = list(project.spec.chapters if plan.chapters is None else plan.chapters)
    later = [n for n in names if uses_revisions(project.root / "chapters" / n)]
    done = {n: render_chapter(env, project.root, n, dataset, report, project.spec.locale)
            for n in names if n not in later}
    if later:
        from builder.pipeline.revisions import template_names
        extra = template_names(project, dataset, [done[n] for n in names if n in done], stages())
        done |= {n: render_chapter(env, project.root, n, dataset, report, project.spec.locale, extra)
                 for n in later}
    if check is not None and diag is not None:
        check(diag)
    return [done[n] for n in names]


def stages():
    """The stages that load another edition, for comparing editions (builder/pipeline/diff.py, builder/pipeline/revisions.py)."""
    from builder.pipeline.diff import Stages
    return Stages(render_all, assemble, uses_revisions)


def uses_revisions(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # reported where the chapter is rendered
        return False
    import re
    return re.search(r"\{[{%][^}]*\b(what_changed|revisions)\b", text) is not None


def assemble(project: Project, rendered: list[Rendered], dataset: Dataset, meta: DocMeta | None = None,
             masthead: bool = False) -> Document:
    """All chapters in order after the title page (or masthead); footnotes keyed by chapter-prefixed ids."""
    meta = meta or project.meta
    blocks: list = [TitlePage(meta, masthead=masthead)]
    footnotes: dict = {}
    for chapter in rendered:
        parsed = parse_chapter(chapter, dataset, project.spec.language)
        blocks.extend(parsed.blocks)
        footnotes.update(parsed.footnotes)
    return Document(meta, tuple(blocks), footnotes)


def place_charts(doc: Document, dataset: Dataset, style: Style, cache: Path, locale: str, diag: Diagnostics,
                 draw: bool = True, background: bool = False, raster: bool = True, shared: bool = False,
                 svg: bool = True, draw_with=None):
    from builder.readers.typography import smarten
    ids = [b.id for b in walk(doc.blocks) if isinstance(b, Figure)]
    charts, stats = render_charts(ids, dataset, style, cache, locale, diag, draw, background, raster, shared, svg,
                                  draw_with)

    def place(b):
        if not isinstance(b, Figure):
            return b
        spec = dataset.charts[b.id]
        table = dataset.tables.get(spec.table)
        citation = figure_source(spec, table.meta.source.text if table else "", doc.meta.labels)
        chart = charts[b.id] and replace(charts[b.id], alt=smarten(charts[b.id].alt, doc.meta.language))
        return replace(b, chart=chart, citation=smarten(citation, doc.meta.language), missing_note=spec.missing_data)
    return map_document(doc, block=place), stats


def report_claims(result: BuildResult, rendered: list[Rendered], diag: Diagnostics) -> None:
    """Claims with their sentences as printed (cross-references numbered); failed ones are warnings."""
    from builder.model import Table
    from builder.readers.templates import plain_sentence
    numbers = {b.id: b.number for b in walk(result.document.blocks) if isinstance(b, (Table, Figure)) and b.number}
    for chapter in rendered:
        chapter.claims = [replace(c, sentence=plain_sentence(c.sentence, numbers)) for c in chapter.claims]
        for claim in chapter.claims:
            if not claim.holds:
                diag.warn("claim", f"claim no longer supported by the data: {claim.text} — “{claim.sentence}”",
                          claim.source)
    result.claims = [c for r in rendered for c in r.claims]


def check_glyphs(result: BuildResult) -> None:
    """Every character must be in the fonts: ReportLab drops missing glyphs silently."""
    from builder.readers.fonts import missing_glyphs
    for text, source in _texts(result.document):
        missing = missing_glyphs(result.style, text)
        if missing:
            chars = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in sorted(missing))
            raise BuildError(f"the font has no glyph for {chars}", source,
                             "use another character or configure a font that has it in styles/")


def _texts(doc: Document):
    """(text, where it came from) for every piece of text the writers will set."""
    from builder.model import Heading, Paragraph, Table, inline_text
    for block in walk(doc.blocks):
        if isinstance(block, (Paragraph, Heading)):
            yield inline_text(block.inlines), block.source
        elif isinstance(block, Table):
            cells = " ".join(str(c.value) for r in block.header_rows + block.body_rows for c in r.cells)
            yield inline_text(block.caption) + " " + cells + " " + block.citation + block.notes, block.source
        elif isinstance(block, Figure):
            yield inline_text(block.caption), block.source
    for note_id, inlines in doc.footnotes.items():
        yield inline_text(inlines), Source(f"chapters/{note_id.split(':')[0]}.md")


@dataclass
class UpToDate:
    """Returned instead of a BuildResult when nothing changed since the last good build."""

    outputs: dict[str, Path]
    pages: dict[str, int]


def build(root: Path, out_dir: Path | None = None, formats: tuple[str, ...] = FORMATS, progress=None,
          force: bool = False, params: ParamSet | None = None, tables: dict | None = None) -> BuildResult | UpToDate:
    """Build the project's outputs; on any error nothing in `out_dir` is replaced. `tables` (id → DataFrame)
    replace those tables' data files (builder.api is the documented way in)."""
    from builder.pipeline import uptodate
    from builder.staging import OutputLock
    root = Path(root).resolve()
    out_dir = (Path(out_dir) if out_dir else root / "build").resolve()
    with OutputLock(out_dir, progress):  # one build at a time writes into a folder
        given = tuple(f"{k}={v}" for k, v in params.values.items()) if params else ()
        key = uptodate.fingerprint(root, formats + given) if (root / "report.yaml").exists() and not tables else ""
        state = None if force or not key else uptodate.up_to_date(out_dir, key)
        if state is not None:
            return UpToDate({k: Path(v) for k, v in state["outputs"].items()}, state["pages"])
        result = _build(root, out_dir, formats, progress, params, tables)
        try:
            if key:
                uptodate.record(out_dir, key, result.outputs, result.pages)
            elif tables:  # outputs made from DataFrames: the files alone no longer describe them
                uptodate.forget(out_dir)
        except OSError:
            pass  # the outputs are in place; without the record the next build just runs again
        return result


def _build(root: Path, out_dir: Path, formats: tuple[str, ...], progress, params: ParamSet | None = None,
           tables: dict | None = None) -> BuildResult:
    from builder.pipeline.early_charts import EarlyCharts
    from builder.writers import docx_pages
    # the chart process is forked first, before any thread starts (soffice's start is one)
    with EarlyCharts() as early, docx_pages.early(root, formats):  # soffice boots on the core left idle
        result = prepare(root, progress, out_dir / ".cache" / "charts", background=True,
                         raster=needs_raster(formats), params=params, tables=tables, svg=needs_svg(formats),
                         early=early)
        try:
            written = write_outputs(result, out_dir, formats, progress)
        except BaseException as error:
            try:
                result.charts.wait()
            except Exception as chart_error:  # noqa: BLE001
                from builder.charts import ChartNotDrawn
                from builder.writers.parallel import ChartsFailed
                if isinstance(error, (ChartNotDrawn, ChartsFailed)):  # a writer stopped for it: the cause
                    raise chart_error from None
            raise
        result.charts.wait()
        return written


def write_outputs(result: BuildResult, out_dir: Path, formats: tuple[str, ...], progress,
                  parallel: bool = True) -> BuildResult:
    """Every output under a temporary name in the locked folder, moved into place only when all are written.
    The writers run at once, one process each (see `run_writers`), unless `parallel` is False."""
    from builder.staging import Staging
    formats = check_formats(formats)
    clock = Clock(result.timings, progress, result.cpu)
    clock("glyphs", check_glyphs, result)
    name = result.project.spec.output_name
    with Staging(out_dir, progress) as staging:
        paths = {fmt: staging.temp(name + WRITERS[fmt].suffix) for fmt in formats}
        needs = {"scratch": staging.temp(f"{name}.pages.pdf", publish=False), "progress": progress,
                 "fonts": out_dir / ".cache" / "fonts"}
        written = run_writers(result, paths, needs, clock, parallel)
        for fmt, output in written.items():
            result.outputs[fmt] = out_dir / f"{name}{WRITERS[fmt].suffix}"
            if output.pages is not None:
                result.pages[fmt] = output.pages
        paged = [o for o in written.values() if o.toc_pages_from]
        borrowed = [o for o in paged if o.toc_pages_from == "libreoffice" or o.note]  # the DOCX's, when written
        if paged:
            result.toc_pages_from, result.toc_pages_note = (borrowed or paged)[0].toc_pages_from, \
                (borrowed or paged)[0].note
        from builder.pipeline.report import write_report
        write_report(result, staging.temp(f"{name}.report.json"))
        result.outputs["report"] = out_dir / f"{name}.report.json"
        _write_revisions(result, staging, f"{name}.revisions.json")
        staging.commit()
    return result


def run_writers(result: BuildResult, paths: dict[str, Path], needs: dict, clock: Clock,
                parallel: bool = True) -> dict[str, Output]:
    """Each format's writer, given the document, the style, its path and `needs`; timed as "writers" as a whole
    and per format. With one format it runs here. With several, the one that waits for each chart as it draws it
    (the PDF) runs here and the others run at once in forked processes, each reading chart files only once they
    are written (builder/writers/parallel.py). They run one after the other here, the PDF first, when a writer
    will borrow the PDF's pages (the DOCX without LibreOffice), or when DOSSIER_SERIAL_WRITERS=1."""
    formats = list(paths)
    here = next((f for f in formats if WRITERS[f].waits_per_chart), formats[0])

    def write(fmt: str, run_clock: Clock, wait, in_process: bool, **more) -> Output:
        writer = WRITERS[fmt]

        def charts_ready() -> None:
            if not (in_process and writer.waits_per_chart):
                part = writer.chart_part
                run_clock(f"charts ({'raster' if part == 'all' else part}) for {fmt}", wait, part)
        return run_clock(fmt, writer.write, result.document, result.style, paths[fmt], charts_ready=charts_ready,
                         **needs, **more)

    def in_order() -> dict[str, Output]:
        outputs: dict[str, Output] = {}
        for fmt in sorted(formats, key=lambda f: f != "pdf"):  # the PDF's pages first, for a writer that borrows
            more = {"pdf_pages": outputs["pdf"].headings} if "pdf" in outputs and borrows(fmt) else {}
            outputs[fmt] = write(fmt, clock, result.charts.wait, True, **more)
        return {f: outputs[f] for f in formats}

    def at_once() -> dict[str, Output]:
        from builder.writers import docx_pages
        from builder.writers.parallel import Forked
        docx_pages.settle()  # no thread of this process is cut in half by the fork
        with Forked(result, clock) as forked:
            for fmt in formats:
                if fmt != here:
                    forked.start(fmt, WRITERS[fmt].chart_part,
                                 lambda child_clock, wait, fmt=fmt: write(fmt, child_clock, wait, False))
            forked.charts_ready()
            outputs = {here: write(here, clock, result.charts.wait, True)}
            outputs |= forked.join()
        return {f: outputs[f] for f in formats}

    def borrows(fmt: str) -> bool:
        return WRITERS[fmt].borrows_pages is not None and WRITERS[fmt].borrows_pages()
    serial = not parallel or len(formats) == 1 or os.environ.get(SERIAL_ENV, "").strip() not in ("", "0") \
        or ("pdf" in formats and any(borrows(f) for f in formats))
    return clock("writers", in_order if serial else at_once)


def _write_revisions(result: BuildResult, staging, name: str) -> None:
    """The revisions record against the previous archived edition, when there is one (builder/pipeline/revisions.py)."""
    from builder.pipeline import revisions
    data = revisions.for_build(result, stages())
    if data is not None:
        revisions.write(data, staging.temp(name))
        result.outputs["revisions"] = staging.folder / name

