"""Wall and CPU time per stage of one build, read from its build report (`timings`, `cpu`), plus the whole process's.

    python bench/stages.py [PROJECT] [--format pdf|docx|html|all] [--cold]

The writers run at once, so the per-format stages overlap inside `writers`; a forked writer's CPU is counted in
its own stages and again in `writers`."""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?", default=str(ROOT))
    parser.add_argument("--format", default="all")
    parser.add_argument("--cold", action="store_true", help="empty the chart cache first")
    args = parser.parse_args()
    project = Path(args.project).resolve()
    if args.cold:
        shutil.rmtree(project / "build" / ".cache", ignore_errors=True)
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "builder", "build", str(project), "--out", out, "--force",
                        "--format", args.format], cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        report = json.loads(next(Path(out).glob("*.report.json")).read_text(encoding="utf-8"))
    print(f"{'stage':34} {'wall s':>8} {'cpu s':>8}")
    for stage, seconds in report["timings"].items():
        print(f"{stage:34} {seconds:8.2f} {report['cpu'].get(stage, 0):8.2f}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"{'whole process':34} {wall:8.2f} {cpu:8.2f}")


if __name__ == "__main__":
    main()
