"""Benchmark: one placed table growing in rows, built alone in each format (rows per second).

A generated project holds one chapter and one table of N rows (a text stub, four number columns, a short
text column); each size is built to PDF, then to DOCX, in this process, from a fresh copy (no up-to-date skip).

    python bench/bench_tables.py [--rows 1000,10000,20000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPORT = """title: Large table
short_title: Large table
authors: [{name: Bench}]
publisher: {name: Bench}
edition: {id: "1", label: "One", date: 2024-01-01, data_year: 2023}
locale: en_GB
output_name: large
chapters: [01-table.md]
"""

META = """title: A long statistical series
source: {text: Generated}
key: period
columns:
  - {name: period, label: Period, type: text}
  - {name: a, label: Exports, type: number, decimals: 1}
  - {name: b, label: Imports, type: number, decimals: 1}
  - {name: c, label: Balance, type: number, decimals: 1}
  - {name: d, label: "Share, %", type: number, decimals: 1}
  - {name: note, label: Note, type: text}
"""


def make_project(folder: Path, rows: int) -> Path:
    """A project whose only chapter places one table of `rows` rows."""
    (folder / "chapters").mkdir(parents=True)
    (folder / "data").mkdir()
    (folder / "report.yaml").write_text(REPORT, encoding="utf-8")
    (folder / "chapters" / "01-table.md").write_text("# Series\n\n```{table} series\n```\n", encoding="utf-8")
    (folder / "data" / "series.yaml").write_text(META, encoding="utf-8")
    lines = ["period,a,b,c,d,note"]
    for i in range(rows):
        a, b = 1000 + (i * 37) % 9000 + 0.5, 800 + (i * 53) % 7000 + 0.25
        note = "revised" if i % 7 == 0 else ("provisional estimate" if i % 11 == 0 else "")
        lines.append(f"{1900 + i // 4}-Q{i % 4 + 1},{a},{b},{a - b:.2f},{100 * a / (a + b):.2f},{note}")
    (folder / "data" / "series.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def time_build(rows: int, fmt: str) -> float:
    from builder.pipeline import build
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "p", rows)
        start = time.perf_counter()
        build(project, project / "out", (fmt,))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000,10000,20000")
    args = parser.parse_args()
    print(f"{'rows':>7} {'format':>6} {'seconds':>8} {'rows/s':>8}   (whole build in-process, one run each)")
    for rows in (int(n) for n in args.rows.split(",")):
        for fmt in ("pdf", "docx"):
            seconds = time_build(rows, fmt)
            print(f"{rows:>7} {fmt:>6} {seconds:>8.2f} {rows / seconds:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
