"""Benchmark of `dossier batch`: N tailored briefing packs of the flagship (default 200), at 1 and 2 local workers,
on all local cores and on a two-worker Dask LocalCluster, against single `dossier brief` runs; and the batch's
growth with the number of rows. Each batch starts with an empty chart cache; each figure is a fresh process.

The parameterised flagship is a copy of the flagship with two parameters added to its report.yaml (`recipient`, a
text printed on the pack; `as_of`, the last year of data, which filters every table with a year column) and one
line added under the brief's heading. With its defaults (no filter) it prints the flagship's own brief.

    python bench/bench_batch.py [--rows 200] [--growth 50,100,200] [--formats pdf,docx]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAMS = """
params:
  recipient:
    type: text
    default: ""
    description: Who the briefing pack is prepared for.
  as_of:
    type: year
    default: null
    description: The last year of data the pack shows.
    until: {"*": year}
"""
LINE = "\n{% if params.recipient %}Prepared for {{ params.recipient }}; data up to {{ params.as_of }}.{% endif %}\n"
YEARS = range(2013, 2018)
DASK = """
import json, sys
from pathlib import Path
from distributed import LocalCluster
from builder.commands.batch import run_batch
with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
    report = run_batch(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), "brief", tuple(sys.argv[4].split(",")),
                       scheduler=cluster.scheduler_address)
print(json.dumps({k: report[k] for k in ("built", "failed", "charts", "seconds")}))
"""


def parameterised_flagship(dst: Path) -> Path:
    shutil.copytree(ROOT, dst, ignore=shutil.ignore_patterns("build", ".venv", ".git", "tests", "bench", "builder",
                                                            "examples", "*.egg-info", "editions", "docs"))
    report = dst / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8") + PARAMS, encoding="utf-8")
    brief = dst / "chapters" / "brief.md"
    lines = brief.read_text(encoding="utf-8").splitlines(keepends=True)
    heading = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines.insert(heading + 1, LINE)
    brief.write_text("".join(lines), encoding="utf-8")
    return dst


def params_file(path: Path, rows: int) -> Path:
    lines = ["recipient,as_of"]
    for i in range(rows):
        lines.append(f"Recipient {i // len(YEARS) + 1:03d},{YEARS[i % len(YEARS)]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fresh_cache(project: Path) -> None:
    shutil.rmtree(project / "build" / ".cache", ignore_errors=True)


def _cpu() -> float:
    """CPU seconds of the finished child processes (and theirs): unlike wall time, not inflated by other load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def single_brief(project: Path, out: Path, formats: str, cold: bool) -> tuple[float, float]:
    if cold:
        fresh_cache(project)
    fmt = "all" if "," in formats else formats
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run([sys.executable, "-m", "builder", "brief", str(project), "--out", str(out), "--format", fmt,
                    "--param", "recipient=Recipient 001", "--param", "as_of=2016"],
                   check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start, _cpu() - cpu


def batch(project: Path, rows: Path, out: Path, formats: str, workers: int | None = None,
          dask: bool = False) -> tuple[float, float, dict]:
    fresh_cache(project)
    shutil.rmtree(out, ignore_errors=True)
    start, cpu = time.perf_counter(), _cpu()
    if dask:
        done = subprocess.run([sys.executable, "-c", DASK, str(project), str(rows), str(out), formats],
                              check=True, capture_output=True, text=True, cwd=ROOT)
        summary = json.loads(done.stdout.strip().splitlines()[-1])
    else:
        fmt = "all" if "," in formats else formats
        args = ["--workers", str(workers)] if workers else []
        subprocess.run([sys.executable, "-m", "builder", "batch", str(rows), str(project), "--kind", "brief",
                        "--format", fmt, "--out", str(out), *args], check=True, capture_output=True, cwd=ROOT)
        summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    return time.perf_counter() - start, _cpu() - cpu, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--growth", default="50,100,200", help="Row counts for the growth line (2 workers).")
    parser.add_argument("--formats", default="pdf,docx")
    parser.add_argument("--runs", type=int, default=3, help="Single `dossier brief` runs (median).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = parameterised_flagship(Path(tmp) / "flagship")
        rows = params_file(Path(tmp) / "rows.csv", args.rows)
        out = Path(tmp) / "out"
        for label, cold in (("an empty chart cache", True), ("a warm chart cache", False)):
            runs = [single_brief(project, out, args.formats, cold) for _ in range(args.runs)]
            print(f"one `dossier brief` run (whole process, {args.formats}), {label}: "
                  f"{statistics.median(r[0] for r in runs):.2f} s wall, "
                  f"{statistics.median(r[1] for r in runs):.2f} s CPU (median of {args.runs})")
        print(f"{'engine':30} {'briefs':>6} {'wall s':>7} {'wall/brief':>10} {'CPU/brief':>10} "
              f"{'charts drawn/reused':>20}")
        engines = [("local, 1 worker", {"workers": 1}), ("local, 2 workers", {"workers": 2}),
                   (f"local, all cores ({os.cpu_count()})", {}), ("Dask LocalCluster, 2 workers", {"dask": True})]
        for label, kwargs in engines:
            _line(label, args.rows, *batch(project, rows, out, args.formats, **kwargs))
            if label.startswith("Dask"):
                print(f"{own_figures(out, rows)} of {args.rows} briefs print their own recipient and year")
        print("growth (local, 2 workers):")
        for n in [int(x) for x in args.growth.split(",") if x]:
            _line(f"  {n} rows", n, *batch(project, params_file(Path(tmp) / f"rows{n}.csv", n), out, args.formats,
                                           workers=2))


def own_figures(out: Path, rows: Path) -> int:
    """How many of the batch's briefs carry their own row's parameters (no two rows wrote the same files)."""
    from pypdf import PdfReader
    ok = 0
    for line in rows.read_text(encoding="utf-8").splitlines()[1:]:
        recipient, year = line.split(",")
        folder = out / f"{recipient.lower().replace(' ', '-')}-{year}"
        text = " ".join((PdfReader(folder / "kazakhstan-russia-relations-brief.pdf").pages[1].extract_text()).split())
        ok += f"Prepared for {recipient}; data up to {year}." in text \
            and f"Russia's exports to Kazakhstan, USD m {year} " in text  # the key figure of that year
    return ok


def _line(label: str, rows: int, seconds: float, cpu: float, summary: dict) -> None:
    charts = summary["charts"]
    failed = f"  ({summary['failed']} failed)" if summary["failed"] else ""
    print(f"{label:30} {rows:>6} {seconds:>7.1f} {seconds / rows:>10.3f} {cpu / rows:>10.3f} "
          f"{charts['drawn']:>10}/{charts['reused']:<9}{failed}", flush=True)


if __name__ == "__main__":
    main()
