"""Shared fixtures: copies of the example and flagship projects, and builds of them read back."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "examples" / "minimal"


def copy_project(src: Path, dst: Path) -> Path:
    """A writable copy of a project (without its build folder)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("build", ".venv", ".git", "tests", "bench",
                                                          "builder", "examples", "*.egg-info", "editions"))
    return dst


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
