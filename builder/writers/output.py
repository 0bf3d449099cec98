"""What a writer returns (`Output`): its own module, so that the writers' helpers (docx_pages.py) import it
without importing the registry in builder/writers/__init__.py, which imports them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Output:
    """What a writer produced: its file and, for a paged format, the page count and where the TOC's page
    numbers came from ("pdf" or "libreoffice"), with a note when LibreOffice could not give them."""

    path: Path
    pages: int | None = None
    toc_pages_from: str = ""
    note: str = ""
    headings: dict = field(default_factory=dict)  # heading id (or caption key) → page, for a paged format
