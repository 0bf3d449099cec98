"""The DOCX in LibreOffice: it converts headless without errors, and its table of contents (page numbers taken from
LibreOffice's own layout through UNO, see builder/writers/docx_pages.py) names the pages its headings are on."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from builder.pipeline import build
from builder.writers import docx_pages
from tests.conftest import MINIMAL, copy_project, needs_soffice, needs_uno, pdf_outline

SOFFICE = shutil.which("soffice")

WORDS = ("the bilateral trade between both countries grew in most years while investment flows remained uneven "
         "and the statistics of the two offices differ in method coverage and timing").split()


def filler(n: int, seed: int) -> str:
    """A deterministic paragraph of about `n` words."""
    words = [WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(n)]
    return " ".join(words).capitalize() + "."


def long_project(tmp_path: Path, chapters: int = 10) -> Path:
    """The minimal example plus a front chapter with a table of contents and `chapters` chapters of filler
    paragraphs, two or three sections each, of uneven lengths so that headings fall anywhere on a page."""
    project = copy_project(MINIMAL, tmp_path / "long")
    names = ["00-front.md", "01-overview.md"]
    (project / "chapters" / "00-front.md").write_text("# Foreword {-}\n\n" + filler(60, 0) + "\n\n```{toc}\n```\n",
                                                      encoding="utf-8")
    for c in range(2, chapters + 2):
        parts = [f"# Chapter about topic {c}\n", filler(40 + 13 * c, c) + "\n"]
        for s in range(1, 2 + c % 3):
            parts.append(f"## Section {c}.{s} on aspect {s}\n")
            parts += [filler(50 + (c * 31 + s * 17 + k * 11) % 120, c + s + k) + "\n"
                      for k in range(2 + (c + s) % 5)]
        name = f"{c:02d}-topic.md"
        (project / "chapters" / name).write_text("\n".join(parts), encoding="utf-8")
        names.append(name)
    yaml = (project / "report.yaml").read_text(encoding="utf-8")
    yaml = yaml.split("chapters:")[0] + "chapters:\n" + "".join(f"  - {n}\n" for n in names)
    (project / "report.yaml").write_text(yaml, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def long_build(tmp_path_factory):
    project = long_project(tmp_path_factory.mktemp("lo"))
    return build(project, project / "build", ("docx",), force=True)


def convert(docx: Path, out: Path) -> Path:
    """`soffice --headless --convert-to pdf` with a throw-away profile; returns the PDF."""
    out.mkdir(parents=True, exist_ok=True)
    profile = out / "lo-profile"
    run = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                          "--convert-to", "pdf", "--outdir", str(out), str(docx)],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert "Error" not in run.stderr, run.stderr
    pdf = out / (docx.stem + ".pdf")
    assert pdf.exists(), (run.stdout, run.stderr)
    return pdf


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def toc_entries(pages: list[str]) -> list[tuple[str, int]]:
    """(title, page) of the TOC lines of a PDF's text; an entry that wraps is joined with its next line."""
    start = next(i for i, text in enumerate(pages) if "Table of contents" in text)
    entries, pending = [], ""
    first = pages[start].splitlines()[0]
    running_head = first[:20] if first.strip() != "Table of contents" else None  # the DOCX's header line
    for page in pages[start:]:
        lines = [ln for ln in page.splitlines() if not (running_head and ln.startswith(running_head))]
        if entries and not any(re.search(r"\.{3,}\s*\d+$", ln) for ln in lines):
            break  # past the TOC
        for ln in lines:
            if ln.strip() == "Table of contents":
                continue
            if ln.strip() in ("List of tables", "List of figures"):
                return entries  # the lists of captions that follow the contents
            m = re.match(r"(.*?)[ .]*\.+\s*(\d+)$", ln)  # a line that fills the width keeps one leader dot
            if m:
                entries.append(((pending + " " + m.group(1)).strip(), int(m.group(2))))
                pending = ""
            elif entries or pending:
                pending = (pending + " " + ln).strip() if not re.fullmatch(r"\d+", ln.strip()) else pending
    return entries


def check_toc_pages(pdf: Path) -> list[tuple[str, int]]:
    """Every TOC entry's number is the page where that heading starts a line, and the page of PDF's outline."""
    from pypdf import PdfReader
    reader = PdfReader(str(pdf))
    pages = [p.extract_text() or "" for p in reader.pages]
    entries = toc_entries(pages)
    assert entries, "no table of contents found in the converted PDF"
    outline = pdf_outline(reader)
    assert [_squash(t) for t, _ in outline] == [_squash(t) for t, _ in entries]
    for (title, page), (_t, outline_page) in zip(entries, outline):
        assert page == outline_page, (title, page, outline_page)
        lines = [_squash(ln) for ln in pages[page - 1].splitlines()]
        head = _squash(title)[:25]
        assert any("".join(lines[i:i + 3]).startswith(head) for i in range(len(lines))), (title, page)
    return entries


# (a) LibreOffice converts the DOCX ----------------------------------------------------------------------------------

@needs_soffice
def test_minimal_docx_converts_to_pdf(tmp_path) -> None:
    project = copy_project(MINIMAL, tmp_path / "minimal")
    result = build(project, project / "build", ("docx",), force=True)
    pdf = convert(result.outputs["docx"], tmp_path / "pdf")
    from pypdf import PdfReader
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 2
    assert "Overview" in "".join(p.extract_text() or "" for p in reader.pages)


@needs_soffice
def test_long_docx_converts_to_pdf(long_build, tmp_path) -> None:
    from pypdf import PdfReader
    pdf = convert(long_build.outputs["docx"], tmp_path / "pdf")
    assert len(PdfReader(str(pdf)).pages) >= 15


# (b) the TOC's numbers are the heading pages of LibreOffice's layout ------------------------------------------------

@needs_uno
def test_long_docx_toc_pages_match_heading_pages(long_build, tmp_path) -> None:
    assert long_build.toc_pages_from == "libreoffice"
    entries = check_toc_pages(convert(long_build.outputs["docx"], tmp_path / "pdf"))
    assert len(entries) >= 30  # foreword, overview + 2 sections, 10 chapters + their sections
    assert len({page for _t, page in entries}) >= 12


@needs_uno
def test_flagship_docx_toc_pages_match_heading_pages(flagship_build, tmp_path) -> None:
    assert flagship_build.toc_pages_from == "libreoffice"
    entries = check_toc_pages(convert(flagship_build.outputs["docx"], tmp_path / "pdf"))
    assert len(entries) == 38


# (c) the TOC field in the XML ---------------------------------------------------------------------------------------

def check_toc_xml(docx: Path) -> dict[str, int]:
    with zipfile.ZipFile(docx) as z:
        document = z.read("word/document.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
    assert re.search(r"<w:instrText[^>]*> ?TOC \\o", document)
    refs = re.findall(r"<w:instrText[^>]*> ?PAGEREF (\S+) \\h ?</w:instrText>.*?"
                      r"<w:fldChar w:fldCharType=\"separate\"/>.*?<w:t[^>]*>([^<]*)</w:t>", document, flags=re.S)
    refs = [(bm, page) for bm, page in refs if bm.startswith("_Toc_sec")]  # the headings' (not the captions')
    assert refs, "no PAGEREF fields"
    assert all(re.fullmatch(r"[1-9]\d*", page) for _bm, page in refs), refs
    assert all(f'w:name="{bm}"' in document for bm, _page in refs)  # each PAGEREF points at a heading bookmark
    assert "w:dirty" not in document and "updateFields" not in settings
    return {bm: int(page) for bm, page in refs}


def test_long_docx_toc_field(long_build) -> None:
    refs = check_toc_xml(long_build.outputs["docx"])
    assert len(refs) >= 30
    assert list(refs.values()) == sorted(refs.values())


def test_flagship_docx_toc_field(flagship_build) -> None:
    assert len(check_toc_xml(flagship_build.outputs["docx"])) == 38


# the choice of source and the fallback ------------------------------------------------------------------------------

def test_pdf_pagination_when_asked(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(docx_pages.ENV, "pdf")
    project = long_project(tmp_path, chapters=3)
    result = build(project, project / "build", ("docx",), force=True)
    assert result.toc_pages_from == "pdf"
    check_toc_xml(result.outputs["docx"])
    import json
    report = json.loads(result.outputs["report"].read_text(encoding="utf-8"))
    assert report["toc_pages_from"] == "pdf"


def test_falls_back_to_pdf_pages_when_libreoffice_fails(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(docx_pages.ENV, "pdf")
    project = long_project(tmp_path, chapters=3)
    reference = build(project, tmp_path / "pdf-pages", ("docx",), force=True).outputs["docx"].read_bytes()
    monkeypatch.delenv(docx_pages.ENV)
    monkeypatch.setattr(docx_pages, "available", lambda: True)

    def broken(self, docx):
        raise docx_pages.Unavailable("LibreOffice took longer than 60 s")
    monkeypatch.setattr(docx_pages.Office, "__enter__", lambda self: self)
    monkeypatch.setattr(docx_pages.Office, "bookmark_pages", broken)
    notes = []
    result = build(project, tmp_path / "fallback", ("docx",), progress=notes.append, force=True)
    assert result.toc_pages_from == "pdf"
    assert result.outputs["docx"].read_bytes() == reference
    assert any("keeps the PDF's page numbers (LibreOffice took longer than 60 s)" in n for n in notes)


def test_no_libreoffice_means_pdf_pages(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(docx_pages.ENV, raising=False)
    monkeypatch.setattr(docx_pages, "available", lambda: False)
    project = copy_project(MINIMAL, tmp_path / "minimal")
    assert build(project, project / "build", ("docx",), force=True).toc_pages_from == "pdf"


@needs_uno
def test_libreoffice_pages_are_reproducible(long_build, tmp_path) -> None:
    again = build(long_build.project.root, tmp_path / "again", ("docx",), force=True)
    assert again.toc_pages_from == "libreoffice"
    assert again.outputs["docx"].read_bytes() == long_build.outputs["docx"].read_bytes()
