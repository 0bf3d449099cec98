"""dossier: print-ready analytical reports (PDF and DOCX) from chapter templates and data."""
__version__ = "0.1.0"


def build(*args, **kwargs):
    """The Python API the CLI wraps: see builder.build.build."""
    from builder.build import build as _build
    return _build(*args, **kwargs)
