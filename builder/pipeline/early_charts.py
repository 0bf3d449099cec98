"""The chart process of a build: forked when the build starts, it imports matplotlib (about 0.5 s of CPU) while the
build's own process reads the project and renders and parses the chapters, then draws the charts the build sends
it, in worker processes forked from it as `builder.charts.Rendering` does. The build's process never imports
matplotlib, and the charts start as soon as the chapters say which are placed.

matplotlib is imported only when the build says charts will be drawn (`warm`, once the dataset is loaded: a chart
whose `{figure}` is in a chapter's source and whose files are not in the cache); a build that draws none ends the
process without it (`close`)."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

FIGURE_FENCE = re.compile(r"^\s*(?:```|~~~)\s*\{figure\}\s+([^\s`]+)", re.M)


class EarlyCharts:
    """`with EarlyCharts() as charts:` the process; `charts.warm()`, then `charts.start(jobs, workers)` as
    `render_charts`'s `start`: the object it returns is the build's pending charts (`wait(part)`)."""

    def __init__(self) -> None:
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, self.conn), daemon=False, name="dossier-charts")
        self.process.start()
        child.close()
        # its end: a pidfd (Linux) is ready when it ends, whereas its sentinel stays open in its workers
        self.ended = os.pidfd_open(self.process.pid) if hasattr(os, "pidfd_open") else self.process.sentinel
        self.jobs: list = []
        self.warmed = self.sent = self.closed = False
        self.lock = threading.Lock()
        self.outcome: list = []  # [None] when every chart was drawn, [exception] when one was not

    def __enter__(self) -> "EarlyCharts":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def warm(self) -> None:
        """Import matplotlib now: charts will be drawn."""
        if not (self.warmed or self.sent or self.closed):
            self._send("warm")
            self.warmed = True

    def start(self, jobs: list, workers: int) -> "EarlyCharts":
        """Draw `jobs` ([(Job, parts)]) in `workers` processes; their `.pending` markers exist when this returns."""
        from builder.charts import Rendering, mark_pending
        if self.sent or self.closed:
            return Rendering(jobs, workers)  # a second set of charts in one build: drawn as before
        mark_pending(jobs)
        self.jobs = jobs
        self._send(("draw", jobs, workers))
        self.sent = True
        return self

    def wait(self, part: str) -> None:
        """Block until the charts' vector files ("vector") or all their files ("all") are written; a chart that
        could not be drawn raises its error."""
        from builder.charts import await_vector
        if part == "vector":
            await_vector(self.jobs)
            return
        with self.lock:
            if not self.outcome:
                self.outcome.append(self._outcome())
                self.process.join()
        if self.outcome[0] is not None:
            raise self.outcome[0]

    def _outcome(self):
        """What the process sent when its charts were drawn; an error when it ended without a word (its socket
        may stay open in its orphaned workers: its end is watched, not the socket alone)."""
        from multiprocessing.connection import wait
        wait([self.conn, self.ended])
        try:
            if self.conn.poll():
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        return RuntimeError(f"the chart process ended before the charts were drawn (status {self.process.exitcode})")

    def close(self) -> None:
        """End the process: at once when it was given no charts, else once they are drawn."""
        if self.closed:
            return
        self.closed = True
        if not self.sent:  # it has no child and writes no file: ended at once, even while importing
            self.process.kill()
            self.process.join()
        else:
            try:
                self.wait("all")
            except Exception:  # noqa: BLE001 (reported by the build's own wait)
                pass
            finally:
                self._release()
            return
        self._release()

    def _release(self) -> None:
        self.conn.close()
        if self.ended != self.process.sentinel:
            os.close(self.ended)

    def _send(self, message) -> None:
        try:
            self.conn.send(message)
        except (BrokenPipeError, OSError):
            pass  # the process has ended: `wait` reports it


def placed_figures(root: Path, chapters) -> set[str]:
    """The chart ids of the `{figure}` fences in the chapters' sources, before their templates run (a figure that
    only a template writes is not seen: its chart then starts importing matplotlib when it is sent)."""
    ids: set[str] = set()
    for name in chapters:
        try:
            ids |= set(FIGURE_FENCE.findall((root / "chapters" / name).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            pass  # reported where the chapter is rendered
    return ids


def _serve(conn, parent_end) -> None:
    """The process: interrupted (Ctrl-C reaches the build's whole process group), it ends without a word; the
    build reports the interruption."""
    try:
        _run(conn, parent_end)
    except KeyboardInterrupt:
        pass


def _run(conn, parent_end) -> None:
    parent_end.close()
    from builder.writers.parallel import _die_with_parent
    _die_with_parent()
    message = _receive(conn)
    if message == "warm":
        _preload()
        message = _receive(conn)
    if not message:
        return
    _kind, jobs, workers = message
    try:
        _draw(jobs, workers)
        outcome = None
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 (sent to the build, which raises it)
        outcome = e
    finally:
        _undrawn_failed(jobs)
    try:
        conn.send(outcome)
    except Exception:  # noqa: BLE001 (an error that does not pickle)
        conn.send(RuntimeError(f"{type(outcome).__name__}: {outcome}"))
    conn.close()


def _undrawn_failed(jobs: list) -> None:
    """A chart left undrawn (its worker failed or was interrupted) is marked failed: no writer waits for it."""
    from builder.charts import marker
    for job, _parts in jobs:
        try:
            os.replace(marker(job, "pending"), marker(job, "failed"))
        except OSError:
            pass  # drawn (or marked by its worker)


def _draw(jobs: list, workers: int) -> None:
    """The charts in `workers` processes forked from this one, each a share of them (builder.charts.Rendering);
    a worker dies with this process, so none is left waiting for work when it is killed."""
    from builder.charts import Rendering
    from builder.writers.parallel import _die_with_parent
    Rendering(jobs, workers, initializer=_die_with_parent).wait("all")


# What every chart worker imports to draw and save a chart, imported here once before the workers are forked
# (each would import them again). This process is not the PDF writer's: ReportLab imported here (by the drawing
# module) leaves the build's own paragraphs alone.
WORKER_MODULES = ("builder.charts.render", "builder.charts.drawing", "matplotlib.backends.backend_agg")


def _preload() -> None:
    import importlib

    import matplotlib
    matplotlib.use("Agg")
    for name in WORKER_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # a worker reports what it lacks
    try:
        from PIL import Image
        Image.preinit()  # the image plugins a PNG save loads
    except ImportError:
        pass


def _receive(conn):
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None
