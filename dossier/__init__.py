"""`import dossier`: the Python API of the dossier report builder, under the name of the command.

    import dossier
    result = dossier.build("my-report", tables={"gdp": frame}, formats="pdf")

The same functions as `from builder import build, check` (see builder.api).
"""
from builder.api import Result, build, check

__all__ = ["Result", "build", "check"]
