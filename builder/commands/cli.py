"""The command line: a thin skin over builder.pipeline. User errors print as `path:line:col: error: …`, exit 2."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from builder.commands.cli_options import formats_of, output_options, param_options

from builder.commands.cli_run import EXIT_STRICT, progress as _progress, run as _run, summary as _summary


# The re-issue workflow's commands live in their own modules, imported when the command is run (or listed by
# `--help`), so that `dossier build` does not import python-docx for `dossier template`.
LAZY_COMMANDS = {"brief": "builder.commands.brief:brief_command", "new-edition": "builder.commands.editions:new_edition_command",
                 "diff": "builder.commands.diff:diff_command", "watch": "builder.commands.watch:watch_command",
                 "template": "builder.writers.docx_template:template_command", "new": "builder.commands.scaffold:new_command",
                 "batch": "builder.commands.batch:batch_command"}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            from importlib import import_module
            module, attr = LAZY_COMMANDS[name].split(":")
            self.add_command(getattr(import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="dossier")
def cli() -> None:
    """dossier: build print-ready analytical reports (PDF and DOCX) from chapter templates and data."""


@cli.command()
@output_options
@param_options
@click.option("--strict", is_flag=True, help="Exit 1 when a claim fails or a warning is reported that "
              "accepted.yaml does not accept, or an accepted failure no longer occurs.")
@click.option("--force", is_flag=True, help="Rebuild even when no input changed.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def build(project: Path, out_dir: Path | None, fmt: str, param_items: tuple[str, ...], params_file: Path | None,
          strict: bool, force: bool, debug: bool) -> None:
    """Build the report in PROJECT into PDF and DOCX."""
    formats = formats_of(fmt)
    start = time.perf_counter()
    with _early_office(project, out_dir, formats, force or strict):  # boots while the modules below load
        from builder import api
        from builder.readers.params import given_params
        built = _run(debug, lambda: api.build(project, out=out_dir, formats=formats, progress=_progress,
                                              force=force or strict, params=given_params(param_items, params_file)))
    if built.up_to_date:
        click.echo(f"up to date: {', '.join(str(p) for p in built.outputs.values())} "
                   f"({time.perf_counter() - start:.2f} s; --force rebuilds)")
        return
    result = built.details
    _summary(result, time.perf_counter() - start)
    if strict:
        _strict(debug, result)


def _early_office(project: Path, out_dir: Path | None, formats: tuple[str, ...], force: bool):
    """LibreOffice started before anything else (builder/writers/docx_pages.py `early`) unless the build will
    probably find its outputs up to date: no input file is newer than the last build's record."""
    from contextlib import nullcontext

    from builder.writers import docx_pages
    record = (out_dir or project / "build") / ".cache" / "build-state.json"
    return docx_pages.early(project, formats) if force or _newer_than(project, record) else nullcontext()


def _newer_than(project: Path, record: Path) -> bool:
    try:
        since = record.stat().st_mtime
    except OSError:
        return True
    inputs = [project / "report.yaml", *(p for d in ("chapters", "data", "styles") for p in (project / d).rglob("*"))]
    for path in inputs:
        try:
            if path.stat().st_mtime >= since:
                return True
        except OSError:
            return True
    return False


def _strict(debug: bool, result) -> None:
    """The gate of --strict (builder/commands/accepted.py): exit 1 unless it passes."""
    from builder.commands.accepted import gate
    verdict = _run(debug, lambda: gate(result))
    for line in verdict.lines():
        click.echo(line, err=True)
    if not verdict.passed:
        sys.exit(EXIT_STRICT)


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@param_options
@click.option("--strict", is_flag=True, help="Exit 1 as `build --strict` does.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def check(project: Path, param_items: tuple[str, ...], params_file: Path | None, strict: bool, debug: bool) -> None:
    """Validate data, templates and chapters of PROJECT; write nothing. Lists typed numbers in the prose that
    restate table data (warnings of kind stale-number, which --strict does not count)."""
    from builder import api
    from builder.pipeline.report import stale_tables
    from builder.readers.params import given_params
    result = _run(debug, lambda: api.check(project, params=given_params(param_items, params_file))).details
    for w in result.diagnostics.sorted():
        click.echo(str(w), err=True)
    from builder.readers.lint import lint
    findings = lint(result.project.root, result.project.spec.chapters, result.dataset.tables, result.dataset.charts)
    for finding in findings:
        click.echo(str(finding), err=True)
    _freshness(result, stale_tables(result))
    click.echo(f"ok: {len(result.dataset.tables)} tables, {len(result.claims)} claims "
               f"({len(result.failed_claims)} failed), {len(result.diagnostics.warnings)} warnings, "
               f"{len(findings)} typed numbers that restate table data")
    if strict:
        _strict(debug, result)


def _freshness(result, stale: list[dict]) -> None:
    stale_ids = {s["table"] for s in stale}
    click.echo(f"{'table':32} {'latest':>6}  source")
    for t in sorted(result.dataset.tables.values(), key=lambda t: t.id):
        flag = "  STALE" if t.id in stale_ids else ""
        click.echo(f"{t.id:32} {t.latest_year() or '-':>6}  {t.meta.source.text[:60]}{flag}")


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def dump(project: Path, debug: bool) -> None:
    """Print the document model of PROJECT as readable text."""
    import builder.pipeline as pipeline
    from builder.writers.native import dump as native
    result = _run(debug, lambda: pipeline.prepare(project))
    click.echo(native(result.document), nl=False)

