"""What tagging costs: the PDF writer on the same document, tagged (PDF/UA-1) and untagged, alternately, in one
process (charts drawn and cached first; the first round only warms up). For CPU time (process_time of the writer
stage) and wall time it prints the median, the spread (least, quartiles, most) of each, the ratio of the medians,
and the median and range of the per-round ratios (tagged / untagged of the same round, so a busy moment on a
shared machine weighs on both), and the size of both files.

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
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    from builder.pipeline import prepare
    from builder.writers import pdf
    result = prepare(Path(args.project), raster=False)
    result.charts.wait("vector")
    cpu: dict[bool, list[float]] = {True: [], False: []}
    wall: dict[bool, list[float]] = {True: [], False: []}
    size: dict[bool, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):
            for tagged in (True, False) if run % 2 else (False, True):
                out = Path(tmp) / f"{tagged}.pdf"
                start_cpu, start_wall = time.process_time(), time.perf_counter()
                pages, _ = pdf.write(result.document, result.style, out, tagged=tagged)
                if run:  # the first round warms caches
                    cpu[tagged].append(time.process_time() - start_cpu)
                    wall[tagged].append(time.perf_counter() - start_wall)
                size[tagged] = out.stat().st_size
    print(f"{pages} pages, {args.runs} runs of each; file size: untagged {size[False] / 1e3:.0f} kB, "
          f"tagged {size[True] / 1e3:.0f} kB")
    for name, times in (("cpu", cpu), ("wall", wall)):
        for tagged in (False, True):
            t = sorted(times[tagged])
            q = statistics.quantiles(t, n=4) if len(t) > 1 else [t[0]] * 3
            print(f"{name} {'tagged  ' if tagged else 'untagged'}: median {q[1]:.3f} s "
                  f"(least {t[0]:.3f}, quartiles {q[0]:.3f}-{q[2]:.3f}, most {t[-1]:.3f})")
        ratios = sorted(a / b - 1 for a, b in zip(times[True], times[False]))
        medians = statistics.median(times[True]) / statistics.median(times[False]) - 1
        print(f"{name} cost: medians +{medians * 100:.1f} %; per round median {statistics.median(ratios) * 100:+.1f} % "
              f"(from {ratios[0] * 100:+.1f} % to {ratios[-1] * 100:+.1f} %)")


if __name__ == "__main__":
    main()
