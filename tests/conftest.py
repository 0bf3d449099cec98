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


@pytest.fixture()
def minimal(tmp_path: Path) -> Path:
    return copy_project(MINIMAL, tmp_path / "minimal")


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory) -> Path:
    from builder.build import build
    project = copy_project(MINIMAL, tmp_path_factory.mktemp("m") / "minimal")
    build(project)
    return project / "build"


@pytest.fixture(scope="session")
def flagship_build(tmp_path_factory):
    from builder.build import build
    project = copy_project(ROOT, tmp_path_factory.mktemp("f") / "flagship")
    result = build(project)
    return result


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def docx_text(path: Path) -> str:
    """All text of a DOCX: body, tables and footnotes (from the XML, so fields and notes are included)."""
    import re
    import zipfile
    with zipfile.ZipFile(path) as z:
        parts = [z.read(n).decode("utf-8") for n in ("word/document.xml", "word/footnotes.xml") if n in z.namelist()]
    text = []
    for xml in parts:
        for para in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S):
            runs = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:(tab)/>", para)
            text.append("".join(t if t else "\t" for t, tab in runs))
    import html
    return html.unescape("\n".join(text))


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
    from builder.build import build
    result = build(flagship_build.project.root, flagship_build.project.root / "build-html", ("html",))
    return result.outputs["html"]
