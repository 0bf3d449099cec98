"""The pipeline, one short function per stage: project → data → templates → Markdown → Document → writers.
Outputs are written beside their targets and moved into place only when every stage succeeded."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from builder.accessibility import check_accessibility
from builder.charts import ChartStats, render_charts
from builder.data import Dataset, load_dataset
from builder.errors import BuildError, Diagnostics
from builder.markdown import parse_chapter
from builder.model import Document, Figure, Source, TitlePage, map_document, walk
from builder.params import ParamSet, apply_params
from builder.project import Project, load_project
from builder.style import Style, load_style
from builder.templates import Claim, Rendered, make_environment, render_chapter
from builder.transforms import number_document

FORMATS = ("pdf", "docx")


@dataclass
class BuildResult:
    project: Project
    document: Document
    diagnostics: Diagnostics
    claims: list[Claim] = field(default_factory=list)
    statements: int = 0
    outputs: dict[str, Path] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    charts: ChartStats = field(default_factory=ChartStats)
    dataset: Dataset | None = None
    toc_pages_from: str = ""

    @property
    def failed_claims(self) -> list[Claim]:
        return [c for c in self.claims if not c.holds]


class _Clock:
    def __init__(self, timings: dict[str, float], progress: Callable[[str], None] | None):
        self.timings, self.progress = timings, progress or (lambda _s: None)

    def __call__(self, stage: str, fn, *args):
        self.progress(stage)
        start = time.perf_counter()
        result = fn(*args)
        self.timings[stage] = round(time.perf_counter() - start, 4)
        return result


@dataclass(frozen=True)
class Inputs:
    """report.yaml, the style and the data, loaded and validated: what the editions of a batch share."""

    project: Project
    style: Style
    dataset: Dataset
    warnings: tuple = ()


def load_inputs(root: Path, progress=None, timings: dict[str, float] | None = None,
                tables: dict | None = None) -> Inputs:
    """`tables` (id → DataFrame) stand in for those tables' data files."""
    diag = Diagnostics()
    clock = _Clock({} if timings is None else timings, progress)
    project = clock("project", load_project, root, diag)
    style = clock("style", load_style, project.root, project.spec.style, diag)
    dataset = clock("data", load_dataset, project.root, diag, tables)
    return Inputs(project, style, dataset, tuple(diag.warnings))


def prepare(root: Path, progress=None, cache: Path | None = None, draw: bool = True,
            background: bool = False, raster: bool = True, params: ParamSet | None = None,
            inputs: Inputs | None = None, shared_cache: bool = False, tables: dict | None = None) -> BuildResult:
    """Everything up to the writers: load, validate, render, parse, number, draw charts. `params` are the
    edition's parameter values; a batch passes the `inputs` it loaded once and a chart cache shared by its rows."""
    diag = Diagnostics()
    timings: dict[str, float] = {}
    clock = _Clock(timings, progress)
    inputs = inputs or load_inputs(root, progress, timings, tables)
    diag.warnings.extend(inputs.warnings)
    project, dataset = clock("params", apply_params, inputs.project, inputs.dataset, params)
    style = inputs.style
    rendered = clock("templates", render_all, project, dataset)
    doc = clock("markdown", assemble, project, rendered, dataset)
    doc = clock("transforms", number_document, doc, diag)
    clock("accessibility", check_accessibility, doc, dataset, diag)
    result = BuildResult(project, doc, diag, [c for r in rendered for c in r.claims],
                         sum(r.statements for r in rendered), timings=timings, dataset=dataset)
    result.style = style
    result.rendered = rendered
    _report_claims(result, rendered, diag)
    cache = cache or project.root / "build" / ".cache" / "charts"
    doc, result.charts = clock("charts", place_charts, doc, dataset, style, cache, project.spec.locale, diag, draw,
                               background, raster, shared_cache)
    result.document = doc
    return result


def render_all(project: Project, dataset: Dataset) -> list[Rendered]:
    """Every chapter rendered; a chapter that prints what changed (`what_changed()`, `revisions`) comes after
    the others, since the revisions record compares their rendered text with the previous edition's."""
    env = make_environment(project.root, project.spec.locale)
    env.globals["params"] = project.params
    report = project.spec.model_dump(mode="json")
    names = list(project.spec.chapters)
    later = [n for n in names if _uses_revisions(project.root / "chapters" / n)]
    done = {n: render_chapter(env, project.root, n, dataset, report, project.spec.locale)
            for n in names if n not in later}
    if later:
        from builder.revisions import template_names
        extra = template_names(project, dataset, [done[n] for n in names if n in done])
        done |= {n: render_chapter(env, project.root, n, dataset, report, project.spec.locale, extra)
                 for n in later}
    return [done[n] for n in names]


def _uses_revisions(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # reported where the chapter is rendered
        return False
    import re
    return re.search(r"\{[{%][^}]*\b(what_changed|revisions)\b", text) is not None


def assemble(project: Project, rendered: list[Rendered], dataset: Dataset) -> Document:
    """All chapters in order after the title page; footnotes keyed by chapter-prefixed ids."""
    blocks: list = [TitlePage(project.meta)]
    footnotes: dict = {}
    for chapter in rendered:
        parsed = parse_chapter(chapter, dataset, project.spec.language)
        blocks.extend(parsed.blocks)
        footnotes.update(parsed.footnotes)
    return Document(project.meta, tuple(blocks), footnotes)


def place_charts(doc: Document, dataset: Dataset, style: Style, cache: Path, locale: str, diag: Diagnostics,
                 draw: bool = True, background: bool = False, raster: bool = True, shared: bool = False):
    ids = [b.id for b in walk(doc.blocks) if isinstance(b, Figure)]
    charts, stats = render_charts(ids, dataset, style, cache, locale, diag, draw, background, raster, shared)

    def place(b):
        if not isinstance(b, Figure):
            return b
        spec = dataset.charts[b.id]
        table = dataset.tables.get(spec.table)
        source = spec.source or (table.meta.source.text if table else "")
        return replace(b, chart=charts[b.id], citation=source, missing_note=spec.missing_data)
    return map_document(doc, block=place), stats


def _report_claims(result: BuildResult, rendered: list[Rendered], diag: Diagnostics) -> None:
    """Claims with their sentences as printed (cross-references numbered); failed ones are warnings."""
    from builder.model import Table
    from builder.templates import plain_sentence
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
    from builder.fonts import missing_glyphs
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
    from builder import uptodate
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
    result = prepare(root, progress, background=True, raster="docx" in formats, params=params, tables=tables)
    try:
        return _write_outputs(result, out_dir, formats, progress)
    finally:
        result.charts.wait()


def _write_outputs(result: BuildResult, out_dir: Path, formats: tuple[str, ...], progress) -> BuildResult:
    """Every output under a temporary name in the locked folder, moved into place only when all are written."""
    from builder.staging import Staging
    clock = _Clock(result.timings, progress)
    clock("glyphs", check_glyphs, result)
    name = result.project.spec.output_name
    with Staging(out_dir, progress) as staging:
        office = _start_office(result) if "docx" in formats else None
        try:
            heading_pages = {}
            if "pdf" in formats or ("docx" in formats and _has_toc(result)):  # the DOCX TOC starts from PDF pages
                pdf_tmp = staging.temp(f"{name}.pdf", publish="pdf" in formats)
                pages, heading_pages = clock("pdf", _write_pdf, result, pdf_tmp)
                result.pages["pdf"] = pages
                result.toc_pages_from = "pdf"
            if "docx" in formats:
                docx_tmp = staging.temp(f"{name}.docx")
                clock("charts (raster)", result.charts.wait, "all")
                clock("docx", _write_docx, result, docx_tmp, heading_pages, progress, office)
            if "html" in formats:
                clock("html", _write_html, result, staging.temp(f"{name}.html"), out_dir / ".cache" / "fonts")
        finally:
            if office is not None:
                office.__exit__(None, None, None)
        result.outputs.update({fmt: out_dir / f"{name}.{fmt}" for fmt in ("pdf", "docx", "html") if fmt in formats})
        from builder.report import write_report
        write_report(result, staging.temp(f"{name}.report.json"))
        result.outputs["report"] = out_dir / f"{name}.report.json"
        _write_revisions(result, staging, f"{name}.revisions.json")
        staging.commit()
    return result


def _write_revisions(result: BuildResult, staging, name: str) -> None:
    """The revisions record against the previous archived edition, when there is one (builder/revisions.py)."""
    from builder import revisions
    data = revisions.for_build(result)
    if data is not None:
        revisions.write(data, staging.temp(name))
        result.outputs["revisions"] = staging.folder / name


def _write_pdf(result: BuildResult, path: Path):
    from builder.writers import pdf
    return pdf.write(result.document, result.style, path)


def _has_toc(result: BuildResult) -> bool:
    from builder.model import TableOfContents
    return any(isinstance(b, TableOfContents) for b in result.document.blocks)


def _write_html(result: BuildResult, path: Path, fonts: Path) -> None:
    from builder.writers import html
    result.charts.wait("vector")
    html.write(result.document, result.style, path, fonts)


def _start_office(result: BuildResult):
    """LibreOffice, started while the PDF is laid out, for the DOCX table of contents' page numbers."""
    if not _has_toc(result):
        return None
    from builder.writers import docx_pages
    return docx_pages.prestart()


def _write_docx(result: BuildResult, path: Path, pages: dict[str, int], progress=None, office=None) -> None:
    """The TOC's page numbers from LibreOffice's layout when it is available, else the PDF's `pages`."""
    from builder.writers import docx, docx_pages
    info: dict = {}
    result.toc_pages_from = docx_pages.write_docx(
        lambda toc_pages: docx.write(result.document, result.style, path, toc_pages),
        path, result.document, pages, result.timings, progress, started=office, info=info)
    if "pages" in info:
        result.pages["docx"] = info["pages"]  # as LibreOffice lays the DOCX out


class _Module(type(sys)):
    """`from builder import build` must stay the API function even after this module (builder.build) is imported,
    which makes the package attribute `build` this module: so the module calls through to the API."""

    def __call__(self, *args, **kwargs):
        from builder.api import build as api_build
        return api_build(*args, **kwargs)


sys.modules[__name__].__class__ = _Module
