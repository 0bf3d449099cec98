"""Generated projects: a long report of prose and tables (about PAGES pages), and one table of ROWS rows."""
from __future__ import annotations

import random
from pathlib import Path

WORDS = ("trade investment border policy region agreement energy market labour migration customs union council "
         "exports imports growth share capital transport education language media security cooperation survey "
         "population budget industry transit pipeline grain metals finance currency banking treaty summit").split()

REPORT = """title: Synthetic report of {pages} pages
short_title: Synthetic
authors: [{{name: Bench}}]
publisher: {{name: Bench}}
edition: {{id: "1", label: "One", date: 2024-01-01, data_year: 2023}}
locale: en_GB
output_name: synthetic
chapters: [00-toc.md, {chapters}]
"""

META = """title: Indicators of chapter {n}
source: {{text: Generated}}
key: year
columns:
  - {{name: year, label: Year, type: text}}
  - {{name: a, label: Exports, type: number, decimals: 1}}
  - {{name: b, label: Imports, type: number, decimals: 1}}
  - {{name: c, label: "Share, %", type: number, decimals: 1}}
  - {{name: note, label: Note, type: text}}
"""

PAGES_PER_CHAPTER = 6.3  # 3 sections × 6 paragraphs of ~100 words and a 40-row table: 10 chapters made 64 pages


def _sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(9, 18))]
    return " ".join(words).capitalize() + "."


def long_report(folder: Path, pages: int) -> Path:
    rnd = random.Random(pages)
    chapters = max(1, round(pages / PAGES_PER_CHAPTER))
    (folder / "chapters").mkdir(parents=True)
    (folder / "data").mkdir()
    names = [f"{n:03d}-chapter.md" for n in range(1, chapters + 1)]
    (folder / "report.yaml").write_text(REPORT.format(pages=pages, chapters=", ".join(names)), encoding="utf-8")
    (folder / "chapters" / "00-toc.md").write_text("```{toc}\n```\n", encoding="utf-8")
    for n, name in enumerate(names, 1):
        text = [f"# Chapter {n}\n"]
        for s in range(1, 4):
            text.append(f"## Section {n}.{s}\n")
            for _p in range(6):
                text.append(" ".join(_sentence(rnd) for _ in range(8)) + "\n")
            if s == 2:
                text.append(f"```{{table}} t{n}\n```\n")
        (folder / "chapters" / name).write_text("\n".join(text), encoding="utf-8")
        (folder / "data" / f"t{n}.yaml").write_text(META.format(n=n), encoding="utf-8")
        rows = ["year,a,b,c,note"]
        for i in range(40):
            a, b = rnd.uniform(100, 9000), rnd.uniform(100, 9000)
            rows.append(f"{1980 + i},{a:.1f},{b:.1f},{100 * a / (a + b):.1f},{'revised' if i % 9 == 0 else ''}")
        (folder / "data" / f"t{n}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def long_table(folder: Path, rows: int) -> Path:
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_tables import make_project
    return make_project(folder, rows)
