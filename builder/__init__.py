"""dossier: print-ready analytical reports (PDF and DOCX) from chapter templates and data.

The Python API (see builder.api): `build(project, tables={"id": DataFrame}, out=..., formats=...)` and
`check(project, tables=...)`, each returning a Result with outputs, pages, claims and warnings.
"""
__version__ = "0.1.0"


def build(*args, **kwargs):
    """Build a report project: see builder.api.build."""
    from builder.api import build as _build
    return _build(*args, **kwargs)


def check(*args, **kwargs):
    """Check a report project without writing anything: see builder.api.check."""
    from builder.api import check as _check
    return _check(*args, **kwargs)
