"""Options shared by the commands that write outputs (build, brief, watch)."""
from __future__ import annotations

from pathlib import Path

import click

FORMATS = ("pdf", "docx")  # `all`; the HTML edition is written when asked for


def output_options(command):
    """PROJECT, --out and --format, in this order in every command's help."""
    command = click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "html", "all"]), default="all",
                           show_default=True)(command)
    command = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                           help="Output folder (default: PROJECT/build).")(command)
    return click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))(command)


def formats_of(fmt: str) -> tuple[str, ...]:
    """The --format choice as the formats to write."""
    return FORMATS if fmt == "all" else (fmt,)
