"""Chart cache: a rebuild renders nothing; changing one table re-renders only the charts that use it."""
from __future__ import annotations

from pathlib import Path

from builder.build import UpToDate, build


def test_cache_and_up_to_date(minimal: Path) -> None:
    charts = minimal / "data" / "charts.yaml"
    charts.write_text(charts.read_text() + "share-chart:\n  title: Share\n  table: partners\n  x: partner\n"
                      "  series: [value]\n  kind: hbar\n  description: Value by partner.\n", encoding="utf-8")
    chapter = minimal / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text() + "\n```{figure} share-chart\n```\n", encoding="utf-8")
    first = build(minimal)
    assert (first.charts.rendered, first.charts.cached) == (2, 0)
    assert isinstance(build(minimal), UpToDate)
    again = build(minimal, force=True)
    assert (again.charts.rendered, again.charts.cached) == (0, 2)
    trade = minimal / "data" / "trade.csv"
    trade.write_text(trade.read_text().replace("1750,", "1800,"), encoding="utf-8")
    changed = build(minimal)
    assert (changed.charts.rendered, changed.charts.cached) == (1, 1)
    assert len(list((minimal / "build" / ".cache" / "charts").glob("*.svg"))) == 2


def test_pdf_charts_are_vector(minimal_build: Path) -> None:
    from pypdf import PdfReader
    reader = PdfReader(str(minimal_build / "minimal.pdf"))
    images = sum(len(page.images) for page in reader.pages)
    assert images == 0
    assert any("Exports, million US dollars" in (p.extract_text() or "") for p in reader.pages)


def test_chart_errors_name_the_line_and_the_columns(minimal: Path) -> None:
    import pytest

    from builder.errors import BuildError
    charts = minimal / "data" / "charts.yaml"
    charts.write_text(charts.read_text().replace("series: [exports, imports]", "series: [exports, exprots]"))
    with pytest.raises(BuildError) as e:
        build(minimal)
    assert str(e.value.source) == "data/charts.yaml:6"  # the series line, not the chart's first line
    assert "table 'trade' has no column 'exprots'" in e.value.message
    assert "year, exports, imports, share" in e.value.hint
    charts.write_text("bad-chart:\n  title: T\n  kind: pie\n  table: trade\n  x: year\n  series: [exports]\n")
    with pytest.raises(BuildError) as e:
        build(minimal)
    assert str(e.value.source) == "data/charts.yaml:3" and "kind" in e.value.message
