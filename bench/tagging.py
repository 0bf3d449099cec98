"""What tagging costs: the PDF writer on the same document, tagged (PDF/UA-1) and untagged, alternately, in one
process (charts drawn and cached first). Prints the median and the least CPU and wall time of each, and the
tagged/untagged ratio (on a shared machine the least is the least disturbed).

    python bench/tagging.py [PROJECT] [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?", default=str(ROOT))
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    from builder.build import prepare
    from builder.writers import pdf
    result = prepare(Path(args.project), raster=False)
    result.charts.wait("vector")
    cpu: dict[bool, list[float]] = {True: [], False: []}
    wall: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):
            for tagged in (True, False) if run % 2 else (False, True):
                start_cpu, start_wall = time.process_time(), time.perf_counter()
                pdf.write(result.document, result.style, Path(tmp) / "out.pdf", tagged=tagged)
                if run:  # the first round warms caches
                    cpu[tagged].append(time.process_time() - start_cpu)
                    wall[tagged].append(time.perf_counter() - start_wall)
    for name, times in (("cpu", cpu), ("wall", wall)):
        for stat in (statistics.median, min):
            tagged, plain = stat(times[True]), stat(times[False])
            print(f"{name} ({stat.__name__}): untagged {plain:.3f} s, tagged {tagged:.3f} s, "
                  f"+{(tagged / plain - 1) * 100:.1f} %")


if __name__ == "__main__":
    main()
