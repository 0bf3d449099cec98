"""LibreOffice for the DOCX's page numbers starts with the build, before its inputs are read, and always ends with
it: after a good build, after a build that fails before the writers, and never for a command that writes no DOCX."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.errors import BuildError
from builder.pipeline import build
from builder.writers import docx_pages
from tests.conftest import MINIMAL, ROOT, copy_project, minimal_with_toc, needs_uno, processes_naming







@pytest.fixture
def starts(monkeypatch) -> list:
    """Every Office started, in order, with what the build had printed by then ("office" marks a start)."""
    started: list = []
    start = docx_pages.Office.start

    def recorded(self):
        started.append(self)
        return start(self)
    monkeypatch.setattr(docx_pages.Office, "start", recorded)
    monkeypatch.delenv(docx_pages.ENV, raising=False)
    return started


@needs_uno
def test_soffice_starts_before_the_inputs_are_read_and_serves_the_docx(tmp_path: Path, starts, monkeypatch) -> None:
    events: list[str] = []
    soon = docx_pages.Office.start_soon
    monkeypatch.setattr(docx_pages.Office, "start_soon", lambda self: events.append("office") or soon(self))
    project = minimal_with_toc(tmp_path / "m")
    result = build(project, tmp_path / "out", ("pdf", "docx"), force=True, progress=events.append)
    assert events.index("office") < events.index("project") < events.index("writers")
    assert len(starts) == 1, "the DOCX writer started a LibreOffice of its own"
    assert result.toc_pages_from == "libreoffice" and result.pages["docx"] >= 2
    office = starts[0]
    assert office.proc.poll() is not None, "soffice's guard still runs after the build"
    assert not Path(office.profile).exists()


@needs_uno
def test_a_build_that_fails_before_the_writers_ends_its_soffice(tmp_path: Path, starts) -> None:
    project = minimal_with_toc(tmp_path / "m")
    chapter = project / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n{{ no_such_name }}\n", encoding="utf-8")
    with pytest.raises(BuildError):
        build(project, tmp_path / "out", ("pdf", "docx"), force=True)
    assert len(starts) == 1
    office = starts[0]
    assert office.proc.poll() is not None and not Path(office.profile).exists()
    assert not processes_naming(office.pipe)


@needs_uno
def test_a_failed_build_from_the_command_line_leaves_nothing_running(tmp_path: Path) -> None:
    project = minimal_with_toc(tmp_path / "m")
    chapter = project / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n{{ no_such_name }}\n", encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    env.pop(docx_pages.ENV, None)
    done = subprocess.run([sys.executable, "-m", "builder", "build", str(project), "--force"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 2 and "error:" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not processes_naming(str(scratch)) and not list(scratch.glob("dossier-lo-*"))


def test_check_and_builds_without_docx_or_toc_start_no_soffice(tmp_path: Path, starts) -> None:
    from builder import api
    project = minimal_with_toc(tmp_path / "m")
    api.check(project)
    build(project, tmp_path / "pdf", ("pdf",), force=True)
    plain = copy_project(MINIMAL, tmp_path / "plain")  # no table of contents: no page number to ask for
    build(plain, tmp_path / "plain-out", ("pdf", "docx"), force=True)
    assert starts == []


def test_the_guess_finds_a_toc_directive_in_the_chapters(tmp_path: Path) -> None:
    project = minimal_with_toc(tmp_path / "m")
    assert docx_pages.likely_needed(project, ("pdf", "docx"))
    assert not docx_pages.likely_needed(project, ("pdf", "html"))
    assert not docx_pages.likely_needed(copy_project(MINIMAL, tmp_path / "plain"), ("docx",))


@needs_uno
def test_a_second_document_through_one_office_is_answered_by_its_own_request(tmp_path: Path, starts) -> None:
    """The guard answers request by request: the same soffice lays out two documents, each read from its own
    answer (a watch session's rebuilds)."""
    project = minimal_with_toc(tmp_path / "m")
    result = build(project, tmp_path / "out", ("docx",), force=True)
    path = result.outputs["docx"]
    with docx_pages.Office(time.monotonic() + 120, keep=True) as office:
        first = office.bookmark_pages(path)
        second = office.bookmark_pages(path)
        assert office.running()
    assert first == second and first[1] == result.pages["docx"]
    assert office.proc.poll() is not None and not Path(office.profile).exists()


def test_the_toc_patch_copies_every_other_member_unchanged(tmp_path: Path, monkeypatch) -> None:
    import zipfile
    monkeypatch.setenv(docx_pages.ENV, "pdf")
    project = minimal_with_toc(tmp_path / "m")
    path = build(project, tmp_path / "out", ("docx",), force=True).outputs["docx"]
    with zipfile.ZipFile(path) as z:
        before = [(i.filename, i.CRC, i.compress_size, i.compress_type, z.read(i)) for i in z.infolist()]
    target = tmp_path / "patched.docx"
    xml = dict((b[0], b[4]) for b in before)["word/document.xml"] + b"<!-- patched -->"
    docx_pages.replace_members(path, target, {"word/document.xml": xml})
    with zipfile.ZipFile(target) as z:
        assert z.testzip() is None
        after = [(i.filename, i.CRC, i.compress_size, i.compress_type, z.read(i)) for i in z.infolist()]
    assert [a[0] for a in after] == [b[0] for b in before]
    assert [a for a in after if a[0] != "word/document.xml"] == [b for b in before if b[0] != "word/document.xml"]
    assert dict((a[0], a[4]) for a in after)["word/document.xml"] == xml


@needs_uno
def test_the_first_build_saves_a_profile_and_later_builds_copy_it(tmp_path: Path, starts, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = minimal_with_toc(tmp_path / "m")
    first = build(project, tmp_path / "out", ("docx",), force=True)
    templates = list((tmp_path / "cache" / "dossier").glob("lo-profile-*"))
    assert len(templates) == 1 and docx_pages.usable_profile(templates[0])
    assert not (templates[0] / ".lock").exists() and not (templates[0] / "user" / "temp").exists()
    second = build(project, tmp_path / "out", ("docx",), force=True)
    assert [o.from_template for o in starts] == [False, True]
    assert first.toc_pages_from == second.toc_pages_from == "libreoffice"
    assert first.pages == second.pages
    assert not Path(starts[1].profile).exists()


CLI_PROBE = """
import json, sys
from click.testing import CliRunner
from builder.commands.cli import cli
from builder.writers import docx_pages
seen = []
soon = docx_pages.Office.start_soon
def recorded(self):
    seen.append(sorted(m for m in ("pandas", "jinja2", "reportlab", "docx") if m in sys.modules))
    return soon(self)
docx_pages.Office.start_soon = recorded
result = CliRunner().invoke(cli, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "starts": seen, "output": result.output}))
"""


def _cli_build(project: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != docx_pages.ENV}
    done = subprocess.run([sys.executable, "-c", CLI_PROBE, "build", str(project)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    return __import__("json").loads(done.stdout.strip().splitlines()[-1])


@needs_uno
def test_the_command_line_starts_soffice_before_loading_the_pipeline_unless_up_to_date(tmp_path: Path) -> None:
    project = minimal_with_toc(tmp_path / "m")
    first = _cli_build(project)
    assert first["exit"] == 0, first["output"]
    assert first["starts"] == [[]], first["starts"]  # once, before pandas, Jinja2, ReportLab or python-docx
    again = _cli_build(project)
    assert again["exit"] == 0 and "up to date" in again["output"]
    assert again["starts"] == []
