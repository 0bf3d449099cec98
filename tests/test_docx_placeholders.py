"""The DOCX is laid out by LibreOffice while the charts' PNGs are still drawn: a chart whose PNG is not written yet
goes in as a placeholder picture of the chart's extent, and the PNGs replace the placeholders in the rewrite that
patches the TOC's numbers in (builder/writers/docx_pages.py). The published DOCX holds the chart cache's PNGs
byte for byte and no placeholder, whichever way its page numbers were found; its TOC numbers are right."""
from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest

from builder.pipeline import build
from builder.writers import docx_pages
from builder.writers.docx import PLACEHOLDER
from tests.conftest import needs_uno
from tests.test_docx_libreoffice import check_toc_pages, convert, long_project

SLOW = 0.6  # seconds each PNG takes to draw in these builds, so that the writers start well before the PNGs are on disk


def charted_project(tmp_path: Path, toc: bool = True) -> Path:
    """A project of a few chapters with three charts, one in each of three chapters (enough charts for the build
    to draw them in the background); with a table of contents unless `toc` is false."""
    project = long_project(tmp_path, chapters=3)
    charts = project / "data" / "charts.yaml"
    charts.write_text(charts.read_text(encoding="utf-8") + (
        "imports-chart:\n  title: Imports, million US dollars\n  kind: line\n  table: trade\n  x: year\n"
        "  series: [imports]\n  description: Imports by year.\n"
        "share-chart:\n  title: Share of exports\n  kind: bar\n  table: trade\n  x: year\n  series: [share]\n"
        "  height_in: 4.5\n  description: The share of exports by year.\n"), encoding="utf-8")
    for name, chart in (("02-topic.md", "imports-chart"), ("03-topic.md", "share-chart")):
        chapter = project / "chapters" / name
        text = chapter.read_text(encoding="utf-8")
        cut = text.index("## Section")
        chapter.write_text(f"{text[:cut]}```{{figure}} {chart}\n```\n\n{text[cut:]}", encoding="utf-8")
    if not toc:
        front = project / "chapters" / "00-front.md"
        front.write_text(front.read_text(encoding="utf-8").replace("```{toc}\n```\n", ""), encoding="utf-8")
    return project


@pytest.fixture()
def slow_pngs(monkeypatch, tmp_path: Path) -> Path:
    """Each chart's PNG takes SLOW seconds more to draw (the chart workers are forked from this process, so they
    draw with the patched function); returns a log to which the DOCX writer appends, whichever process it runs
    in, when LibreOffice's loads start ("load <time>") and how many placeholders the document had
    ("placeholders <n>")."""
    from builder.charts import render
    log = tmp_path / "events.log"
    log.touch()
    original_raster = render.save_raster

    def slow(fig, job) -> None:
        time.sleep(SLOW)
        original_raster(fig, job)
    monkeypatch.setattr(render, "save_raster", slow)

    def note(line: str) -> None:
        with open(log, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    original_load = docx_pages.Office.bookmark_pages

    def load(self, docx):
        note(f"load {time.time():.6f}")
        return original_load(self, docx)
    monkeypatch.setattr(docx_pages.Office, "bookmark_pages", load)
    original_finish = docx_pages.finish

    def finish(path, placeholders, *args, **kwargs):
        note(f"placeholders {len(placeholders)}")
        return original_finish(path, placeholders, *args, **kwargs)
    monkeypatch.setattr(docx_pages, "finish", finish)
    return log


def events(log: Path, kind: str) -> list[float]:
    return [float(line.split()[1]) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(kind)]


def media(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}


def check_real_pngs(docx: Path, cache: Path, document, charts: int = 3) -> None:
    """Every picture of the DOCX is one of the chart cache's PNGs, byte for byte, each chart's once; no
    placeholder is left in the package; each picture's extent is its chart's size (its width up to the
    text's, 160 mm)."""
    import re

    from docx.shared import Mm

    from builder.model import Figure, walk
    sizes = [(b.chart.width_in, b.chart.height_in) for b in walk(document.blocks) if isinstance(b, Figure)]
    with zipfile.ZipFile(docx) as z:
        extents = re.findall(r'<wp:extent cx="(\d+)" cy="(\d+)"/>', z.read("word/document.xml").decode("utf-8"))
    assert len(extents) == len(sizes) == charts
    for (cx, cy), (width, height) in zip(extents, sizes):
        assert int(cx) == int(Mm(min(width * 25.4, 160))) and abs(int(cy) - int(cx) * height / width) <= 1
    pngs = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in cache.glob("*.png")}
    pictures = media(docx)
    assert len(pictures) == charts, sorted(pictures)
    found = [pngs.get(hashlib.sha256(data).hexdigest()) for data in pictures.values()]
    assert None not in found, "a picture that is not a chart PNG"
    assert len(set(found)) == charts
    with zipfile.ZipFile(docx) as z:
        assert not [n for n in z.namelist() if PLACEHOLDER in z.read(n)]


@needs_uno
def test_libreoffice_lays_out_the_docx_while_the_pngs_are_drawn(tmp_path: Path, slow_pngs: Path) -> None:
    project = charted_project(tmp_path)
    result = build(project, project / "build", force=True)
    docx = result.outputs["docx"]
    assert result.toc_pages_from == "libreoffice"
    cache = project / "build" / ".cache" / "charts"
    written = [p.stat().st_mtime for p in cache.glob("*.png")]
    loads = events(slow_pngs, "load")
    assert len(written) == 3 and loads
    assert min(loads) < max(written) - SLOW / 2, (loads, written)  # laid out before the last PNG was there
    assert events(slow_pngs, "placeholders") and events(slow_pngs, "placeholders")[0] > 0
    check_real_pngs(docx, cache, result.document)
    check_toc_pages(convert(docx, tmp_path / "converted"))  # the numbers are where LibreOffice puts the headings
    # charts cached: the PNGs are written in at once, and the package is byte for byte the same
    again = build(project, tmp_path / "warm", ("docx",), force=True)
    assert again.outputs["docx"].read_bytes() == docx.read_bytes()


@pytest.mark.parametrize("how", ["pdf pagination asked", "libreoffice fails", "docx without a toc"])
def test_no_placeholder_survives_without_libreoffice_pages(tmp_path: Path, slow_pngs: Path, monkeypatch,
                                                           how: str) -> None:
    project = charted_project(tmp_path, toc=how != "docx without a toc")
    formats = ("pdf", "docx")
    if how == "pdf pagination asked":  # the PDF is written first and lends its pages to the DOCX
        monkeypatch.setenv(docx_pages.ENV, "pdf")
    elif how == "libreoffice fails":  # the DOCX writer lays out a PDF of its own
        monkeypatch.delenv(docx_pages.ENV, raising=False)
        monkeypatch.setattr(docx_pages, "available", lambda: True)

        def broken(self, docx):
            raise docx_pages.Unavailable("LibreOffice failed on the document")
        monkeypatch.setattr(docx_pages.Office, "__enter__", lambda self: self)
        monkeypatch.setattr(docx_pages.Office, "bookmark_pages", broken)
    else:
        formats = ("docx",)
    result = build(project, project / "build", formats, force=True)
    assert result.toc_pages_from == "pdf"
    if how == "docx without a toc":
        assert not events(slow_pngs, "load")  # nothing to lay out: no LibreOffice
    assert events(slow_pngs, "placeholders") and events(slow_pngs, "placeholders")[0] > 0  # they were used
    check_real_pngs(result.outputs["docx"], project / "build" / ".cache" / "charts", result.document)


def test_a_chart_that_fails_while_the_docx_is_laid_out_fails_the_build_and_keeps_the_outputs(
        tmp_path: Path, slow_pngs: Path, monkeypatch) -> None:
    from builder.charts import render
    project = charted_project(tmp_path)
    out = project / "build"
    build(project, out, force=True)
    before = {p.name: p.read_bytes() for p in out.glob("*.*") if p.is_file()}
    patched = render.save_raster

    def broken(fig, job) -> None:
        if job.chart_id == "share-chart":
            time.sleep(SLOW)
            raise OSError("no space left on device")
        patched(fig, job)
    monkeypatch.setattr(render, "save_raster", broken)
    (project / "data" / "charts.yaml").write_text(  # a change that draws every chart again
        (project / "data" / "charts.yaml").read_text(encoding="utf-8").replace("by year.", "by calendar year."),
        encoding="utf-8")
    with pytest.raises(Exception, match="no space left on device|could not be drawn"):
        build(project, out, force=True)
    assert {p.name: p.read_bytes() for p in out.glob("*.*") if p.is_file()} == before
    assert not [p for p in out.iterdir() if p.is_file() and p.name not in before and not p.name.startswith(".")]
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
