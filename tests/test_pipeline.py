"""One way through: the writers' registry feeds every command and the build loop; the DOCX is written once and laid
out by LibreOffice once; a DOCX-only build lays out no PDF; the writers run at once and write the same files as
one after the other; a killed build leaves no writer or LibreOffice behind; every stage has its CPU time."""
from __future__ import annotations

import ast
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import click
import pytest

from builder.pipeline import SERIAL_ENV, BuildResult, build
from builder.writers import DEFAULT_FORMATS, FORMATS, WRITERS, Output, Writer, docx_pages
from tests.conftest import MINIMAL, ROOT, copy_project, minimal_with_toc, needs_uno





# ---- the registry ---------------------------------------------------------------------------------------------------

def _format_choices(command: click.Command) -> list[str]:
    option = next(p for p in command.params if p.name == "fmt")
    return list(option.type.choices)


def test_every_registered_writer_is_a_format_choice_of_every_command() -> None:
    from builder.commands.cli import cli
    context = click.Context(cli)
    commands = [cli.get_command(context, name) for name in ("build", "brief", "watch", "batch")]
    for command in commands:
        choices = _format_choices(command)
        assert [c for c in choices if c != "all"] == list(FORMATS), command.name
        assert set(WRITERS) <= set(choices), command.name
    assert set(DEFAULT_FORMATS) <= set(FORMATS)


def test_every_registered_writer_is_written_by_the_build_loop(tmp_path: Path) -> None:
    project = copy_project(MINIMAL, tmp_path / "m")
    result = build(project, tmp_path / "out", FORMATS, force=True)
    for fmt, writer in WRITERS.items():
        path = result.outputs[fmt]
        assert path.name.endswith(writer.suffix) and path.stat().st_size > 0, fmt
        assert fmt in result.timings and fmt in result.cpu, fmt


def test_the_build_loop_reads_the_registry(tmp_path: Path, monkeypatch) -> None:
    """A writer added to the registry is written by the build, with no other change."""
    def write_text(document, style, path, charts_ready=None, **_needs):
        charts_ready()
        path.write_text(document.meta.title, encoding="utf-8")
        return Output(path)
    monkeypatch.setitem(WRITERS, "txt", Writer("txt", ".txt", "vector", pages=False, default=False,
                                               waits_per_chart=False, write=write_text))
    project = copy_project(MINIMAL, tmp_path / "m")
    result = build(project, tmp_path / "out", ("pdf", "txt"), force=True)
    assert result.outputs["txt"].read_text(encoding="utf-8") == result.document.meta.title
    assert result.outputs["pdf"].exists()


# ---- one DOCX pass, one LibreOffice load ----------------------------------------------------------------------------

@needs_uno
def test_docx_is_written_once_and_laid_out_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(docx_pages.ENV, raising=False)
    from builder.writers import docx_package
    saves, loads = [], []
    save, pages = docx_package.save, docx_pages.Office.bookmark_pages  # the writer packs the DOCX with save()
    monkeypatch.setattr(docx_package, "save", lambda *a, **k: saves.append(1) or save(*a, **k))
    monkeypatch.setattr(docx_pages.Office, "bookmark_pages", lambda self, p: loads.append(1) or pages(self, p))
    project = minimal_with_toc(tmp_path / "m")
    result = build(project, tmp_path / "out", ("docx",), force=True)
    assert result.toc_pages_from == "libreoffice"
    assert (len(saves), len(loads)) == (1, 1)
    with zipfile.ZipFile(result.outputs["docx"]) as z:
        assert z.testzip() is None
        assert [i.filename for i in z.infolist()][:2] == ["[Content_Types].xml", "_rels/.rels"]


def test_patch_writes_the_numbers_into_the_toc_fields_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(docx_pages.ENV, "pdf")
    project = minimal_with_toc(tmp_path / "m")
    path = build(project, tmp_path / "out", ("docx",), force=True).outputs["docx"]
    with zipfile.ZipFile(path) as z:
        before = {i.filename: z.read(i) for i in z.infolist()}
    from builder.pipeline import prepare
    document = prepare(project, draw=False).document
    marks = docx_pages.toc_bookmarks(document)
    assert docx_pages.patch_toc(path, marks, {key: 100 + i for i, key in enumerate(marks)}) == len(marks)
    with zipfile.ZipFile(path) as z:
        after = {i.filename: z.read(i) for i in z.infolist()}
    assert [n for n in before if before[n] != after[n]] == ["word/document.xml"]
    import re
    xml = after["word/document.xml"].decode("utf-8")
    results = re.findall(r"PAGEREF (\S+) \\h ?</w:instrText>.*?separate\"/>.*?<w:t[^>]*>([^<]*)</w:t>", xml, re.S)
    assert sorted(results) == sorted((bm, str(100 + i)) for i, bm in enumerate(marks.values()))
    assert re.sub(r"<w:t[^>]*>\d+</w:t>", "", xml) == \
        re.sub(r"<w:t[^>]*>\d+</w:t>", "", before["word/document.xml"].decode("utf-8"))  # nothing else changed


def test_docx_only_build_lays_out_no_pdf(tmp_path: Path, monkeypatch) -> None:
    from builder.writers import pdf
    monkeypatch.setattr(docx_pages, "available", lambda: True)
    monkeypatch.delenv(docx_pages.ENV, raising=False)
    monkeypatch.setattr(docx_pages.Office, "__enter__", lambda self: self)
    monkeypatch.setattr(docx_pages.Office, "bookmark_pages",
                        lambda self, p: ({bm: 1 for bm in marks.values()}, 3))
    laid_out = []
    write = pdf.write
    monkeypatch.setattr(pdf, "write", lambda *a, **k: laid_out.append(1) or write(*a, **k))
    project = minimal_with_toc(tmp_path / "m")
    from builder.pipeline import prepare
    marks = docx_pages.toc_bookmarks(prepare(project, draw=False).document)
    result = build(project, tmp_path / "out", ("docx",), force=True)
    assert result.toc_pages_from == "libreoffice" and result.pages["docx"] == 3
    assert laid_out == [] and "pdf" not in result.outputs


def test_without_libreoffice_the_report_says_why(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(docx_pages.ENV, raising=False)
    monkeypatch.setattr(docx_pages, "available", lambda: False)
    project = minimal_with_toc(tmp_path / "m")
    result = build(project, tmp_path / "out", ("docx",), force=True)
    report = json.loads(result.outputs["report"].read_text(encoding="utf-8"))
    assert report["toc_pages_from"] == "pdf"
    assert "not installed" in report["toc_pages_note"]


def test_without_libreoffice_both_formats_lay_out_one_pdf(tmp_path: Path, monkeypatch) -> None:
    """The DOCX borrows the PDF's pages: the PDF is written first and laid out once."""
    from builder.writers import pdf
    monkeypatch.setenv(docx_pages.ENV, "pdf")
    laid_out = []
    write = pdf.write
    monkeypatch.setattr(pdf, "write", lambda *a, **k: laid_out.append(1) or write(*a, **k))
    project = minimal_with_toc(tmp_path / "m")
    result = build(project, tmp_path / "out", ("pdf", "docx"), force=True)
    assert laid_out == [1] and result.toc_pages_from == "pdf"
    from tests.test_docx_libreoffice import check_toc_xml
    assert check_toc_xml(result.outputs["docx"])


# ---- the writers at once ---------------------------------------------------------------------------------------------

def test_parallel_writers_write_the_same_files_as_serial_ones(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = minimal_with_toc(tmp_path / "m")
    monkeypatch.setenv(SERIAL_ENV, "1")
    serial = build(project, tmp_path / "serial", ("pdf", "docx", "html"), force=True)
    monkeypatch.delenv(SERIAL_ENV)
    parallel = build(project, tmp_path / "parallel", ("pdf", "docx", "html"), force=True)
    for fmt in ("pdf", "docx", "html"):
        assert parallel.outputs[fmt].read_bytes() == serial.outputs[fmt].read_bytes(), fmt
    assert parallel.pages == serial.pages and parallel.toc_pages_from == serial.toc_pages_from


def test_a_writer_error_in_a_forked_writer_fails_the_build(tmp_path: Path, monkeypatch) -> None:
    def broken(document, style, path, **_needs):
        raise RuntimeError("the writer broke")
    monkeypatch.setitem(WRITERS, "docx", dataclasses.replace(WRITERS["docx"], write=broken))
    project = copy_project(MINIMAL, tmp_path / "m")
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="the writer broke"):
        build(project, out, ("pdf", "docx"), force=True)
    assert not out.exists() or not [p for p in out.iterdir() if p.suffix in (".pdf", ".docx")]


@needs_uno
def test_killing_the_build_alone_ends_its_docx_writer_and_libreoffice(tmp_path: Path) -> None:
    """SIGKILL to the build's process only (not its group), while its forked DOCX writer runs and LibreOffice (whose
    guard the build started before the writers) is up: the writer, LibreOffice and every other process the build
    started end too, and the profile is removed."""
    project = minimal_with_toc(tmp_path / "k")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    env.pop(docx_pages.ENV, None)
    first = subprocess.run([sys.executable, "-m", "builder", "build", str(project)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr  # the charts are cached: the killed build forks the writer only
    proc = subprocess.Popen([sys.executable, "-m", "builder", "build", str(project), "--force"], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        if line.strip().startswith("docx"):
            break
    office, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline and not office and proc.poll() is None:
        office = [pid for pid in _descendants(proc.pid) if str(scratch) in _cmdline(pid)]
        time.sleep(0.05)
    assert office, "LibreOffice was never started"
    started = _descendants(proc.pid)
    writers = [pid for pid in started if _parent(pid) == proc.pid and "builder build" in _cmdline(pid)]
    assert writers, "no forked writer was running"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (_alive(started) or list(scratch.glob("dossier-lo-*"))):
            time.sleep(0.1)
        assert not _alive(started), [_cmdline(pid) for pid in _alive(started)]
        assert not list(scratch.glob("dossier-lo-*"))
    finally:
        for pid in _alive(started):
            if "builder build" in _cmdline(pid):
                os.kill(pid, signal.SIGKILL)


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def _descendants(pid: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = _parent(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    found, todo = [], [pid]
    while todo:
        here = todo.pop()
        kids = [p for p, parent in parents.items() if parent == here]
        found += kids
        todo += kids
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


# ---- timings, the result, the brief's plan ---------------------------------------------------------------------------

def test_every_stage_has_wall_and_cpu_time(tmp_path: Path) -> None:
    project = copy_project(MINIMAL, tmp_path / "m")
    result = build(project, tmp_path / "out", ("pdf", "docx"), force=True)
    report = json.loads(result.outputs["report"].read_text(encoding="utf-8"))
    assert set(report["cpu"]) == set(report["timings"])
    assert {"templates", "charts", "writers", "pdf", "docx"} <= set(report["cpu"])
    assert all(v >= 0 for v in report["cpu"].values())
    # the forked DOCX writer's CPU is counted in the writers' stage, beside the PDF's made here
    assert report["cpu"]["writers"] >= 0.9 * (report["cpu"]["docx"] + report["cpu"]["pdf"])


def test_build_result_declares_what_prepare_sets() -> None:
    names = {f.name for f in dataclasses.fields(BuildResult)}
    assert {"style", "rendered", "cpu", "toc_pages_note"} <= names


def test_no_module_imports_the_pipelines_private_names() -> None:
    offenders = []
    for path in (ROOT / "builder").rglob("*.py"):
        if path.name == "build.py" and path.parent.name == "builder":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("build") \
                    and node.module.startswith("builder"):
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert not offenders, offenders


def test_the_brief_is_a_plan_for_prepare(monkeypatch) -> None:
    import builder.pipeline as pipeline
    from builder.commands.brief import SUFFIX, TEMPLATE, prepare_brief
    plans = []
    prepare = pipeline.prepare
    monkeypatch.setattr(pipeline, "prepare", lambda *a, **k: plans.append(k.get("plan")) or prepare(*a, **k))
    result = prepare_brief(ROOT, draw=False)
    assert len(plans) == 1 and plans[0].chapters == (TEMPLATE,) and plans[0].suffix == SUFFIX
    assert result.project.spec.output_name.endswith(SUFFIX)
    assert result.document.meta.title == result.project.spec.title != ""
