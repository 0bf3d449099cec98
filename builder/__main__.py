from builder.cli import cli

cli()
