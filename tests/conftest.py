"""Shared fixtures: copies of the example and flagship projects, and builds of them read back."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "examples" / "minimal"


def copy_project(src: Path, dst: Path) -> Path:
    """A writable copy of a project (without its build folder)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("build", ".venv", ".git", "tests", "bench",
                                                          "builder", "examples", "*.egg-info", "editions"))
    return dst


def minimal_with_toc(path: Path) -> Path:
    """examples/minimal with a table of contents, so that the DOCX stage runs LibreOffice for its page numbers."""
    project = copy_project(MINIMAL, path)
    chapter = project / "chapters" / "01-overview.md"
    chapter.write_text("```{toc}\n```\n\n" + chapter.read_text(encoding="utf-8"), encoding="utf-8")
    return project


def processes_naming(text: str) -> list[str]:
    """Command lines of running processes (other than this one) that contain `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(cmdline)
    return found


def until(condition, seconds: float) -> bool:
    """Whether `condition()` holds within `seconds` (polled every 0.1 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture()
def soffice_installed() -> None:
    """The LibreOffice tests fail, not skip, where LibreOffice is missing: .ci/run installs it."""
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is not on PATH: install libreoffice-writer (as .ci/run does)")


@pytest.fixture()
def uno_installed(soffice_installed) -> None:
    from builder.writers import docx_pages
    if not docx_pages.available():
        pytest.fail("python3-uno for the system Python is not installed: install it (as .ci/run does)")


needs_soffice = pytest.mark.usefixtures("soffice_installed")
needs_uno = pytest.mark.usefixtures("uno_installed")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "builder", *args], cwd=cwd or ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="session", autouse=True)
def every_docx_the_tests_build_is_valid(tmp_path_factory):
    """At the end of the session, every DOCX the tests wrote passes Microsoft's Open XML SDK validator (a file
    named invalid-on-purpose*.docx is the validator's own test)."""
    yield
    from concurrent.futures import ThreadPoolExecutor
    from tests.docx_checks import assert_valid_docx
    import zipfile
    paths = [p for p in sorted(tmp_path_factory.getbasetemp().rglob("*.docx"))  # not the stand-ins of old outputs
             if not p.name.startswith("invalid-on-purpose") and zipfile.is_zipfile(p)]
    with ThreadPoolExecutor(max_workers=3) as pool:  # each run is a separate validator process
        list(pool.map(assert_valid_docx, paths))


@pytest.fixture()
def minimal(tmp_path: Path) -> Path:
    return copy_project(MINIMAL, tmp_path / "minimal")


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory) -> Path:
    from builder.pipeline import build
    project = copy_project(MINIMAL, tmp_path_factory.mktemp("m") / "minimal")
    build(project)
    return project / "build"


@pytest.fixture(scope="session")
def flagship_build(tmp_path_factory):
    from builder.pipeline import build
    project = copy_project(ROOT, tmp_path_factory.mktemp("f") / "flagship")
    result = build(project)
    return result


def pdf_text(path: Path) -> str:
    """The pages' text. A word divided at a line end is printed with a hyphen that the tagged PDF maps to the soft
    hyphen (U+00AD, so that the structure reads the word whole): read as printed, a hyphen."""
    from pypdf import PdfReader
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages).replace("\u00ad", "-")


def docx_text(path: Path) -> str:
    """All text of a DOCX: body, tables and footnotes (from the XML, so fields and notes are included), with the
    list and heading numbers Word prints from numbering.xml."""
    import zipfile
    from lxml import etree
    from tests.docx_checks import W, numbered_paragraphs
    with zipfile.ZipFile(path) as z:
        parts = [etree.fromstring(z.read(n)) for n in ("word/document.xml", "word/footnotes.xml")
                 if n in z.namelist()]
    labels = [label for _style, label, _text in numbered_paragraphs(path)]
    text = []
    for k, root in enumerate(parts):
        for i, para in enumerate(root.iter(f"{W}p")):
            runs = [(el.text or "") if el.tag == f"{W}t" else "\t" for el in para.iter(f"{W}t", f"{W}tab")
                    if el.getparent().tag == f"{W}r"]  # not the tab stops of w:pPr
            label = labels[i] + "\t" if k == 0 and labels[i] else ""
            text.append(label + "".join(runs).replace("\u200b", ""))  # zero-width break opportunities: unseen
    return "\n".join(text)


def pdf_outline(reader) -> list[tuple[str, int]]:
    """(title, 1-based page) of every PDF bookmark, depth first."""
    out: list[tuple[str, int]] = []

    def flatten(items):
        for item in items:
            if isinstance(item, list):
                flatten(item)
            else:
                out.append((item.title, reader.get_destination_page_number(item) + 1))
    flatten(reader.outline)
    return out


@pytest.fixture(scope="session")
def flagship_html(flagship_build) -> Path:
    """The flagship's HTML edition, built from the same project copy as `flagship_build` (charts cached)."""
    from builder.pipeline import build
    result = build(flagship_build.project.root, flagship_build.project.root / "build-html", ("html",))
    return result.outputs["html"]
