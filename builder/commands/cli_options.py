"""Options shared by the commands that write outputs (build, brief, watch)."""
from __future__ import annotations

from pathlib import Path

import click

from builder.writers import DEFAULT_FORMATS, choices


def output_options(command):
    """PROJECT, --out and --format, in this order in every command's help."""
    command = click.option("--format", "fmt", type=click.Choice(choices()), default="all",
                           show_default=True)(command)
    command = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                           help="Output folder (default: PROJECT/build).")(command)
    return click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))(command)


def formats_of(fmt: str) -> tuple[str, ...]:
    """The --format choice as the formats to write."""
    return DEFAULT_FORMATS if fmt == "all" else (fmt,)


def param_options(command):
    """`--param name=value` (repeated) and `--params FILE`, for the commands that build one edition."""
    command = click.option("--params", "params_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                           help="A params file (CSV or YAML) holding one parameter set.")(command)
    return click.option("--param", "param_items", multiple=True, metavar="NAME=VALUE",
                        help="A parameter declared in report.yaml's params: block (repeatable).")(command)
