from builder.commands.cli import cli

cli()
