"""The least CPU any cold build of the flagship in both formats must spend, part by part, next to the peer's whole
run: what a cold build cannot skip, however the rest of dossier is written.

- charts: importing matplotlib's pyplot, building the flagship's figures and saving each as the PNG the DOCX
  embeds, at the style's resolution, with no vector output at all (the peer draws the same figures and saves
  them twice);
- LibreOffice: one start and one layout of the flagship's DOCX (the one load that gives the contents' page
  numbers), the whole process tree (soffice and its guard).

    python bench/cold_floor.py [--runs 3]      # prints each part, the sum, and the peer's CPU and wall
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))  # first: `bench` is bench/bench.py here, not the folder


def charts_part() -> dict:
    """CPU of pyplot's import, the figures and their PNGs, in this fresh process (inputs read first, untimed)."""
    from builder.charts import make_job
    from builder.model import Figure, walk
    from builder.pipeline import prepare
    with tempfile.TemporaryDirectory() as cache:
        result = prepare(ROOT, cache=Path(cache), draw=False)
        jobs = [make_job(b.id, result.dataset.charts[b.id], result.dataset, result.style, Path(cache),
                         result.project.spec.locale)
                for b in walk(result.document.blocks) if isinstance(b, Figure) and b.chart]
        t = time.process_time()
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
        imported = time.process_time() - t
        from builder.charts.render import close, figure, save_raster
        t = time.process_time()
        figures = [figure(job) for job in jobs]
        drawn = time.process_time() - t
        t = time.process_time()
        for fig, job in zip(figures, jobs):
            save_raster(fig, job)
            close(fig)
        png = time.process_time() - t
    return {"charts": len(jobs), "import": imported, "figures": drawn, "png": png}


def office_part(docx: Path) -> dict:
    """CPU of LibreOffice's start and one layout of `docx`: every process of its tree, reaped when it ends."""
    from builder.writers import docx_pages
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with docx_pages.office() as session:
        if session.office is None:
            raise SystemExit(f"LibreOffice is not usable here: {session.note}")
        found, pages = session.office.bookmark_pages(docx)
        session.done()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"cpu": cpu, "wall": wall, "pages": pages, "bookmarks": len(found)}


def _child(part: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--part", part, *args], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--part", choices=("charts", "office"))
    parser.add_argument("docx", nargs="?")
    args = parser.parse_args()
    if args.part == "charts":
        print(json.dumps(charts_part()))
        return
    if args.part == "office":
        print(json.dumps(office_part(Path(args.docx))))
        return
    from bench import export, median_run, peer
    with tempfile.TemporaryDirectory(prefix="dossier-floor-") as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "builder", "build", ROOT, "--out", tmp / "out", "--force",
                        "--format", "docx"], cwd=ROOT, check=True, capture_output=True)
        docx = next((tmp / "out").glob("*.docx"))
        content = tmp / "content"
        export(ROOT, content)
        charts, office, peers = [], [], []
        for _ in range(args.runs):
            charts.append(_child("charts"))
            office.append(_child("office", str(docx)))
            peers.append(peer(content, tmp / "peer-out", "jupyter"))
    c = {k: statistics.median(r[k] for r in charts) for k in ("import", "figures", "png")}
    o = statistics.median(r["cpu"] for r in office)
    p = median_run(peers)
    least = sum(c.values()) + o
    print(f"least CPU of a cold build in both formats (flagship, median of {args.runs}):")
    print(f"  charts ({charts[0]['charts']}): pyplot import {c['import']:.2f} s + figures {c['figures']:.2f} s"
          f" + PNGs {c['png']:.2f} s = {sum(c.values()):.2f} s")
    print(f"  LibreOffice: start + one layout of the DOCX ({office[0]['pages']} pages) {o:.2f} s CPU, "
          f"{statistics.median(r['wall'] for r in office):.2f} s wall")
    print(f"  sum {least:.2f} s CPU")
    print(f"peer (Quarto-style: Jupyter + pandoc + Typst): {p.cpu:.2f} s CPU, {p.wall:.2f} s wall; half of it "
          f"{p.cpu / 2:.2f} s CPU; the least dossier could spend is {least / p.cpu:.2f}x the peer's CPU")


if __name__ == "__main__":
    main()
