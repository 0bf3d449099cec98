"""Benchmark: dossier side by side with a peer pipeline (pandoc + Typst from PyPI, charts by matplotlib, one
variant executing the chart code in a Jupyter kernel as Quarto does), every figure a whole process, measured
with its children (LibreOffice, pandoc, typst, the kernel). Runs alternate between the pipelines; the flagship's
figures are the median of --runs rounds, the large reports one run each.

    python bench/bench.py                  # everything (about half an hour on 2 cores)
    python bench/bench.py --quick          # the flagship once, a 50-page report, a 2,000-row table
    python bench/bench.py --markdown FILE  # also write the summary table as Markdown (for the README)

Scenarios: the flagship cold (fresh copy: empty output folder and chart cache) and warm (`--force`, chart cache
warm), a one-word prose edit and a one-number data edit (rebuilt without --force), synthetic reports of 250, 500
and 1,000 pages (prose and tables) and a table of 20,000 rows, each in both formats (PDF + DOCX). The peer has no
incremental build: an edit costs it a full run, so the edit rows compare with the peer's full build. Last, the
least CPU any cold build must spend (bench/cold_floor.py: the charts' PNGs and one LibreOffice layout), next to the
peer's.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from measure import Run, measured  # noqa: E402

PEERS = ("jupyter", "script")
PEER_NAMES = {"jupyter": "Quarto-style (Jupyter + pandoc + Typst)", "script": "script + pandoc + Typst"}
PROSE_EDIT = ("chapters/03-perception.md", "most important priorities", "most significant priorities")
DATA_EDIT = ("data/trade-kz-exports-ru.csv", "2017,4515.2,", "2017,4515.3,")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {mem / 1024 ** 2:.0f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}; load average at start {load}")


def copy_project(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("build", ".venv", ".git", "tests", "bench", "docs",
                                                            "__pycache__", "*.egg-info"))
    return dst


def dossier(project: Path, out: Path, *extra: str, timeout: float = 3600) -> tuple[Run, dict]:
    """`dossier build PROJECT --out OUT` (PDF + DOCX) as a whole process; the build report's stage timings."""
    run = measured([sys.executable, "-m", "builder", "build", project, "--out", out, *extra], cwd=ROOT,
                   timeout=timeout)
    reports = list(out.glob("*.report.json"))
    report = json.loads(reports[0].read_text(encoding="utf-8")) if reports else {}
    cpu = report.get("cpu") if isinstance(report.get("cpu"), dict) else {}
    return run, {stage: {"wall": wall, "cpu": cpu.get(stage)} for stage, wall in report.get("timings", {}).items()}


def peer(content: Path, out: Path, variant: str, timeout: float = 3600) -> Run:
    if out.exists():
        shutil.rmtree(out)
    return measured([sys.executable, HERE / "peer.py", content, out, "--charts", variant], cwd=ROOT, timeout=timeout)


def export(project: Path, content: Path) -> None:
    """The project's content for the peer, from dossier itself, outside the timing."""
    subprocess.run([sys.executable, HERE / "export.py", project, content], cwd=ROOT, check=True,
                   capture_output=True, text=True)


def edit(project: Path, change: tuple[str, str, str]) -> None:
    path = project / change[0]
    text = path.read_text(encoding="utf-8")
    assert change[1] in text, f"{change[0]} no longer contains {change[1]!r}: update bench.py"
    path.write_text(text.replace(change[1], change[2], 1), encoding="utf-8")


def median_run(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
               max(r.peak_mb for r in runs))


class Table:
    """The figures as they come, and the summary rows (dossier against each peer)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, Run, dict[str, Run]]] = []

    def add(self, label: str, run: Run | None, peers: dict[str, Run], note: str = "") -> None:
        if run is None:
            print(f"{label:44} did not finish {note}", flush=True)
            return
        self.rows.append((label, run, peers))
        ratios = "  ".join(f"{v}: CPU ×{run.cpu / p.cpu:.2f} wall ×{run.wall / p.wall:.2f}"
                           for v, p in peers.items())
        print(f"{label:44} CPU {run.cpu:7.2f} s  wall {run.wall:7.2f} s  peak {run.peak_mb:6.0f} MB  {ratios}"
              f"{note}", flush=True)
        for v, p in peers.items():
            print(f"    peer {PEER_NAMES[v]:40} CPU {p.cpu:7.2f} s  wall {p.wall:7.2f} s  peak {p.peak_mb:6.0f} MB",
                  flush=True)

    def markdown(self) -> str:
        head = "| scenario (PDF + DOCX) | dossier CPU | dossier wall | peak memory |" + "".join(
            f" vs {PEER_NAMES[v]}: CPU / wall |" for v in PEERS)
        lines = [head, "|" + "---|" * (4 + len(PEERS))]
        for label, run, peers in self.rows:
            cells = [label, f"{run.cpu:.1f} s", f"{run.wall:.1f} s", f"{run.peak_mb:.0f} MB"]
            for v in PEERS:
                p = peers.get(v)
                cells.append(f"{run.cpu / p.cpu:.2f}× / {run.wall / p.wall:.2f}× (peer {p.cpu:.1f} s / {p.wall:.1f} s)"
                             if p else "–")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def stages(label: str, timings: dict) -> None:
    """Per-stage figures from the build report: wall always, CPU where the report has it (its `cpu` map)."""
    if not timings:
        return
    has_cpu = any(t["cpu"] is not None for t in timings.values())
    parts = [f"{stage} {t['wall']:.2f}" + (f"/{t['cpu']:.2f}" if t["cpu"] is not None else "")
             for stage, t in timings.items()]
    print(f"    stages of {label} (s, wall{' / CPU' if has_cpu else ''}): " + ", ".join(parts), flush=True)


def flagship(tmp: Path, runs: int, table: Table) -> None:
    content = tmp / "flagship-content"
    export(ROOT, content)
    cold, warm, prose, data, peers = [], [], [], [], {v: [] for v in PEERS}
    timings: dict[str, dict] = {}
    for i in range(runs):
        project = copy_project(ROOT, tmp / f"flagship-{i}")
        out = project / "build"
        run, timings["cold"] = dossier(project, out)
        cold.append(run)
        peers["jupyter"].append(peer(content, tmp / "peer-out", "jupyter"))
        run, timings["warm"] = dossier(project, out, "--force")
        warm.append(run)
        peers["script"].append(peer(content, tmp / "peer-out", "script"))
        edit(project, PROSE_EDIT)
        run, timings["prose edit"] = dossier(project, out)
        prose.append(run)
        edit(project, DATA_EDIT)
        run, timings["data edit"] = dossier(project, out)
        data.append(run)
        shutil.rmtree(project)
        print(f"  round {i + 1}/{runs} done", flush=True)
    p = {v: median_run(r) for v, r in peers.items()}
    for label, found in (("flagship, cold", cold), ("flagship, warm (--force, chart cache warm)", warm),
                         ("flagship, one-word prose edit", prose), ("flagship, one-number data edit", data)):
        table.add(label, median_run(found), p, f"  (median of {runs})")
    for name, t in timings.items():
        stages(f"flagship {name}", t)


def large(tmp: Path, label: str, make, timeout: float, table: Table) -> None:
    """One generated project in both formats, dossier then each peer, one run each."""
    project = make(tmp / "large")
    content = tmp / "large-content"
    export(project, content)
    try:
        run, timings = dossier(project, project / "out", timeout=timeout)
    except subprocess.TimeoutExpired:
        run, timings = None, {}
    pages = ""
    if run is not None:
        report = next((project / "out").glob("*.report.json"), None)
        found = json.loads(report.read_text(encoding="utf-8")).get("outputs", {}) if report else {}
        n = {fmt: (found.get(fmt) or {}).get("pages") for fmt in ("pdf", "docx")}
        per_page = f", {run.cpu / n['pdf']:.3f} s CPU a PDF page" if n["pdf"] else ""
        docx = n["docx"] or "not laid out (no LibreOffice count)"
        pages = f"  (pages: PDF {n['pdf']}, DOCX {docx}{per_page})"
    p = {}
    for variant in PEERS:
        try:
            p[variant] = peer(content, tmp / "peer-out", variant, timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"    peer {variant}: did not finish in {timeout:.0f} s", flush=True)
    peer_pages = _pdf_pages(tmp / "peer-out" / "report.pdf")
    table.add(label, run, p, (pages if run else f"in {timeout:.0f} s") + f"  (peer PDF pages: {peer_pages})")
    stages(label, timings)
    shutil.rmtree(project)
    shutil.rmtree(content)


def _pdf_pages(path: Path) -> str:
    try:
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def docx_floor(runs: int) -> None:
    done = subprocess.run([sys.executable, HERE / "docx_floor.py", ROOT, "--runs", str(runs)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    f = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"DOCX writer vs bare python-docx, same content (flagship, one pass, CPU, median of {runs}): "
          f"writer {f['writer']:.2f} s, bare {f['bare']:.2f} s, ratio ×{f['ratio']:.2f}; bare with styles set by id "
          f"{f['bare_ids']:.2f} s, writer ×{f['ratio_ids']:.2f}", flush=True)


def cold_floor(runs: int) -> None:
    """The least CPU a cold build of the flagship must spend (bench/cold_floor.py), next to the peer's."""
    done = subprocess.run([sys.executable, HERE / "cold_floor.py", "--runs", str(runs)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    print(done.stdout.rstrip(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the flagship once, 50 pages, 2,000 rows")
    parser.add_argument("--runs", type=int, default=None, help="rounds of the flagship (default 3; --quick 1)")
    parser.add_argument("--pages", default=None, help="synthetic report sizes (default 250,500,1000)")
    parser.add_argument("--rows", type=int, default=None, help="rows of the large table (default 20000)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a large build may take")
    parser.add_argument("--markdown", type=Path, help="write the summary table as Markdown to this file")
    parser.add_argument("--only", default="flagship,pages,table,docx,floor",
                        help="the parts to run, of: flagship, pages, table, docx, floor")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    pages = [int(n) for n in (args.pages or ("50" if args.quick else "250,500,1000")).split(",") if n]
    rows = args.rows or (2000 if args.quick else 20000)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    host = machine()
    only = set(args.only.split(","))
    print(f"dossier benchmark, {stamp}\nmachine: {host}")
    print("each figure: one whole process with its children; CPU = user + sys; ratios = dossier / peer "
          "(below 1: dossier cheaper)\n", flush=True)
    from synthetic import long_report, long_table
    table = Table()
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        if "flagship" in only:
            flagship(Path(tmp), runs, table)
        for n in pages if "pages" in only else ():
            large(Path(tmp), f"synthetic report, {n} pages", lambda d, n=n: long_report(d, n), args.timeout, table)
        if "table" in only:
            large(Path(tmp), f"one table of {rows:,} rows", lambda d: long_table(d, rows), args.timeout, table)
    if "docx" in only:
        docx_floor(runs)
    if "floor" in only:
        cold_floor(runs)
    if args.markdown:
        args.markdown.write_text(f"Measured {stamp} on {host} with `python bench/bench.py"
                                 f"{' --quick' if args.quick else ''}`.\n\n{table.markdown()}\n", encoding="utf-8")
        print(f"\nwrote {args.markdown}")


if __name__ == "__main__":
    main()
