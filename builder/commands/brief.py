"""The briefing pack: a 2–4 page PDF and DOCX (`build/<output_name>-brief.*`) from the same project, laid out by
the template chapters/brief.md (Markdown + Jinja2 with the chapters' helpers) instead of report.yaml's chapter list.

The brief runs the report's own pipeline (load, render, parse, number, charts, the two writers) on that one
template, after a title page. Besides the chapter helpers its template can point into the full report:

- `ref("table:trade-ru-exports-kz")` → "Table 6.1.2"; `ref("figure:ruble-sales")` → "Figure 9";
  `ref("list:conclusions")` or `ref("heading:Investments")` → the section holding it ("section 6.2").
- `section(target)` → the number of the section holding it ("6.2"), or its title when it is unnumbered.
- `see(target)` → "see Table 6.1.2", "see section 6.2", "see chapter 11", "see “Abstracts”".

In a parameterised project these point at the full report as built with the parameters' defaults (the published
report), and the brief's own data, charts and sentences take the given parameters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import click

from builder.commands.cli_options import formats_of, output_options, param_options
from builder.writers import DEFAULT_FORMATS

TEMPLATE = "brief.md"
SUFFIX = "-brief"
DIRECTIVE_LINE = re.compile(r"^\s*```\{(table|figure|list)\}\s*(\S+)\s*$")


@dataclass(frozen=True)
class Place:
    """Where something sits in the numbered full report."""

    label: str            # "Table 6.1.2", "Figure 3", or "" for lists and headings
    section: str          # "6.1", or the title of an unnumbered heading
    numbered: bool
    level: int            # level of that heading (1 = chapter)

    def section_ref(self, labels) -> str:
        if not self.numbered:
            return f"“{self.section}”" if self.section else labels["the_report"]
        return f"{labels['chapter'] if self.level == 1 else labels['section']} {self.section}"


def report_index(project, dataset) -> dict[str, Place]:
    """`kind:id` (table, figure, list) and `heading:text` → their place in the full report, numbered as it is built;
    `chart:<table>:<column>` → the first figure that draws the column."""
    from builder.errors import Diagnostics
    from builder.model import Document, Figure, Heading, Table, TitlePage, inline_text, walk
    from builder.model.transforms import number_document
    from builder.pipeline import render_all
    from builder.readers.markdown import parse_chapter
    rendered = render_all(project, dataset)
    blocks: list = [TitlePage(project.meta)]
    list_sources, footnotes = {}, {}
    for chapter in rendered:
        parsed = parse_chapter(chapter, dataset, project.spec.language)
        blocks.extend(parsed.blocks)
        footnotes.update(parsed.footnotes)
        for i, line in enumerate(chapter.markdown.splitlines(), start=1):
            m = DIRECTIVE_LINE.match(line)
            if m and m.group(1) == "list":
                list_sources[chapter.source(i)] = m.group(2)
    doc = number_document(Document(project.meta, tuple(blocks), footnotes), Diagnostics())
    index: dict[str, Place] = {}
    here = Place("", "", False, 0)
    for block in walk(doc.blocks):
        if isinstance(block, Heading):
            text = inline_text(block.inlines)
            here = Place("", block.number or text, bool(block.number), block.level)
            index.setdefault(f"heading:{text}", here)
        elif isinstance(block, Table) and block.id:
            index.setdefault(f"table:{block.id}", replace(here, label=f"{doc.labels['table']} {block.number}"))
        elif isinstance(block, Figure):
            figure = replace(here, label=f"{doc.labels['figure']} {block.number}")
            index.setdefault(f"figure:{block.id}", figure)
            spec = dataset.charts.get(block.id)
            for column in spec.series if spec and block.number else ():
                index.setdefault(f"chart:{spec.table}:{column}", figure)  # the first figure drawing the column
        elif getattr(block, "source", None) in list_sources:
            index.setdefault(f"list:{list_sources[block.source]}", here)
    return index


def reference_helpers(index: dict[str, Place], labels=None) -> dict:
    """`ref`, `section` and `see` for the brief's template (see the module docstring)."""
    from builder.model.labels import Labels
    labels = labels or Labels()

    def place(target: str) -> Place:
        if target not in index:
            kind = target.split(":", 1)[0]
            known = sorted(k for k in index if k.startswith(kind + ":"))[:8]
            raise KeyError(f"the full report has no '{target}' (targets look like table:<id>, figure:<id>, "
                           f"list:<id>, heading:<text>; e.g. {', '.join(known) or 'none'})")
        return index[target]

    def ref(target: str) -> str:
        p = place(target)
        return p.label or p.section_ref(labels)

    def section(target: str) -> str:
        return place(target).section

    def see(target: str) -> str:
        return f"{labels['see']} {ref(target)}"

    return {"ref": ref, "section": section, "see": see}


def brief_meta(meta):
    """The report's metadata with the brief's title line."""
    return replace(meta, title=f"{meta.title}: {meta.labels['briefing_pack']}",
                   short_title=f"{meta.short_title or meta.title} — {meta.labels['briefing']}")


def plan_brief(index: dict[str, Place], labels) -> "Plan":
    """The brief as a plan for the report's own `prepare`: chapters/brief.md alone, the brief's title, the
    reference helpers over the full report's `index`, `-brief` output names and a chart cache of its own (the
    report's is pruned to the report's charts on every build)."""
    from builder.pipeline import Plan
    return Plan(chapters=(TEMPLATE,), meta=brief_meta, template_globals=reference_helpers(index, labels),
                template_helpers=brief_helpers, masthead=True, accessibility=False, suffix=SUFFIX,
                cache="brief-charts")


def brief_helpers(project, dataset, known: dict):
    """The brief's own template functions (key figures, key messages, short lists: builder/readers/brief_helpers.py) over
    the edition's data, and the check that reports their warnings once the template is rendered."""
    from builder.readers.brief_helpers import BriefHelpers
    helpers = BriefHelpers(dataset, project.meta.labels, project.spec.locale, known["ref"], known["see"])
    return helpers.functions(), helpers.report


def prepare_brief(root: Path, progress=None, cache: Path | None = None, draw: bool = True,
                  background: bool = False, params=None, inputs=None, shared_cache: bool = False,
                  index: dict[str, Place] | None = None, raster: bool = True, svg: bool = True):
    """The brief's document: title page + chapters/brief.md, rendered, parsed, numbered, charts placed — the
    report's `prepare` run on `plan_brief`. `params`, `inputs` and `shared_cache` as for `build.prepare`; a batch
    passes the report `index` it computed."""
    from builder.errors import BuildError
    from builder.model import Source
    from builder.pipeline import load_inputs, prepare
    from builder.timing import Clock
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    clock = Clock(timings, progress, cpu)
    inputs = inputs or load_inputs(Path(root), progress, timings, cpu=cpu)
    if not (inputs.project.root / "chapters" / TEMPLATE).exists():
        raise BuildError(f"no brief template chapters/{TEMPLATE}", Source(f"chapters/{TEMPLATE}"),
                         "write the briefing pack's template there (Markdown + Jinja2, like a chapter)")
    if index is None:
        index = clock("report index", report_index_of, inputs, params)
    plan = plan_brief(index, inputs.project.meta.labels)
    result = prepare(inputs.project.root, progress, cache, draw, background, raster, params, inputs, shared_cache,
                     plan=plan, svg=svg)
    result.timings, result.cpu = timings | result.timings, cpu | result.cpu
    return result


def report_index_of(inputs, params=None) -> dict[str, Place]:
    """The index of the full report as published: built with the parameters' defaults (a parameter without a
    default takes the brief's value), so that every tailored brief points at the same table numbers."""
    from builder.readers.params import ParamSet, apply_params
    specs = inputs.project.spec.params
    given = {k: v for k, v in (params.values if params else {}).items() if k in specs and specs[k].required}
    project, dataset = apply_params(inputs.project, inputs.dataset, ParamSet(given, params and params.source))
    return report_index(project, dataset)


def build_brief(root: Path, out_dir: Path | None = None, formats: tuple[str, ...] = DEFAULT_FORMATS,
                progress=None, params=None):
    """Write `<output_name>-brief.pdf/.docx` (and its build report) into `out_dir`; atomic like the report."""
    from builder.pipeline import write_outputs
    root = Path(root).resolve()
    out_dir = (out_dir or root / "build").resolve()
    from builder.writers import needs_svg
    result = prepare_brief(root, progress, out_dir / ".cache" / "brief-charts", background=True, params=params,
                           svg=needs_svg(formats))
    try:
        return write_outputs(result, out_dir, formats, progress)
    finally:
        result.charts.wait()


@click.command("brief")
@output_options
@param_options
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def brief_command(project: Path, out_dir: Path | None, fmt: str, param_items: tuple[str, ...],
                  params_file: Path | None, debug: bool) -> None:
    """Build the 2–4 page briefing pack of PROJECT (template: chapters/brief.md)."""
    import time
    from builder.commands.cli_run import progress as _progress, run as _run, summary as _summary
    from builder.readers.params import given_params
    formats = formats_of(fmt)
    start = time.perf_counter()
    result = _run(debug, lambda: build_brief(project, out_dir, formats, progress=_progress,
                                             params=given_params(param_items, params_file)))
    _summary(result, time.perf_counter() - start)
