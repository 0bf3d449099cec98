"""`dossier batch PARAMS.csv|yaml [PROJECT]`: one edition a row of a params file (the report, the brief or both),
each into its own folder named from the row's values, on a local process pool or on a Dask cluster.

The project (report.yaml, the style, the data) is loaded and validated once, before any row; the rows share one
chart cache, in which each chart is drawn by one row and found by the others (`Charts: drawn / reused` in the
summary). A failed row is reported with its error and never stops the others. At the end: a summary and the
machine-readable batch report `batch.json` in the output folder.

Locally the rows run on a pool of forked processes, which inherit the loaded project; with `--scheduler` each row
is one task of a Dask distributed cluster (`distributed.Client`), the loaded project is scattered to the workers
once, and the project folder and the output folder are read and written by the workers at the same paths: keep
them on storage every worker sees, as Dask's documentation recommends for data.
"""
from __future__ import annotations

import json
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

from builder.commands.cli_options import formats_of
from builder.errors import BuildError
from builder.model import Source
from builder.writers import DEFAULT_FORMATS, choices

KINDS = {"report": ("report",), "brief": ("brief",), "both": ("report", "brief")}
REPORT_FILE = "batch.json"
BATCH_REPORT_VERSION = 1


@dataclass(frozen=True)
class Row:
    """One parameter set of the params file and the folder its outputs go to."""

    number: int                 # 1-based position in the params file
    values: dict                # as given in the file
    source: Source | None       # params.csv:4
    folder: str

    @property
    def where(self) -> str:
        return str(self.source or f"row {self.number}")


@dataclass(frozen=True)
class Job:
    """What every row is built with (the same for all rows of a batch)."""

    out_root: str
    kinds: tuple[str, ...]
    formats: tuple[str, ...]
    cache: str
    batch_id: str = ""          # tells this batch's memos on a long-lived Dask worker from an earlier batch's


@dataclass
class RowResult:
    number: int
    folder: str
    params: dict
    where: str
    status: str = "built"                       # built | failed
    outputs: dict[str, str] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    error: str = ""
    failed_claims: list[dict] = field(default_factory=list)
    warnings: int = 0
    charts_drawn: int = 0
    charts_reused: int = 0
    chart_files: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ---- planning --------------------------------------------------------------------------------------


def plan_rows(sets: list) -> list[Row]:
    """A folder per row, named from its values; two rows with the same name get "-2", "-3" (never overwritten)."""
    from builder.readers.params import folder_name
    rows: list[Row] = []
    taken: dict[str, int] = {}
    for number, given in enumerate(sets, start=1):
        name = folder_name(given)
        taken[name] = taken.get(name, 0) + 1
        if taken[name] > 1:
            name = f"{name}-{taken[name]}"
        rows.append(Row(number, dict(given.values), given.source, name))
    return rows


# ---- one row (runs in a worker) -------------------------------------------------------------------------


_ROW_LOCK = threading.Lock()  # a Dask worker may run tasks in threads: matplotlib and the PDF dates are global
_INDEX: dict = {}             # the full report's index for the briefs, computed once per process


def build_row(inputs, row: Row, job: Job) -> RowResult:
    """Build one row's outputs into its folder; every error is caught and reported in the result."""
    result = RowResult(row.number, row.folder, row.values, row.where)
    start = time.perf_counter()
    with _ROW_LOCK:
        try:
            for kind in job.kinds:
                _build_kind(inputs, row, job, kind, result)
        except BuildError as e:
            result.status, result.error = "failed", str(e)
        except Exception as e:  # an internal error in one row must not stop the others
            result.status = "failed"
            result.error = f"internal error: {type(e).__name__}: {e}\n{traceback.format_exc(limit=-3)}"
    result.seconds = round(time.perf_counter() - start, 3)
    return result


def _build_kind(inputs, row: Row, job: Job, kind: str, result: RowResult) -> None:
    from builder.pipeline import prepare, write_outputs
    from builder.readers.params import ParamSet
    from builder.writers import needs_raster, needs_svg
    params = ParamSet(row.values, row.source)
    cache = Path(job.cache)
    if kind == "report":
        built = prepare(inputs.project.root, cache=cache, raster=needs_raster(job.formats), params=params,
                        inputs=inputs, shared_cache=True, svg=needs_svg(job.formats))
    else:
        from builder.commands.brief import prepare_brief
        built = prepare_brief(inputs.project.root, cache=cache, params=params, inputs=inputs, shared_cache=True,
                              index=_brief_index(inputs, params, job.batch_id), raster=needs_raster(job.formats),
                              svg=needs_svg(job.formats))
    write_outputs(built, Path(job.out_root) / row.folder, job.formats, None, parallel=False)  # rows run at once
    _record(result, built, kind)


def _brief_index(inputs, params, batch_id: str) -> dict:
    from builder.commands.brief import report_index_of
    specs = inputs.project.spec.params
    key = (batch_id, tuple(sorted((k, str(v)) for k, v in params.values.items()
                                                  if k in specs and specs[k].required)))
    if key not in _INDEX:
        _INDEX[key] = report_index_of(inputs, params)
    return _INDEX[key]


def _record(result: RowResult, built, kind: str) -> None:
    prefix = "" if kind == "report" else "brief-"
    for fmt, path in built.outputs.items():
        result.outputs[prefix + fmt] = str(Path(path).relative_to(Path(path).parent.parent))
    for fmt, pages in built.pages.items():
        result.pages[prefix + fmt] = pages
    result.failed_claims += [{"kind": kind, "text": c.text, "location": str(c.source)} for c in built.failed_claims]
    result.warnings += len(built.diagnostics.warnings)
    result.charts_drawn += built.charts.rendered
    result.charts_reused += built.charts.cached
    result.chart_files += sorted({Path(f.chart.svg_path).stem for f in _figures(built.document) if f.chart})


def _figures(doc):
    from builder.model import Figure, walk
    return [b for b in walk(doc.blocks) if isinstance(b, Figure)]


# ---- running the rows -------------------------------------------------------------------------------


def run_batch(root: Path, params_file: Path, out_dir: Path | None = None, kind: str = "both",
              formats: tuple[str, ...] = DEFAULT_FORMATS, workers: int | None = None, scheduler: str | None = None,
              progress: Callable[[RowResult, int, int, float], None] | None = None) -> dict:
    """Build every row of `params_file`; returns the batch report (also written to OUT/batch.json)."""
    from builder.pipeline import load_inputs
    from builder.readers.params import read_params_file
    start = time.perf_counter()
    root = Path(root).resolve()
    out_root = (out_dir or root / "build" / "batch").resolve()
    sets = read_params_file(Path(params_file))
    inputs = load_inputs(root)
    _check_names(sets, inputs.project.spec.params, Path(params_file))
    rows = plan_rows(sets)
    out_root.mkdir(parents=True, exist_ok=True)
    job = Job(str(out_root), KINDS[kind], formats, str(root / "build" / ".cache" / "batch-charts"),
              uuid.uuid4().hex)
    workers = workers or os.cpu_count() or 1
    if scheduler:
        results_iter = _run_dask(inputs, rows, job, scheduler)
    else:
        results_iter = _run_local(inputs, rows, job, workers)
    results: list[RowResult] = []
    for result in results_iter:
        results.append(result)
        if progress:
            progress(result, len(results), len(rows), time.perf_counter() - start)
    results.sort(key=lambda r: r.number)
    _prune_cache(Path(job.cache), results)
    report = batch_report(results, job, time.perf_counter() - start, scheduler or f"local, {workers} workers")
    _write_json(out_root / REPORT_FILE, report)
    return report


def _check_names(sets: list, specs: dict, params_file: Path) -> None:
    """A params file with no rows, or a column that is not a parameter, stops the batch before any row."""
    if not sets:
        raise BuildError("the params file has no parameter sets", Source(str(params_file)),
                         "one row (CSV) or one mapping (YAML) a parameter set")
    for given in sets:
        unknown = [name for name in given.values if name not in specs]
        if unknown:
            raise BuildError(f"unknown parameter {', '.join(map(repr, unknown))}", given.source,
                             f"declared in report.yaml: {', '.join(specs) or 'none'}")


def _run_local(inputs, rows: list[Row], job: Job, workers: int) -> Iterator[RowResult]:
    """In this process with one worker; else on forked processes that inherit the loaded project."""
    if workers <= 1 or len(rows) <= 1:
        for row in rows:
            yield build_row(inputs, row, job)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    global _INPUTS
    _INPUTS = inputs
    import builder.charts.render  # noqa: F401  (matplotlib, ReportLab and python-docx imported once, before the fork)
    import builder.writers.docx  # noqa: F401
    import builder.writers.pdf  # noqa: F401
    if "brief" in job.kinds and rows:
        _prime_index(inputs, rows[0], job)  # computed here once, inherited by every worker
    with ProcessPoolExecutor(max_workers=min(workers, len(rows)),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(_forked_row, row, job): row for row in rows}
        for future in as_completed(futures):
            yield _outcome(future, futures[future])


_INPUTS = None  # the loaded project, set before the pool forks


def _forked_row(row: Row, job: Job) -> RowResult:
    return build_row(_INPUTS, row, job)


def _prime_index(inputs, row: Row, job: Job) -> None:
    from builder.readers.params import ParamSet
    try:
        _brief_index(inputs, ParamSet(row.values), job.batch_id)
    except BuildError:
        pass  # the rows report it


def _run_dask(inputs, rows: list[Row], job: Job, scheduler: str) -> Iterator[RowResult]:
    """Each row a task on the Dask cluster at `scheduler` (tcp://HOST:PORT, or a scheduler file)."""
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise BuildError("--scheduler needs Dask distributed, which is not installed", Source("--scheduler"),
                         "pip install 'dossier[cluster]' (or 'dask[distributed]')") from e
    is_file = not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")) \
        and Path(scheduler).is_file()
    with (Client(scheduler_file=scheduler) if is_file else Client(scheduler)) as client:
        shared = client.scatter(inputs, broadcast=True)
        futures = {client.submit(build_row, shared, row, job, key=f"dossier-row-{row.number}-{job.batch_id}",
                                 pure=False): row for row in rows}
        for future in as_completed(futures):
            yield _outcome(future, futures[future])


def _outcome(future, row: Row) -> RowResult:
    """The row's result; a worker that died while building it (killed, out of memory) fails that row only."""
    try:
        return future.result()
    except Exception as e:
        return RowResult(row.number, row.folder, row.values, row.where, status="failed",
                         error=f"the worker building this row failed: {type(e).__name__}: {e}")


def _prune_cache(cache: Path, results: list[RowResult]) -> None:
    """Drop the chart files no row of this batch used (the cache stays for the next run of the same batch)."""
    from builder.charts import _prune
    if cache.exists() and all(r.status == "built" for r in results):
        _prune(cache, {stem for r in results for stem in r.chart_files})


# ---- the batch report ---------------------------------------------------------------------------------------


def batch_report(results: list[RowResult], job: Job, seconds: float, engine: str) -> dict:
    built = [r for r in results if r.status == "built"]
    drawn = sum(r.charts_drawn for r in results)
    return {
        "version": BATCH_REPORT_VERSION,
        "engine": engine,
        "kinds": list(job.kinds),
        "formats": list(job.formats),
        "rows": len(results),
        "built": len(built),
        "failed": len(results) - len(built),
        "failed_claims": sum(len(r.failed_claims) for r in results),
        "charts": {"drawn": drawn, "reused": sum(r.charts_reused for r in results),
                   "distinct": len({s for r in results for s in r.chart_files})},
        "seconds": round(seconds, 3),
        "results": [asdict(r) for r in results],
    }


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# ---- command line -----------------------------------------------------------------------------------------


def _progress(result: RowResult, done: int, total: int, elapsed: float) -> None:
    eta = elapsed / done * (total - done)
    state = "built" if result.status == "built" else "FAILED"
    click.echo(f"[{done}/{total}] {state} {result.folder} ({result.seconds:.1f} s); "
               f"elapsed {_clock(elapsed)}, ETA {_clock(eta)}", err=True)


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


def print_summary(report: dict, out_root: Path) -> None:
    for r in report["results"]:
        if r["status"] == "failed":
            click.echo(f"failed: {r['folder']} ({r['where']}):\n  " + r["error"].replace("\n", "\n  "), err=True)
    for r in report["results"]:
        for claim in r["failed_claims"]:
            click.echo(f"claim failed in {r['folder']}: {claim['location']}: {claim['text']}", err=True)
    c = report["charts"]
    click.echo(f"built {report['built']} of {report['rows']} rows into {out_root}; failed: {report['failed']}; "
               f"claims failed: {report['failed_claims']}")
    click.echo(f"charts: {c['drawn']} drawn, {c['reused']} reused from the shared cache ({c['distinct']} distinct)")
    click.echo(f"batch report: {out_root / REPORT_FILE}; {report['seconds']:.1f} s ({report['engine']})")


@click.command("batch")
@click.argument("params_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder, one subfolder a row (default: PROJECT/build/batch).")
@click.option("--kind", type=click.Choice(list(KINDS)), default="both", show_default=True,
              help="What each row builds: the full report, the briefing pack or both.")
@click.option("--format", "fmt", type=click.Choice(choices()), default="all",
              show_default=True)
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes (default: the CPU cores).")
@click.option("--scheduler", metavar="ADDRESS|FILE",
              help="Run on a Dask distributed cluster: tcp://HOST:PORT or a scheduler file.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def batch_command(params_file: Path, project: Path, out_dir: Path | None, kind: str, fmt: str,
                  workers: int | None, scheduler: str | None, debug: bool) -> None:
    """Build one edition per row of PARAMS_FILE (CSV or YAML) of PROJECT, each into its own folder."""
    import sys
    from builder.commands.cli_run import run as _run
    out_root = (out_dir or Path(project) / "build" / "batch").resolve()
    report = _run(debug, lambda: run_batch(project, params_file, out_dir, kind, formats_of(fmt), workers,
                                           scheduler, progress=_progress))
    print_summary(report, out_root)
    if report["failed"]:
        sys.exit(1)
