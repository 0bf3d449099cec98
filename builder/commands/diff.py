"""`dossier diff OLD NEW`: what changed between two editions (the comparison itself is builder/pipeline/diff.py)."""
from __future__ import annotations

from pathlib import Path

import click

from builder.pipeline.diff import FORMATTERS, diff_projects, resolve


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--project", "project", default=".", type=click.Path(file_okay=False, path_type=Path),
              show_default=True, help="Project whose editions/ folder holds the edition ids.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATTERS)), default="text", show_default=True)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def diff_command(old: str, new: str, project: Path, fmt: str, debug: bool) -> None:
    """List what changed between editions OLD and NEW (edition ids or project folders)."""
    from builder.commands.cli_run import run as _run
    from builder.pipeline import stages
    changes = _run(debug, lambda: diff_projects(resolve(old, project), resolve(new, project), stages()))
    click.echo(FORMATTERS[fmt](changes), nl=fmt != "json")
