"""Benchmark: cold build (empty chart cache), rebuild with nothing changed, and peak memory,
per output format and for both together. Each figure is a fresh process, median of N runs.

    python bench/bench.py [PROJECT] [--runs N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import resource, sys, time
from pathlib import Path
start = time.perf_counter()
from builder.build import build
formats = tuple(sys.argv[3].split(","))
build(Path(sys.argv[1]), Path(sys.argv[2]), formats)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{time.perf_counter() - start:.3f} {peak:.0f}")
"""


def run_once(project: Path, out: Path, formats: str, env: dict | None = None) -> tuple[float, float]:
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(project), str(out), formats], capture_output=True,
                          text=True, check=True, cwd=ROOT, env={**os.environ, **(env or {})})
    _inner, peak = done.stdout.split()
    return time.perf_counter() - wall, float(peak)


def measure(project: Path, formats: str, runs: int, env: dict | None = None) -> dict[str, float]:
    cold, warm, peaks = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "p"
            shutil.copytree(project, copy, ignore=shutil.ignore_patterns("build", ".venv", ".git", "tests"))
            seconds, peak = run_once(copy, copy / "build", formats, env)
            cold.append(seconds)
            peaks.append(peak)
            warm.append(run_once(copy, copy / "build", formats, env)[0])
    return {"cold": statistics.median(cold), "rebuild": statistics.median(warm), "peak_mb": max(peaks)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?", default=str(ROOT))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'formats':10} {'cold s':>8} {'rebuild s':>10} {'peak MB':>8}   (median of {args.runs}, whole process)")
    pdf_pages = {"DOSSIER_DOCX_PAGINATION": "pdf"}
    for label, formats, env in (("pdf", "pdf", None), ("docx", "docx", None), ("pdf,docx", "pdf,docx", None),
                                ("docx*", "docx", pdf_pages), ("pdf,docx*", "pdf,docx", pdf_pages),
                                ("html", "html", None)):
        m = measure(Path(args.project), formats, args.runs, env)
        print(f"{label:10} {m['cold']:8.2f} {m['rebuild']:10.2f} {m['peak_mb']:8.0f}")
    print("* DOCX table of contents numbered from the PDF's pages (DOSSIER_DOCX_PAGINATION=pdf), "
          "not from LibreOffice's layout")


if __name__ == "__main__":
    main()
