"""The build's chart process (builder/pipeline/early_charts.py): forked at the start, it imports matplotlib only
when charts will be drawn, draws the same charts as the build's own workers, and never outlives the build."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, copy_project


def _warms(monkeypatch) -> list[bool]:
    from builder.pipeline.early_charts import EarlyCharts
    calls: list[bool] = []
    original = EarlyCharts.warm

    def warm(self) -> None:
        calls.append(True)
        original(self)
    monkeypatch.setattr(EarlyCharts, "warm", warm)
    return calls


def test_early_charts_are_the_charts_the_build_draws_itself(tmp_path: Path, monkeypatch) -> None:
    """A build through the chart process writes the same chart files and the same PDF as a build whose process
    starts the workers itself; matplotlib is imported (`warm`) when a placed chart is not in the cache and not
    when every one is."""
    from builder.pipeline import build, prepare, write_outputs
    project = copy_project(MINIMAL, tmp_path / "p")
    warms = _warms(monkeypatch)
    build(project, tmp_path / "early", formats=("pdf", "docx"))
    assert warms == [True]
    result = prepare(project, cache=tmp_path / "own" / ".cache" / "charts", background=True, svg=False)
    write_outputs(result, tmp_path / "own", ("pdf", "docx"), None)
    result.charts.wait()
    early = sorted((tmp_path / "early" / ".cache" / "charts").glob("*.*"))
    own = sorted((tmp_path / "own" / ".cache" / "charts").glob("*.*"))
    assert [p.name for p in early] == [p.name for p in own] and {p.suffix for p in early} >= {".rlg", ".png"}
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(early, own))
    assert (tmp_path / "early" / "minimal.pdf").read_bytes() == (tmp_path / "own" / "minimal.pdf").read_bytes()
    build(project, tmp_path / "early", formats=("pdf", "docx"), force=True)  # every chart in the cache
    assert warms == [True]
    assert not multiprocessing.active_children()


def test_a_chart_that_cannot_be_drawn_fails_the_build(tmp_path: Path, monkeypatch) -> None:
    from builder.charts import render
    from builder.pipeline import build

    def broken(job):
        raise RuntimeError(f"no figure for {job.chart_id}")
    monkeypatch.setattr(render, "figure", broken)  # the chart process is forked from here: it inherits this
    project = copy_project(MINIMAL, tmp_path / "p")
    with pytest.raises(Exception, match="no figure for exports-chart|could not be drawn"):
        build(project, tmp_path / "out", formats=("pdf",))
    assert not (tmp_path / "out" / "minimal.pdf").exists()
    assert not multiprocessing.active_children()


def test_a_build_error_ends_the_chart_process_at_once(tmp_path: Path) -> None:
    from builder.errors import BuildError
    from builder.pipeline import build
    project = copy_project(MINIMAL, tmp_path / "p")
    chapter = project / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n{{ no_such_name }}\n", encoding="utf-8")
    with pytest.raises(BuildError, match="no_such_name"):
        build(project, tmp_path / "out")
    assert not multiprocessing.active_children()


def test_placed_figures_are_read_from_the_chapter_sources(tmp_path: Path) -> None:
    from builder.pipeline.early_charts import placed_figures
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    (chapters / "a.md").write_text("Text.\n\n```{figure} trade-chart\nCaption\n```\n\n~~~ {figure} other\n~~~\n",
                                   encoding="utf-8")
    (chapters / "b.md").write_text("No figure here: ```{figure} inline``` is not a fence.\n", encoding="utf-8")
    assert placed_figures(tmp_path, ["a.md", "b.md", "missing.md"]) == {"trade-chart", "other"}


SLOW_CHARTS = """
import sys, time
from builder.charts import render
figure = render.figure
render.figure = lambda job: (time.sleep(60), figure(job))[1]  # the chart process is forked from here
from builder.commands.cli import cli
cli(sys.argv[1:])
"""


def test_ctrl_c_while_charts_are_drawn_aborts_at_once(tmp_path: Path) -> None:
    """Ctrl-C reaches the build's whole process group: the build stops within seconds (not when the charts would
    be drawn), says "Aborted!" without a traceback, and leaves no process behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT, until
    project = copy_project(MINIMAL, tmp_path / "p")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CHARTS, "build", str(project), "--format", "pdf"], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        for line in proc.stderr:
            if line.strip().startswith("pdf"):  # the PDF writer waits for the chart
                break
        time.sleep(0.5)
        start = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        rest = proc.stderr.read()
        proc.wait(timeout=30)
        assert time.monotonic() - start < 10
        assert proc.returncode == 1 and "Aborted!" in rest and "Traceback" not in rest, rest
        assert until(lambda: _group_gone(proc.pid), 10)
    finally:
        if not _group_gone(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()


def _group_gone(pgid: int) -> bool:
    import os
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[2]) == pgid and stat[0] != "Z":
                return False
    return True
