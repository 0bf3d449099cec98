"""Timing a build's stages: wall time and CPU time per stage, child processes included. Imported by the pipeline
and by the writers' worker processes (writers/parallel.py), so it sits below both and imports nothing of the
package."""
from __future__ import annotations

import time
from collections.abc import Callable


def _children_cpu() -> float:
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Runs a stage, printing its name first, and records its wall time and its CPU time (this process's, plus
    that of the child processes that ended during it: chart workers, writers, LibreOffice)."""

    def __init__(self, timings: dict[str, float], progress: Callable[[str], None] | None,
                 cpu: dict[str, float] | None = None):
        self.timings, self.progress = timings, progress or (lambda _s: None)
        self.cpu = {} if cpu is None else cpu

    def __call__(self, stage: str, fn, *args, **kwargs):
        self.progress(stage)
        start, cpu = time.perf_counter(), time.process_time() + _children_cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            self.timings[stage] = round(time.perf_counter() - start, 4)
            self.cpu[stage] = round(time.process_time() + _children_cpu() - cpu, 4)
