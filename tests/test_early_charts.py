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
    result = prepare(project, cache=tmp_path / "own" / ".cache" / "charts", background=True)
    write_outputs(result, tmp_path / "own", ("pdf", "docx"), None)
    result.charts.wait()
    early = sorted((tmp_path / "early" / ".cache" / "charts").glob("*.*"))
    own = sorted((tmp_path / "own" / ".cache" / "charts").glob("*.*"))
    assert [p.name for p in early] == [p.name for p in own] and {p.suffix for p in early} >= {".svg", ".png"}
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
