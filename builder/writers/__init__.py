"""Writers: each turns a Document into one output format. The registry below is the one list of formats: the
command line's `--format` choices, the build loop, the brief, watch and batch all read it.

A writer is called as `write(document, style, path, **needs)` with everything it needs as arguments (`charts_ready`:
call it before reading chart files; `scratch`: a temporary path it may use; `progress`; `fonts`: a cache folder)
and returns an `Output` naming its file. Its entry declares `charts` (which chart files it embeds, so the build
waits for those only) and `pages` (a paged format; the DOCX's table of contents borrows a layout for its numbers,
see builder/writers/docx_pages.py)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from builder.writers.output import Output


@dataclass(frozen=True)
class Writer:
    name: str                 # the --format value and the key of the build's outputs
    suffix: str               # the output file's extension
    charts: str               # "vector" (SVG drawings) or "raster" (PNG) chart files
    pages: bool               # a paged format whose TOC needs heading pages
    default: bool             # written by `--format all` (and by default)
    waits_per_chart: bool     # in the build's process it waits for each chart as it draws it (else all first)
    write: Callable[..., Output]  # (document, style, path, **needs) → Output
    borrows_pages: Callable[[], bool] | None = None  # true when its TOC will take a PDF's pages (no LibreOffice)
    chart_svg: bool = False   # it embeds the charts' SVG files (the PDF's vector charts are drawings, not SVG)

    @property
    def chart_part(self) -> str:
        """The chart files it reads: "vector" or "all" (the PNGs come after the vector files)."""
        return "all" if self.charts == "raster" else "vector"


def write_pdf(document, style, path: Path, charts_ready=None, **_needs) -> Output:
    from builder.writers import pdf
    if charts_ready:
        charts_ready()
    pages, headings = pdf.write(document, style, path)
    return Output(Path(path), pages, "pdf", headings=headings)


def write_docx(document, style, path: Path, scratch: Path | None = None, progress=None, charts_ready=None,
               pdf_pages: dict | None = None, **_needs) -> Output:
    """The DOCX written once; its TOC's page numbers from LibreOffice's layout of it, else from the PDF's
    `pdf_pages` or a PDF laid out at `scratch` (see builder/writers/docx_pages.py)."""
    from builder.writers import docx_pages
    return docx_pages.write(document, style, Path(path), scratch, progress, charts_ready, pdf_pages)


def _docx_borrows_pages() -> bool:
    from builder.writers import docx_pages
    return not docx_pages.wanted() or not docx_pages.available()


def write_html(document, style, path: Path, fonts: Path | None = None, charts_ready=None, **_needs) -> Output:
    from builder.writers import html
    if charts_ready:
        charts_ready()
    return Output(html.write(document, style, path, fonts))


WRITERS: dict[str, Writer] = {w.name: w for w in (
    Writer("pdf", ".pdf", "vector", pages=True, default=True, waits_per_chart=True, write=write_pdf),
    Writer("docx", ".docx", "raster", pages=True, default=True, waits_per_chart=False, write=write_docx,
           borrows_pages=_docx_borrows_pages),
    Writer("html", ".html", "vector", pages=False, default=False, waits_per_chart=False, write=write_html,
           chart_svg=True),
)}

FORMATS: tuple[str, ...] = tuple(WRITERS)                                   # every format a build can write
DEFAULT_FORMATS: tuple[str, ...] = tuple(n for n, w in WRITERS.items() if w.default)  # `--format all`


def choices() -> list[str]:
    """The command line's --format choices: every format, and `all` for the default set."""
    return [*FORMATS, "all"]


def check_formats(formats) -> tuple[str, ...]:
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}: formats are {', '.join(FORMATS)}")
    return formats


def needs_raster(formats) -> bool:
    """Whether any of the formats embeds PNG charts (else the build draws the vector files only)."""
    return any(WRITERS[f].charts == "raster" for f in formats)


def needs_svg(formats) -> bool:
    """Whether any of the formats embeds the charts' SVG files (else the build writes none)."""
    return any(WRITERS[f].chart_svg for f in formats)

